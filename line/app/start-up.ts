// What happens once at start: codes a crash left SENT are written off, and the job from the config is loaded
// when no job is active.

import type { AlarmBook } from '../alarms/alarms.ts'
import type { JobInput, LineControl } from '../control.ts'
import type { JobStore } from '../jobs/jobs.ts'
import type { Logger } from '../log.ts'
import type { CodePool } from '../pool/pool.ts'

/** Codes left SENT by a crash may have been printed: never reuse them (DESIGN §4). Returns their ids. */
export function writeOffUncertain (pool: Pick<CodePool, 'recoverUncertain'>, alarms: Pick<AlarmBook, 'raise'>): number[] {
  // (Codes on products between printer and gate keep their state until the PLC's gate confirmations, queued
  // in the broker while the controller was down, say what happened to them; the rest are written off at Reset.)
  const recovered = pool.recoverUncertain()
  if (recovered.length > 0) {
    alarms.raise({ code: 'UNCERTAIN_CODES', source: 'pool', params: { count: recovered.length }, detail: { count: recovered.length, when: 'after restart' } })
  }
  return recovered
}

/**
 * A job from the config is loaded when no job is active. It brings its product: without a card for its GTIN one is
 * made from the job's own fields (source `config`, docs/catalogue.md), so a config that ran before still runs.
 */
export async function loadConfigJob (o: { job: JobInput | undefined, jobs: Pick<JobStore, 'active'>, control: Pick<LineControl, 'startJob'>, log: Logger, products?: { registerConfigJob(job: JobInput): unknown } }): Promise<void> {
  if (o.job === undefined || o.jobs.active() !== null) return
  o.products?.registerConfigJob(o.job)
  const r = await o.control.startJob(o.job, 'config')
  if (!r.ok) o.log.warn({ reason: r.reason.en }, 'job from config refused')
}
