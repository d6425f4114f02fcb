// Typed errors and alarms of the report outbox.
import { LineError } from '../codes/errors.ts'

export class OutboxError extends LineError {
  constructor (message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super('LC_ERR_OUTBOX', message, context, options)
  }
}

/** A change of a report's state that the report state table (states.ts) does not allow. */
export class ReportTransitionError extends LineError {
  constructor (message: string, context: { reportId: string | null, from: string, to: string, allowed: readonly string[] }) {
    super('LC_ERR_REPORT_TRANSITION', message, context)
  }
}

export interface OutboxAlarm {
  code: 'LC_ERR_REPORT_REJECTED' | 'LC_ERR_SIGNER' | 'LC_ERR_REPORT_SEND'
  severity: 'warning' | 'error'
  reportId: string
  text: { ru: string, en: string }
  context: Record<string, unknown>
}
