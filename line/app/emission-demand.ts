// Emission follows the job: the replenisher orders codes for the active job's GTIN at its speed, and the panel
// shows its orders in flight and last error.

import type { LineBus } from '../events.ts'
import type { JobStore } from '../jobs/jobs.ts'
import type { Replenisher } from '../emission/replenisher.ts'

export function followJobDemand (o: { bus: LineBus, jobs: Pick<JobStore, 'active'>, replenisher: Pick<Replenisher, 'setDemand' | 'start' | 'tick'>, intervalMs: number }): void {
  const demand = (): void => {
    const job = o.jobs.active()
    o.replenisher.setDemand(job === null ? [] : [{ gtin: job.gtin, group: job.group, unitsPerMinute: job.unitsPerMinute, job }])
  }
  demand()
  o.bus.on('line:job', demand)
  o.replenisher.start(o.intervalMs)
  void o.replenisher.tick()
}

export function emissionStatus (replenisher: Pick<Replenisher, 'status'>): () => { ordersInFlight: number, lastError: string | null } {
  return () => {
    const st = replenisher.status()
    return { ordersInFlight: st.ordersInFlight.length, lastError: st.lastError === null ? null : `${st.lastError.code}: ${st.lastError.message}` }
  }
}
