// The line's counters, with one owner: derived from the store when a job is attached (exact after any restart),
// followed live from the tracker's tally and from closed containers in between. Nobody else writes them.

import type { Counters } from '../control.ts'
import { REJECT_REASONS, VERIFIED_DEFECTS } from '../domain/reasons.ts'
import type { CodePool } from '../pool/pool.ts'

// How a job's counters are derived from the store: REJECT_REASONS (camera or store rejects) and VERIFIED_DEFECTS
// (removed from a box, scrapped with it, or pushed off by the PLC after its verdict) come from the one list of reasons.
export { REJECT_REASONS, VERIFIED_DEFECTS }

export interface CountersOptions {
  pool: Pick<CodePool, 'jobCounts'>
  /** Closed boxes and pallets of a job (the aggregation store). */
  containers: { counts(jobId: number): { boxes: number, pallets: number } }
  /** The tracker's live tally since the process started: read, never written. */
  tally: { readonly counters: Counters }
}

const zero = (): Counters => ({ triggered: 0, printed: 0, verified: 0, rejected: 0, rejectsByReason: {}, boxes: 0, pallets: 0, reported: 0, dropped: 0 })

function copy (c: Counters): Counters { return { ...c, rejectsByReason: { ...c.rejectsByReason } } }

export class LineCounters {
  readonly #o: CountersOptions
  /** Counts from the store at the last derivation. */
  #base: Counters = zero()
  /** The tracker's tally at that moment: what it counted since is added to the base. */
  #mark: Counters = zero()

  constructor (options: CountersOptions) {
    this.#o = options
  }

  /** A job is attached (start, restart): its counters from the store. */
  attach (jobId: number): void {
    const used = this.derived(jobId)
    this.#base = { ...used, triggered: 0 }
    this.#mark = copy(this.#o.tally.counters)
  }

  /**
   * Again from the store, after codes were written off outside the tracker's view (UNCERTAIN after a restart):
   * the panel and the PLC must show what the store holds. Products that passed unprinted carry no code: the store
   * cannot count them, the tracker did.
   */
  sync (jobId: number): void {
    const noPrint = this.current().rejectsByReason.NO_PRINT
    this.attach(jobId)
    if (noPrint !== undefined) this.#base.rejectsByReason.NO_PRINT = noPrint
  }

  /** Accepted reports moved codes to REPORTED or DROPPED: those two from the store, the rest as counted. */
  refreshReports (jobId: number): void {
    const { states } = this.#o.pool.jobCounts(jobId)
    this.#base.reported = states.REPORTED
    this.#base.dropped = states.DROPPED
  }

  /** A box or pallet was closed. */
  closed (level: 'box' | 'pallet'): void {
    if (level === 'box') this.#base.boxes++
    else this.#base.pallets++
  }

  /** Boxes and pallets changed outside the line's flow (a rework, docs/rework.md): counted from the store again. */
  recountContainers (jobId: number): void {
    const c = this.#o.containers.counts(jobId)
    this.#base.boxes = c.boxes
    this.#base.pallets = c.pallets
  }

  /** A closed box was scrapped: it is no longer a box (the store counts closed ones). */
  scrapped (): void { this.#base.boxes-- }

  current (): Counters {
    const t = this.#o.tally.counters
    const b = this.#base
    const m = this.#mark
    const rejectsByReason = { ...b.rejectsByReason }
    for (const [reason, n] of Object.entries(t.rejectsByReason)) {
      const d = n - (m.rejectsByReason[reason] ?? 0)
      if (d !== 0) rejectsByReason[reason] = (rejectsByReason[reason] ?? 0) + d
    }
    return {
      triggered: t.triggered,
      printed: b.printed + t.printed - m.printed,
      verified: b.verified + t.verified - m.verified,
      rejected: b.rejected + t.rejected - m.rejected,
      rejectsByReason,
      boxes: b.boxes,
      pallets: b.pallets,
      reported: b.reported,
      dropped: b.dropped,
    }
  }

  /** A job's counters from the store: exact after any restart. `reserved`: codes the job took from the pool. */
  derived (jobId: number): Counters & { reserved: number } {
    const { states, defects } = this.#o.pool.jobCounts(jobId)
    const sum = (reasons: readonly string[]): number => reasons.reduce((n, r) => n + (defects[r] ?? 0), 0)
    const verified = states.VERIFIED + states.AGGREGATED + states.REPORTED + sum(VERIFIED_DEFECTS)
    const rejected = sum(REJECT_REASONS)
    const rejectsByReason: Record<string, number> = {}
    for (const r of REJECT_REASONS) if ((defects[r] ?? 0) > 0) rejectsByReason[r] = defects[r] as number
    const boxes = this.#o.containers.counts(jobId)
    let reserved = 0
    for (const [k, v] of Object.entries(states)) if (k !== 'AVAILABLE') reserved += v
    return {
      triggered: this.#o.tally.counters.triggered,
      printed: verified + rejected + states.PRINTED,
      verified,
      rejected,
      rejectsByReason,
      boxes: boxes.boxes,
      pallets: boxes.pallets,
      reported: states.REPORTED,
      dropped: states.DROPPED,
      reserved,
    }
  }
}
