// The pluggable sending side of the outbox: one sender per channel (True API documents, OMS reports), chosen by
// report kind in the composition root. The outbox owns persistence, batching, retries and idempotence.
import type { ReportKind } from '../pool/pool.ts'
import type { CodeForReport } from '../pool/queries.ts'
import type { ReportState } from './states.ts'

export interface OutboxReport {
  id: string
  kind: ReportKind
  channel: string
  group: string
  attributes: Record<string, unknown>
  state: ReportState
  codes: number
  createdAt: number
  attempts: number
  /** Hash of the last body put on the wire (set before sending). */
  bodyHash: string | null
  /** When the last uncertain send started (emulator/API clock ms). */
  sendingAt: number | null
  remoteId: string | null
  lastError: string | null
  reason: string | null
  generation: number
}

/** A code as a report document needs it: the pool's named query answers in this shape (`pool.queries.forReport`). */
export type ReportCode = CodeForReport

export interface Prepared {
  /** Stable hash of what will be sent: a re-built report hashes the same, so reconcile can match it. */
  hash: string
  payload: unknown
}

export type RemoteStatus =
  | { state: 'pending' }
  | { state: 'accepted' }
  | { state: 'rejected', reason: string, errors?: string[] }
  /**
   * Processed code by code, some refused (an OMS report PARTIALLY or FAILED, its receipt's per-code results): the
   * others took effect. `cis` is the refused code without its crypto part, as the results name it.
   */
  | { state: 'partial', reason: string, refused: Array<{ cis: string, code: number, description?: string }> }

/**
 * What a failed send means for the report:
 * - `not-sent`: the server certainly did not take it (refused connection, 429): send again after a pause;
 * - `uncertain`: it may have been taken (timeout, reset, 5xx): reconcile before any second send;
 * - `rejected`: the server refused the content (4xx): surface the reason, send nothing more until corrected.
 */
export type FailureClass = 'not-sent' | 'uncertain' | 'rejected'

export interface ReportSender {
  readonly channel: string
  /** Build and sign the request. A SignerError holds the report; any other error rejects it locally. */
  prepare(report: OutboxReport, codes: readonly ReportCode[]): Promise<Prepared>
  /** Send; resolves to the remote id (document or report id). */
  submit(report: OutboxReport, prepared: Prepared): Promise<string>
  status(report: OutboxReport & { remoteId: string }): Promise<RemoteStatus>
  /**
   * After a send whose answer was lost: the remote id if the server holds a report with hash `report.bodyHash`,
   * undefined if it certainly does not. Throw if that cannot be known now (the API is down).
   */
  /** After a send whose outcome is unknown: the remote id of the report if the server has it. `codes`: its codes. */
  reconcile(report: OutboxReport, codes: readonly ReportCode[]): Promise<string | undefined>
}

/** Default classification from the typed errors' shape (status, retryable, context.sent). */
export function classifyFailure (err: unknown): FailureClass {
  const e = err as { status?: unknown, retryable?: unknown, context?: { sent?: unknown } } | null
  if (e === null || typeof e !== 'object') return 'uncertain'
  // Signing (e.g. a new sign-in) failed before the request left.
  if ((e as { code?: unknown }).code === 'LC_ERR_SIGNER') return 'not-sent'
  if (typeof e.status === 'number') {
    if (e.status === 429) return 'not-sent'
    return e.status >= 500 ? 'uncertain' : 'rejected'
  }
  if (e.context?.sent === false) return 'not-sent'
  return 'uncertain'
}
