// Rigs: a driver wired to its simulator over a real transport (TCP on 127.0.0.1, or a socat pty pair), torn down by tap.
import { ModbusHeadPrinter } from '../../printers/modbus-head/driver.ts'
import { type HeadMap, loadHeadMap } from '../../printers/modbus-head/head-map.ts'
import { modbusRtu, modbusTcp } from '../../printers/modbus-head/link.ts'
import { serialStream, tcpStream } from '../../printers/transport.ts'
import type { Printer, PrintItem, PrinterStatus } from '../../printers/types.ts'
import { ZplLabelPrinter } from '../../printers/zpl-label/driver.ts'
import { ModbusHeadSim, type ModbusHeadSimOptions } from '../../sim/printers/modbus-head.ts'
import { openPtyPair } from '../../sim/printers/pty.ts'
import { ZplPrinterSim } from '../../sim/printers/zpl-printer.ts'
import { ZtcpPrinter } from '../../printers/videojet-ztcp/driver.ts'
import { ZtcpPrinterSim, type ZtcpSimOptions } from '../../sim/printers/videojet-ztcp.ts'
import { PanasonicLpPrinter } from '../../printers/panasonic-lp/driver.ts'
import { LpMarkerSim, type LpSimOptions } from '../../sim/printers/panasonic-lp.ts'
import { CodeFactory } from '../../sim/codes/factory.ts'
import { ProfileRegistry, withCheckDigit } from '../../line/codes/index.ts'

type T = { teardown(fn: () => unknown): void }

export interface PrinterRig {
  printer: Printer
  /** Let the device print the next n records (a conveyor trigger for a head; labels print on receipt). */
  print(n: number): Promise<void>
  /** Keep the device from printing until release(). */
  hold(): Promise<void>
  release(): Promise<void>
  /** What physically came out of the device, in order. */
  printedCodes(): string[]
}

const GTIN = withCheckDigit('0460165303004')
export function codes (n: number, seed = 7, group = 'milk'): PrintItem[] {
  const raw = new CodeFactory(seed).raw(new ProfileRegistry().get(group), GTIN, n)
  return raw.map((code, i) => ({ id: i + 1, code }))
}

export async function until (cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}

export async function untilStatus (p: Printer, cond: (s: PrinterStatus) => boolean, what: string, ms = 5000): Promise<PrinterStatus> {
  await until(() => cond(p.status()), `${what} (status now ${JSON.stringify(p.status())})`, ms)
  return p.status()
}

const BAUD = 115200

/** Put a simulator on the wire: TCP on 127.0.0.1, or one end of a socat pty pair. Returns the driver's end. */
async function simLink (sim: { listenTcp(): Promise<number>, openSerial(path: string, baudRate: number): Promise<void> }, serial: boolean):
Promise<({ kind: 'tcp', port: number } | { kind: 'serial', path: string }) & { close: () => Promise<void> }> {
  if (!serial) return { kind: 'tcp', port: await sim.listenTcp(), close: async () => {} }
  const pty = await openPtyPair()
  await sim.openSerial(pty.a, BAUD)
  return { kind: 'serial', path: pty.b, close: pty.close }
}

/**
 * The Hitachi UX map with a stand-in code for the GS separator: the shipped map leaves it to the integrator (the
 * printer's Technical Manual §5 has it), and the contract's codes carry GS. 0xE01D is a private-use code point.
 */
export function hitachiTestMap (): HeadMap {
  const m = loadHeadMap('hitachi-ux')
  return { ...m, charset: { ...m.charset, substitute: { '\u001d': 0xe01d } } }
}

export async function modbusRig (t: T, o: { serial?: boolean, map?: HeadMap, sim?: ModbusHeadSimOptions, timeoutMs?: number, pollIntervalMs?: number, bufferDepth?: number } = {}): Promise<PrinterRig & { sim: ModbusHeadSim, head: ModbusHeadPrinter }> {
  const map = o.map ?? loadHeadMap('generic')
  const sim = new ModbusHeadSim({ ...o.sim, map })
  const link = await simLink(sim, o.serial === true)
  const ptyClose = link.close
  const connector = link.kind === 'serial' ? modbusRtu({ path: link.path, baudRate: BAUD }) : modbusTcp('127.0.0.1', link.port, o.timeoutMs ?? 1000)
  const head = new ModbusHeadPrinter({ id: 'head1', map, connector, timeoutMs: o.timeoutMs ?? 1000, pollIntervalMs: o.pollIntervalMs ?? 5, reconnectMs: 30, bufferDepth: o.bufferDepth ?? 16, ...(process.env.PRINTER_DEBUG !== undefined ? { logger: { info: () => {}, debug: () => {}, warn: (o: object, m?: string) => { console.error(m, o) } } } : {}) })
  t.teardown(async () => { await head.close(); await sim.close(); await ptyClose() })
  await head.connect()
  return {
    sim,
    head,
    printer: head,
    // A single-field head prints whatever its field holds: products must come no faster than the driver replaces
    // the code and reads the head back (docs/modbus-head.md, "Single-field heads"). Each product waits for a fresh
    // code that the driver has seen applied (two polls' reads after the change), while the driver has one to give.
    print: map.buffer.kind === 'single'
      ? async n => {
        for (let i = 0; i < n; i++) {
          await until(() => (sim.fresh && sim.readsSinceChange >= 2 * map.poll.length) || head.status().bufferLevel === 0, 'a fresh code in the field')
          sim.trigger()
        }
      }
      : async n => { for (let i = 0; i < n; i++) sim.trigger() },
    hold: async () => {},
    release: async () => {},
    printedCodes: () => sim.printed.map(p => p.code),
  }
}

export async function zplRig (t: T, o: { serial?: boolean, timeoutMs?: number, statusIntervalMs?: number, applicator?: boolean } = {}): Promise<PrinterRig & { sim: ZplPrinterSim, zpl: ZplLabelPrinter }> {
  const sim = new ZplPrinterSim()
  const link = await simLink(sim, o.serial === true)
  const ptyClose = link.close
  const stream = link.kind === 'serial' ? serialStream({ path: link.path, baudRate: BAUD }) : tcpStream('127.0.0.1', link.port, 1000)
  const zpl = new ZplLabelPrinter({ id: 'label1', stream, timeoutMs: o.timeoutMs ?? 1000, statusIntervalMs: o.statusIntervalMs ?? 20, reconnectMs: 30, bufferDepth: 8, applicator: o.applicator === true })
  t.teardown(async () => { await zpl.close(); await sim.close(); await ptyClose() })
  await zpl.connect()
  return {
    sim,
    zpl,
    printer: zpl,
    // a print-and-apply unit prints each label when its product arrives (the applicator's start-print signal)
    print: o.applicator === true
      ? async n => {
        // n products pass the applicator; each takes the label waiting for it, if there is one (none after a clear)
        for (let i = 0; i < n; i++) {
          await until(() => sim.queue.length > 0, 'a label waiting in the printer', 1000).catch(() => {})
          sim.trigger()
        }
      }
      : async () => {},
    hold: async () => { sim.setPaused(true); await untilStatus(zpl, s => s.faults.includes('paused'), 'paused') },
    release: async () => { sim.setPaused(false) },
    printedCodes: () => sim.printed.map(l => l.barcodes[0]?.data ?? ''),
  }
}

export async function ztcpRig (t: T, o: { serial?: boolean, sim?: ZtcpSimOptions, timeoutMs?: number, pollIntervalMs?: number, bufferDepth?: number, maxChars?: number } = {}): Promise<PrinterRig & { sim: ZtcpPrinterSim, ztcp: ZtcpPrinter }> {
  const sim = new ZtcpPrinterSim(o.sim)
  const link = await simLink(sim, o.serial === true)
  const ptyClose = link.close
  const stream = link.kind === 'serial' ? serialStream({ path: link.path, baudRate: BAUD }) : tcpStream('127.0.0.1', link.port, 1000)
  const ztcp = new ZtcpPrinter({ id: 'ztcp1', stream, field: 'CODE', timeoutMs: o.timeoutMs ?? 1000, pollIntervalMs: o.pollIntervalMs ?? 5, reconnectMs: 30, bufferDepth: o.bufferDepth ?? 16, ...(o.maxChars !== undefined ? { maxChars: o.maxChars } : {}), ...(process.env.PRINTER_DEBUG !== undefined ? { logger: { info: () => {}, debug: () => {}, warn: (o: object, m?: string) => { console.error(m, o) } } } : {}) })
  t.teardown(async () => { await ztcp.close(); await sim.close(); await ptyClose() })
  await ztcp.connect()
  return {
    sim,
    ztcp,
    printer: ztcp,
    print: async n => { for (let i = 0; i < n; i++) sim.trigger() },
    hold: async () => {},
    release: async () => {},
    printedCodes: () => sim.printed.map(p => p.code),
  }
}

/**
 * A Panasonic laser marker and its driver. The marker holds one code: each product waits until the marker has its
 * code (trigger ready) while the driver has one to give, as on a line whose spacing leaves time for the SIN command.
 */
export async function lpRig (t: T, o: { serial?: boolean, checksum?: boolean, sim?: LpSimOptions, timeoutMs?: number, pollIntervalMs?: number, bufferDepth?: number, maxChars?: number, markingMs?: number } = {}): Promise<PrinterRig & { sim: LpMarkerSim, lp: PanasonicLpPrinter }> {
  const checksum = o.checksum ?? false
  const sim = new LpMarkerSim({ ...o.sim, checksum })
  const link = await simLink(sim, o.serial === true)
  const ptyClose = link.close
  const stream = link.kind === 'serial' ? serialStream({ path: link.path, baudRate: BAUD }) : tcpStream('127.0.0.1', link.port, 1000)
  const lp = new PanasonicLpPrinter({ id: 'laser1', stream, checksum, timeoutMs: o.timeoutMs ?? 1000, pollIntervalMs: o.pollIntervalMs ?? 5, reconnectMs: 30, settleMs: 20, markingMs: o.markingMs ?? 30, bufferDepth: o.bufferDepth ?? 16, ...(o.maxChars !== undefined ? { maxChars: o.maxChars } : {}), ...(process.env.PRINTER_DEBUG !== undefined ? { logger: { info: () => {}, debug: () => {}, warn: (o: object, m?: string) => { console.error(m, o) } } } : {}) })
  t.teardown(async () => { await lp.close(); await sim.close(); await ptyClose() })
  await lp.connect()
  return {
    sim,
    lp,
    printer: lp,
    print: async n => {
      for (let i = 0; i < n; i++) {
        await until(() => sim.triggerReady || lp.status().bufferLevel === 0, 'the marker holding a code')
        sim.trigger()
      }
    },
    hold: async () => {},
    release: async () => {},
    printedCodes: () => sim.marked.map(m => m.code),
  }
}
