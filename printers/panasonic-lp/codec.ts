// The Panasonic laser marker command format (LP-GS / LP-RC / LP-RF / LP-RV in LP-400/V compatible command mode):
// request frames out, answer frames in. Written from the manual, see printers/panasonic-lp/driver.ts for the source.
//
// What the manual gives ("2-3 Communication Data Format", pp. 31–34):
//   - a request is STX, a three-letter command, a sub command ("S" setting, "R" readout), the data, an optional
//     check sum (RS-232C only, off by default, never with Ethernet) and the end code CR (RS-232C: CR or CR LF);
//   - a positive answer is ACK "00", a negative answer NAK and a two-digit response code, a readout answer STX, the
//     command, "A" and the data — each with the check sum when it is on, and the end code;
//   - the check sum is the low byte of the sum of every byte from the start code to the last data byte, as two
//     ASCII hex characters ("02 46 4E 4F 53 32 30 34 37" → 0x205 → "05"; ACK "00" → "66"; NAK "06" → "7B").
// Character data is ASCII or Shift JIS; this driver sends ASCII only ("2-3-5 Character data input method", p. 37).

export const STX = 0x02
export const ACK = 0x06
export const NAK = 0x15
export const CR = 0x0d
export const GS = 0x1d

/** Negative response codes ("Response code details", p. 34). Code "13" is cut off in the stored copy: not listed. */
export const NAK_CODES: Record<string, string> = {
  '01': 'incorrect start code',
  '02': 'incorrect end code',
  '03': 'unacceptable with the current status (shutter, command reception permission, guide laser)',
  '04': 'no applicable command',
  '05': 'incorrect check sum',
  '06': 'incorrect data length',
  '07': 'unacceptable for the I/O terminal control settings',
  '08': 'incorrect sub command',
  '09': 'invalid data part (value, character, length)',
  '10': 'unacceptable because of an alarm or a warning',
  '11': 'SIN not acceptable (shutter closed, command reception permission ON, or the string already has its SIN data)',
  '12': 'unable to register data (memory)',
}

export type Answer =
  | { kind: 'ack' }
  | { kind: 'nak', code: string }
  | { kind: 'data', command: string, data: string }

/** A frame that is not one of the manual's answer forms (line noise, a lost byte, another device). */
export class LpSyntaxError extends Error {}

/** The two-character check sum of `text` (each character one byte). */
export function checksum (text: string): string {
  let sum = 0
  for (let i = 0; i < text.length; i++) sum += text.charCodeAt(i) & 0xff
  return (sum & 0xff).toString(16).toUpperCase().padStart(2, '0')
}

/** STX, command, sub command, data[, check sum], CR — as bytes (latin1: one byte per character). */
export function encodeRequest (command: string, sub: 'S' | 'R', data = '', o: { checksum?: boolean } = {}): Buffer {
  if (!/^[A-Z]{3}$/.test(command)) throw new Error(`not a command: ${command}`)
  if (/[\r\n]/.test(data) || /[^\x00-\xff]/.test(data)) throw new Error('data holds a line end or a character outside 8-bit text')
  const head = `\x02${command}${sub}${data}`
  return Buffer.from(`${head}${o.checksum === true ? checksum(head) : ''}\r`, 'latin1')
}

/** Parse one answer frame (without its end code). Throws LpSyntaxError for anything else. */
export function parseAnswer (frame: string, o: { checksum?: boolean } = {}): Answer {
  let body = frame
  if (o.checksum === true) {
    if (frame.length < 3) throw new LpSyntaxError(`too short for a check sum: ${JSON.stringify(frame)}`)
    body = frame.slice(0, -2)
    if (checksum(body) !== frame.slice(-2)) throw new LpSyntaxError(`check sum ${JSON.stringify(frame.slice(-2))} does not match ${checksum(body)}`)
  }
  if (body === '\x0600') return { kind: 'ack' }
  const nak = /^\x15(\d\d)$/.exec(body)
  if (nak !== null) return { kind: 'nak', code: nak[1] as string }
  const data = /^\x02([A-Z]{3})A([\x20-\x7e]*)$/.exec(body)
  if (data !== null) return { kind: 'data', command: data[1] as string, data: data[2] as string }
  throw new LpSyntaxError(`not an answer: ${JSON.stringify(frame.slice(0, 60))}`)
}

/**
 * Why a code cannot go into a SIN command as ASCII data, or undefined. The manual allows one-byte ASCII characters
 * and, for a 2D code, [GS] 1D (HEX) as FNC1 ("Inputting control codes to bar code/2D code character strings", p. 39:
 * "If you set FNC1 by [GS]: 1D (HEX), set the other characters by using ASCII code"). Any other control code would
 * need the Shift JIS alternative codes, which this driver does not send.
 */
export function sinProblem (code: string): { position: number, charCode: number } | undefined {
  for (let i = 0; i < code.length; i++) {
    const c = code.charCodeAt(i)
    if (c !== GS && (c < 0x20 || c > 0x7e)) return { position: i, charCode: c }
  }
  return undefined
}

/** SIN data: the two-digit string No. ("00"–"15") and the marking characters. */
export function sinData (stringNo: number, code: string): string {
  if (!Number.isInteger(stringNo) || stringNo < 0 || stringNo > 15) throw new Error(`SIN string No. ${stringNo} is outside 0–15`)
  return `${String(stringNo).padStart(2, '0')}${code}`
}

/** STS readout ("3-3-7 Status checking: STS", p. 62): five one-character fields. */
export interface MarkerStatus {
  error: boolean
  /** 0 laser pumping OFF, 1 in preparation, 2 completed. */
  pumping: 0 | 1 | 2
  /** Command reception permission ON (MKM "0"), also read so while the shutter is closed. */
  receptionOn: boolean
  triggerReady: boolean
  regularIntervals: boolean
}

export function parseStatus (a: Answer): MarkerStatus {
  if (a.kind !== 'data' || a.command !== 'STS') throw new LpSyntaxError(`expected an STS readout, got ${a.kind === 'data' ? a.command : a.kind.toUpperCase()}`)
  const m = /^([01])([012])([01])([01])([01])$/.exec(a.data)
  if (m === null) throw new LpSyntaxError(`STS: ${JSON.stringify(a.data)} is not five status characters`)
  return { error: m[1] === '1', pumping: Number(m[2]) as 0 | 1 | 2, receptionOn: m[3] === '0', triggerReady: m[4] === '1', regularIntervals: m[5] === '1' }
}

/** The automatic MST answer at the end of each marking ("3-3-8 Marking end verification: MST", pp. 63–64). */
export type MarkingEnd = { ok: true } | { ok: false, error: string }

/** `MST A 0000` normal end, `MST A E001`–`E999` abnormal end; undefined when the frame is not a marking end. */
export function markingEnd (a: Answer): MarkingEnd | undefined {
  if (a.kind !== 'data' || a.command !== 'MST') return undefined
  if (a.data === '0000') return { ok: true }
  if (/^E\d\d\d$/.test(a.data) && a.data !== 'E000') return { ok: false, error: a.data }
  return undefined
}

/** Splits a byte stream into frames at CR; a frame longer than `maxFrame` without one is noise. */
export class FrameReader {
  #buf = ''
  constructor (readonly maxFrame = 1024) {}

  push (chunk: Buffer): string[] {
    this.#buf += chunk.toString('latin1')
    const out: string[] = []
    for (let i = this.#buf.indexOf('\r'); i >= 0; i = this.#buf.indexOf('\r')) {
      out.push(this.#buf.slice(0, i).replace(/^\n/, '')) // the CR LF end code leaves its LF at the next frame's start
      this.#buf = this.#buf.slice(i + 1)
    }
    if (this.#buf.length > this.maxFrame) throw new LpSyntaxError(`${this.#buf.length} bytes without an end code`)
    return out
  }
}
