// A code as people and devices hand it over — scanned, pasted from the panel, read from a text file — turned into the
// code itself, in one place for every door it comes in by (codes files, the Find tab, the panel's remove and
// reprint, rework scans): GS written as text by other programs becomes the 0x1D byte, surrounding blanks go, and what
// a scanner puts in front of a code goes (the symbology identifier and FNC1 sent as a character).

import { GS } from '../domain/gs1.ts'

/**
 * GS as other programs write it in text: the JSON/C escapes `\u001d` and `\x1d`, the tags `<GS>`, `{GS}` and `⟨GS⟩`
 * (what label software, the personal cabinet's text views and this panel show), any case.
 */
const GS_STAND_INS = /\\u001[dD]|\\x1[dD]|<GS>|\{GS\}|⟨GS⟩/gi

/**
 * Stand-ins for GS replaced by 0x1D, surrounding blanks dropped (set 82 has no space), and a leading symbology
 * identifier (`]d2` DataMatrix, `]Q3` QR with FNC1) and a leading FNC1 — sent as GS, or as `è` (0xE8) by scanners
 * set to the Latin-1 keyboard — removed. A code without any of these comes back as it was.
 */
export function normalizeScanned (text: string): string {
  let s = text.includes('\\') || text.includes('<') || text.includes('{') || text.includes('⟨') ? text.replace(GS_STAND_INS, GS) : text
  s = s.trim()
  if (s.startsWith(']d2') || s.startsWith(']Q3')) s = s.slice(3)
  if (s.charCodeAt(0) === 0x1d || s.charCodeAt(0) === 0xe8) s = s.slice(1)
  return s
}
