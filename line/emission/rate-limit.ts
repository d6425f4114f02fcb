// Client-side request pacing: at most N requests per second to the OMS (oms-api.md: recommended ≤ 10/s per IP
// and omsId; above 100/s the source may be blocked). Wall-clock, because it protects a real server.

export interface RateLimiterOptions {
  perSecond: number
  /** Monotonic ms; injectable for tests. */
  now?: () => number
  sleep?: (ms: number) => Promise<void>
}

const realSleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** Evenly spaced slots: request k may start no earlier than k/perSecond after the first, bursts are not allowed. */
export class RateLimiter {
  readonly #intervalMs: number
  readonly #now: () => number
  readonly #sleep: (ms: number) => Promise<void>
  #next = -Infinity

  constructor (options: RateLimiterOptions) {
    if (!(options.perSecond > 0)) throw new RangeError(`perSecond must be positive, got ${options.perSecond}`)
    this.#intervalMs = 1000 / options.perSecond
    this.#now = options.now ?? (() => performance.now())
    this.#sleep = options.sleep ?? realSleep
  }

  /** Resolves when the caller may send its request. Slots are handed out in call order. */
  async acquire (): Promise<void> {
    const now = this.#now()
    const slot = Math.max(now, this.#next)
    this.#next = slot + this.#intervalMs
    const wait = slot - now
    if (wait > 0.5) await this.#sleep(Math.ceil(wait))
  }
}
