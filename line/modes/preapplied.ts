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
  #job: { id: number, quantity: number } | null = null

  /** `claimed`: how many codes the job has taken so far (read on its products, good or rejected), from the store. */
  constructor (options: { claimed: (jobId: number) => number }) {
    this.#claimed = options.claimed
  }

  /** Nothing is taken from the pool's available codes: no pool level to watch. */
  get budget (): number { return 0 }

  setJob (job: { id: number, gtin: string, budget: number, quantity?: number } | null): void {
    // `budget` is the quantity less the codes already claimed; the quantity is what the completion counts against
    this.#job = job === null ? null : { id: job.id, quantity: job.quantity ?? job.budget + this.#claimed(job.id) }
  }

  connect (_sink: MarkSink): void {}
  onFault (_fault: ModeFault): void {}
  start (): void {}
  pause (): void {}
  drain (): Promise<{ writtenOff: readonly number[] }> { return Promise.resolve({ writtenOff: [] }) }
  primed (): boolean { return true }

  exhausted (): boolean {
    const job = this.#job
    return job !== null && this.#claimed(job.id) >= job.quantity
  }

  close (): void {}
}
