// Text ↔ registers as a head map's `encoding` and `charset` say (docs/modbus-head.md, "Map files"); shared by driver and simulator.
import { type HeadMap, registersFor } from './head-map.ts'

type Encoding = HeadMap['encoding']
type Charset = HeadMap['charset']

/** The character codes the head receives for `text`, after substitution; null names the first character it cannot take. */
export function charCodes (text: string, charset: Charset): { codes: number[] } | { bad: { at: number, code: number } } {
  const codes: number[] = []
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string
    const sub = charset.substitute[ch]
    const code = sub ?? ch.charCodeAt(0)
    if (sub === undefined && (code < charset.min || code > charset.max)) return { bad: { at: i, code } }
    codes.push(code)
  }
  return { codes }
}

/** Data registers for these character codes; odd ascii-packed lengths pad with 0. */
export function encodeCodes (codes: readonly number[], enc: Encoding): number[] {
  switch (enc.kind) {
    case 'ascii-packed': {
      const out = new Array<number>(registersFor(codes.length, enc.kind)).fill(0)
      for (let i = 0; i < codes.length; i += 2) {
        const a = (codes[i] as number) & 0xff
        const b = i + 1 < codes.length ? (codes[i + 1] as number) & 0xff : 0
        out[i >> 1] = enc.byteOrder === 'high-first' ? (a << 8) | b : (b << 8) | a
      }
      return out
    }
    case 'ucs2': return codes.map(c => c & 0xffff)
    case 'attributed-ucs2': return codes.flatMap(c => [enc.attribute, c & 0xffff])
  }
}

/** Character codes from `length` characters of data registers. */
export function decodeCodes (registers: readonly number[], length: number, enc: Encoding): number[] {
  const out: number[] = []
  for (let i = 0; i < length; i++) {
    switch (enc.kind) {
      case 'ascii-packed': {
        const r = registers[i >> 1] ?? 0
        const first = (i & 1) === 0
        out.push(enc.byteOrder === 'high-first' ? (first ? r >> 8 : r & 0xff) : (first ? r & 0xff : r >> 8))
        break
      }
      case 'ucs2': out.push(registers[i] ?? 0); break
      case 'attributed-ucs2': out.push(registers[2 * i + 1] ?? 0); break
    }
  }
  return out
}

/** Text from character codes, undoing the map's substitutions. */
export function codesToText (codes: readonly number[], charset: Charset): string {
  const back = new Map<number, string>()
  for (const [ch, code] of Object.entries(charset.substitute)) back.set(code, ch)
  return codes.map(c => back.get(c) ?? String.fromCharCode(c)).join('')
}

/** Split data registers into writes of at most `max` registers, never splitting a character's registers. */
export function chunks (registers: readonly number[], max: number, enc: Encoding): number[][] {
  const unit = enc.kind === 'attributed-ucs2' ? 2 : 1
  const size = Math.floor(max / unit) * unit
  const out: number[][] = []
  for (let i = 0; i < registers.length; i += size) out.push(registers.slice(i, i + size))
  return out
}

/** A counter value from its registers (word order per the map), and back. */
export function counterValue (words: readonly number[], c: HeadMap['counter']): number {
  if (c.width === 16) return (words[0] ?? 0) & 0xffff
  const [a, b] = [(words[0] ?? 0) & 0xffff, (words[1] ?? 0) & 0xffff]
  return (c.wordOrder === 'high-first' ? (a * 0x10000 + b) : (b * 0x10000 + a)) >>> 0
}

export function counterWords (value: number, c: HeadMap['counter']): number[] {
  if (c.width === 16) return [value & 0xffff]
  const hi = (value >>> 16) & 0xffff
  const lo = value & 0xffff
  return c.wordOrder === 'high-first' ? [hi, lo] : [lo, hi]
}

/** Prints between two counter readings, across the wrap at 2^width (0xFFFFFFFF → 0 is one print). */
export function counterDelta (from: number, to: number, width: 16 | 32): number {
  const m = 2 ** width
  return (((to - from) % m) + m) % m
}
