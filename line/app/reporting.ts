// Reporting rules: which report goes through which API, which codes reach the planner and when (good units,
// rejects, codes written off, closed boxes and pallets), and the sweep for what a crash or a drain left behind.

import type { JobView } from '../control.ts'
import type { LineBus } from '../events.ts'
import type { JobStore } from '../jobs/jobs.ts'
import type { Logger } from '../log.ts'
import type { ReportKind } from '../pool/pool.ts'
import type { ReportPlanner } from '../reports/planner.ts'
import type { ReportSender } from '../reports/sender.ts'

/**
 * The code state an accepted report moves its codes to. A code is REPORTED once its box's aggregation is accepted
 * (utilisation only links it: the box may still be open); dropped-out codes become DROPPED.
 */
export const ON_ACCEPTED: Readonly<Partial<Record<ReportKind, 'REPORTED' | 'DROPPED' | 'none'>>> = {
  utilisation: 'none', aggregation: 'REPORTED', dropout: 'DROPPED', introduction: 'none',
}

/**
 * Utilisation and dropout go to the OMS; aggregation (boxes and pallets) to the OMS or as True API documents, as
 * configured; introduction into circulation is a True API document.
 */
export function routeReports (o: { oms: ReportSender | null, trueApi: ReportSender | null, aggregationVia: 'oms' | 'true-api' }): Partial<Record<ReportKind, ReportSender>> {
  const senders: Partial<Record<ReportKind, ReportSender>> = {}
  if (o.oms !== null) {
    senders.utilisation = o.oms
    senders.dropout = o.oms
    if (o.aggregationVia === 'oms') { senders.aggregation = o.oms; senders.pallet = o.oms }
  }
  if (o.trueApi !== null) {
    if (o.aggregationVia === 'true-api') { senders.aggregation = o.trueApi; senders.pallet = o.trueApi }
    senders.introduction = o.trueApi
    // the OMS has no disaggregation (§4.4.10, Table 111: aggregationType AGGREGATION only): GIS MT's document
    // (TA §4.1.2.3) whichever way the aggregation went (docs/rework.md)
    senders.disaggregation = o.trueApi
  }
  return senders
}

export interface ReportingOptions {
  bus: LineBus
  planner: Pick<ReportPlanner, 'reportChanged' | 'verified' | 'defect' | 'boxClosed' | 'palletClosed' | 'sweep'>
  jobs: Pick<JobStore, 'active' | 'get'>
  /** The product group of a GTIN's codes in the pool (`pool.queries.groupOf`), null for a GTIN it never held. */
  groupOf: (gtin: string) => string | null
  log: Logger
  /** Period of the sweep. */
  sweepMs: number
}

/** Subscribes the planner to the line and starts the sweep (once now, then periodically). Returns what stops it. */
export function startReporting (o: ReportingOptions): () => void {
  const { bus, planner, jobs } = o
  bus.on('outbox:report', e => planner.reportChanged(e))
  bus.on('tracker:good', u => { const job = jobs.active(); if (job !== null) planner.verified(job, [u.id]) })
  bus.on('tracker:item', e => {
    const job = jobs.active()
    if (e.verdict === 'reject' && e.codeId !== null && job !== null) planner.defect(job, [e.codeId], e.reason ?? 'DEFECT')
  })
  bus.on('line:defect', ids => { const job = jobs.active(); if (job !== null) planner.defect(job, ids, 'DEFECT') })
  // units taken out in a rework: the job of their box, which may have ended long ago
  bus.on('line:reworkDefect', d => { const job = jobs.get(d.jobId); if (job !== null) planner.defect(job, d.codeIds, d.reason) })
  // late or stray prints the tracker wrote off: their dropout goes out now, not at the next sweep
  bus.on('tracker:writtenOff', w => { const job = jobs.active(); if (job !== null) planner.defect(job, w.codeIds, w.reason) })
  bus.on('aggregator:closed', c => {
    const job: JobView | null = jobs.get(c.jobId)
    if (c.level === 'box' && job !== null) planner.boxClosed(job, c.codeIds)
    if (c.level === 'pallet' && job !== null) planner.palletClosed(job, c.sscc, c.children)
  })
  // anything a crash, a drain or an operator's scrap left without its report
  const sweep = (): void => {
    const groups = new Map<string, string>()
    planner.sweep(gtin => {
      if (!groups.has(gtin)) {
        const grp = o.groupOf(gtin)
        if (grp !== null) groups.set(gtin, grp)
      }
      return groups.get(gtin) ?? null
    }, id => jobs.get(id)).catch(err => o.log.error({ err }, 'report sweep failed'))
  }
  sweep()
  const timer = setInterval(sweep, o.sweepMs)
  return () => clearInterval(timer)
}
