// The queue of jobs from the ERP as the operator sees it: the queued ones, and starting one on the line. Starting
// goes through LineControl like a job typed on the panel (validated again, refused while the line runs).
import type { Clock } from '../clock.ts'
import type { ControlResult, JobView, LineControl } from '../control.ts'
import type { ErpStore, QueuedJob } from './store.ts'

export class ErpQueue {
  readonly #store: Pick<ErpStore, 'list' | 'get' | 'markStarted'>
  readonly #control: Pick<LineControl, 'startJob'>
  readonly #clock: Clock

  constructor (o: { store: Pick<ErpStore, 'list' | 'get' | 'markStarted'>, control: Pick<LineControl, 'startJob'>, clock: Clock }) {
    this.#store = o.store
    this.#control = o.control
    this.#clock = o.clock
  }

  /** Jobs waiting for the operator, oldest first. */
  queued (limit = 100): QueuedJob[] { return this.#store.list('queued', limit) }

  /**
   * Start a queued job on the line for `actor`. The line job is linked to its queue entry once it started; a crash
   * between the two leaves the entry queued while the job runs, and the operator sees it still waiting.
   */
  async start (id: number, actor: string): Promise<ControlResult<JobView>> {
    const q = this.#store.get(id)
    if (q === null || q.status !== 'queued') {
      return { ok: false, reason: { ru: `Задание ERP ${id} не ожидает запуска`, en: `ERP job ${id} is not waiting to be started` }, code: 'LC_ERR_ERP_CONFLICT' }
    }
    const r = await this.#control.startJob(q.job, actor)
    if (r.ok && r.value !== undefined) this.#store.markStarted(id, r.value.id, actor, this.#clock.now())
    return r
  }
}
