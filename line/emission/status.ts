// What the HMI shows about emission: pool level against its watermarks, orders in flight, last decision and error.

export interface EmissionAlarm {
  code: string
  severity: 'warning' | 'alarm'
  text: { ru: string, en: string }
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
