// Line modes `direct` and `label`: unit print heads, or print-and-apply label printers, put each code onto the
// product. The feeder keeps their buffers filled from the pool; their print confirmations and misses are the marks
// the tracker pairs.

import type { Feeder } from '../tracking/feeder.ts'
import type { Printer } from '../../printers/types.ts'
import type { LineMode, MarkSink, ModeFault } from './mode.ts'

/** Records a head should hold before the first product may come (DESIGN §5a: real heads keep 50–150). */
const PRIME_RECORDS = 8

export class DirectMode implements LineMode {
  readonly kind: 'direct' | 'label'
  readonly appliers: readonly Printer[]
  readonly #feeder: Feeder

  /** `label`: the same work over print-and-apply label printers, whose confirmed labels are the marks. */
  constructor (options: { feeder: Feeder, printers: readonly Printer[], kind?: 'direct' | 'label' }) {
    this.#feeder = options.feeder
    this.appliers = options.printers
    this.kind = options.kind ?? 'direct'
  }

  get devices (): readonly Printer[] { return this.appliers }

  get budget (): number { return this.#feeder.budget }

  setJob (job: { id: number, gtin: string, budget: number } | null): void { this.#feeder.setJob(job) }

  connect (sink: MarkSink): void {
    for (const p of this.appliers) {
      p.on('printed', d => sink.onPrinted(d))
      p.on('missed', m => sink.onMissed(m))
    }
  }

  onFault (fault: ModeFault): void {
    this.#feeder.onEmpty = printer => fault('pool-low', { ru: `Нет кодов для принтера ${printer}`, en: `no codes left for printer ${printer}` }, printer)
    this.#feeder.onLoadError = (printer, err) => fault('printer', { ru: `Принтер ${printer} не принял коды`, en: `printer ${printer} refused the codes` }, printer, { error: String(err) })
  }

  start (): void { this.#feeder.start() }
  pause (): void { this.#feeder.pause() }
  drain (): Promise<{ writtenOff: readonly number[] }> { return this.#feeder.drain() }

  primed (): boolean {
    const budget = this.#feeder.budget
    const want = Math.min(PRIME_RECORDS, budget)
    if (!this.appliers.every(p => p.status().bufferLevel >= Math.min(want, 1) || budget === 0)) return false
    return this.appliers.every(p => p.status().bufferLevel >= want || p.room() === 0)
  }

  exhausted (): boolean {
    return this.#feeder.budget === 0 && this.appliers.every(p => p.status().bufferLevel === 0)
  }

  close (): void { this.#feeder.close() }
}
