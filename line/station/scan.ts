// What a scanner sends, checked at the edge (docs/station.md): printable ASCII with GS (0x1D) between fields, one
// read at a time, bounded. The raw read is kept as it came for the log and the audit trail; only the wrapping a
// scanner may add around a code (its terminator, an AIM symbology identifier, FNC1 sent as a leading GS) is taken
// off before the code is looked up. Nothing inside the code is changed.

import { z } from 'zod'
import { GS, gs1CheckDigit } from '../domain/gs1.ts'
import { parseContainerLabel } from '../aggregation/label-check.ts'

/** The longest read accepted: a marking code with its crypto tail is under 200 characters. */
export const MAX_SCAN_CHARS = 512

export const scanTextSchema = z.string({ error: 'a scan is text' })
  .min(1, 'empty scan')
  .max(MAX_SCAN_CHARS, `longer than ${MAX_SCAN_CHARS} characters`)
  .regex(/^[\x1d\x20-\x7e]+$/, 'only printable ASCII and GS (0x1D) are allowed: control characters or non-ASCII bytes in the read')

export type Scan =
  | { kind: 'unit', code: string }
  | { kind: 'label', sscc: string }

/** Take off a scanner's wrapping: trailing CR/LF, `]d2`-style symbology identifier, FNC1 as a leading GS. */
export function unwrap (raw: string): string {
  let s = raw.replace(/[\r\n]+$/, '')
  if (/^\][A-Za-z][0-9A-Za-z]/.test(s)) s = s.slice(3)
  while (s.startsWith(GS)) s = s.slice(1)
  return s
}

/**
 * A unit's marking code or a box label. A label is an SSCC as the label carries it: GS1-128 `00`+18 digits, `(00)`
 * in brackets, the label's DataMatrix (`00`…`02`…`37`…), or 18 bare digits with a valid check digit.
 */
export function classify (text: string): Scan {
  const s = unwrap(text)
  if (/^\d{18}$/.test(s) && Number(s[17]) === gs1CheckDigit(s.slice(0, 17))) return { kind: 'label', sscc: s }
  if (s.startsWith('00') || s.startsWith('(00)')) {
    const label = parseContainerLabel(s)
    if (label !== null) return { kind: 'label', sscc: label.sscc }
  }
  return { kind: 'unit', code: s }
}
