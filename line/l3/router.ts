// zeromq ROUTER for an MES: job messages in, validated, handed to the line, answered ack or nack. Malformed
// messages get a nack with the reason and never reach the line. The only file of the feed that owns a ROUTER.
import { Router } from 'zeromq'
import { systemClock, type Clock } from '../clock.ts'
import { LineError } from '../domain/errors.ts'
import { issueList } from '../domain/validation.ts'
import type { Logger } from '../log.ts'
import { secureServer, type CurveServerOptions } from './curve.ts'
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
  /** CURVE: only these MES keys may connect (docs/l3-feed.md); without it anyone who reaches the endpoint may. */
  curve?: CurveServerOptions
  /** Messages a second one peer may send; beyond it they are nacked unread (a flood must not reach the line). */
  maxMessagesPerSecond?: number
  clock?: Clock
}

/** Per-peer token buckets, bounded: a peer not heard from for a while is forgotten first. */
class PeerRates {
  readonly #buckets = new Map<string, { tokens: number, at: number }>()
  constructor (readonly perSecond: number, readonly maxPeers = 1000) {}
  take (peer: string, now: number): boolean {
    const b = this.#buckets.get(peer) ?? { tokens: this.perSecond, at: now }
    b.tokens = Math.min(this.perSecond, b.tokens + (now - b.at) * this.perSecond / 1000)
    b.at = now
    this.#buckets.delete(peer)
    this.#buckets.set(peer, b)
    while (this.#buckets.size > this.maxPeers) this.#buckets.delete(this.#buckets.keys().next().value as string)
    if (b.tokens < 1) return false
    b.tokens -= 1
    return true
  }
}

export class L3JobRouter {
  readonly #o: RouterOptions
  readonly #sock: Router
  #loop: Promise<void> | undefined
  endpoint = ''
  /** Messages refused as malformed (for status and tests). */
  nacks = 0
  /** Messages refused unread for exceeding the peer's rate. */
  throttled = 0
  readonly #rates: PeerRates
  #unsecure: (() => Promise<void>) | null = null

  constructor (options: RouterOptions) {
    this.#o = options
    this.#sock = new Router({ maxMessageSize: options.maxBytes ?? 1_048_576 })
    this.#rates = new PeerRates(options.maxMessagesPerSecond ?? 20)
  }

  async bind (): Promise<string> {
    if (this.#o.curve !== undefined) this.#unsecure = await secureServer(this.#sock, this.#o.curve, this.#o.log)
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
        const answer = this.#rates.take(identity.toString('hex'), (this.#o.clock ?? systemClock).now()) ? await this.#answer(payload) : this.#throttle(payload)
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

  #throttle (payload: Buffer): MesAnswer {
    this.throttled++
    // logged once per 100 so that a flood does not become a flood of log lines
    if (this.throttled % 100 === 1) this.#o.log?.warn({ throttled: this.throttled }, 'L3 peer over its message rate: messages refused unread')
    return { msgId: null, type: 'nack', error: { code: 'LC_ERR_L3_RATE', message: `more than ${this.#rates.perSecond} messages a second: refused unread (${payload.length} bytes)` } }
  }

  #nack (msgId: string | null, e: LineError, issues?: Array<{ path: string, message: string }>): MesAnswer {
    this.nacks++
    this.#o.log?.warn({ err: e, msgId }, 'L3 message refused')
    return { msgId, type: 'nack', error: { code: e.code, message: e.message, ...(issues === undefined ? {} : { issues }) } }
  }

  async close (): Promise<void> {
    this.#sock.close()
    await this.#loop
    await this.#unsecure?.()
  }
}
