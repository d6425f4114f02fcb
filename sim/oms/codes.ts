// The codes the OMS emulator issues, built from the layouts of its group table (§8, Tables 260–283): never the
// same serial twice per GTIN, deterministic for a seed. Also the checks it applies to GTINs and to codes it receives.

import type { CodeLayout } from './groups.ts'

/** GS1 General Specifications Fig. 7.11-1: the 82 characters a serial or crypto part is drawn from. */
export const AI82 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!"%&\'()*+,-./_:;=<>?'
export const GS = '\u001d'

/** GS1 mod-10 check digit of the digits before it. */
export function gs1CheckDigit (body: string): number {
  let sum = 0
  for (let i = 0; i < body.length; i++) sum += Number(body[body.length - 1 - i]) * (i % 2 === 0 ? 3 : 1)
  return (10 - (sum % 10)) % 10
}

/** A GTIN-14 with a correct check digit (Table 261: 14 digits). */
export function validGtin (gtin: string): boolean {
  return /^\d{14}$/.test(gtin) && gs1CheckDigit(gtin.slice(0, 13)) === Number(gtin[13])
}

/** mulberry32: a small seeded PRNG. */
function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface IssuedCodeText {
  /** The full code as handed out: GS between variable fields, no leading FNC1. */
  code: string
  /** The code without its crypto part, as aggregation reports carry it (§4.4.10: "КМ отправляются без кода проверки"). */
  identity: string
}

const BASE = BigInt(AI82.length)

export class CodeIssuer {
  readonly #rand: () => number
  readonly #counters = new Map<string, bigint>()
  readonly #multiplier: bigint

  constructor (seed = 7) {
    this.#rand = prng(seed)
    // an odd multiplier not divisible by 41 is a bijection mod 82^n: serials look random but never repeat
    let m = BigInt(Math.floor(this.#rand() * 1e9)) * 2n + 1n
    if (m % 41n === 0n) m += 2n
    this.#multiplier = m
  }

  #chars (n: number): string {
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

  next (layout: CodeLayout, gtin: string): IssuedCodeText {
    const serial = this.#serial(gtin, layout.serialLength)
    if (layout.kind === 'tobacco-pack') {
      // Table 260: GTIN, serial, MRP (4, encoded), crypto (4); no AIs, no separators
      return { code: gtin + serial + this.#chars(4) + this.#chars(4), identity: gtin + serial }
    }
    const identity = `01${gtin}21${serial}`
    let code = identity
    for (const f of layout.tail) {
      if (f.optional === true) continue
      // every AI after the serial follows a variable-length field (21, 8005, 91), so a GS goes before it
      code += GS + f.ai + (f.fixed ?? (f.crypto ? this.#chars(f.length) : '0'.repeat(f.length)))
    }
    return { code, identity }
  }
}

/** True when a text is a plausible identity (code without crypto part) of `layout`: what aggregation accepts. */
export function looksLikeIdentity (layout: CodeLayout, text: string): boolean {
  if (layout.kind === 'tobacco-pack') return text.length === 14 + layout.serialLength && /^\d{14}/.test(text)
  return text.length === 2 + 14 + 2 + layout.serialLength && text.startsWith('01') && text.slice(16, 18) === '21'
}
