// Typed errors and alarms of the report outbox.
import { CATALOGUE, textOf, type AlarmOf, type Bilingual, type Severity } from '../domain/catalogue.ts'
import { LineError } from '../domain/errors.ts'

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

type OutboxAlarmCode = 'LC_ERR_REPORT_REJECTED' | 'LC_ERR_SIGNER' | 'LC_ERR_REPORT_SEND'

/** An outbox alarm: a catalogue code with its parameters; severity and text from the catalogue, detail in `context`. */
export type OutboxAlarm = AlarmOf<OutboxAlarmCode> & {
  severity: Severity
  reportId: string
  /** The catalogue text, parameters filled in: never the API's answer (that is in `context`). */
  text: Bilingual
  /** Technical detail for the engineer: the API's reason and errors. */
  context: Record<string, unknown>
}

/** Build an outbox alarm from its catalogue code: severity and text are the catalogue's. */
export function outboxAlarm (ref: AlarmOf<OutboxAlarmCode>, reportId: string, context: Record<string, unknown>): OutboxAlarm {
  return { ...ref, severity: CATALOGUE[ref.code].severity, reportId, text: textOf(ref), context }
}
