// Line mode `preapplied` (docs/modes.md): the codes were printed beforehand — at a printing house, on labels or
// caps — and handed over in a codes file (HANDED_OVER in the pool). Nothing on the line prints: the camera's read
// is each product's mark, and the tracker claims it from the codes handed over for the job's GTIN (tracker.ts,
// `reads`). This mode supplies no codes, holds none and has nothing to drain; the job is complete when as many of
// its codes were read on products as it asked for.

import type { Printer } from '../../printers/types.ts'
import type { LineMode, MarkSink, ModeFault } from './mode.ts'

export class PreappliedMode implements LineMode {
  readonly kind = 'preapplied' as const
  readonly appliers: readonly Printer[] = []
  readonly devices: readonly Printer[] = []
  readonly #claimed: (jobId: number) => number
  readonly #claims: (() => number) | undefined
  /** The store's count at setJob, and the line's claims then: `exhausted` asks the store only when it may say yes. */
  #job: { id: number, quantity: number, base: number, mark: number } | null = null

  /**
   * `claimed`: how many codes the job has taken so far (read on its products, good or rejected), from the store — a
   * count over the job's codes, milliseconds for a large job, and `exhausted` runs on every runtime tick. `claims`:
   * the codes the line has claimed so far, whatever the job (the tracker's tally, counted when a read is claimed,
   * before its store write); it only grows faster than the store's count, so while the job's base plus the claims
   * since setJob stay below its quantity, the store need not be asked.
   */
  constructor (options: { claimed: (jobId: number) => number, claims?: () => number }) {
    this.#claimed = options.claimed
    this.#claims = options.claims
  }

  /** Nothing is taken from the pool's available codes: no pool level to watch. */
  get budget (): number { return 0 }

  setJob (job: { id: number, gtin: string, budget: number, quantity?: number } | null): void {
    // `budget` is the quantity less the codes already claimed; the quantity is what the completion counts against
    if (job === null) { this.#job = null; return }
    const base = this.#claimed(job.id)
    this.#job = { id: job.id, quantity: job.quantity ?? job.budget + base, base, mark: this.#claims?.() ?? 0 }
  }

  connect (_sink: MarkSink): void {}
  onFault (_fault: ModeFault): void {}
  start (): void {}
  pause (): void {}
  drain (): Promise<{ writtenOff: readonly number[] }> { return Promise.resolve({ writtenOff: [] }) }
  primed (): boolean { return true }

  exhausted (): boolean {
    const job = this.#job
    if (job === null) return false
    if (this.#claims !== undefined && job.base + this.#claims() - job.mark < job.quantity) return false
    return this.#claimed(job.id) >= job.quantity
  }

  close (): void {}
}
