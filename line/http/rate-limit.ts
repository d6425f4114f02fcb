// Client-side request spacing for an upstream API: at most `perSecond` requests start in any second (OMS ≤ 10/s
// per IP and omsId, above 100/s the source may be blocked; True API ≤ 50/s). Real time on purpose: the limit
// protects a real server, whatever clock the line's logic runs on.

export interface RateLimiterOptions {
  perSecond: number
  /** Monotonic ms; injectable for tests. */
  now?: () => number
}

/** Evenly spaced starts, no bursts; callers are served in the order they asked. */
export class RateLimiter {
  readonly #gapMs: number
  readonly #now: () => number
  readonly #waiters: Array<() => void> = []
  #last = -Infinity
  #timer: NodeJS.Timeout | undefined

  constructor (options: RateLimiterOptions) {
    if (!(options.perSecond > 0) || !Number.isFinite(options.perSecond)) throw new RangeError(`perSecond must be a positive number, got ${options.perSecond}`)
    this.#gapMs = 1000 / options.perSecond
    this.#now = options.now ?? (() => performance.now())
  }

  /** Resolves when the caller may start its request. */
  acquire (): Promise<void> {
    return new Promise(resolve => {
      this.#waiters.push(resolve)
      if (this.#timer === undefined) this.#pump()
    })
  }

  /** Requests waiting for their slot (tests, metrics). */
  get waiting (): number { return this.#waiters.length }

  // The gap is measured from the moment the previous caller was actually released, not from when it was
  // scheduled: a late timer must not let the next requests bunch up behind it.
  #pump (): void {
    this.#timer = undefined
    if (this.#waiters.length === 0) return
    const now = this.#now()
    const wait = this.#last + this.#gapMs - now
    if (wait > 0) { this.#timer = setTimeout(() => { this.#pump() }, Math.ceil(wait)); return }
    this.#last = now
    ;(this.#waiters.shift() as () => void)()
    if (this.#waiters.length > 0) this.#timer = setTimeout(() => { this.#pump() }, Math.ceil(this.#gapMs))
  }
}
