// Decides what gets reported: every verified code a utilisation report, every defect a dropout, every closed box
// an aggregation. Fed by the line's events, and at start-up by a sweep of the store for anything a crash left out.

import type { Logger } from '../log.ts'
import type { CodePool } from '../pool/pool.ts'
import type { JobView } from '../control.ts'
import type { ReportOutbox } from './outbox.ts'

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

export class ReportPlanner {
  readonly #outbox: ReportOutbox
  readonly #pool: CodePool
  readonly #log: Logger
  readonly #aggregation: boolean

  constructor (options: { outbox: ReportOutbox, pool: CodePool, log: Logger, aggregation: boolean }) {
    this.#outbox = options.outbox
    this.#pool = options.pool
    this.#log = options.log
    this.#aggregation = options.aggregation
  }

  verified (job: JobView, codeIds: readonly number[]): void {
    this.#add({ kind: 'utilisation', group: job.group, codeIds, attributes: utilisationAttributes(job) })
  }

  defect (group: string, codeIds: readonly number[], reason: string): void {
    this.#add({ kind: 'dropout', group, codeIds, attributes: { reason: reason === 'EXPIRY' || reason === 'QA_SAMPLES' ? reason : 'DEFECT' } })
  }

  boxClosed (job: JobView, codeIds: readonly number[]): void {
    if (this.#aggregation) this.#add({ kind: 'aggregation', group: job.group, codeIds, attributes: { capacity: job.unitsPerBox } })
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
    const defects = db.prepare(`SELECT c.id, c.gtin, c.reason FROM codes c WHERE c.state = 6 AND c.dropout_report IS NULL
      AND NOT EXISTS (SELECT 1 FROM report_codes r WHERE r.code_id = c.id AND r.kind = 'dropout')`).all() as Array<{ id: number, gtin: string, reason: string | null }>
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
    if (utilisation + dropout > 0) this.#log.info({ utilisation, dropout }, 'start-up sweep queued unreported codes')
    return { utilisation, dropout }
  }

  #add (input: Parameters<ReportOutbox['add']>[0]): void {
    if (input.codeIds.length === 0) return
    this.#outbox.add(input).catch(err => this.#log.error({ err, kind: input.kind }, 'could not queue report'))
  }
}
