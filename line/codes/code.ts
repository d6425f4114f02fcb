// Marking codes: parse the raw form (GS between variable fields, no leading FNC1), build it, and convert to and
// from the human-readable `(01)…(21)…` form, all driven by a group profile.

import { CodeFormatError } from './errors.ts'
import { GS, firstNonAi82, gs1CheckDigit, isDigits } from '../domain/gs1.ts'
import type { ElementSpec, GroupProfile } from './profiles.ts'

export interface MarkingCode {
  group: string
  gtin: string
  serial: string
  /** Crypto elements by AI (91 key, 92 crypto, 93 check); tobacco packs use `crypto`. */
  crypto: Record<string, string>
  /** Attribute elements by actual AI (3103, 3352, 8005, 17, 7003); tobacco packs use `mrp`. */
  attributes: Record<string, string>
  /** Canonical raw form, as the OMS emits it and the printer encodes it (after FNC1). */
  raw: string
  /** The code without its crypto part: what aggregation documents carry. */
  identity: string
}

const TOBACCO_PACK_LENGTH = 29

function fail (input: string, position: number, group: string, message: string, ai?: string): never {
  throw new CodeFormatError(message, ai === undefined ? { input, position, group } : { input, position, group, ai })
}

function aiMatches (spec: ElementSpec, s: string, p: number): string | undefined {
  if (spec.ai === '335Y') {
    if (s.startsWith('335', p)) {
      const y = s.charCodeAt(p + 3)
      if (y >= 48 && y <= 57) return s.slice(p, p + 4)
    }
    return undefined
  }
  return s.startsWith(spec.ai, p) ? spec.ai : undefined
}

function checkValue (spec: ElementSpec, value: string, input: string, at: number, group: string, ai: string): void {
  if (spec.charset === 'digits') {
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i)
      if (c < 48 || c > 57) fail(input, at + i, group, `AI (${ai}) must be digits, found "${value[i]}"`, ai)
    }
  } else {
    const bad = firstNonAi82(value)
    if (bad >= 0) fail(input, at + bad, group, `AI (${ai}) has "${value[bad]}", outside GS1 character set 82`, ai)
  }
  if (spec.fixedValue !== undefined && value !== spec.fixedValue) fail(input, at, group, `AI (${ai}) must be ${spec.fixedValue}`, ai)
  if (spec.role === 'gtin') checkGtin(value, input, at, group)
}

function checkGtin (gtin: string, input: string, at: number, group: string): void {
  const expected = gs1CheckDigit(gtin.slice(0, 13))
  if (gtin.charCodeAt(13) - 48 !== expected) fail(input, at + 13, group, `GTIN check digit is ${gtin[13]}, expected ${expected}`, '01')
}

/** Parse a raw code against its group's profile. Throws CodeFormatError naming what is wrong and where. */
export function parseCode (profile: GroupProfile, input: string): MarkingCode {
  if (typeof input !== 'string') throw new CodeFormatError('code must be a string', { input: String(input), position: 0, group: profile.group })
  if (profile.layout === 'tobacco-pack') return parseTobaccoPack(profile, input)
  const group = profile.group
  const crypto: Record<string, string> = {}
  const attributes: Record<string, string> = {}
  let gtin = ''
  let serial = ''
  let p = 0
  /** A GS after a fixed-length element is tolerated but not canonical: the raw form is then rebuilt without it. */
  let canonical = true
  const els = profile.elements
  for (let e = 0; e < els.length; e++) {
    const spec = els[e] as ElementSpec
    if (p >= input.length) {
      if (spec.optional) continue
      fail(input, p, group, `code ends before AI (${spec.ai})`, spec.ai)
    }
    const ai = aiMatches(spec, input, p)
    if (ai === undefined) {
      if (spec.optional) continue
      fail(input, p, group, `expected AI (${spec.ai})`, spec.ai)
    }
    const start = p + ai.length
    let end: number
    if (spec.predefined) {
      end = start + spec.length
      if (end > input.length) fail(input, input.length, group, `AI (${ai}) needs ${spec.length} characters, code ends after ${input.length - start}`, ai)
    } else {
      end = input.indexOf(GS, start)
      if (end < 0) end = input.length
      const len = end - start
      if (len !== spec.length) fail(input, len > spec.length ? start + spec.length : end, group, `AI (${ai}) must be ${spec.length} characters, found ${len}`, ai)
    }
    const value = input.slice(start, end)
    checkValue(spec, value, input, start, group, ai)
    switch (spec.role) {
      case 'gtin': gtin = value; break
      case 'serial': serial = value; break
      case 'crypto': crypto[ai] = value; break
      default: attributes[ai] = value
    }
    p = end
    if (p < input.length && input.charCodeAt(p) === 0x1d) {
      if (spec.predefined) canonical = false
      p++
      if (p === input.length) fail(input, p - 1, group, 'code ends with a group separator')
    } else if (p < input.length && !spec.predefined) {
      fail(input, p, group, `expected a group separator after AI (${ai})`, ai)
    }
  }
  if (p < input.length) fail(input, p, group, 'unexpected data after the last element')
  // elements in profile order, GS exactly where build() puts one: the input is its own canonical form
  return finish(profile, gtin, serial, crypto, attributes, canonical ? input : undefined)
}

function parseTobaccoPack (profile: GroupProfile, input: string): MarkingCode {
  const group = profile.group
  if (input.length !== TOBACCO_PACK_LENGTH) fail(input, Math.min(input.length, TOBACCO_PACK_LENGTH), group, `a tobacco pack code has ${TOBACCO_PACK_LENGTH} characters, found ${input.length}`)
  const gtin = input.slice(0, 14)
  if (!isDigits(gtin)) fail(input, [...gtin].findIndex(c => c < '0' || c > '9'), group, 'GTIN must be 14 digits')
  checkGtin(gtin, input, 0, group)
  const rest = input.slice(14)
  const bad = firstNonAi82(rest)
  if (bad >= 0) fail(input, 14 + bad, group, `"${rest[bad]}" is outside GS1 character set 82`)
  return finish(profile, gtin, input.slice(14, 21), { crypto: input.slice(25, 29) }, { mrp: input.slice(21, 25) })
}

function finish (profile: GroupProfile, gtin: string, serial: string, crypto: Record<string, string>, attributes: Record<string, string>, canonicalRaw?: string): MarkingCode {
  const raw = canonicalRaw ?? build(profile, gtin, serial, crypto, attributes)
  return { group: profile.group, gtin, serial, crypto, attributes, raw, identity: identityOf(profile, gtin, serial) }
}

function identityOf (profile: GroupProfile, gtin: string, serial: string): string {
  return profile.layout === 'tobacco-pack' ? gtin + serial : `01${gtin}21${serial}`
}

function build (profile: GroupProfile, gtin: string, serial: string, crypto: Record<string, string>, attributes: Record<string, string>): string {
  if (profile.layout === 'tobacco-pack') return gtin + serial + (attributes.mrp ?? '') + (crypto.crypto ?? '')
  let out = ''
  let needGs = false
  for (const spec of profile.elements) {
    let ai = spec.ai
    let value: string | undefined
    if (spec.role === 'gtin') value = gtin
    else if (spec.role === 'serial') value = serial
    else if (spec.role === 'crypto') value = crypto[ai]
    else if (ai === '335Y') {
      const k = Object.keys(attributes).find(k => k.startsWith('335'))
      if (k !== undefined) { ai = k; value = attributes[k] }
    } else value = attributes[ai]
    if (value === undefined) continue
    if (needGs) out += GS
    out += ai + value
    needGs = !spec.predefined
  }
  return out
}

export interface CodeFields {
  gtin: string
  serial: string
  crypto?: Record<string, string>
  attributes?: Record<string, string>
}

/** Build the raw code from its fields and validate it against the profile (so a built code always parses). */
export function buildCode (profile: GroupProfile, fields: CodeFields): MarkingCode {
  return parseCode(profile, build(profile, fields.gtin, fields.serial, fields.crypto ?? {}, fields.attributes ?? {}))
}

/** Human-readable form `(01)04601653030046(21)serial(93)chck`; tobacco packs have no AIs and stay as they are. */
export function toHri (code: MarkingCode, profile: GroupProfile): string {
  if (profile.layout === 'tobacco-pack') return code.raw
  let out = `(01)${code.gtin}(21)${code.serial}`
  for (const spec of profile.elements) {
    if (spec.role === 'gtin' || spec.role === 'serial') continue
    if (spec.role === 'crypto') {
      const v = code.crypto[spec.ai]
      if (v !== undefined) out += `(${spec.ai})${v}`
    } else {
      const ai = spec.ai === '335Y' ? Object.keys(code.attributes).find(k => k.startsWith('335')) : spec.ai
      const v = ai === undefined ? undefined : code.attributes[ai]
      if (ai !== undefined && v !== undefined) out += `(${ai})${v}`
    }
  }
  return out
}

/**
 * Parse the human-readable form. Data may itself contain brackets (they are in set 82), so element lengths come
 * from the profile, never from scanning for the next "(".
 */
export function parseHri (profile: GroupProfile, input: string): MarkingCode {
  if (profile.layout === 'tobacco-pack') return parseCode(profile, input)
  let p = 0
  let raw = ''
  let needGs = false
  for (const spec of profile.elements) {
    if (p >= input.length && spec.optional) continue
    if (input[p] !== '(') {
      if (spec.optional) continue
      fail(input, p, profile.group, `expected "(${spec.ai})"`, spec.ai)
    }
    const close = input.indexOf(')', p)
    const ai = close < 0 ? '' : input.slice(p + 1, close)
    const matches = spec.ai === '335Y' ? /^335\d$/.test(ai) : ai === spec.ai
    if (!matches) {
      if (spec.optional) continue
      fail(input, p, profile.group, `expected "(${spec.ai})"`, spec.ai)
    }
    const start = close + 1
    const value = input.slice(start, start + spec.length)
    if (value.length < spec.length) fail(input, input.length, profile.group, `AI (${ai}) needs ${spec.length} characters`, ai)
    if (needGs) raw += GS
    raw += ai + value
    needGs = !spec.predefined
    p = start + spec.length
  }
  if (p < input.length) fail(input, p, profile.group, 'unexpected data after the last element')
  return parseCode(profile, raw)
}
