// Injected time: the controller never calls Date.now() directly, so the simulator can run faster than real time.

export interface Clock {
  /** Milliseconds since the Unix epoch, on this clock. */
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

/** A clock that only moves when told to: tests and scenario runs with a simulated time base. */
export class ManualClock implements Clock {
  #t: number
  constructor (start = Date.UTC(2026, 0, 1)) { this.#t = start }
  now (): number { return this.#t }
  advance (ms: number): number { this.#t += ms; return this.#t }
  set (t: number): void { this.#t = t }
}

/** Real time scaled by `rate` from `start` (rate 60 runs an hour a minute). */
export class ScaledClock implements Clock {
  readonly #origin = performance.now()
  constructor (readonly start: number, readonly rate: number) {}
  now (): number { return Math.floor(this.start + (performance.now() - this.#origin) * this.rate) }
}
