// Decides what gets reported: every verified code a utilisation report, every defect a dropout, every closed box
// an aggregation, and — when the job has a TN VED code and the True API is configured — every aggregate (or unit,
// on a line without boxes) an introduction into circulation once GIS MT knows it. Fed by the line's events and the
// outbox's acceptances, and by a sweep of the store for anything a crash left out.

import type { Logger } from '../log.ts'
import type { CodePool, ReportKind } from '../pool/pool.ts'
import type { BoxedUnit, CodeRef } from '../pool/queries.ts'
import type { JobView } from '../control.ts'
import type { ReportOutbox } from './outbox.ts'
import type { PermitDocument } from '../gismt/documents.ts'
import { ANSWERED_REPORT_STATES, ReportState } from './states.ts'
import { aggregationAttributesOf, disaggregationOf, dropoutAttributesOf, dropoutReasonFor, groupRule, utilisationAttributesOf, type JobFacts } from '../domain/groups.ts'

/** Reports a dropped code must not be left in, or overtake (see `defect`). */
const CARRYING = ['utilisation', 'aggregation'] as const

/** Codes grouped by their box (`parent`), in order; codes in no box are left out. */
function byBox<C extends CodeRef> (codes: readonly C[]): Map<string, C[]> {
  const boxes = new Map<string, C[]>()
  for (const c of codes) {
    if (c.parent === null) continue
    let b = boxes.get(c.parent)
    if (b === undefined) { b = []; boxes.set(c.parent, b) }
    b.push(c)
  }
  return boxes
}

/**
 * Utilisation attributes of a job's units, from the product-group table (line/domain/groups.ts); null for a group
 * whose utilisation report the OMS makes itself (lp, shoes: §4.4.11 note 2).
 */
export function utilisationAttributes (job: JobFacts): Record<string, unknown> | null {
  return utilisationAttributesOf(job)
}

/**
 * A dropout's attributes: the reason the group accepts (Table 244) and the group's attributes (tobacco: Table 103);
 * null when the OMS has no dropout for the group (§4.4.9 note 1) or the job lacks what it needs.
 */
export function dropoutAttributes (job: JobFacts, reason: string | null): Record<string, unknown> | null {
  const a = dropoutAttributesOf(job)
  return a === null ? null : { reason: dropoutReasonFor(job.group, reason), ...a }
}

export interface PlannerOptions {
  outbox: ReportOutbox
  pool: CodePool
  log: Logger
  /** Closed boxes are reported as aggregations. */
  aggregation: boolean
  /**
   * GIS MT checks an aggregation document against applied codes: the box waits until the utilisation of all its
   * units was accepted (True API aggregation). The OMS takes aggregation reports in any order.
   */
  aggregationAfterUtilisation?: boolean
  /** Introduction documents are sent (a True API sender exists); only for jobs that carry a TN VED code. */
  introduction?: boolean
  /** The job a code was produced for (introduction attributes come from it). */
  jobOf?: (jobId: number) => JobView | null
  /** Closed pallets are reported as a second aggregation level (needs a `pallet` sender). */
  pallets?: boolean
  /** Closed pallets with their boxes' SSCCs, for the sweep (from the aggregation store). */
  closedPallets?: () => Array<{ sscc: string, jobId: number, boxes: string[] }>
  /** Where aggregation reports go: through the OMS only groups the OMS aggregates are sent (§4.4.10 note 1). */
  aggregationVia?: 'oms' | 'true-api'
  /** The permit (certificate or declaration) of a GTIN's product card (line/products), for introductions. */
  permitOf?: (gtin: string) => PermitDocument | null
}

/**
 * Introduction attributes of a job, or null when the job cannot be introduced by the line (no TN VED code). The
 * product's permit goes with it where the group's introduction takes one (TA §4.1.4.1 `certificate_document_data`,
 * mandatory for those groups unless GIS MT already holds it for the codes).
 */
export function introductionAttributes (job: JobView, byAggregate: boolean, permit: PermitDocument | null = null): Record<string, unknown> | null {
  // TA §4.1.4.1 lists the groups LP_INTRODUCE_GOODS takes (not beer, tobacco, pharma)
  const rule = groupRule(job.group)?.introduction
  if (job.tnvedCode === undefined || rule == null) return null
  return { productionDate: job.productionDate, tnvedCode: job.tnvedCode, byAggregate, ...(rule.certificate && permit !== null ? { certificate: permit } : {}) }
}

interface WaitingBox { job: JobView, codeIds: readonly number[] }

export class ReportPlanner {
  readonly #outbox: ReportOutbox
  readonly #pool: CodePool
  readonly #log: Logger
  readonly #aggregation: boolean
  readonly #o: PlannerOptions
  /** Closed boxes waiting for their units' utilisation to be accepted, by the box's unit code (`00`+SSCC). */
  readonly #waiting = new Map<string, WaitingBox>()
  /** Closed pallets waiting for their boxes' reports, by the pallet's unit code. */
  readonly #waitingPallets = new Map<string, { job: JobView, pallet: string, boxes: string[] }>()
  /** Dropouts waiting for the reports their codes are in to be answered. */
  readonly #heldDropouts = new Map<number, { group: string, attributes: Record<string, unknown> }>()
  /** Groups already logged as having no report of a kind (once each). */
  readonly #skipped = new Set<string>()

  constructor (options: PlannerOptions) {
    this.#o = options
    this.#outbox = options.outbox
    this.#pool = options.pool
    this.#log = options.log
    this.#aggregation = options.aggregation
  }

  /** Boxes held back until GIS MT knows their units as applied. */
  get waitingBoxes (): number { return this.#waiting.size }

  /** Pallets held back until their boxes are reported (aggregated, and introduced where the job is). */
  get waitingPallets (): number { return this.#waitingPallets.size }

  /**
   * A closed pallet: reported once every box in it is known to GIS MT as an aggregate — and, for a job that is
   * introduced box by box, introduced — so the pallet never sits between a box and its own introduction.
   */
  palletClosed (job: JobView, palletSscc: string, boxSsccs: readonly string[]): void {
    if (this.#o.pallets !== true || boxSsccs.length === 0) return
    const pallet = palletSscc.startsWith('00') && palletSscc.length === 20 ? palletSscc : `00${palletSscc}`
    const boxes = boxSsccs.map(b => b.length === 20 ? b : `00${b}`)
    this.#waitingPallets.set(pallet, { job, pallet, boxes })
    this.#releasePallets()
  }

  #releasePallets (): void {
    for (const [pallet, w] of this.#waitingPallets) {
      const units = this.#unitsOf(w.boxes)
      if (units.length === 0) { this.#waitingPallets.delete(pallet); continue } // every box scrapped
      const introduced = this.#o.introduction === true && introductionAttributes(w.job, true) !== null
      if (units.some(u => u.aggReport === null || (introduced && u.introReport === null))) continue
      // boxes of a pallet taken apart in a rework: not before GIS MT undid the old pallet
      const ids = units.map(u => u.id)
      if (this.#pool.queries.countNotReported('pallet', ids) < ids.length || this.#outbox.pending('disaggregation', ids).length > 0) continue
      this.#waitingPallets.delete(pallet)
      this.#add({ kind: 'pallet', group: w.job.group, codeIds: units.map(u => u.id), attributes: { pallet, capacity: w.job.boxesPerPallet }, whole: true })
    }
  }

  /** The good units inside these boxes, with what is known of their reports. */
  #unitsOf (boxes: readonly string[]): BoxedUnit[] {
    return boxes.flatMap(b => this.#pool.queries.boxedUnits(b))
  }

  verified (job: JobView, codeIds: readonly number[]): void {
    const attributes = utilisationAttributes(job)
    if (attributes !== null) { this.#add({ kind: 'utilisation', group: job.group, codeIds, attributes }); return }
    // the OMS makes the utilisation itself (lp, shoes): units in no box go straight to their introduction
    this.#skip('utilisation', job.group)
    if (this.#o.introduction === true) this.#introduceUnits(this.#pool.queries.refs(codeIds).filter(c => c.parent === null))
  }

  /** Log once per group and kind that the table has no such report for it. */
  #skip (kind: string, group: string): void {
    if (this.#skipped.has(`${kind}|${group}`)) return
    this.#skipped.add(`${kind}|${group}`)
    this.#log.info({ kind, group }, 'no report of this kind for the group (docs/groups.md)')
  }

  /** Whether the box of a job is reported: the OMS aggregates only some groups (§4.4.10 note 1). */
  #aggregates (job: JobView): boolean {
    if (this.#o.aggregationVia !== 'oms' || groupRule(job.group)?.aggregation.oms !== false) return true
    this.#skip('aggregation', job.group)
    return false
  }

  /** Aggregation attributes: the box's capacity (the sender applies the partial-box rule) and the group's own. */
  #aggregationAttributes (job: JobView): Record<string, unknown> {
    return { capacity: job.unitsPerBox, ...(this.#o.aggregationVia === 'oms' ? aggregationAttributesOf(job) : {}) }
  }

  /**
   * Defect codes are dropped out. A code still in an open utilisation or aggregation report (a box scrapped before
   * its report left) is taken out of it first; one whose utilisation or aggregation is already on its way is dropped
   * out only after the OMS answered that report, else the OMS could see the dropout first and then refuse the rest of
   * a report for a dropped code. A scrapped box waiting for its aggregation is forgotten.
   */
  defect (job: JobFacts | string, codeIds: readonly number[], reason: string): void {
    if (codeIds.length === 0) return
    const facts: JobFacts = typeof job === 'string' ? { group: job } : job
    const group = facts.group
    const attributes = dropoutAttributes(facts, reason)
    const ids = new Set(codeIds)
    for (const [parent, w] of this.#waiting) if (w.codeIds.some(id => ids.has(id))) this.#waiting.delete(parent)
    Promise.all(CARRYING.map(kind => this.#outbox.withdraw(kind, codeIds))).then(() => {
      // no OMS dropout for the group (§4.4.9 note 1): the codes stay DEFECT, never utilised, and expire unused
      if (attributes === null) { this.#skip('dropout', group); return }
      const pending = this.#carried(codeIds, group)
      for (const id of pending) this.#heldDropouts.set(id, { group, attributes })
      this.#add({ kind: 'dropout', group, codeIds: codeIds.filter(id => !pending.has(id)), attributes })
    }).catch(err => this.#log.error({ err }, 'could not withdraw defect codes from their reports'))
  }

  /**
   * Of these codes, those in a utilisation or aggregation report that is on its way (not yet answered), and those GIS
   * MT still holds in an aggregate, or whose disaggregation is on its way (docs/rework.md): their dropout waits, so
   * GIS MT never holds an aggregate of dropped codes.
   */
  #carried (codeIds: readonly number[], group: string): Set<number> {
    return new Set([
      ...CARRYING.flatMap(kind => this.#outbox.pending(kind, codeIds)),
      // a line that cannot disaggregate (no True API, or a group TA §4.1.2.3 does not list) sends the dropout after
      // the aggregation's answer as before: GIS MT's aggregate is then undone in the account (docs/rework.md)
      ...(this.#disaggregates(group) ? [...this.#outbox.pending('disaggregation', codeIds), ...this.#pool.queries.inReportedAggregate(codeIds)] : []),
    ])
  }

  /** Whether the line disaggregates the group's aggregates itself (the group table, and a True API sender). */
  #disaggregates (group: string): boolean {
    return disaggregationOf(group) !== null && this.#outbox.takes('disaggregation')
  }

  /** Whether any of these units is still in an aggregate GIS MT holds, or in a disaggregation on its way. */
  #inAggregate (codeIds: readonly number[]): boolean {
    return this.#pool.queries.inReportedAggregate(codeIds).length > 0 || this.#outbox.pending('disaggregation', codeIds).length > 0
  }

  /**
   * DEFECT codes GIS MT still holds in an aggregate — a box scrapped while its aggregation was on its way, accepted
   * after — get their aggregate disaggregated (TA §4.1.2.3), one document per box; their dropout follows its acceptance.
   */
  #disaggregateDefects (): number {
    const defects = this.#unqueued('disaggregation', this.#pool.queries.defectsInAggregate())
    let n = 0
    for (const [parent, codes] of byBox(defects)) {
      const job = this.#job(codes[0]?.jobId ?? null)
      if (job === null) continue
      if (!this.#disaggregates(job.group)) { this.#skip('disaggregation', job.group); continue }
      const ids = codes.map(c => c.id)
      this.#add({
        kind: 'disaggregation', group: job.group, codeIds: ids, whole: true,
        attributes: { units: [parent], release: { aggregation: codes.filter(c => c.aggReport !== null).map(c => c.id), pallet: codes.filter(c => c.palletReport !== null).map(c => c.id) } },
      })
      n += ids.length
    }
    return n
  }

  #releaseDropouts (): void {
    if (this.#heldDropouts.size === 0) return
    const byGroup = new Map<string, number[]>()
    for (const [id, d] of this.#heldDropouts) byGroup.set(d.group, [...(byGroup.get(d.group) ?? []), id])
    const pending = new Set([...byGroup].flatMap(([group, ids]) => [...this.#carried(ids, group)]))
    const ready = new Map<string, { group: string, attributes: Record<string, unknown>, ids: number[] }>()
    for (const [id, d] of this.#heldDropouts) {
      if (pending.has(id)) continue
      this.#heldDropouts.delete(id)
      const k = `${d.group}|${JSON.stringify(d.attributes)}`
      const e = ready.get(k) ?? { ...d, ids: [] }
      e.ids.push(id)
      ready.set(k, e)
    }
    for (const e of ready.values()) this.#add({ kind: 'dropout', group: e.group, codeIds: e.ids, attributes: e.attributes })
  }

  boxClosed (job: JobView, codeIds: readonly number[]): void {
    if (!this.#aggregation || codeIds.length === 0 || !this.#aggregates(job)) return
    // a group without a utilisation report (lp, shoes) has nothing to wait for; a box made in a rework waits until
    // GIS MT undid the aggregate its units were in (docs/rework.md)
    if (this.#inAggregate(codeIds) || (this.#o.aggregationAfterUtilisation === true && groupRule(job.group)?.utilisation != null && !this.#allUtilised(codeIds))) {
      const parent = this.#parentOf(codeIds[0] as number)
      if (parent !== null) { this.#waiting.set(parent, { job, codeIds }); return }
    }
    this.#add({ kind: 'aggregation', group: job.group, codeIds, attributes: this.#aggregationAttributes(job), whole: true })
  }

  /** Feed with the outbox's 'report' events: an accepted report may release the next step of its codes. */
  reportChanged (e: { id: string, kind: string, state: string }): void {
    if ((CARRYING as readonly string[]).includes(e.kind) && (ANSWERED_REPORT_STATES as readonly string[]).includes(e.state)) this.#releaseDropouts()
    if (e.state !== ReportState.ACCEPTED) return
    if (e.kind === 'disaggregation') {
      // GIS MT let go of the old aggregates: the new box and pallet may be reported, the taken units dropped out
      this.#releaseWaiting()
      this.#afterDisaggregation(e.id)
      this.#releaseDropouts()
      this.#releasePallets()
      return
    }
    // a box scrapped while its aggregation was on its way: GIS MT holds it now, so it is disaggregated first
    if (e.kind === 'aggregation' || e.kind === 'pallet') this.#disaggregateDefects()
    if (e.kind === 'utilisation') {
      this.#releaseWaiting()
      if (this.#o.introduction === true) this.#introduceUnits(this.#goodCodesOfReport(e.id).filter(c => c.parent === null))
    } else if (e.kind === 'aggregation' && this.#o.introduction === true) {
      // not the units of a box scrapped while this report was on its way: it is disaggregated, never introduced
      this.#introduceBoxes(this.#goodCodesOfReport(e.id))
    }
    if ((e.kind === 'aggregation' || e.kind === 'introduction') && this.#waitingPallets.size > 0) this.#releasePallets()
  }

  /**
   * What a restart left out of memory behind an accepted disaggregation, found from its units at once rather than at
   * the next sweep: the new boxes (units in a box with no aggregation queued), the new pallets, the dropouts.
   */
  #afterDisaggregation (reportId: string): void {
    const ids = new Set(this.#outbox.codeIds(reportId))
    const boxed = this.#unqueued('aggregation', this.#pool.queries.unreportedBoxed().filter(r => ids.has(r.id)))
    for (const [parent, units] of byBox(boxed)) {
      const job = this.#job(units[0]?.jobId ?? null)
      if (job !== null && !this.#waiting.has(parent)) this.boxClosed(job, units.map(u => u.id))
    }
    const defects = this.#unqueued('dropout', this.#pool.queries.unreportedDefects().filter(d => ids.has(d.id) && !this.#heldDropouts.has(d.id)))
    for (const d of defects) {
      const job = this.#job(d.jobId)
      if (job !== null) this.defect(job, [d.id], d.reason ?? 'DEFECT')
    }
    if (this.#o.pallets === true) this.#sweepPallets(id => this.#job(id))
  }

  #releaseWaiting (): void {
    for (const [parent, w] of this.#waiting) {
      if (this.#inAggregate(w.codeIds)) continue
      if (this.#o.aggregationAfterUtilisation === true && groupRule(w.job.group)?.utilisation != null && !this.#allUtilised(w.codeIds)) continue
      this.#waiting.delete(parent)
      this.#add({ kind: 'aggregation', group: w.job.group, codeIds: w.codeIds, attributes: this.#aggregationAttributes(w.job), whole: true })
    }
  }

  #allUtilised (ids: readonly number[]): boolean {
    return this.#pool.queries.countNotReported('utilisation', ids) === 0
  }

  #parentOf (id: number): string | null {
    return this.#pool.queries.refs([id])[0]?.parent ?? null
  }

  /** A report's codes still good (a defect is dropped out, never introduced). */
  #goodCodesOfReport (reportId: string): CodeRef[] {
    return this.#pool.queries.goodRefs(this.#outbox.codeIds(reportId))
  }

  /** Aggregated units: one introduction entry per box, the box kept whole in one document. */
  #introduceBoxes (codes: readonly CodeRef[]): void {
    for (const units of byBox(codes).values()) {
      const job = this.#job(units[0]?.jobId ?? null)
      const attributes = job === null ? null : introductionAttributes(job, true, this.#o.permitOf?.(job.gtin) ?? null)
      if (job === null || attributes === null) continue
      this.#add({ kind: 'introduction', group: job.group, codeIds: units.map(u => u.id), attributes, whole: true })
    }
  }

  /** Units of jobs that do not aggregate: introduced one by one once their utilisation is accepted. */
  #introduceUnits (codes: readonly CodeRef[]): void {
    const byJob = new Map<number, number[]>()
    for (const c of codes) {
      if (c.jobId === null) continue
      const ids = byJob.get(c.jobId) ?? []
      ids.push(c.id)
      byJob.set(c.jobId, ids)
    }
    for (const [jobId, ids] of byJob) {
      const job = this.#job(jobId)
      if (job === null || (this.#aggregation && job.unitsPerBox > 0)) continue
      const attributes = introductionAttributes(job, false, this.#o.permitOf?.(job.gtin) ?? null)
      if (attributes !== null) this.#add({ kind: 'introduction', group: job.group, codeIds: ids, attributes })
    }
  }

  #job (jobId: number | null): JobView | null {
    return jobId === null ? null : this.#o.jobOf?.(jobId) ?? null
  }

  /**
   * Codes that left the pool but are in no report of the kind they need (a crash between the state change and
   * the outbox write, or codes written off at start-up). The outbox skips codes it already holds.
   */
  async sweep (groupOf: (gtin: string) => string | null, jobOf: (jobId: number) => JobView | null): Promise<{ utilisation: number, dropout: number }> {
    let utilisation = 0
    let dropout = 0
    const verified = this.#unqueued('utilisation', this.#pool.queries.unreportedUse())
    const byJob = new Map<number, number[]>()
    for (const r of verified) if (r.jobId !== null) byJob.set(r.jobId, [...(byJob.get(r.jobId) ?? []), r.id])
    for (const [jobId, ids] of byJob) {
      const job = jobOf(jobId)
      const attributes = job === null ? null : utilisationAttributes(job)
      if (job === null || attributes === null) continue
      utilisation += (await this.#outbox.add({ kind: 'utilisation', group: job.group, codeIds: ids, attributes })).added
    }
    const allDefects = this.#unqueued('dropout', this.#pool.queries.unreportedDefects())
    // as in defect(): out of open utilisation reports, and not while a utilisation of the code is on its way
    for (const kind of CARRYING) await this.#outbox.withdraw(kind, allDefects.map(d => d.id))
    const byKey = new Map<string, { group: string, attributes: Record<string, unknown>, ids: number[] }>()
    const inFlight = new Map<string, Set<number>>()
    for (const d of allDefects) {
      // the job's attributes where the code has a job (tobacco needs them: Table 103), else the group's alone
      const job = d.jobId === null ? null : jobOf(d.jobId)
      const group = job?.group ?? groupOf(d.gtin)
      if (group === null) continue
      let carried = inFlight.get(group)
      if (carried === undefined) { carried = this.#carried(allDefects.map(x => x.id), group); inFlight.set(group, carried) }
      if (carried.has(d.id)) continue
      const attributes = dropoutAttributes(job ?? { group }, d.reason)
      if (attributes === null) continue
      const k = `${group}|${JSON.stringify(attributes)}`
      const e = byKey.get(k) ?? { group, attributes, ids: [] }
      e.ids.push(d.id)
      byKey.set(k, e)
    }
    for (const e of byKey.values()) dropout += (await this.#outbox.add({ kind: 'dropout', group: e.group, codeIds: e.ids, attributes: e.attributes })).added
    this.#disaggregateDefects()
    const aggregation = this.#aggregation ? this.#sweepBoxes(jobOf) : 0
    if (this.#o.pallets === true) this.#sweepPallets(jobOf)
    const introduction = this.#o.introduction === true ? this.#sweepIntroductions() : 0
    if (utilisation + dropout + aggregation + introduction > 0) this.#log.info({ utilisation, dropout, aggregation, introduction }, 'sweep queued unreported codes')
    return { utilisation, dropout }
  }

  /** Closed boxes whose aggregation was never queued (a crash between closing and queueing). */
  #sweepBoxes (jobOf: (jobId: number) => JobView | null): number {
    const rows = this.#unqueued('aggregation', this.#pool.queries.unreportedBoxed())
    let n = 0
    for (const [parent, units] of byBox(rows)) {
      const job = units[0]?.jobId === null || units[0] === undefined ? null : jobOf(units[0].jobId)
      if (job === null || this.#waiting.has(parent)) continue
      this.boxClosed(job, units.map(u => u.id))
      n += units.length
    }
    return n
  }

  /** Closed pallets not reported yet (a crash between closing and queueing, or still waiting after a restart). */
  #sweepPallets (jobOf: (jobId: number) => JobView | null): void {
    // a pallet is reported once any unit of its first box is in a pallet report
    const reported = (box: string): boolean => {
      const units = this.#pool.queries.under(box)
      return this.#outbox.unqueued('pallet', units).length < units.length
    }
    for (const p of this.#o.closedPallets?.() ?? []) {
      const pallet = `00${p.sscc}`
      if (this.#waitingPallets.has(pallet) || p.boxes.length === 0 || reported(`00${p.boxes[0] as string}`)) continue
      const job = jobOf(p.jobId)
      if (job !== null) this.palletClosed(job, p.sscc, p.boxes)
    }
  }

  /** Accepted aggregations (and, on lines without boxes, accepted utilisations) not yet in an introduction. */
  #sweepIntroductions (): number {
    const candidates = this.#pool.queries.toIntroduce()
    const boxed = this.#unqueued('introduction', candidates.boxed)
    const single = this.#unqueued('introduction', candidates.single)
    this.#introduceBoxes(boxed)
    this.#introduceUnits(single)
    return boxed.length + single.length
  }

  /** Of these codes, those in no report of `kind` yet. */
  #unqueued<C extends { id: number }> (kind: ReportKind, codes: readonly C[]): C[] {
    const left = new Set(this.#outbox.unqueued(kind, codes.map(c => c.id)))
    return codes.filter(c => left.has(c.id))
  }

  #add (input: Parameters<ReportOutbox['add']>[0]): void {
    if (input.codeIds.length === 0) return
    this.#outbox.add(input).catch(err => this.#log.error({ err, kind: input.kind }, 'could not queue report'))
  }
}
