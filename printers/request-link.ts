// One connection to a device that answers each request with one answer (vendor text and frame protocols): a
// request out, its answer in, one request at a time, a timeout on each. A timeout, a stream error or a frame that is
// no answer closes the link for good (a late answer would be taken for the next request's); the driver opens a new
// one. Subclasses frame, parse and match the answers (onData) and say what a definite refusal is.
import type { Duplex } from 'node:stream'
import { PrinterLinkError, PrinterOfflineError, PrinterTimeoutError } from './errors.ts'
import type { StreamFactory } from './transport.ts'

/** The request waiting for its answer; `W` is what a subclass needs to match an answer to it. */
export type Waiting<A, W> = W & { request: string, resolve: (a: A) => void, reject: (err: Error) => void }

export abstract class RequestLink<A, W extends object = object> {
  #stream: Duplex | undefined
  #waiter: Waiting<A, W> | undefined
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
    stream.on('data', (d: Buffer) => { this.onData(d) })
    stream.on('error', err => { this.lose(new PrinterLinkError(`stream error: ${err.message}`, { printer: this.printer }, { cause: err })) })
    stream.once('close', () => { this.lose(new PrinterLinkError('connection closed', { printer: this.printer })) })
    this.#stream = stream
  }

  /** Bytes read from the device: frame them, and hand an answer to `take()`. */
  protected abstract onData (d: Buffer): void

  /**
   * One request after another: `work` runs when the requests before it are done. Inside it, `exchange` sends the
   * bytes and waits for the answer (a timeout closes the link).
   */
  protected serial<T> (request: string, work: (exchange: (bytes: string | Buffer, match: W) => Promise<A>) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const stream = this.#stream
      if (this.#dead || stream === undefined) throw new PrinterOfflineError({ printer: this.printer, operation: request })
      return await work((bytes, match) => new Promise<A>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.#waiter = undefined
          const err = new PrinterTimeoutError({ printer: this.printer, request, timeoutMs: this.timeoutMs })
          this.lose(err)
          reject(err)
        }, this.timeoutMs)
        this.#waiter = {
          ...match,
          request,
          resolve: (a: A) => { clearTimeout(timer); resolve(a) },
          reject: (e: Error) => { clearTimeout(timer); reject(e) },
        } as Waiting<A, W>
        stream.write(bytes)
      }))
    }
    const p = this.#chain.then(run, run)
    this.#chain = p.catch(() => undefined)
    return p
  }

  /** The request waiting for an answer, if any. */
  protected get waiting (): Waiting<A, W> | undefined { return this.#waiter }

  /** The answer to the waiting request (undefined: nothing was asked). */
  protected take (): Waiting<A, W> | undefined {
    const w = this.#waiter
    this.#waiter = undefined
    return w
  }

  protected get dead (): boolean { return this.#dead }

  /** An answer the caller cannot use (wrong tag or field count, value out of range): the stream is out of step. */
  fail (request: string, err: unknown): PrinterLinkError {
    const e = err instanceof PrinterLinkError ? err : new PrinterLinkError(`bad answer to ${request}: ${(err as Error).message}`, { printer: this.printer, request }, { cause: err })
    this.lose(e)
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

  /** The link can no longer be trusted: closed, the waiting request rejected with `err`, the driver told. */
  protected lose (err: Error): void {
    if (this.#dead) return
    const w = this.#waiter
    this.#waiter = undefined
    this.close()
    w?.reject(err)
    this.onLost?.(err)
  }
}
