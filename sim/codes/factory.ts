// Issues syntactically valid marking codes for any group profile, never the same serial twice per GTIN —
// what the OMS emulator hands out and what tests import. Deterministic for a given seed.

import { AI82, buildCode, type GroupProfile, type MarkingCode } from '../../line/codes/index.ts'

/** mulberry32: a small seeded PRNG, good enough for test data. */
export function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const BASE = BigInt(AI82.length)

export class CodeFactory {
  readonly #rand: () => number
  readonly #counters = new Map<string, bigint>()
  readonly #multiplier: bigint

  constructor (seed = 1) {
    this.#rand = prng(seed)
    // An odd multiplier not divisible by 41 is a bijection mod 82^n: serials look random but never repeat.
    let m = BigInt(Math.floor(this.#rand() * 1e9)) * 2n + 1n
    if (m % 41n === 0n) m += 2n
    this.#multiplier = m
  }

  #randomChars (n: number): string {
    let s = ''
    for (let i = 0; i < n; i++) s += AI82[Math.floor(this.#rand() * AI82.length)]
    return s
  }

  #serial (gtin: string, length: number): string {
    const space = BASE ** BigInt(length)
    const k = this.#counters.get(gtin) ?? 0n
    if (k >= space) throw new RangeError(`serial space of GTIN ${gtin} exhausted`)
    this.#counters.set(gtin, k + 1n)
    let v = (k * this.#multiplier + 12345n) % space
    let s = ''
    for (let i = 0; i < length; i++) { s = AI82[Number(v % BASE)] + s; v /= BASE }
    return s
  }

  /** One code for `gtin` under `profile`. */
  next (profile: GroupProfile, gtin: string): MarkingCode {
    const serial = this.#serial(gtin, profile.serialLength)
    if (profile.layout === 'tobacco-pack') {
      return buildCode(profile, { gtin, serial, crypto: { crypto: this.#randomChars(4) }, attributes: { mrp: this.#randomChars(4) } })
    }
    const crypto: Record<string, string> = {}
    const attributes: Record<string, string> = {}
    for (const e of profile.elements) {
      if (e.role === 'crypto') crypto[e.ai] = this.#randomChars(e.length)
      else if (e.role === 'attribute' && !e.optional) attributes[e.ai] = e.fixedValue ?? '0'.repeat(e.length)
    }
    return buildCode(profile, { gtin, serial, crypto, attributes })
  }

  /** `n` raw codes for `gtin`. */
  raw (profile: GroupProfile, gtin: string, n: number): string[] {
    const out = new Array<string>(n)
    for (let i = 0; i < n; i++) out[i] = this.next(profile, gtin).raw
    return out
  }
}

/** A valid GTIN-14 from a 13-digit body, e.g. `gtinFrom('0460165303004')`. */
export { withCheckDigit as gtinFrom } from '../../line/codes/index.ts'
