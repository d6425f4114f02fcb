// Holds a driver's PrinterStatus and emits 'status' only when something an operator would see has changed.
import type { EventEmitter } from 'node:events'
import type { PrinterFault, PrinterStatus, PrinterWarning } from './types.ts'

export class StatusKeeper {
  #s: PrinterStatus = { state: 'disconnected', faults: [], warnings: [], bufferLevel: 0, printed: 0 }
  #last = ''

  constructor (readonly emitter: EventEmitter) {}

  get (): PrinterStatus {
    return { ...this.#s, faults: [...this.#s.faults], warnings: [...this.#s.warnings] }
  }

  /** Merge a change; the state follows the faults unless given (a fault always wins over ready). */
  set (patch: Partial<PrinterStatus>): void {
    const next: PrinterStatus = { ...this.#s, ...patch }
    next.faults = unique(next.faults)
    next.warnings = unique(next.warnings)
    if (next.state === 'ready' && next.faults.length > 0) next.state = 'fault'
    if (next.state === 'fault' && next.faults.length === 0 && patch.state === undefined) next.state = 'ready'
    if (next.detail === undefined) delete next.detail
    this.#s = next
    const key = JSON.stringify(next)
    if (key !== this.#last) {
      this.#last = key
      this.emitter.emit('status', this.get())
    }
  }
}

function unique<T extends PrinterFault | PrinterWarning> (xs: T[]): T[] {
  return [...new Set(xs)].sort()
}
