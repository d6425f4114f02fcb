// Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"), used for HTTP
// retries (wall clock) and for the replenishment policy's polling (injected clock).

export interface BackoffOptions {
  baseMs: number
  maxMs: number
  /** 0 = no jitter, 1 = full jitter (uniform in [0, delay]). */
  jitter?: number
  random?: () => number
}

/** Delay before retry number `attempt` (1-based). */
export function backoffDelay (attempt: number, options: BackoffOptions): number {
  const exp = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt - 1))
  const jitter = options.jitter ?? 0.5
  const r = (options.random ?? Math.random)()
  return Math.round(exp * (1 - jitter * r))
}
