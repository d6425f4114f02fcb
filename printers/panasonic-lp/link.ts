// One connection to a Panasonic laser marker: a request frame out, its answer frame in, one request at a time, a
// timeout on each. The marking-end frames (MST A 0000 / Exxx) arrive on their own at any moment, also between a
// request and its answer: they go to onMarkingEnd and leave the waiting request alone. A timeout or a frame that is
// no answer closes the link for good (a late answer would be taken for the next request's); the driver opens a new
// one. A negative answer (NAK) is a definite answer: the link stays.
import type { Duplex } from 'node:stream'
import { PrinterLinkError, PrinterOfflineError, PrinterRefusedError, PrinterTimeoutError } from '../errors.ts'
import type { StreamFactory } from '../transport.ts'
import { type Answer, encodeRequest, FrameReader, LpSyntaxError, markingEnd, type MarkingEnd, NAK_CODES, parseAnswer } from './codec.ts'

interface Waiter { command: string, sub: 'S' | 'R', resolve: (a: Answer) => void, reject: (err: Error) => void, onAnswer: ((a: Answer) => void) | undefined }

export class LpLink {
  #stream: Duplex | undefined
  #reader = new FrameReader()
  #waiter: Waiter | undefined
  #chain: Promise<unknown> = Promise.resolve()
  #dead = false
  onLost: ((err: Error) => void) | undefined
  onMarkingEnd: ((end: MarkingEnd) => void) | undefined

  constructor (readonly printer: string, readonly timeoutMs: number, readonly checksum: boolean) {}

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
   * Send one request and wait for its answer: ACK for a setting, the command's readout for a readout. A NAK rejects
   * with PrinterRefusedError (answer "NAK nn") unless `allowNak`, then it resolves with it. `onAnswer` sees the answer
   * the moment it is read, before any frame after it (a marking end right behind the ACK of its SIN).
   */
  async request (command: string, sub: 'S' | 'R', data = '', o: { allowNak?: boolean, onAnswer?: (a: Answer) => void } = {}): Promise<Answer> {
    const run = async (): Promise<Answer> => {
      const stream = this.#stream
      if (this.#dead || stream === undefined) throw new PrinterOfflineError({ printer: this.printer, operation: command })
      const bytes = encodeRequest(command, sub, data, { checksum: this.checksum })
      const answer = await new Promise<Answer>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.#waiter = undefined
          const err = new PrinterTimeoutError({ printer: this.printer, request: command, timeoutMs: this.timeoutMs })
          this.#lose(err)
          reject(err)
        }, this.timeoutMs)
        this.#waiter = {
          command,
          sub,
          onAnswer: o.onAnswer,
          resolve: a => { clearTimeout(timer); resolve(a) },
          reject: e => { clearTimeout(timer); reject(e) },
        }
        stream.write(bytes)
      })
      if (answer.kind === 'nak' && o.allowNak !== true) {
        throw new PrinterRefusedError({ printer: this.printer, request: command, answer: `NAK ${answer.code} ${NAK_CODES[answer.code] ?? '(code not in the manual)'}` })
      }
      return answer
    }
    const p = this.#chain.then(run, run)
    this.#chain = p.catch(() => undefined)
    return await p
  }

  /** A readout the caller cannot use (wrong field count, value out of range): the stream is out of step. */
  fail (command: string, err: unknown): PrinterLinkError {
    const e = err instanceof PrinterLinkError ? err : new PrinterLinkError(`bad answer to ${command}: ${(err as Error).message}`, { printer: this.printer, request: command }, { cause: err })
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
    let frames: string[]
    try {
      frames = this.#reader.push(d)
    } catch (err) {
      this.#lose(new PrinterLinkError(`line noise: ${(err as Error).message}`, { printer: this.printer }, { cause: err }))
      return
    }
    for (const frame of frames) {
      if (this.#dead) return
      if (frame === '') continue // a stray end code answers nothing
      let answer: Answer
      try {
        answer = parseAnswer(frame, { checksum: this.checksum })
      } catch (err) {
        this.#lose(new PrinterLinkError(`bad answer: ${(err as Error).message}`, { printer: this.printer, ...(this.#waiter !== undefined ? { request: this.#waiter.command } : {}) }, { cause: err }))
        return
      }
      const end = markingEnd(answer)
      if (end !== undefined) { this.onMarkingEnd?.(end); continue }
      const w = this.#waiter
      this.#waiter = undefined
      const fits = w !== undefined && (answer.kind === 'nak' || (w.sub === 'S' ? answer.kind === 'ack' : answer.kind === 'data' && answer.command === w.command))
      if (w === undefined || !fits) {
        // Nothing was asked, or not this: the stream can no longer be trusted to pair answers with requests.
        const what = answer.kind === 'data' ? `${answer.command} A ${answer.data}` : answer.kind.toUpperCase()
        this.#lose(new PrinterLinkError(`bad answer: ${new LpSyntaxError(w === undefined ? `unsolicited ${what}` : `${what} to ${w.command} ${w.sub}`).message}`, { printer: this.printer, ...(w !== undefined ? { request: w.command } : {}) }))
        return
      }
      w.onAnswer?.(answer)
      w.resolve(answer)
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
