// Client-side request spacing: at most `perSecond` requests start in any second (True API ≤ 50/s, OMS ≤ 10/s).
// Real time on purpose: the limit protects a real server, whatever clock the line's logic runs on.

export class RateLimiter {
  readonly #gapMs: number
  #next = 0
  constructor (perSecond: number) {
    if (!(perSecond > 0)) throw new RangeError('perSecond must be positive')
    this.#gapMs = 1000 / perSecond
  }

  /** Resolves when the caller may start its request; callers are served in order. */
  take (): Promise<void> {
    const now = performance.now()
    const at = Math.max(now, this.#next)
    this.#next = at + this.#gapMs
    const wait = at - now
    return wait <= 0 ? Promise.resolve() : new Promise(resolve => setTimeout(resolve, Math.ceil(wait)))
  }
}
