// Confirmed prints/s and load→confirm latency through one Modbus TCP head simulator and one ZPL label simulator.
import { setImmediate as tick } from 'node:timers/promises'
import { ProfileRegistry, withCheckDigit } from '../../line/codes/index.ts'
import { ModbusHeadPrinter } from '../../printers/modbus-head/driver.ts'
import { modbusTcp } from '../../printers/modbus-head/link.ts'
import { tcpStream } from '../../printers/transport.ts'
import type { Printer, PrintDone, PrintItem } from '../../printers/types.ts'
import { ZplLabelPrinter } from '../../printers/zpl-label/driver.ts'
import { CodeFactory } from '../../sim/codes/factory.ts'
import { ModbusHeadSim } from '../../sim/printers/modbus-head.ts'
import { ZplPrinterSim } from '../../sim/printers/zpl-printer.ts'
import { type Bench, nowMs, round, summarize } from '../lib.ts'

const POLL_MS = 5

function items (n: number): PrintItem[] {
  const raw = new CodeFactory(99).raw(new ProfileRegistry().get('water'), withCheckDigit('0460165303004'), n)
  return raw.map((code, i) => ({ id: i + 1, code }))
}

/** Keep the printer topped up to room() until `total` prints are confirmed; `conveyor` fires the head meanwhile. */
async function throughput (p: Printer, all: PrintItem[], conveyor?: () => void): Promise<number> {
  let confirmed = 0
  p.on('printed', () => { confirmed++ })
  let next = 0
  const t0 = nowMs()
  while (confirmed < all.length) {
    const room = p.room()
    if (room > 0 && next < all.length) {
      const batch = all.slice(next, next + room)
      next += batch.length
      await p.load(batch)
    }
    conveyor?.()
    await tick()
  }
  return all.length / ((nowMs() - t0) / 1000)
}

async function latency (p: Printer, all: PrintItem[], fire?: () => void): Promise<number[]> {
  const samples: number[] = []
  for (const item of all) {
    const t0 = nowMs()
    const done = new Promise<void>(resolve => {
      const on = (d: PrintDone): void => { if (d.item.id === item.id) { p.off('printed', on); resolve() } }
      p.on('printed', on)
    })
    await p.load([item])
    fire?.()
    await done
    samples.push(nowMs() - t0)
  }
  return samples
}

export default {
  description: 'printers: confirmed prints/s and load→confirm latency, Modbus TCP head sim and ZPL sim on 127.0.0.1',
  async run ({ quick }) {
    const nModbus = quick ? 3000 : 30000
    const nZpl = quick ? 500 : 5000
    const nLat = quick ? 200 : 1000
    const codes = items(nModbus + nLat)

    const head = new ModbusHeadSim({ capacity: 256 })
    const port = await head.listenTcp()
    const mp = new ModbusHeadPrinter({ id: 'bench-head', connector: modbusTcp('127.0.0.1', port, 1000), pollIntervalMs: POLL_MS, timeoutMs: 1000, bufferDepth: 64 })
    await mp.connect()
    // The conveyor fires as fast as the head holds records: the software, not the line, is the limit here.
    const modbusRate = await throughput(mp, codes.slice(0, nModbus), () => { while (head.buffer.length > 0) head.trigger() })
    const modbusLat = summarize(await latency(mp, codes.slice(nModbus), () => head.trigger()))
    await mp.close()
    await head.close()

    const zsim = new ZplPrinterSim()
    const zport = await zsim.listenTcp()
    const zp = new ZplLabelPrinter({ id: 'bench-zpl', stream: tcpStream('127.0.0.1', zport, 1000), statusIntervalMs: 50, timeoutMs: 1000, bufferDepth: 16 })
    await zp.connect()
    const zcodes = items(nZpl + nLat)
    const zplRate = await throughput(zp, zcodes.slice(0, nZpl))
    const zplLat = summarize(await latency(zp, zcodes.slice(nZpl, nZpl + Math.min(nLat, 300))))
    await zp.close()
    await zsim.close()

    return {
      modbus_prints_per_s: round(modbusRate, 0),
      modbus_confirm_p50_ms: modbusLat.p50,
      modbus_confirm_p99_ms: modbusLat.p99,
      modbus_poll_ms: POLL_MS,
      zpl_labels_per_s: round(zplRate, 0),
      zpl_confirm_p50_ms: zplLat.p50,
      zpl_confirm_p99_ms: zplLat.p99,
    }
  },
} satisfies Bench
