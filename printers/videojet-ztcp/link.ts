// One ZTCP connection: a command line out, its answer line in, one command at a time, a timeout on each.
// A timeout or a line that is not an answer closes the link for good (a late answer would otherwise be taken for the
// next command's); the driver opens a new one. A failure answer (ERR) is a definite answer: the link stays.
import type { Duplex } from 'node:stream'
import { PrinterLinkError, PrinterOfflineError, PrinterRefusedError, PrinterTimeoutError } from '../errors.ts'
import type { StreamFactory } from '../transport.ts'
import { encodeCommand, LineReader, parseReply, type Reply, ZtcpSyntaxError } from './codec.ts'

interface Waiter { resolve: (line: string) => void, reject: (err: Error) => void }

export class ZtcpLink {
  #stream: Duplex | undefined
  #reader = new LineReader()
  #waiter: Waiter | undefined
  #chain: Promise<unknown> = Promise.resolve()
  #dead = false
  onLost: ((err: Error) => void) | undefined

  constructor (readonly printer: string, readonly timeoutMs: number) {}

  get alive (): boolean { return !this.#dead && this.#stream !== undefined }

  async open (factory: StreamFactory): Promise<void> {
    let stream: Duplex
    try {
      stream = await factory()
    } catch (err) {
      throw new PrinterLinkError('connect failed', { printer: this.printer }, { cause: err })
    }
    stream.on('data', (d: Buffer) => { this.#onData(d) })
    stream.on('error', err => { this.#lose(new PrinterLinkError(`stream error: ${err.message}`, { printer: this.printer }, { cause: err })) })
    stream.once('close', () => { this.#lose(new PrinterLinkError('connection closed', { printer: this.printer })) })
    this.#stream = stream
  }

  /**
   * Send one command and wait for its answer. Resolves with the parsed answer, `ERR` included when `allowErr`;
   * otherwise an `ERR` rejects with PrinterRefusedError.
   */
  async request (mnemonic: string, params: readonly string[] = [], o: { allowErr?: boolean } = {}): Promise<Reply> {
    const run = async (): Promise<Reply> => {
      const stream = this.#stream
      if (this.#dead || stream === undefined) throw new PrinterOfflineError({ printer: this.printer, operation: mnemonic })
      const bytes = encodeCommand(mnemonic, params)
      const line = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.#waiter = undefined
          const err = new PrinterTimeoutError({ printer: this.printer, request: mnemonic, timeoutMs: this.timeoutMs })
          this.#lose(err)
          reject(err)
        }, this.timeoutMs)
        this.#waiter = {
          resolve: l => { clearTimeout(timer); resolve(l) },
          reject: e => { clearTimeout(timer); reject(e) },
        }
        stream.write(bytes)
      })
      let reply: Reply
      try {
        reply = parseReply(line)
      } catch (err) {
        const e = new PrinterLinkError(`bad answer to ${mnemonic}: ${(err as Error).message}`, { printer: this.printer, request: mnemonic }, { cause: err })
        this.#lose(e)
        throw e
      }
      if (reply.kind === 'err' && o.allowErr !== true) throw new PrinterRefusedError({ printer: this.printer, request: mnemonic, answer: 'ERR' })
      return reply
    }
    const p = this.#chain.then(run, run)
    this.#chain = p.catch(() => undefined)
    return await p
  }

  /** A malformed data answer found by the caller (wrong tag, wrong field count): the stream is out of step. */
  fail (mnemonic: string, err: unknown): PrinterLinkError {
    const e = err instanceof PrinterLinkError ? err : new PrinterLinkError(`bad answer to ${mnemonic}: ${(err as Error).message}`, { printer: this.printer, request: mnemonic }, { cause: err })
    this.#lose(e)
    return e
  }

  close (): void {
    this.#dead = true
    const s = this.#stream
    this.#stream = undefined
    const w = this.#waiter
    this.#waiter = undefined
    w?.reject(new PrinterOfflineError({ printer: this.printer, operation: 'request (link closed)' }))
    if (s !== undefined) {
      s.removeAllListeners('data')
      s.on('error', () => {}) // a late socket error after close must not become an unhandled 'error'
      s.destroy()
    }
  }

  #onData (d: Buffer): void {
    let lines: string[]
    try {
      lines = this.#reader.push(d)
    } catch (err) {
      this.#lose(new PrinterLinkError(`line noise: ${(err as Error).message}`, { printer: this.printer }, { cause: err }))
      return
    }
    for (const line of lines) {
      if (line === '') continue // a blank line (a stray CR) answers nothing
      const w = this.#waiter
      this.#waiter = undefined
      if (w === undefined) {
        // Nothing was asked: an asynchronous notification the driver did not enable, or noise. Either way the
        // stream can no longer be trusted to pair answers with commands.
        this.#lose(new PrinterLinkError(`unsolicited line: ${new ZtcpSyntaxError(JSON.stringify(line.slice(0, 60))).message}`, { printer: this.printer }))
        return
      }
      w.resolve(line)
    }
  }

  #lose (err: Error): void {
    if (this.#dead) return
    const w = this.#waiter
    this.#waiter = undefined
    this.close()
    w?.reject(err)
    this.onLost?.(err)
  }
}
