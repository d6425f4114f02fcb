// The line's timings, named, with their defaults in one place. Those an engineer tunes per line are config keys
// (cameras[].resultTimeoutMs, reports.*, printers[].pollIntervalMs); these are the controller's own, overridable
// through StartOptions.timings (tests, simulated time).

export interface LineTimings {
  /** A confirmed print must follow its trigger within this, or the product is rejected as NO_PRINT. */
  printConfirmMs: number
  /** The result timeout when no unit camera is configured, and the least one used. */
  minResultTimeoutMs: number
  /** Stopping/Completing wait this long for products still between printer and camera, then as long for the gate. */
  settleMs: number
  /** The runtime's periodic work: deadlines, pool level, job completion. */
  runtimeTickMs: number
  /** Starting waits this long for codes in every head's buffer before it gives up. */
  primeTimeoutMs: number
  /** Polling period while Starting or a settle waits. */
  waitPollMs: number
  /** A clean shutdown waits this long for the heads to be emptied (their codes then go back to the pool). */
  drainOnCloseMs: number
  /** Counters published to the PLC. */
  countersPublishMs: number
  /** While a unit camera is believed offline, its retained status is read again this often. */
  cameraStatusRefreshMs: number
  /** The report sweep: reports a crash, a drain or an operator's scrap left unwritten. */
  reportSweepMs: number
  /** The replenisher's loop (orders, their status, codes fetched). */
  replenishMs: number
  /** Start-up waits at most this long for the broker and the subscriptions, then goes on (the panel comes up). */
  startupWaitMs: number
  /** The store file is checked this often for being deleted, replaced or its WAL growing. */
  storeWatchMs: number
  /** Accepted reports move the live Reported and Dropped counters at most this often (read from the store). */
  reportCountersMs: number
}

export const DEFAULT_TIMINGS: Readonly<LineTimings> = {
  printConfirmMs: 500,
  minResultTimeoutMs: 1500,
  settleMs: 5000,
  runtimeTickMs: 100,
  primeTimeoutMs: 15_000,
  waitPollMs: 20,
  drainOnCloseMs: 3000,
  countersPublishMs: 1000,
  cameraStatusRefreshMs: 3000,
  reportSweepMs: 30_000,
  replenishMs: 1000,
  startupWaitMs: 5000,
  storeWatchMs: 2000,
  reportCountersMs: 1000,
}

export function lineTimings (overrides: Partial<LineTimings> = {}): LineTimings {
  return { ...DEFAULT_TIMINGS, ...overrides }
}
