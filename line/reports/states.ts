// The life of an outbox report as a table, like the code lifecycle in pool/states.ts: the table is the documentation,
// and the outbox refuses any change of a report's state outside it (LC_ERR_REPORT_TRANSITION).
import { ReportTransitionError } from './errors.ts'

export const ReportState = {
  /** Taking codes; closes when its window passes, when it is full, or at the end of a job. */
  OPEN: 'OPEN',
  /** Closed, waiting to be built, signed and sent. */
  READY: 'READY',
  /** Its body hash is committed and the request may have left: the server is asked before sending again. */
  SENDING: 'SENDING',
  /** The server took it; polled until it answers. */
  SENT: 'SENT',
  /** The server accepted it. */
  ACCEPTED: 'ACCEPTED',
  /** The server (or the building of the document) refused it; its codes stay unreported until an operator acts. */
  REJECTED: 'REJECTED',
} as const
export type ReportState = typeof ReportState[keyof typeof ReportState]

export const REPORT_STATES: readonly ReportState[] = ['OPEN', 'READY', 'SENDING', 'SENT', 'ACCEPTED', 'REJECTED']

/**
 * Allowed changes of a report's state, and why each exists. A state listed as its own successor is one the outbox
 * keeps a report in while it waits (another attempt, another poll). An OPEN report left empty by a withdrawal is
 * deleted, not moved: there is nothing to send.
 * - OPEN→READY its window passed, it is full, or every open report is closed (end of job, shutdown); OPEN→REJECTED
 *   the codes a server refused one by one in a report it took in part, split off into a report of their own (the
 *   rest of the report is accepted, docs/oms.md).
 * - READY→SENDING its body hash is committed before the request (persist before acting); READY→READY signing or
 *   sign-in failed, tried again later; READY→REJECTED the document cannot be built from its content.
 * - SENDING→SENT the server took it, or the server was asked after an uncertain send and holds it; SENDING→SENDING
 *   the outcome is still unknown, ask again later; SENDING→READY the request provably never left, or the server
 *   does not hold it and it could not be rebuilt yet; SENDING→REJECTED refused.
 * - SENT→SENT still being processed; SENT→ACCEPTED; SENT→REJECTED.
 * - REJECTED→READY an operator sends it again after correcting the cause; REJECTED→ACCEPTED the operator removed every
 *   code from it, so nothing is left to send.
 * - ACCEPTED is final.
 */
export const REPORT_TRANSITIONS: Readonly<Record<ReportState, readonly ReportState[]>> = {
  OPEN: ['READY', 'REJECTED'],
  READY: ['SENDING', 'READY', 'REJECTED'],
  SENDING: ['SENT', 'SENDING', 'READY', 'REJECTED'],
  SENT: ['SENT', 'ACCEPTED', 'REJECTED'],
  REJECTED: ['READY', 'ACCEPTED'],
  ACCEPTED: [],
}

/** States with no way out. */
export const FINAL_REPORT_STATES: readonly ReportState[] = REPORT_STATES.filter(s => REPORT_TRANSITIONS[s].length === 0)

/** The server answered: nothing more happens to the report on its own (only an operator's retry of a rejection). */
export const ANSWERED_REPORT_STATES: readonly ReportState[] = ['ACCEPTED', 'REJECTED']

/** States the outbox's loop works on: send, ask after an uncertain send, poll. */
export const DUE_REPORT_STATES: readonly ReportState[] = ['READY', 'SENDING', 'SENT']

export function isReportState (s: string): s is ReportState {
  return (REPORT_STATES as readonly string[]).includes(s)
}

export function canReportTransition (from: ReportState, to: ReportState): boolean {
  return REPORT_TRANSITIONS[from].includes(to)
}

/** Refuse a change of state the table does not allow (or from a state the table does not know). */
export function checkReportTransition (reportId: string | null, from: string, to: ReportState): void {
  if (isReportState(from) && canReportTransition(from, to)) return
  throw new ReportTransitionError(
    `report ${reportId ?? '(any)'} cannot go from ${from} to ${to}`,
    { reportId, from, to, allowed: isReportState(from) ? REPORT_TRANSITIONS[from] : [] },
  )
}

/** A transition the outbox makes in bulk SQL (`WHERE state = from`): checked against the table once, when loaded. */
export function reportTransition<F extends ReportState, T extends ReportState> (from: F, to: T): { from: F, to: T } {
  checkReportTransition(null, from, to)
  return { from, to }
}

/** The SQL list of these states, for a statement prepared once (the names are fixed identifiers). */
export function sqlStates (states: readonly ReportState[]): string {
  return states.map(s => `'${s}'`).join(', ')
}
