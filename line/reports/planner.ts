// Decides what gets reported: every verified code a utilisation report, every defect a dropout, every closed box
// an aggregation, and — when the job has a TN VED code and the True API is configured — every aggregate (or unit,
// on a line without boxes) an introduction into circulation once GIS MT knows it. Fed by the line's events and the
// outbox's acceptances, and by a sweep of the store for anything a crash left out.

import type { Logger } from '../log.ts'
import type { CodePool } from '../pool/pool.ts'
import type { JobView } from '../control.ts'
import { CodeState } from '../pool/states.ts'
import type { ReportOutbox } from './outbox.ts'

interface CodeRef { id: number, jobId: number | null, parent: string | null }

/** Reports a dropped code must not be left in, or overtake (see `defect`). */
const CARRYING = ['utilisation', 'aggregation'] as const

/** Codes grouped by their box (`parent`), in order; codes in no box are left out. */
function byBox (codes: readonly CodeRef[]): Map<string, CodeRef[]> {
  const boxes = new Map<string, CodeRef[]>()
  for (const c of codes) {
    if (c.parent === null) continue
    let b = boxes.get(c.parent)
    if (b === undefined) { b = []; boxes.set(c.parent, b) }
    b.push(c)
  }
  return boxes
}

/** Utilisation attributes per group (oms-api.md "Utilisation attributes by group"). */
export function utilisationAttributes (job: Pick<JobView, 'group' | 'productionDate' | 'expiryDate'>): Record<string, unknown> {
  const a: Record<string, unknown> = {}
  switch (job.group) {
    case 'milk':
      a.productionDate = job.productionDate
      if (job.expiryDate !== undefined) a.expDate = job.expiryDate
      break
    case 'water': case 'softdrinks': case 'beer': case 'nabeer':
      a.productionDate = job.productionDate
      if (job.expiryDate !== undefined) a.expirationDate = job.expiryDate
      break
    default:
  }
  return a
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
}

/** Introduction attributes of a job, or null when the job cannot be introduced by the line (no TN VED code). */
export function introductionAttributes (job: JobView, byAggregate: boolean): Record<string, unknown> | null {
  if (job.tnvedCode === undefined) return null
  return { productionDate: job.productionDate, tnvedCode: job.tnvedCode, byAggregate }
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
  readonly #heldDropouts = new Map<number, { group: string, reason: string }>()

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
      if (units.some(u => u.agg_report === null || (introduced && u.intro_report === null))) continue
      this.#waitingPallets.delete(pallet)
      this.#add({ kind: 'pallet', group: w.job.group, codeIds: units.map(u => u.id), attributes: { pallet, capacity: w.job.boxesPerPallet }, whole: true })
    }
  }

  /** The good units inside these boxes, with what is known of their reports. */
  #unitsOf (boxes: readonly string[]): Array<{ id: number, agg_report: string | null, intro_report: string | null }> {
    const st = this.#pool.db.prepare(`SELECT id, agg_report, intro_report FROM codes WHERE parent = ? AND state IN (${CodeState.AGGREGATED}, ${CodeState.REPORTED}) ORDER BY id`)
    return boxes.flatMap(b => st.all(b) as Array<{ id: number, agg_report: string | null, intro_report: string | null }>)
  }

  verified (job: JobView, codeIds: readonly number[]): void {
    this.#add({ kind: 'utilisation', group: job.group, codeIds, attributes: utilisationAttributes(job) })
  }

  /**
   * Defect codes are dropped out. A code still in an open utilisation or aggregation report (a box scrapped before
   * its report left) is taken out of it first; one whose utilisation or aggregation is already on its way is dropped
   * out only after the OMS answered that report, else the OMS could see the dropout first and then refuse the rest of
   * a report for a dropped code. A scrapped box waiting for its aggregation is forgotten.
   */
  defect (group: string, codeIds: readonly number[], reason: string): void {
    if (codeIds.length === 0) return
    const r = reason === 'EXPIRY' || reason === 'QA_SAMPLES' ? reason : 'DEFECT'
    const ids = new Set(codeIds)
    for (const [parent, w] of this.#waiting) if (w.codeIds.some(id => ids.has(id))) this.#waiting.delete(parent)
    Promise.all(CARRYING.map(kind => this.#outbox.withdraw(kind, codeIds))).then(() => {
      const pending = this.#carried(codeIds)
      for (const id of pending) this.#heldDropouts.set(id, { group, reason: r })
      this.#add({ kind: 'dropout', group, codeIds: codeIds.filter(id => !pending.has(id)), attributes: { reason: r } })
    }).catch(err => this.#log.error({ err }, 'could not withdraw defect codes from their reports'))
  }

  /** Of these codes, those in a utilisation or aggregation report that is on its way (not yet answered). */
  #carried (codeIds: readonly number[]): Set<number> {
    return new Set(CARRYING.flatMap(kind => this.#outbox.pending(kind, codeIds)))
  }

  #releaseDropouts (): void {
    if (this.#heldDropouts.size === 0) return
    const pending = this.#carried([...this.#heldDropouts.keys()])
    const ready = new Map<string, { group: string, reason: string, ids: number[] }>()
    for (const [id, d] of this.#heldDropouts) {
      if (pending.has(id)) continue
      this.#heldDropouts.delete(id)
      const k = `${d.group}|${d.reason}`
      const e = ready.get(k) ?? { ...d, ids: [] }
      e.ids.push(id)
      ready.set(k, e)
    }
    for (const e of ready.values()) this.#add({ kind: 'dropout', group: e.group, codeIds: e.ids, attributes: { reason: e.reason } })
  }

  boxClosed (job: JobView, codeIds: readonly number[]): void {
    if (!this.#aggregation || codeIds.length === 0) return
    if (this.#o.aggregationAfterUtilisation === true && !this.#allUtilised(codeIds)) {
      const parent = this.#parentOf(codeIds[0] as number)
      if (parent !== null) { this.#waiting.set(parent, { job, codeIds }); return }
    }
    this.#add({ kind: 'aggregation', group: job.group, codeIds, attributes: { capacity: job.unitsPerBox }, whole: true })
  }

  /** Feed with the outbox's 'report' events: an accepted report may release the next step of its codes. */
  reportChanged (e: { id: string, kind: string, state: string }): void {
    if ((CARRYING as readonly string[]).includes(e.kind) && (e.state === 'ACCEPTED' || e.state === 'REJECTED')) this.#releaseDropouts()
    if (e.state !== 'ACCEPTED') return
    if (e.kind === 'utilisation') {
      this.#releaseWaiting()
      if (this.#o.introduction === true) this.#introduceUnits(this.#codesOfReport(e.id).filter(c => c.parent === null))
    } else if (e.kind === 'aggregation' && this.#o.introduction === true) {
      this.#introduceBoxes(this.#codesOfReport(e.id))
    }
    if ((e.kind === 'aggregation' || e.kind === 'introduction') && this.#waitingPallets.size > 0) this.#releasePallets()
  }

  #releaseWaiting (): void {
    for (const [parent, w] of this.#waiting) {
      if (!this.#allUtilised(w.codeIds)) continue
      this.#waiting.delete(parent)
      this.#add({ kind: 'aggregation', group: w.job.group, codeIds: w.codeIds, attributes: { capacity: w.job.unitsPerBox }, whole: true })
    }
  }

  #allUtilised (ids: readonly number[]): boolean {
    const db = this.#pool.db
    for (let i = 0; i < ids.length; i += 500) {
      const part = ids.slice(i, i + 500)
      const r = db.prepare(`SELECT count(*) AS n FROM codes WHERE id IN (${part.map(() => '?').join(',')}) AND util_report IS NULL`).get(...part) as { n: number }
      if (r.n > 0) return false
    }
    return true
  }

  #parentOf (id: number): string | null {
    return (this.#pool.db.prepare('SELECT parent FROM codes WHERE id = ?').get(id) as { parent: string | null } | undefined)?.parent ?? null
  }

  #codesOfReport (reportId: string): CodeRef[] {
    return this.#pool.db.prepare('SELECT c.id, c.job_id AS jobId, c.parent FROM report_codes r JOIN codes c ON c.id = r.code_id WHERE r.report_id = ? ORDER BY c.id').all(reportId) as CodeRef[]
  }

  /** Aggregated units: one introduction entry per box, the box kept whole in one document. */
  #introduceBoxes (codes: readonly CodeRef[]): void {
    for (const units of byBox(codes).values()) {
      const job = this.#job(units[0]?.jobId ?? null)
      const attributes = job === null ? null : introductionAttributes(job, true)
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
      const attributes = introductionAttributes(job, false)
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
    const db = this.#pool.db
    let utilisation = 0
    let dropout = 0
    const verified = db.prepare(`SELECT c.id, c.job_id AS jobId FROM codes c WHERE c.state IN (3, 4, 5) AND c.util_report IS NULL
      AND NOT EXISTS (SELECT 1 FROM report_codes r WHERE r.code_id = c.id AND r.kind = 'utilisation')`).all() as Array<{ id: number, jobId: number | null }>
    const byJob = new Map<number, number[]>()
    for (const r of verified) if (r.jobId !== null) byJob.set(r.jobId, [...(byJob.get(r.jobId) ?? []), r.id])
    for (const [jobId, ids] of byJob) {
      const job = jobOf(jobId)
      if (job === null) continue
      utilisation += (await this.#outbox.add({ kind: 'utilisation', group: job.group, codeIds: ids, attributes: utilisationAttributes(job) })).added
    }
    const allDefects = db.prepare(`SELECT c.id, c.gtin, c.reason FROM codes c WHERE c.state = 6 AND c.dropout_report IS NULL
      AND NOT EXISTS (SELECT 1 FROM report_codes r WHERE r.code_id = c.id AND r.kind = 'dropout')`).all() as Array<{ id: number, gtin: string, reason: string | null }>
    // as in defect(): out of open utilisation reports, and not while a utilisation of the code is on its way
    for (const kind of CARRYING) await this.#outbox.withdraw(kind, allDefects.map(d => d.id))
    const inFlight = this.#carried(allDefects.map(d => d.id))
    const defects = allDefects.filter(d => !inFlight.has(d.id))
    const byKey = new Map<string, { group: string, reason: string, ids: number[] }>()
    for (const d of defects) {
      const group = groupOf(d.gtin)
      if (group === null) continue
      const reason = d.reason === 'EXPIRY' || d.reason === 'QA_SAMPLES' ? d.reason : 'DEFECT'
      const k = `${group}|${reason}`
      const e = byKey.get(k) ?? { group, reason, ids: [] }
      e.ids.push(d.id)
      byKey.set(k, e)
    }
    for (const e of byKey.values()) dropout += (await this.#outbox.add({ kind: 'dropout', group: e.group, codeIds: e.ids, attributes: { reason: e.reason } })).added
    const aggregation = this.#aggregation ? this.#sweepBoxes(jobOf) : 0
    if (this.#o.pallets === true) this.#sweepPallets(jobOf)
    const introduction = this.#o.introduction === true ? this.#sweepIntroductions() : 0
    if (utilisation + dropout + aggregation + introduction > 0) this.#log.info({ utilisation, dropout, aggregation, introduction }, 'sweep queued unreported codes')
    return { utilisation, dropout }
  }

  /** Closed boxes whose aggregation was never queued (a crash between closing and queueing). */
  #sweepBoxes (jobOf: (jobId: number) => JobView | null): number {
    const rows = this.#pool.db.prepare(`SELECT c.id, c.job_id AS jobId, c.parent FROM codes c WHERE c.state = ${CodeState.AGGREGATED} AND c.parent IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM report_codes r WHERE r.code_id = c.id AND r.kind = 'aggregation') ORDER BY c.id`).all() as CodeRef[]
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
    const reported = this.#pool.db.prepare("SELECT 1 FROM codes c JOIN report_codes r ON r.code_id = c.id AND r.kind = 'pallet' WHERE c.parent = ? LIMIT 1")
    for (const p of this.#o.closedPallets?.() ?? []) {
      const pallet = `00${p.sscc}`
      if (this.#waitingPallets.has(pallet) || p.boxes.length === 0 || reported.get(`00${p.boxes[0] as string}`) !== undefined) continue
      const job = jobOf(p.jobId)
      if (job !== null) this.palletClosed(job, p.sscc, p.boxes)
    }
  }

  /** Accepted aggregations (and, on lines without boxes, accepted utilisations) not yet in an introduction. */
  #sweepIntroductions (): number {
    const notIntroduced = "NOT EXISTS (SELECT 1 FROM report_codes r WHERE r.code_id = c.id AND r.kind = 'introduction')"
    const boxed = this.#pool.db.prepare(`SELECT c.id, c.job_id AS jobId, c.parent FROM codes c WHERE c.agg_report IS NOT NULL AND c.parent IS NOT NULL AND ${notIntroduced} ORDER BY c.id`).all() as CodeRef[]
    const single = this.#pool.db.prepare(`SELECT c.id, c.job_id AS jobId, c.parent FROM codes c WHERE c.state = ${CodeState.VERIFIED} AND c.util_report IS NOT NULL AND c.parent IS NULL AND ${notIntroduced} ORDER BY c.id`).all() as CodeRef[]
    this.#introduceBoxes(boxed)
    this.#introduceUnits(single)
    return boxed.length + single.length
  }

  #add (input: Parameters<ReportOutbox['add']>[0]): void {
    if (input.codeIds.length === 0) return
    this.#outbox.add(input).catch(err => this.#log.error({ err, kind: input.kind }, 'could not queue report'))
  }
}
