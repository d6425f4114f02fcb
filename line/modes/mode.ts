// The line-mode seam (DESIGN §6 "Line modes"): how a code reaches the pack. The runtime and the tracker go
// through this interface only: `direct` (heads print the code) and `label` (unit labels printed and applied at the
// product) are DirectMode over different devices, chosen per job by JobModes (by-job.ts); `preapplied` (codes printed
// elsewhere, read and checked here) is PreappliedMode (preapplied.ts), whose marks are the camera's reads.

import type { Bilingual } from '../control.ts'
import type { FaultKind } from '../state/machine.ts'
import type { Printer, PrintDone, PrintMissed } from '../../printers/types.ts'

export type LineModeKind = 'direct' | 'label' | 'preapplied'

/**
 * Where a mode tells which code each product now carries, in the order of the products (the tracker pairs the
 * k-th mark with the k-th trigger). A mode that reads codes instead of printing them reports through the same sink.
 */
export interface MarkSink {
  onPrinted(done: PrintDone): void
  onMissed(miss: PrintMissed): void
}

/** A fault of the code supply: the line holds on it like on any device fault. */
export type ModeFault = (kind: Extract<FaultKind, 'pool-low' | 'printer'>, message: Bilingual, source: string, detail?: Record<string, unknown>) => void

export interface LineMode {
  readonly kind: LineModeKind
  /** Devices that put codes on the current job's products: they must be ready for Reset and Start. */
  readonly appliers: readonly Printer[]
  /** Every device the mode may use, whatever the job: shown on the panel, their faults alarmed. */
  readonly devices: readonly Printer[]
  /** Codes the current job may still take from the pool. */
  readonly budget: number
  /** The job whose codes go on the products; `budget` is its quantity less the codes it already used. */
  setJob(job: { id: number, gtin: string, budget: number, mode?: LineModeKind | undefined } | null): void
  /** From now on every mark goes to `sink`. */
  connect(sink: MarkSink): void
  /** Supply faults go to `fault` (the runtime holds the line). */
  onFault(fault: ModeFault): void
  /** Keep codes ahead of the products. */
  start(): void
  /** Stop supplying codes; what is already loaded stays. */
  pause(): void
  /** Take back every code not on a product, accounting each (DESIGN §4); says which codes it wrote off. */
  drain(): Promise<{ writtenOff: readonly number[] }>
  /** Codes sit ahead of the first product (DESIGN §5a): Starting waits for this. */
  primed(): boolean
  /** The job's codes are all out of the pool and off the devices: nothing more will be marked. */
  exhausted(): boolean
  close(): void
}
