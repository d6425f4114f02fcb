// Lines of a codes file: split bytes at LF (CRLF tolerated, a UTF-8 BOM dropped, over-long lines cut off without
// holding them). What a line holds is turned into its code as a scan is (line/codes/scanned.ts).

/** No marking code is near this long (shoes: 129 characters); a longer line is refused without being kept whole. */
export const MAX_LINE_BYTES = 512

export interface FileLine {
  /** 1-based. */
  line: number
  text: string
  /** The line ended with a line feed; false only for a last line the file ends in. */
  terminated: boolean
  tooLong: boolean
}

export class LineSplitter {
  #line = 0
  #parts: Buffer[] = []
  #len = 0
  #tooLong = false

  /** Feed bytes; complete lines are appended to `out`. The chunk may be reused by the caller afterwards. */
  push (chunk: Buffer, out: FileLine[]): void {
    let start = 0
    for (;;) {
      const nl = chunk.indexOf(0x0a, start)
      if (nl < 0) { this.#append(chunk, start, chunk.length); return }
      this.#append(chunk, start, nl)
      out.push(this.#finish(true))
      start = nl + 1
    }
  }

  /** The file ended: a last line without a line feed, if any. */
  end (out: FileLine[]): void {
    if (this.#len > 0 || this.#tooLong) out.push(this.#finish(false))
  }

  get lines (): number { return this.#line }

  #append (chunk: Buffer, from: number, to: number): void {
    if (this.#tooLong || to === from) return
    if (this.#len + to - from > MAX_LINE_BYTES) { this.#tooLong = true; this.#parts = []; this.#len = 0; return }
    this.#parts.push(Buffer.from(chunk.subarray(from, to)))
    this.#len += to - from
  }

  #finish (terminated: boolean): FileLine {
    this.#line++
    let text = this.#tooLong ? '' : (this.#parts.length === 1 ? this.#parts[0] as Buffer : Buffer.concat(this.#parts, this.#len)).toString('utf8')
    if (this.#line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1)
    if (text.endsWith('\r')) text = text.slice(0, -1)
    const out = { line: this.#line, text, terminated, tooLong: this.#tooLong }
    this.#parts = []
    this.#len = 0
    this.#tooLong = false
    return out
  }
}
