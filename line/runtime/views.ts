// What the panel sees of the line, built on demand: last codes, pool level (cached: counting is not free on a
// large pool), device tiles of the printers plus those the composition root adds (broker, cameras, PLC).

import type { Clock } from '../clock.ts'
import type { DeviceView, JobView, LastCode, PoolView } from '../control.ts'
import type { CodePool } from '../pool/pool.ts'
import type { ItemEvent } from '../tracking/tracker.ts'
import type { Printer } from '../../printers/types.ts'

/** Codes shown in the panel's "last codes" list. */
const LAST_CODES = 20
/** How long a counted pool level is shown before it is counted again. */
const POOL_LEVEL_TTL_MS = 1000

export interface ViewsOptions {
  clock: Clock
  pool: Pick<CodePool, 'level'>
  unitPrinters: readonly Printer[]
  labelPrinter?: Printer | undefined
  /** Device tiles owned outside the runtime (broker, cameras, PLC). */
  extraDevices?: (() => DeviceView[]) | undefined
  /** Orders in flight and the last emission error, from the replenisher. */
  emissionStatus?: (() => { ordersInFlight: number, lastError: string | null }) | undefined
}

export class LineViews {
  readonly #o: ViewsOptions
  readonly #lastCodes: LastCode[] = []
  #poolCache: { at: number, level: number } = { at: 0, level: 0 }

  constructor (options: ViewsOptions) {
    this.#o = options
  }

  /** A decided item: newest first in the list. */
  item (e: ItemEvent): void {
    this.#lastCodes.unshift({ seq: e.seq, code: e.code, grade: e.grade, verdict: e.verdict, reason: e.reason, at: e.at })
    if (this.#lastCodes.length > LAST_CODES) this.#lastCodes.pop()
  }

  lastCodes (): LastCode[] { return [...this.#lastCodes] }

  /** Codes available for the job's GTIN (counted at most once a second). */
  poolLevel (job: JobView | null): number {
    const now = this.#o.clock.now()
    if (job !== null && now - this.#poolCache.at > POOL_LEVEL_TTL_MS) this.#poolCache = { at: now, level: this.#o.pool.level(job.gtin) }
    return this.#poolCache.level
  }

  pool (job: JobView | null): PoolView {
    const available = job === null ? 0 : this.poolLevel(job)
    const e = this.#o.emissionStatus?.() ?? { ordersInFlight: 0, lastError: null }
    return { gtin: job?.gtin ?? null, available, minutesLeft: job === null ? null : Math.round(available / job.unitsPerMinute), ordersInFlight: e.ordersInFlight, lastError: e.lastError }
  }

  devices (): DeviceView[] {
    const label = this.#o.labelPrinter
    const printers = [...this.#o.unitPrinters, ...(label === undefined ? [] : [label])].map((p): DeviceView => {
      const s = p.status()
      return {
        id: p.id,
        kind: p === label ? 'label-printer' : 'printer',
        online: s.state !== 'disconnected',
        state: s.state === 'fault' ? 'fault' : s.state === 'ready' ? (s.warnings.length > 0 ? 'warning' : 'ok') : 'offline',
        detail: [s.faults.join(', '), s.warnings.join(', '), `buffer ${s.bufferLevel}`, s.detail ?? ''].filter(Boolean).join(' · '),
        facts: [
          ...s.faults.map(value => ({ key: 'fault' as const, value })),
          ...s.warnings.map(value => ({ key: 'warning' as const, value })),
          ...(s.state === 'connecting' ? [{ key: 'connecting' as const, value: true as const }] : []),
          { key: 'buffer', value: s.bufferLevel },
        ],
        note: s.detail ?? null,
      }
    })
    return [...printers, ...(this.#o.extraDevices?.() ?? [])]
  }
}
