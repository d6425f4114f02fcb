// Typed errors and alarms of the report outbox.
import { LineError } from '../domain/errors.ts'

export class OutboxError extends LineError {
  constructor (message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super('LC_ERR_OUTBOX', message, context, options)
  }
}

export interface OutboxAlarm {
  code: 'LC_ERR_REPORT_REJECTED' | 'LC_ERR_SIGNER' | 'LC_ERR_REPORT_SEND'
  severity: 'warning' | 'error'
  reportId: string
  text: { ru: string, en: string }
  context: Record<string, unknown>
}
