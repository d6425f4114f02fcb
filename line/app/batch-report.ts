// End-of-batch reports: where their facts come from (each a named query of the module owning them), and the report
// of every job that ends published on the L3 feed as `batch.report`.
import type { Aggregator } from '../aggregation/aggregator.ts'
import type { Clock } from '../clock.ts'
import type { JobView } from '../control.ts'
import { buildBatchReport, type BatchReport, type BatchSources } from '../erp/batch-report.ts'
import type { ErpStore } from '../erp/store.ts'
import type { LineBus } from '../events.ts'
import type { HmiStore } from '../hmi/store.ts'
import type { JobStore } from '../jobs/jobs.ts'
import type { Logger } from '../log.ts'
import type { CodePool } from '../pool/pool.ts'
import type { ReportOutbox } from '../reports/outbox.ts'
import { LineCounters } from '../runtime/counters.ts'

export interface BatchReportSourceOptions {
  line: string
  clock: Clock
  jobs: Pick<JobStore, 'get'>
  pool: Pick<CodePool, 'jobCounts' | 'queries'>
  aggregator: Pick<Aggregator, 'containersOf' | 'counts'>
  /** null: the line sends no reports. */
  outbox: Pick<ReportOutbox, 'reportsOfCodes'> | null
  audit: Pick<HmiStore, 'actorsBetween'>
  /** The ERP queue, when the ERP API is configured. */
  erp: Pick<ErpStore, 'byLineJob'> | null
}

const NO_TALLY = { counters: { triggered: 0, printed: 0, verified: 0, rejected: 0, rejectsByReason: {}, boxes: 0, pallets: 0, reported: 0, dropped: 0 } }

/** The report of a line job, from the store; null for no such job. */
export function batchReports (o: BatchReportSourceOptions): (jobId: number) => BatchReport | null {
  // the job's counters exactly as the line derives them after a restart (runtime/counters.ts)
  const counters = new LineCounters({ pool: o.pool, containers: o.aggregator, tally: NO_TALLY })
  const sources: BatchSources = {
    line: o.line,
    now: () => o.clock.now(),
    job: id => o.jobs.get(id),
    counters: id => counters.derived(id),
    codeCounts: id => o.pool.jobCounts(id),
    containers: id => o.aggregator.containersOf(id),
    reports: id => o.outbox === null ? [] : o.outbox.reportsOfCodes(o.pool.queries.jobCodeIds(id)),
    operators: (from, to) => o.audit.actorsBetween(from, to),
    startedBy: id => o.erp?.byLineJob(id)?.startedBy ?? null,
    erpEntry: id => o.erp?.byLineJob(id) ?? null,
  }
  return jobId => buildBatchReport(sources, jobId)
}

/**
 * Publish each ending job's report (`line:jobEnded`) through `publish` (the L3 feed). Built on the next turn of the
 * event loop, not inside the state work that ended the job. Returns a function that unwires it.
 */
export function publishBatchReports (o: { bus: LineBus, report: (jobId: number) => BatchReport | null, publish: (report: BatchReport) => void, log: Logger }): () => void {
  const onEnded = (job: JobView): void => {
    setImmediate(() => {
      try {
        const r = o.report(job.id)
        if (r !== null) o.publish(r)
      } catch (err) {
        o.log.error({ err, jobId: job.id }, 'end-of-batch report not published')
      }
    })
  }
  o.bus.on('line:jobEnded', onEnded)
  return () => { o.bus.off('line:jobEnded', onEnded) }
}
