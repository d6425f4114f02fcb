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
