// What the HMI shows about emission: pool level against its watermarks, orders in flight, last decision and error.

import type { AlarmRef, Bilingual, ErrorCode, Severity } from '../domain/catalogue.ts'

/** An emission alarm: what failed (`code`), the catalogue alarm the line raises for it, and the detail apart. */
export interface EmissionAlarm {
  /** The error code of what failed, to branch on. */
  code: ErrorCode
  /** The catalogue code and parameters the line raises (one code per situation, never built from `code`). */
  alarm: AlarmRef
  /** From the catalogue entry of `alarm`. */
  severity: Severity
  /** The catalogue text of `alarm`, parameters filled in: no API answer in it (that is in `context`). */
  text: Bilingual
  /** Technical detail for the engineer: the OMS answer, the error message. */
  context: Record<string, unknown>
  at: number
}

export interface GtinStatus {
  gtin: string
  group: string
  /** Codes that can still be reserved. */
  level: number
  lowWatermark: number
  target: number
  /** Codes ordered and not yet downloaded. */
  inFlight: number
  /** Production time the pool covers at the job's line speed. */
  minutesLeft: number | null
  belowLow: boolean
}

export interface EmissionStatus {
  gtins: GtinStatus[]
  ordersInFlight: Array<{ localId: string, orderId: string | null, gtin: string, state: string, quantity: number, taken: number, lastError: string | null }>
  lastError: { code: string, message: string, at: number, context: Record<string, unknown> } | null
  lastDecision: { action: string, message: string, at: number } | null
  /** False while calls to the OMS keep failing (outage): the pool is being drawn down. */
  healthy: boolean
  consecutiveFailures: number
  alarms: EmissionAlarm[]
}
