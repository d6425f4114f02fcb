// The line mode of the current job: each job says how its codes reach the packs (`job.mode`, docs/modes.md), the
// line's own mode when it does not. The runtime sees one LineMode; this one hands every call to the job's.

import type { Printer } from '../../printers/types.ts'
import type { LineMode, LineModeKind, MarkSink, ModeFault } from './mode.ts'

export class JobModes implements LineMode {
  readonly #modes: readonly LineMode[]
  readonly #own: LineMode
  #current: LineMode

  /** `modes[0]` is the line's own mode; each kind at most once. */
  constructor (modes: readonly LineMode[]) {
    const own = modes[0]
    if (own === undefined) throw new RangeError('a line needs at least one mode')
    this.#modes = modes
    this.#own = own
    this.#current = own
  }

  get kind (): LineModeKind { return this.#current.kind }
  get appliers (): readonly Printer[] { return this.#current.appliers }
  get devices (): readonly Printer[] { return [...new Set(this.#modes.flatMap(m => [...m.devices]))] }
  get budget (): number { return this.#current.budget }

  setJob (job: { id: number, gtin: string, budget: number, mode?: LineModeKind | undefined } | null): void {
    const next = job === null || job.mode === undefined ? this.#own : this.#modes.find(m => m.kind === job.mode) ?? this.#own
    if (next !== this.#current) { this.#current.setJob(null); this.#current = next }
    this.#current.setJob(job)
  }

  connect (sink: MarkSink): void { for (const m of this.#modes) m.connect(sink) }
  onFault (fault: ModeFault): void { for (const m of this.#modes) m.onFault(fault) }
  start (): void { this.#current.start() }
  pause (): void { this.#current.pause() }
  drain (): Promise<{ writtenOff: readonly number[] }> { return this.#current.drain() }
  primed (): boolean { return this.#current.primed() }
  exhausted (): boolean { return this.#current.exhausted() }
  close (): void { for (const m of this.#modes) m.close() }
}
