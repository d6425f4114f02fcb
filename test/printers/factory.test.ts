// createPrinter builds the driver a validated config entry names; the config schema and the driver config agree.
import t from 'tap'
import type { z } from 'zod'
import { printerSchema } from '../../line/config/sections/devices.ts'
import { createPrinter, type PrinterConfig } from '../../printers/factory.ts'
import { ModbusHeadPrinter } from '../../printers/modbus-head/driver.ts'
import { ZplLabelPrinter } from '../../printers/zpl-label/driver.ts'
import { ModbusHeadSim } from '../../sim/printers/modbus-head.ts'
import { ZplPrinterSim } from '../../sim/printers/zpl-printer.ts'
import { codes, until } from './rigs.ts'

// Compile-time: whatever the schema outputs is a PrinterConfig (printers/ may not import line/config itself).
const _compatible = (c: z.output<typeof printerSchema>): PrinterConfig => c
void _compatible

t.test('a modbus-head entry over TCP builds a working head driver', async t => {
  const sim = new ModbusHeadSim()
  const port = await sim.listenTcp()
  const cfg = printerSchema.parse({ id: 'head-1', driver: 'modbus-head', transport: { kind: 'tcp', port }, pollIntervalMs: '5ms', timeoutMs: '1s' })
  const p = createPrinter(cfg)
  t.teardown(async () => { await p.close(); await sim.close() })
  t.ok(p instanceof ModbusHeadPrinter)
  t.equal(p.kind, 'modbus-head')
  await p.connect()
  let n = 0
  p.on('printed', () => { n++ })
  await p.load(codes(2))
  sim.trigger(); sim.trigger()
  await until(() => n === 2, 'two prints')
  t.equal(p.room(), 64, 'default depth 64, the buffer is empty again')
})

t.test('a zpl-label entry with a template prints that template', async t => {
  const sim = new ZplPrinterSim()
  const port = await sim.listenTcp()
  const cfg = printerSchema.parse({
    id: 'labeler', driver: 'zpl-label', role: 'unit', transport: { kind: 'tcp', port }, statusIntervalMs: 20, timeoutMs: 1000,
    template: '^XA^FO10,10^BXN,5,200,0,0,,_^FD{{dm}}^FS^FO10,200^A0N,20,20^FDID {{id}}^FS^XZ',
  })
  const p = createPrinter(cfg)
  t.teardown(async () => { await p.close(); await sim.close() })
  t.ok(p instanceof ZplLabelPrinter)
  await p.connect()
  await p.load(codes(1))
  await until(() => sim.printed.length === 1, 'label')
  t.same(sim.printed[0]?.texts, ['ID 1'])
})

t.test('config validation refuses a printer without a driver', async t => {
  const r = printerSchema.safeParse({ id: 'x', transport: { kind: 'tcp', port: 1 } })
  t.notOk(r.success)
})

t.test('a videojet-ztcp entry builds a ZTCP driver that selects its job and fills its field', async t => {
  const { ZtcpPrinter } = await import('../../printers/videojet-ztcp/driver.ts')
  const { ZtcpPrinterSim } = await import('../../sim/printers/videojet-ztcp.ts')
  const sim = new ZtcpPrinterSim()
  const port = await sim.listenTcp()
  const cfg = printerSchema.parse({ id: 'tto-1', driver: 'videojet-ztcp', transport: { kind: 'tcp', port }, field: 'Varfield00', job: 'MILK', pollIntervalMs: '5ms' })
  const p = createPrinter(cfg)
  t.teardown(async () => { await p.close(); await sim.close() })
  t.ok(p instanceof ZtcpPrinter)
  t.equal(p.kind, 'videojet-ztcp')
  await p.connect()
  t.equal(sim.job, 'MILK')
  t.same(sim.header, ['Varfield00'])
  let n = 0
  p.on('printed', () => { n++ })
  await p.load(codes(2))
  sim.trigger(); sim.trigger()
  await until(() => n === 2, 'two prints')
  t.equal(p.room(), 32, 'default depth 32, the buffer is empty again')
  t.notOk(printerSchema.safeParse({ id: 'x', driver: 'videojet-ztcp', transport: { kind: 'tcp', port: 1 } }).success, 'field is required')
})
