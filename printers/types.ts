// The contract between the line and every printer driver (Modbus print head, ZPL label printer, …).
// Drivers are chosen by config; the line only ever sees this interface.

import type { EventEmitter } from 'node:events'

/** One record to print: the pool's code id and the raw code (GS between fields, no leading FNC1). */
export interface PrintItem {
  id: number
  code: string
  /**
   * A set-up test print (docs/setup-mode.md): `code` is plain text, not a marking code, and `id` is negative — no
   * pool row. Drivers print it as they print any record (a label printer without FNC1); the line ignores its events.
   */
  test?: true
}

/** Every fault a driver may report (the panel has a text for each: line/hmi/panel/i18n-devices.ts). */
export const PRINTER_FAULTS = [
  'ink-out', 'head-error', 'head-open', 'paper-out', 'ribbon-out', 'over-temperature',
  'comms-lost', 'bad-response', 'buffer-overflow', 'data-too-long', 'paused',
] as const
export type PrinterFault = typeof PRINTER_FAULTS[number]

export const PRINTER_WARNINGS = ['ink-low', 'labels-low', 'buffer-empty'] as const
export type PrinterWarning = typeof PRINTER_WARNINGS[number]

export interface PrinterStatus {
  /** disconnected: no link; ready: can print; fault: cannot print until the fault clears. */
  state: 'disconnected' | 'connecting' | 'ready' | 'fault'
  faults: PrinterFault[]
  warnings: PrinterWarning[]
  /** Records the host believes are in the device buffer, loaded and not yet printed. */
  bufferLevel: number
  /** Confirmed prints since the driver started. */
  printed: number
  /** Human-readable detail for the operator (device error code, last exception). */
  detail?: string
}

/** A confirmed print: the device's counter proved this item left the head. */
export interface PrintDone {
  printer: string
  item: PrintItem
  /** Device print counter after this print. */
  counter: number
  at: number
}

/** What `clear()` found: items proven unprinted may go back to the pool; uncertain ones must be dropped out. */
export interface ClearResult {
  printed: PrintItem[]
  unprinted: PrintItem[]
  uncertain: PrintItem[]
}

/** A box or pallet label. */
export interface SsccLabel {
  /** 18 digits. */
  sscc: string
  level: 'box' | 'pallet'
  gtin?: string
  batch?: string
  count: number
  /** Free text lines for the human-readable part. */
  lines?: string[]
}

/** A print-go that printed nothing (empty buffer, fault): the product under the head carries no code. */
export interface PrintMissed {
  printer: string
  at: number
  /** Prints were confirmed in the same poll, so the order of this miss among them is unknown. */
  ambiguous: boolean
}

/**
 * Events: 'printed' (PrintDone), 'missed' (PrintMissed, heads that report missed print-go signals), 'status' (PrinterStatus, on every change), 'error' is never emitted for device
 * trouble — that is a status fault; drivers must not crash the process on device input.
 */
export interface Printer extends EventEmitter {
  readonly id: string
  readonly kind: 'modbus-head' | 'zpl-label' | 'videojet-ztcp' | 'panasonic-lp'
  /** Connect and keep reconnecting on loss until close(). Resolves on the first successful connect. */
  connect(): Promise<void>
  close(): Promise<void>
  /** Send records into the device buffer, in order; resolves once the device accepted them all. */
  load(items: readonly PrintItem[]): Promise<void>
  /** How many more records the buffer should hold to stay at its configured depth. */
  room(): number
  status(): PrinterStatus
  /** Empty the device buffer and account for every loaded record. */
  clear(): Promise<ClearResult>
  /** Label printers only: print a box/pallet label; resolves when the printer confirmed it. */
  printSscc?(label: SsccLabel): Promise<void>
}
