// One connection to a Panasonic laser marker (printers/request-link.ts): a request frame out, its answer frame in,
// one request at a time, a timeout on each. The marking-end frames (MST A 0000 / Exxx) arrive on their own at any moment, also between a
// request and its answer: they go to onMarkingEnd and leave the waiting request alone. A timeout or a frame that is
// no answer closes the link for good (a late answer would be taken for the next request's); the driver opens a new
// one. A negative answer (NAK) is a definite answer: the link stays.
import { PrinterLinkError, PrinterRefusedError } from '../errors.ts'
import { RequestLink } from '../request-link.ts'
import { type Answer, encodeRequest, FrameReader, LpSyntaxError, markingEnd, type MarkingEnd, NAK_CODES, parseAnswer } from './codec.ts'

/** What an answer is matched against: ACK for a setting (S), the command's readout for a readout (R). */
interface Match { sub: 'S' | 'R', onAnswer: ((a: Answer) => void) | undefined }

export class LpLink extends RequestLink<Answer, Match> {
  readonly #reader = new FrameReader()
  onMarkingEnd: ((end: MarkingEnd) => void) | undefined

  constructor (printer: string, timeoutMs: number, readonly checksum: boolean) { super(printer, timeoutMs) }

  /**
   * Send one request and wait for its answer: ACK for a setting, the command's readout for a readout. A NAK rejects
   * with PrinterRefusedError (answer "NAK nn") unless `allowNak`, then it resolves with it. `onAnswer` sees the answer
   * the moment it is read, before any frame after it (a marking end right behind the ACK of its SIN).
   */
  async request (command: string, sub: 'S' | 'R', data = '', o: { allowNak?: boolean, onAnswer?: (a: Answer) => void } = {}): Promise<Answer> {
    return await this.serial(command, async exchange => {
      const answer = await exchange(encodeRequest(command, sub, data, { checksum: this.checksum }), { sub, onAnswer: o.onAnswer })
      if (answer.kind === 'nak' && o.allowNak !== true) {
        throw new PrinterRefusedError({ printer: this.printer, request: command, answer: `NAK ${answer.code} ${NAK_CODES[answer.code] ?? '(code not in the manual)'}` })
      }
      return answer
    })
  }

  protected onData (d: Buffer): void {
    let frames: string[]
    try {
      frames = this.#reader.push(d)
    } catch (err) {
      this.lose(new PrinterLinkError(`line noise: ${(err as Error).message}`, { printer: this.printer }, { cause: err }))
      return
    }
    for (const frame of frames) {
      if (this.dead) return
      if (frame === '') continue // a stray end code answers nothing
      let answer: Answer
      try {
        answer = parseAnswer(frame, { checksum: this.checksum })
      } catch (err) {
        const asked = this.waiting
        this.lose(new PrinterLinkError(`bad answer: ${(err as Error).message}`, { printer: this.printer, ...(asked !== undefined ? { request: asked.request } : {}) }, { cause: err }))
        return
      }
      const end = markingEnd(answer)
      if (end !== undefined) { this.onMarkingEnd?.(end); continue }
      const w = this.take()
      const fits = w !== undefined && (answer.kind === 'nak' || (w.sub === 'S' ? answer.kind === 'ack' : answer.kind === 'data' && answer.command === w.request))
      if (w === undefined || !fits) {
        // Nothing was asked, or not this: the stream can no longer be trusted to pair answers with requests.
        const what = answer.kind === 'data' ? `${answer.command} A ${answer.data}` : answer.kind.toUpperCase()
        this.lose(new PrinterLinkError(`bad answer: ${new LpSyntaxError(w === undefined ? `unsolicited ${what}` : `${what} to ${w.request} ${w.sub}`).message}`, { printer: this.printer, ...(w !== undefined ? { request: w.request } : {}) }))
        return
      }
      w.onAnswer?.(answer)
      w.resolve(answer)
    }
  }
}
