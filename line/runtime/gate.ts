// Gate reconciliation: a good unit goes into its box only once it has passed the reject gate, since until then the
// PLC may still push it off (e.g. if the controller dies, every product on the conveyor is rejected —
// docs/plc-mqtt.md). The PLC's confirmations (`plc/gate`), or without them the trigger count, say when.

import type { AlarmBook } from '../alarms/alarms.ts'
import type { Aggregator } from '../aggregation/aggregator.ts'
import type { CodePool } from '../pool/pool.ts'
import type { Tracker } from '../tracking/tracker.ts'

export interface GateOptions {
  tracker: Pick<Tracker, 'knows' | 'verdict'>
  aggregator: Pick<Aggregator, 'addUnit' | 'unboxedBySeq' | 'writtenOffBySeq'>
  pool: Pick<CodePool, 'markDefect'>
  alarms: Pick<AlarmBook, 'raise'>
  /** Pitches from the printer to the reject gate. */
  rejectDistance: number
  /** The PLC confirms every product at the gate; otherwise the trigger count stands in for it. */
  gateConfirmation: boolean
  /** The active job's id (products from before a restart are looked up in its codes). */
  jobId: () => number | null
  /** Codes that became DEFECT here. */
  onDefect: (ids: number[]) => void
  /** Codes were written off outside the tracker's view: counters must be derived again. */
  onWrittenOff: () => void
  onStoreFault: (err: unknown) => void
}

export class GateReconciler {
  readonly #o: GateOptions
  /** Good units between camera and reject gate, by seq. */
  readonly #beforeGate = new Map<number, { id: number, seq: number }>()
  /** Gate confirmations that came before the unit's verdict was committed. */
  readonly #gateSeen = new Map<number, boolean>()
  /**
   * Good units still waiting for their gate when the PLC's numbering started again, by their old number: kept apart,
   * since the new products soon carry the same numbers (one of them took the place of a waiting unit, which then
   * never reached its box and was written off at the next Reset).
   */
  #previous = new Map<number, { id: number, seq: number }>()
  /** Triggers since the numbering started again. */
  #sinceRenumbered = 0
  #lastSeq = 0

  #rejectDistance: number

  constructor (options: GateOptions) {
    this.#o = options
    this.#rejectDistance = options.rejectDistance
  }

  /** The panel's reject distance, taken when production starts (docs/setup-mode.md). */
  setRejectDistance (pitches: number): void { this.#rejectDistance = pitches }

  /** Good units still between camera and gate. */
  get waiting (): number { return this.#beforeGate.size + this.#previous.size }

  /** A PLC trigger. Without gate confirmations, products `rejectDistance` pitches back count as past the gate. */
  onTrigger (seq: number): void {
    this.#lastSeq = seq
    if (this.#previous.size > 0 && ++this.#sinceRenumbered >= 2 * this.#rejectDistance) this.#settlePrevious()
    if (!this.#o.gateConfirmation) this.releasePastGate(seq - this.#rejectDistance)
  }

  /**
   * The PLC's numbering started again: gate reports kept for products whose verdict had not come (or never came,
   * e.g. rejected ones) would be taken for the new products that now carry those numbers. They are forgotten; good
   * units still waiting for their gate are kept under their old numbers until their gates come.
   */
  renumbered (): void {
    this.#gateSeen.clear()
    if (this.#previous.size > 0) this.#settlePrevious() // renumbered twice within a conveyor's length
    this.#previous = new Map(this.#beforeGate)
    this.#beforeGate.clear()
    this.#sinceRenumbered = 0
  }

  /**
   * The conveyor has moved twice its length since the numbering started again: every product of the old numbering
   * has passed the gate, and the confirmations still missing were lost. As when the line stops with confirmations
   * missing, the operator is told and the units count as passed.
   */
  #settlePrevious (): void {
    const left = [...this.#previous.values()]
    this.#previous.clear()
    if (left.length === 0) return
    if (this.#o.gateConfirmation) this.#o.alarms.raise({ code: 'GATE_UNCONFIRMED', source: 'plc', params: { count: left.length }, detail: { seqs: left.map(u => u.seq) } })
    for (const u of left) this.#o.aggregator.addUnit(u.id).catch(err => this.#o.onStoreFault(err))
  }

  /** A good unit (VERIFIED committed). */
  onGood (u: { id: number, seq: number }): void {
    const gate = this.#gateSeen.get(u.seq)
    if (gate !== undefined) { this.#gateSeen.delete(u.seq); this.#atGate(u, gate) } else this.#beforeGate.set(u.seq, u)
    if (!this.#o.gateConfirmation) this.releasePastGate(this.#lastSeq - this.#rejectDistance)
  }

  /**
   * The PLC's account of product `seq` at the reject station (`plc/gate`). A good unit that passed goes into its
   * box; one the PLC pushed off anyway becomes DEFECT. For products from before a restart the store's `seq`
   * column says which code they carry.
   */
  onGate (seq: number, rejected: boolean): void {
    const u = this.#beforeGate.get(seq)
    if (u !== undefined) { this.#beforeGate.delete(seq); this.#atGate(u, rejected); return }
    const old = this.#previous.get(seq)
    if (old !== undefined) { this.#previous.delete(seq); this.#atGate(old, rejected); return }
    if (this.#o.tracker.knows(seq)) {
      // decided as a reject, or its verdict is still being committed
      const verdict = this.#o.tracker.verdict(seq)
      if (verdict === 'reject') {
        if (!rejected) this.#o.alarms.raise({ code: 'REJECT_MISSED', source: `plc seq ${seq}`, params: { seq }, detail: { seq } })
      } else if (verdict === undefined && !rejected) {
        // it left the line before its verdict: whatever comes now, the product is out there unchecked
        this.#o.alarms.raise({ code: 'SHIPPED_UNVERIFIED', source: `plc seq ${seq}`, params: { seq }, detail: { seq } })
        this.#gateSeen.set(seq, rejected)
      } else {
        this.#gateSeen.set(seq, rejected)
      }
      return
    }
    this.#fromStore(seq, rejected).catch(err => this.#o.onStoreFault(err))
  }

  #atGate (u: { id: number, seq: number }, rejected: boolean): void {
    if (!rejected) this.#o.aggregator.addUnit(u.id).catch(err => this.#o.onStoreFault(err))
    else this.#o.pool.markDefect([u.id], 'PLC_REJECT').then(() => this.#o.onDefect([u.id]), err => this.#o.onStoreFault(err))
  }

  async #fromStore (seq: number, rejected: boolean): Promise<void> {
    const jobId = this.#o.jobId()
    if (jobId === null) return
    const row = this.#o.aggregator.unboxedBySeq(seq, jobId)
    if (row === undefined) {
      // Passed, though its code was written off at a restart (fate unknown then): the product is out there with a
      // code the store reports as dropped out. The operator must take it off the line.
      const writtenOff = rejected ? undefined : this.#o.aggregator.writtenOffBySeq(seq, jobId)
      if (writtenOff !== undefined) this.#o.alarms.raise({ code: 'SHIPPED_UNVERIFIED', source: `plc seq ${seq}`, params: { seq }, detail: { seq, codeId: writtenOff, writtenOff: true } })
      return
    }
    if (row.state === 'VERIFIED') {
      if (rejected) { await this.#o.pool.markDefect([row.id], 'PLC_REJECT'); this.#o.onDefect([row.id]) } else await this.#o.aggregator.addUnit(row.id)
      return
    }
    // PRINTED: the controller stopped before its verdict
    await this.#o.pool.markDefect([row.id], 'UNCERTAIN')
    this.#o.onWrittenOff()
    this.#o.onDefect([row.id])
    if (!rejected) {
      this.#o.alarms.raise({ code: 'SHIPPED_UNVERIFIED', source: `plc seq ${seq}`, params: { seq }, detail: { seq, codeId: row.id } })
    }
  }

  /** Good units with seq ≤ upTo count as past the gate (no confirmations, or the line has stopped). */
  releasePastGate (upTo: number): void {
    if (upTo === Number.MAX_SAFE_INTEGER) {
      for (const u of this.#previous.values()) this.#o.aggregator.addUnit(u.id).catch(err => this.#o.onStoreFault(err))
      this.#previous.clear()
    }
    for (const [seq, u] of this.#beforeGate) {
      if (seq > upTo) continue
      this.#beforeGate.delete(seq)
      this.#o.aggregator.addUnit(u.id).catch(err => this.#o.onStoreFault(err))
    }
  }
}
