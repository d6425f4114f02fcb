// One line of a codes file checked the way an OMS block is (line/pool importBlock): the group's layout, the GTIN's
// check digit, the GTIN the importer named. The same check runs on both passes of an import.

import { parseCode } from '../codes/code.ts'
import type { GroupProfile } from '../codes/profiles.ts'
import { normalizeScanned } from '../codes/scanned.ts'
import { type FileLine, MAX_LINE_BYTES } from './lines.ts'

export type LineVerdict =
  | { ok: true, identity: string, raw: string }
  | { ok: false, kind: BadKind, reason: string, code: string, gtin?: string }
  /** Blank line: skipped. */
  | null

/** Why a line was refused, for the summary's counts. */
export type BadKind = 'format' | 'gtin' | 'too-long' | 'truncated' | 'duplicate' | 'in-pool'

/** What a report shows of a bad line: enough to find it, never a whole crypto tail (the file is the place for that). */
export function shown (code: string): string {
  const visible = code.replaceAll('\u001d', '<GS>')
  return visible.length > 60 ? `${visible.slice(0, 57)}...` : visible
}

export function checkLine (profile: GroupProfile, gtin: string, l: FileLine): LineVerdict {
  if (l.tooLong) return { ok: false, kind: 'too-long', reason: `line longer than ${MAX_LINE_BYTES} bytes`, code: '' }
  const text = normalizeScanned(l.text)
  if (text === '') return null
  let c
  try {
    c = parseCode(profile, text)
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    // a last line with no line end that is not a code: the file was cut off while written or copied
    if (!l.terminated) return { ok: false, kind: 'truncated', reason: `the file ends in the middle of this line (cut short?): ${message}`, code: shown(text) }
    return { ok: false, kind: 'format', reason: message, code: shown(text) }
  }
  if (c.gtin !== gtin) return { ok: false, kind: 'gtin', reason: `code is for GTIN ${c.gtin}, the file is imported for ${gtin}`, code: shown(text), gtin: c.gtin }
  return { ok: true, identity: c.identity, raw: c.raw }
}
