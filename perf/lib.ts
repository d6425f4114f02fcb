// Shared measuring tools for benchmarks: percentiles, timers, memory.

export type Figures = Record<string, number>

export interface Bench {
  /** One line saying what is measured. */
  description: string
  run(options: { quick: boolean }): Promise<Figures>
}

export function percentile (sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[i] as number
}

export function summarize (samplesMs: number[]): { p50: number, p99: number, max: number } {
  const s = Float64Array.from(samplesMs).sort()
  return { p50: round(percentile(s, 50)), p99: round(percentile(s, 99)), max: round(s[s.length - 1] ?? NaN) }
}

export function round (x: number, digits = 3): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}

export function rssMb (): number {
  return round(process.memoryUsage().rss / 1048576, 1)
}

export const nowMs = (): number => performance.now()

/**
 * Commit probes in flight, at most `max` unsettled: a bench that feeds products in bursts waits for the store when it
 * falls that far behind, and otherwise lets the next burst come on the next turn of the event loop.
 */
export class ProbeWindow {
  readonly #max: number
  #list: Array<Promise<unknown>> = []
  #oldest = 0
  constructor (max: number) { this.#max = max }

  push (p: Promise<unknown>): void { this.#list.push(p) }

  async pace (): Promise<void> {
    if (this.#list.length - this.#oldest > this.#max) await this.#list[this.#list.length - this.#max]
    else await new Promise(resolve => setImmediate(resolve))
    if (this.#oldest > 10_000) { this.#list.splice(0, this.#oldest); this.#oldest = 0 }
    while (this.#oldest < this.#list.length - this.#max) this.#oldest++
  }

  drain (): Promise<unknown> { return Promise.all(this.#list.slice(this.#oldest)) }
}
