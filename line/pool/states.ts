// The code lifecycle of DESIGN §4 as a table: the table is the documentation and the only source of truth.

export const CodeState = {
  AVAILABLE: 0,
  SENT: 1,
  PRINTED: 2,
  VERIFIED: 3,
  AGGREGATED: 4,
  REPORTED: 5,
  DEFECT: 6,
  DROPPED: 7,
  /** Handed over to a printing house in an export file (docs/pool-states.md): never given to this line's heads. */
  HANDED_OVER: 8,
} as const
export type CodeState = typeof CodeState[keyof typeof CodeState]
export type CodeStateName = keyof typeof CodeState

export const STATE_NAMES: readonly CodeStateName[] = ['AVAILABLE', 'SENT', 'PRINTED', 'VERIFIED', 'AGGREGATED', 'REPORTED', 'DEFECT', 'DROPPED', 'HANDED_OVER']

/**
 * Allowed transitions, and why each exists:
 * - AVAILABLE→SENT reserve for a printer (OPEN-SCS "request allocated"); AVAILABLE→DEFECT expired before use.
 * - SENT→PRINTED the device's print counter confirmed it ("encoded"); SENT→DEFECT fate unknown after a crash or
 *   a flush (reason UNCERTAIN); SENT→AVAILABLE only when the device proved it never printed it ("return unused").
 * - PRINTED→VERIFIED camera read it at grade ("commissioned"); PRINTED→DEFECT rejected.
 * - VERIFIED→AGGREGATED its box closed; VERIFIED→REPORTED a line without aggregation; VERIFIED→DEFECT removed.
 * - AGGREGATED→VERIFIED disaggregated; AGGREGATED→REPORTED reports accepted; AGGREGATED→DEFECT box scrapped.
 * - REPORTED→DEFECT taken out of a reported box after its disaggregation (samples, scrap: docs/rework.md).
 * - DEFECT→DROPPED dropout report accepted ("destroyed / decommissioned").
 * - AVAILABLE→HANDED_OVER exported for a printing house (line/codefiles): printed elsewhere, so never reserved for a
 *   head here. HANDED_OVER→VERIFIED the pre-applied code read at grade on this line (from then on a code of this line
 *   like any other); HANDED_OVER→DEFECT rejected on the line, or written off (lost or spoiled at the printing house).
 */
export const TRANSITIONS: Readonly<Record<CodeStateName, readonly CodeStateName[]>> = {
  AVAILABLE: ['SENT', 'DEFECT', 'HANDED_OVER'],
  SENT: ['PRINTED', 'DEFECT', 'AVAILABLE'],
  PRINTED: ['VERIFIED', 'DEFECT'],
  VERIFIED: ['AGGREGATED', 'REPORTED', 'DEFECT'],
  AGGREGATED: ['VERIFIED', 'REPORTED', 'DEFECT'],
  REPORTED: ['DEFECT'],
  DEFECT: ['DROPPED'],
  DROPPED: [],
  HANDED_OVER: ['VERIFIED', 'DEFECT'],
}

/** For each target state, the states it may be entered from. */
export const ALLOWED_FROM: Readonly<Record<CodeStateName, readonly CodeStateName[]>> = (() => {
  const out = Object.fromEntries(STATE_NAMES.map(s => [s, [] as CodeStateName[]])) as Record<CodeStateName, CodeStateName[]>
  for (const from of STATE_NAMES) for (const to of TRANSITIONS[from]) out[to].push(from)
  return out
})()

export function stateName (s: number): CodeStateName {
  const n = STATE_NAMES[s]
  if (n === undefined) throw new RangeError(`no code state ${s}`)
  return n
}

/** Why a code is DEFECT: the one list of reasons lives in the shared vocabulary. */
export type { DefectReason } from '../domain/reasons.ts'
