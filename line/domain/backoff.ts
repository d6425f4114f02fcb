// Exponential backoff with optional jitter: the one delay rule for HTTP retries, the reports outbox and the
// printer drivers' reconnect loop. Pure and import-free, so device folders (printers/) may use it too.

export interface BackoffOptions {
  /** Delay before the first retry. */
  baseMs: number
  /** No delay exceeds this, however many attempts failed. */
  maxMs: number
  /**
   * Share of the delay taken away at random: 0 = none (a fixed schedule, as a durable outbox or a device wants),
   * 1 = full jitter, uniform in [0, delay]. Many clients retrying one server spread out instead of arriving
   * together (AWS architecture blog, "Exponential Backoff And Jitter").
   */
  jitter?: number
  /** Uniform in [0, 1); injectable so tests are deterministic. */
  random?: () => number
}

/** Delay before retry number `attempt` (1-based): baseMs · 2^(attempt−1), capped at maxMs, less the jitter. */
export function backoffDelay (attempt: number, options: BackoffOptions): number {
  const base = Math.max(0, options.baseMs)
  const max = Math.max(0, options.maxMs)
  // The exponent is bounded so that a days-long outage (thousands of attempts) never overflows to Infinity·0.
  const exp = Math.min(max, base * 2 ** Math.min(30, Math.max(0, Math.floor(attempt) - 1)))
  const jitter = Math.min(1, Math.max(0, options.jitter ?? 0))
  if (jitter === 0) return Math.round(exp)
  const r = (options.random ?? Math.random)()
  return Math.round(exp * (1 - jitter * r))
}
