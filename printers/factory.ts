// Chooses and builds a printer driver from its config entry (the config schema's `printerSchema`, devices section).
import type { Printer } from './types.ts'
import type { DriverOptions } from './options.ts'
import type { TransportConfig } from './transport.ts'
import { streamFor } from './transport.ts'
import { ModbusHeadPrinter } from './modbus-head/driver.ts'
import { loadHeadMap } from './modbus-head/head-map.ts'
import { modbusConnectorFor } from './modbus-head/link.ts'
import { ZplLabelPrinter } from './zpl-label/driver.ts'
import { PrinterConfigError } from './errors.ts'
import { ZtcpPrinter } from './videojet-ztcp/driver.ts'
import { PanasonicLpPrinter } from './panasonic-lp/driver.ts'

// Structural copies of the config schema's output, so printers/ need not import the line's config module (DESIGN §2: the shared vocabulary only).
export interface ModbusHeadConfig {
  id: string
  driver: 'modbus-head'
  transport: TransportConfig
  unitId: number
  /** A shipped map's name or a map file's path (printers/modbus-head/head-map.ts); the generic map when absent. */
  map?: string
  bufferDepth: number
  pollIntervalMs: number
  timeoutMs: number
  reconnectMs?: number
}

export interface ZplLabelConfig {
  id: string
  driver: 'zpl-label'
  transport: TransportConfig
  role: 'unit' | 'box' | 'pallet'
  dpi: number
  statusIntervalMs: number
  timeoutMs: number
  template?: string | undefined
  bufferDepth?: number
  reconnectMs?: number
  /** Unit labels printed and applied at the product (print-and-apply, ^MMA). */
  applicator?: boolean
}

export interface ZtcpConfig {
  id: string
  driver: 'videojet-ztcp'
  transport: TransportConfig
  field: string
  job?: string | undefined
  bufferDepth: number
  maxChars: number
  pollIntervalMs: number
  timeoutMs: number
  reconnectMs?: number
}

export interface PanasonicLpConfig {
  id: string
  driver: 'panasonic-lp'
  transport: TransportConfig
  stringNo: number
  checksum: boolean
  bufferDepth: number
  maxChars: number
  pollIntervalMs: number
  timeoutMs: number
  settleMs: number
  markingMs: number
  reconnectMs?: number
}

export type PrinterConfig = ModbusHeadConfig | ZplLabelConfig | ZtcpConfig | PanasonicLpConfig

const drivers: { [K in PrinterConfig['driver']]: (c: Extract<PrinterConfig, { driver: K }>, o: DriverOptions) => Printer } = {
  'modbus-head': (c, o) => new ModbusHeadPrinter({
    ...o,
    id: c.id,
    connector: modbusConnectorFor(c.transport, c.timeoutMs),
    map: loadHeadMap(c.map ?? 'generic'),
    unitId: c.unitId,
    bufferDepth: c.bufferDepth,
    pollIntervalMs: c.pollIntervalMs,
    timeoutMs: c.timeoutMs,
    ...(c.reconnectMs !== undefined ? { reconnectMs: c.reconnectMs } : {}),
  }),
  'zpl-label': (c, o) => new ZplLabelPrinter({
    ...o,
    id: c.id,
    stream: streamFor(c.transport, c.timeoutMs),
    statusIntervalMs: c.statusIntervalMs,
    timeoutMs: c.timeoutMs,
    dpi: c.dpi,
    ...(c.bufferDepth !== undefined ? { bufferDepth: c.bufferDepth } : {}),
    ...(c.reconnectMs !== undefined ? { reconnectMs: c.reconnectMs } : {}),
    ...(c.template !== undefined ? (c.role === 'unit' ? { unitTemplate: c.template } : { ssccTemplate: c.template }) : {}),
    ...(c.applicator === true && c.role === 'unit' ? { applicator: true } : {}),
  }),
  'videojet-ztcp': (c, o) => new ZtcpPrinter({
    ...o,
    id: c.id,
    stream: streamFor(c.transport, c.timeoutMs),
    field: c.field,
    job: c.job,
    bufferDepth: c.bufferDepth,
    maxChars: c.maxChars,
    pollIntervalMs: c.pollIntervalMs,
    timeoutMs: c.timeoutMs,
    ...(c.reconnectMs !== undefined ? { reconnectMs: c.reconnectMs } : {}),
  }),
  'panasonic-lp': (c, o) => new PanasonicLpPrinter({
    ...o,
    id: c.id,
    stream: streamFor(c.transport, c.timeoutMs),
    stringNo: c.stringNo,
    checksum: c.checksum,
    bufferDepth: c.bufferDepth,
    maxChars: c.maxChars,
    pollIntervalMs: c.pollIntervalMs,
    timeoutMs: c.timeoutMs,
    settleMs: c.settleMs,
    markingMs: c.markingMs,
    ...(c.reconnectMs !== undefined ? { reconnectMs: c.reconnectMs } : {}),
  }),
}

/** Build the driver a (validated) printer config entry names; nothing connects until `connect()`. */
export function createPrinter (config: PrinterConfig, options: DriverOptions = {}): Printer {
  const make = drivers[config.driver] as ((c: PrinterConfig, o: DriverOptions) => Printer) | undefined
  if (make === undefined) throw new PrinterConfigError(`unknown printer driver "${String((config as { driver?: unknown }).driver)}"`, { printer: config.id })
  return make(config, options)
}
