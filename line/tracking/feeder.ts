// Keeps each unit printer's buffer filled ahead of the products: reserve (SENT, committed) → load into the device.
// Codes are never loaded before their reservation is on disk; when the line stops, the device buffer is cleared
// and every loaded code is accounted: proven unprinted back to the pool, unknown fate written off as UNCERTAIN.

import type { AlarmBook } from '../alarms/alarms.ts'
import type { Logger } from '../log.ts'
import type { CodePool } from '../pool/pool.ts'
import type { Printer, PrintItem } from '../../printers/types.ts'

export interface FeederOptions {
  pool: CodePool
  printers: Printer[]
  log: Logger
  alarms: AlarmBook
  /** Refill when at least this many slots are free (avoids a reservation per print). */
  minChunk?: number
  intervalMs?: number
}

/** What clearing the buffers did: codes back in the pool, codes of unknown fate, and those of them written off here. */
export interface DrainResult {
  returned: number
  uncertain: number
  /** Codes this drain wrote off (DEFECT UNCERTAIN): they still need their dropout report. */
  writtenOff: number[]
}

export class Feeder {
  readonly #o: FeederOptions
  #job: { id: number, gtin: string } | null = null
  /** Codes the job may still reserve (its quantity less what it already used). */
  #budget = 0
  #running = false
  #timer: NodeJS.Timeout | null = null
  readonly #busy = new Set<string>()
  readonly #inflight = new Set<Promise<unknown>>()
  /** Called when the pool cannot fill a printer at all. */
  onEmpty: (printer: string) => void = () => {}
  onLoadError: (printer: string, err: unknown) => void = () => {}

  constructor (options: FeederOptions) {
    this.#o = options
    for (const p of options.printers) p.on('printed', () => { if (this.#running) this.fill(p) })
  }

  setJob (job: { id: number, gtin: string, budget: number } | null): void {
    this.#job = job === null ? null : { id: job.id, gtin: job.gtin }
    this.#budget = job?.budget ?? 0
  }

  /** Codes the current job may still reserve. */
  get budget (): number { return this.#budget }

  start (): void {
    this.#running = true
    if (this.#timer === null) this.#timer = setInterval(() => { for (const p of this.#o.printers) this.fill(p) }, this.#o.intervalMs ?? 50)
    for (const p of this.#o.printers) this.fill(p)
  }

  pause (): void {
    this.#running = false
    if (this.#timer !== null) { clearInterval(this.#timer); this.#timer = null }
  }

  /** Top up one printer if it has room; one refill per printer at a time. */
  fill (p: Printer): void {
    const job = this.#job
    if (!this.#running || job === null || this.#busy.has(p.id)) return
    if (p.status().state !== 'ready') return
    const free = p.room()
    const room = Math.min(free, this.#budget)
    // refills come in chunks, but never larger than the printer can hold at all (a label printer holds a few)
    const chunk = Math.min(Math.max(1, this.#o.minChunk ?? 8), free + p.status().bufferLevel)
    if (room <= 0 || (room < chunk && room < this.#budget)) return
    this.#busy.add(p.id)
    this.#budget -= room
    const work = this.#o.pool.reserve(job.gtin, room, p.id, { partial: true, jobId: job.id })
      .then(async codes => {
        this.#budget += room - codes.length
        if (codes.length === 0) { this.onEmpty(p.id); return }
        const items: PrintItem[] = codes.map(c => ({ id: c.id, code: c.code }))
        try {
          await p.load(items)
        } catch (err) {
          this.#o.log.error({ err, printer: p.id, codes: items.length }, 'load into printer failed')
          this.onLoadError(p.id, err)
        }
      })
      .catch(err => { this.#budget += room; this.#o.log.error({ err, printer: p.id }, 'reservation failed') })
      .finally(() => { this.#busy.delete(p.id); this.#inflight.delete(work) })
    this.#inflight.add(work)
  }

  /** Wait for refills under way. */
  async idle (): Promise<void> {
    while (this.#inflight.size > 0) await Promise.all([...this.#inflight])
  }

  /**
   * Clear every printer's buffer and account for what was in it. Codes still SENT to a printer that cannot be
   * reached stay SENT, to be written off as UNCERTAIN at the next start (pool.recoverUncertain).
   */
  async drain (): Promise<DrainResult> {
    this.pause()
    await this.idle()
    let returned = 0
    let uncertain = 0
    const writtenOff: number[] = []
    for (const p of this.#o.printers) {
      try {
        const all = await p.clear()
        // set-up test prints (docs/setup-mode.md) have no pool row: cleared with the rest, accounted nowhere
        const r = { printed: all.printed.filter(i => i.test !== true), unprinted: all.unprinted.filter(i => i.test !== true), uncertain: all.uncertain.filter(i => i.test !== true) }
        if (r.unprinted.length > 0) {
          await this.#o.pool.returnUnprinted(r.unprinted.map(i => i.id), `${p.id} buffer cleared, print counter unchanged`)
          returned += r.unprinted.length
          this.#budget += r.unprinted.length
        }
        // Printed during the clear, or fate unknown: no product carries them that we can follow.
        const lost = [...r.uncertain, ...r.printed]
        for (const item of lost) {
          const row = this.#o.pool.get(item.id)
          if (row?.state === 'SENT') {
            await this.#o.pool.markDefect([item.id], 'UNCERTAIN')
            writtenOff.push(item.id)
          }
        }
        uncertain += lost.length
      } catch (err) {
        this.#o.log.error({ err, printer: p.id }, 'printer buffer could not be cleared')
        this.#o.alarms.raise({ code: 'CLEAR_FAILED', source: p.id })
      }
    }
    return { returned, uncertain, writtenOff }
  }

  close (): void { this.pause() }
}
