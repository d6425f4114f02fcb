// Reads of the codes table for callers that hold no CodePool: the connection doctor on a store opened read-only
// (a running line owns it), and the pre-applied mode's completion count. SQL on `codes` stays in line/pool.
import type { Db } from '../store/open.ts'
import { CodeState } from './states.ts'

/** Codes of `gtin` ready to hand out (AVAILABLE). */
export function availableCount (db: Db, gtin: string): number {
  return (db.prepare(`SELECT count(*) AS n FROM codes WHERE gtin = ? AND state = ${CodeState.AVAILABLE}`).get(gtin) as { n: number }).n
}

/**
 * How many codes a job has taken, by job id: those read on its products in the pre-applied mode (good or rejected
 * with their own code); a handed-over code not yet read is not the job's. Prepared once.
 */
export function claimedCounter (db: Db): (jobId: number) => number {
  const st = db.prepare(`SELECT count(*) AS n FROM codes WHERE job_id = ? AND state <> ${CodeState.HANDED_OVER}`)
  return jobId => (st.get(jobId) as { n: number }).n
}
