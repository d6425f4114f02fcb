// zeromq ROUTER for an MES: job messages in, validated, handed to the line, answered ack or nack. Malformed
// messages get a nack with the reason and never reach the line. The only file of the feed that owns a ROUTER.
import { Router } from 'zeromq'
import { LineError } from '../codes/errors.ts'
import { issueList } from '../domain/validation.ts'
import type { Logger } from '../log.ts'
import { MesMessage, type MesAnswer } from './messages.ts'

export class L3MessageError extends LineError {
  constructor (message: string, context: Record<string, unknown> = {}) { super('LC_ERR_L3_MESSAGE', message, context) }
}

/** What the line does with a valid message; throw a LineError to nack with its code. */
export type MesHandler = (msg: MesMessage) => Promise<unknown> | unknown

export interface RouterOptions {
  endpoint: string
  handler: MesHandler
  log?: Logger
  /** Largest message accepted (bytes). */
  maxBytes?: number
}

export class L3JobRouter {
  readonly #o: RouterOptions
  readonly #sock: Router
  #loop: Promise<void> | undefined
  endpoint = ''
  /** Messages refused as malformed (for status and tests). */
  nacks = 0

  constructor (options: RouterOptions) {
    this.#o = options
    this.#sock = new Router({ maxMessageSize: options.maxBytes ?? 1_048_576 })
  }

  async bind (): Promise<string> {
    await this.#sock.bind(this.#o.endpoint)
    this.endpoint = this.#sock.lastEndpoint ?? this.#o.endpoint
    this.#loop = this.#run()
    return this.endpoint
  }

  async #run (): Promise<void> {
    try {
      for await (const frames of this.#sock) {
        const [identity, ...rest] = frames
        if (identity === undefined || rest.length === 0) continue
        // REQ peers put an empty delimiter frame before the payload; DEALER peers do not. Answer in kind.
        const delimited = rest.length >= 2 && rest[0]?.length === 0
        const payload = rest[rest.length - 1] as Buffer
        const answer = await this.#answer(payload)
        try {
          await this.#sock.send(delimited ? [identity, Buffer.alloc(0), JSON.stringify(answer)] : [identity, JSON.stringify(answer)])
        } catch (err) {
          this.#o.log?.warn({ err }, 'L3 answer not sent')
        }
      }
    } catch (err) {
      if (!this.#sock.closed) this.#o.log?.error({ err }, 'L3 router stopped')
    }
  }

  async #answer (payload: Buffer): Promise<MesAnswer> {
    let raw: unknown
    try {
      raw = JSON.parse(payload.toString('utf8'))
    } catch {
      return this.#nack(null, new L3MessageError('message is not JSON', { bytes: payload.length }))
    }
    const msgId = typeof (raw as { msgId?: unknown })?.msgId === 'string' ? (raw as { msgId: string }).msgId : null
    const parsed = MesMessage.safeParse(raw)
    if (!parsed.success) {
      const issues = issueList(parsed.error.issues)
      return this.#nack(msgId, new L3MessageError('message does not match the L3 schema', { issues }), issues)
    }
    try {
      const data = await this.#o.handler(parsed.data)
      return data === undefined ? { msgId, type: 'ack' } : { msgId, type: 'ack', data }
    } catch (err) {
      const e = err instanceof LineError ? err : new LineError('LC_ERR_L3_HANDLER', (err as Error)?.message ?? String(err))
      return this.#nack(msgId, e)
    }
  }

  #nack (msgId: string | null, e: LineError, issues?: Array<{ path: string, message: string }>): MesAnswer {
    this.nacks++
    this.#o.log?.warn({ err: e, msgId }, 'L3 message refused')
    return { msgId, type: 'nack', error: { code: e.code, message: e.message, ...(issues === undefined ? {} : { issues }) } }
  }

  async close (): Promise<void> {
    this.#sock.close()
    await this.#loop
  }
}
