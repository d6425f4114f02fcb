// Client-side request spacing: at most `perSecond` requests start in any second (True API ≤ 50/s, OMS ≤ 10/s).
// Real time on purpose: the limit protects a real server, whatever clock the line's logic runs on.

export class RateLimiter {
  readonly #gapMs: number
  readonly #waiters: Array<() => void> = []
  #last = -Infinity
  #timer: NodeJS.Timeout | undefined

  constructor (perSecond: number) {
    if (!(perSecond > 0)) throw new RangeError('perSecond must be positive')
    this.#gapMs = 1000 / perSecond
  }

  /** Resolves when the caller may start its request; callers are served in order. */
  take (): Promise<void> {
    return new Promise(resolve => {
      this.#waiters.push(resolve)
      if (this.#timer === undefined) this.#pump()
    })
  }

  // The gap is measured from the moment the previous caller was actually released, not from when it was scheduled:
  // a late timer must not let the next requests bunch up behind it.
  #pump (): void {
    this.#timer = undefined
    if (this.#waiters.length === 0) return
    const now = performance.now()
    const wait = this.#last + this.#gapMs - now
    if (wait > 0) { this.#timer = setTimeout(() => this.#pump(), Math.ceil(wait)); return }
    this.#last = now
    ;(this.#waiters.shift() as () => void)()
    if (this.#waiters.length > 0) this.#timer = setTimeout(() => this.#pump(), Math.ceil(this.#gapMs))
  }
}
