// `~HS` host status: three <STX>…<ETX><CR><LF> strings (ZPL II Programming Guide, ~HS), parsed into flags.

const STX = 0x02
const ETX = 0x03

export interface HostStatus {
  paperOut: boolean
  paused: boolean
  formatsInBuffer: number
  bufferFull: boolean
  underTemperature: boolean
  overTemperature: boolean
  headUp: boolean
  ribbonOut: boolean
  labelsRemaining: number
}

/** Cuts a byte stream into STX…ETX strings; anything between frames is returned as noise. */
export class StxEtxReader {
  #buf = ''
  #inFrame = false

  push (chunk: Buffer | string): { frames: string[], noise: string } {
    const frames: string[] = []
    let noise = ''
    const s = typeof chunk === 'string' ? chunk : chunk.toString('latin1')
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i)
      if (c === STX) { if (this.#inFrame) noise += this.#buf; this.#buf = ''; this.#inFrame = true } else if (c === ETX && this.#inFrame) { frames.push(this.#buf); this.#buf = ''; this.#inFrame = false } else if (this.#inFrame) {
        this.#buf += s[i]
        if (this.#buf.length > 256) { noise += this.#buf; this.#buf = ''; this.#inFrame = false } // no real status string is this long
      } else if (c !== 13 && c !== 10) noise += s[i]
    }
    return { frames, noise }
  }
}

const flag = (v: string | undefined): boolean => v?.trim() === '1'

/** Parse strings 1 and 2 (string 3 carries the password and RAM flags, unused here); null if they are not ~HS strings. */
export function parseHostStatus (s1: string, s2: string): HostStatus | null {
  const a = s1.split(',')
  const b = s2.split(',')
  if (a.length < 12 || b.length < 11) return null
  const formats = Number(a[4])
  const remaining = Number(b[8])
  if (!Number.isInteger(formats) || !Number.isInteger(remaining)) return null
  return {
    paperOut: flag(a[1]),
    paused: flag(a[2]),
    formatsInBuffer: formats,
    bufferFull: flag(a[5]),
    underTemperature: flag(a[10]),
    overTemperature: flag(a[11]),
    headUp: flag(b[2]),
    ribbonOut: flag(b[3]),
    labelsRemaining: remaining,
  }
}

/** Format the three strings as a printer sends them: what the simulator answers. */
export function formatHostStatus (s: HostStatus): string {
  const b = (x: boolean): string => (x ? '1' : '0')
  const f = (n: number, w: number): string => String(n).padStart(w, '0')
  return `\x02030,${b(s.paperOut)},${b(s.paused)},1218,${f(s.formatsInBuffer, 3)},${b(s.bufferFull)},0,0,000,0,${b(s.underTemperature)},${b(s.overTemperature)}\x03\r\n` +
    `\x02001,0,${b(s.headUp)},${b(s.ribbonOut)},0,2,4,0,${f(s.labelsRemaining, 8)},1,000\x03\r\n` +
    '\x021234,0\x03\r\n'
}
