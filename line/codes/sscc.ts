// SSCC-18 (AI 00): extension digit + GS1 company prefix + serial reference + check digit.

import { CodeFormatError } from './errors.ts'
import { gs1CheckDigit, isDigits } from '../domain/gs1.ts'

export interface Sscc {
  extension: number
  companyPrefix: string
  serialReference: string
  checkDigit: number
  /** The 18 digits. */
  digits: string
  /** `00` + 18 digits, as reports carry it (no brackets). */
  ai00: string
}

/** Build an SSCC; the company prefix (7–10 digits) and serial reference together fill 16 digits. */
export function buildSscc (extension: number, companyPrefix: string, serialReference: number | bigint): Sscc {
  if (!Number.isInteger(extension) || extension < 0 || extension > 9) {
    throw new CodeFormatError('SSCC extension digit must be 0–9', { input: String(extension), position: 0 })
  }
  if (!isDigits(companyPrefix) || companyPrefix.length < 7 || companyPrefix.length > 10) {
    throw new CodeFormatError('GS1 company prefix must be 7–10 digits', { input: companyPrefix, position: 0 })
  }
  const refLength = 16 - companyPrefix.length
  const ref = String(serialReference)
  if (!isDigits(ref) || ref.length > refLength) {
    throw new CodeFormatError(`SSCC serial reference must fit ${refLength} digits for a ${companyPrefix.length}-digit prefix`, { input: ref, position: 0 })
  }
  const body = `${extension}${companyPrefix}${ref.padStart(refLength, '0')}`
  const check = gs1CheckDigit(body)
  return { extension, companyPrefix, serialReference: ref.padStart(refLength, '0'), checkDigit: check, digits: body + check, ai00: `00${body}${check}` }
}

/**
 * Parse an SSCC given as 18 digits, `00`+18 digits or `(00)`+18 digits. The company prefix length is not encoded
 * in the number, so it must be supplied to split prefix from serial reference (default 7).
 */
export function parseSscc (input: string, companyPrefixLength = 7): Sscc {
  let s = input
  let offset = 0
  if (s.startsWith('(00)')) { s = s.slice(4); offset = 4 } else if (s.length === 20 && s.startsWith('00')) { s = s.slice(2); offset = 2 }
  if (s.length !== 18) throw new CodeFormatError(`SSCC must be 18 digits, found ${s.length}`, { input, position: offset + Math.min(s.length, 18) })
  for (let i = 0; i < 18; i++) {
    const c = s.charCodeAt(i)
    if (c < 48 || c > 57) throw new CodeFormatError(`SSCC must be digits, found "${s[i]}"`, { input, position: offset + i })
  }
  const expected = gs1CheckDigit(s.slice(0, 17))
  if (s.charCodeAt(17) - 48 !== expected) throw new CodeFormatError(`SSCC check digit is ${s[17]}, expected ${expected}`, { input, position: offset + 17 })
  return {
    extension: s.charCodeAt(0) - 48,
    companyPrefix: s.slice(1, 1 + companyPrefixLength),
    serialReference: s.slice(1 + companyPrefixLength, 17),
    checkDigit: expected,
    digits: s,
    ai00: `00${s}`,
  }
}

/** The 18 digits of an SSCC as typed (18 digits, `00`+18 or `(00)`+18, blanks around it), or null when it is none. */
export function ssccDigits (input: string): string | null {
  try {
    return parseSscc(input.trim()).digits
  } catch (err) {
    if (err instanceof CodeFormatError) return null
    throw err
  }
}

/** Validate a GTIN-14 (also accepts GTIN-8/12/13 padded to 14 by the caller). */
export function checkGtin14 (gtin: string): void {
  if (gtin.length !== 14) throw new CodeFormatError(`GTIN must be 14 digits, found ${gtin.length}`, { input: gtin, position: Math.min(gtin.length, 14) })
  for (let i = 0; i < 14; i++) {
    const c = gtin.charCodeAt(i)
    if (c < 48 || c > 57) throw new CodeFormatError(`GTIN must be digits, found "${gtin[i]}"`, { input: gtin, position: i })
  }
  const expected = gs1CheckDigit(gtin.slice(0, 13))
  if (gtin.charCodeAt(13) - 48 !== expected) throw new CodeFormatError(`GTIN check digit is ${gtin[13]}, expected ${expected}`, { input: gtin, position: 13 })
}

/** Complete a 13-digit GTIN body with its check digit. */
export function withCheckDigit (body13: string): string {
  return body13 + gs1CheckDigit(body13)
}
