// modbus-head driver against the head simulator over real TCP: counter wrap, missed polls, reconnects, faults, bad input.
import t from 'tap'
import { BufferFullError, DataTooLongError, LoadInterruptedError, ModbusTimeoutError } from '../../printers/errors.ts'
import type { PrintDone } from '../../printers/types.ts'
import { codes, modbusRig, until, untilStatus } from './rigs.ts'

function collect (p: { on(e: 'printed', f: (d: PrintDone) => void): unknown }): PrintDone[] {
  const done: PrintDone[] = []
  p.on('printed', d => done.push(d))
  return done
}

t.test('the 32-bit print counter wraps without losing or inventing a print', async t => {
  const rig = await modbusRig(t, { sim: { counter: 0xfffffffd } })
  const done = collect(rig.head)
  const items = codes(5)
  await rig.head.load(items)
  for (let i = 0; i < 5; i++) { rig.sim.trigger(); await until(() => done.length === i + 1, `print ${i + 1}`) }
  t.same(done.map(d => d.counter), [0xfffffffe, 0xffffffff, 0, 1, 2])
  t.same(done.map(d => d.item.id), [1, 2, 3, 4, 5])
})

t.test('a counter jump of k between polls confirms the next k records in order', async t => {
  const rig = await modbusRig(t, { pollIntervalMs: 150 })
  const done = collect(rig.head)
  await rig.head.load(codes(6))
  for (let i = 0; i < 4; i++) rig.sim.trigger() // four products pass within one poll interval
  await until(() => done.length === 4, '4 confirmations')
  t.same(done.map(d => d.item.id), [1, 2, 3, 4])
  t.same(done.map(d => d.counter), [1, 2, 3, 4])
  t.equal(rig.head.status().bufferLevel, 2)
})

t.test('a link drop in the middle of printing: after reconnect the driver still knows exactly what printed', async t => {
  const rig = await modbusRig(t)
  const done = collect(rig.head)
  const items = codes(10)
  await rig.head.load(items)
  await rig.print(3)
  await until(() => done.length === 3, '3 confirmations')
  rig.sim.dropConnections()
  await rig.print(4) // the line keeps running while the controller is cut off
  await untilStatus(rig.head, s => s.faults.includes('comms-lost') || done.length === 7, 'comms-lost seen')
  await until(() => done.length === 7, '7 confirmations after reconnect')
  await untilStatus(rig.head, s => s.state === 'ready', 'ready again')
  t.same(done.map(d => d.item.id), [1, 2, 3, 4, 5, 6, 7])
  t.same(rig.sim.printed.map(p => p.code), items.slice(0, 7).map(i => i.code))
  const r = await rig.head.clear()
  t.same(r.unprinted.map(i => i.id), [8, 9, 10])
  t.same(r.uncertain, [])
  t.same(rig.sim.buffer, [], 'head buffer empty after clear')
})

t.test('clear(): records printed before the clear command are printed, the rest are proven unprinted', async t => {
  const rig = await modbusRig(t, { pollIntervalMs: 10_000 }) // no poll sees the prints: only clear() does
  const done = collect(rig.head)
  await rig.head.load(codes(5))
  await rig.print(2)
  const r = await rig.head.clear()
  t.same(r.printed.map(i => i.id), [1, 2])
  t.same(r.unprinted.map(i => i.id), [3, 4, 5])
  t.same(r.uncertain, [])
  t.equal(done.length, 0, 'prints found by clear() are reported in its result only')
  t.equal(rig.head.status().printed, 2)
})

t.test('a write whose request was lost is proven unsent after reconnect', async t => {
  const rig = await modbusRig(t, { timeoutMs: 300 })
  rig.sim.misbehave({ mode: 'drop' }, 1)
  const err = await rig.head.load(codes(3)).catch((e: unknown) => e)
  t.ok(err instanceof LoadInterruptedError, 'load interrupted')
  t.ok((err as LoadInterruptedError).cause instanceof ModbusTimeoutError, 'caused by LC_ERR_MODBUS_TIMEOUT')
  await untilStatus(rig.head, s => s.state === 'ready', 'reconnected')
  const r = await rig.head.clear()
  t.same(r.unprinted.map(i => i.id).sort(), [1, 2, 3])
  t.same(r.uncertain, [])
  t.same(rig.sim.buffer, [])
})

t.test('a write applied by the head whose answer was lost is recognised by its sequence number', async t => {
  const rig = await modbusRig(t, { timeoutMs: 300 })
  const done = collect(rig.head)
  rig.sim.misbehave({ mode: 'lose-answer' }, 1)
  const err = await rig.head.load(codes(3)).catch((e: unknown) => e)
  t.match(err, { code: 'LC_ERR_PRINTER_LOAD_INTERRUPTED', context: { accepted: 0, notSent: 2, uncertain: 1 } })
  await untilStatus(rig.head, s => s.state === 'ready', 'reconnected')
  t.equal(rig.head.status().bufferLevel, 1, 'the committed record is known to be in the head')
  rig.sim.trigger()
  await until(() => done.length === 1, 'its print confirmed')
  t.equal(done[0]?.item.id, 1)
  const r = await rig.head.clear()
  t.same(r.unprinted.map(i => i.id), [2, 3])
})

t.test('clear() with the link down reports loaded records uncertain and empties the head on reconnect', async t => {
  const rig = await modbusRig(t, { timeoutMs: 300 })
  await rig.head.load(codes(4))
  rig.sim.misbehave({ mode: 'drop' })
  await untilStatus(rig.head, s => s.faults.includes('comms-lost'), 'comms-lost')
  const r = await rig.head.clear()
  t.same(r.uncertain.map(i => i.id), [1, 2, 3, 4])
  t.same(r.unprinted, [])
  rig.sim.behave()
  await untilStatus(rig.head, s => s.state === 'ready', 'reconnected')
  await until(() => rig.sim.buffer.length === 0, 'head buffer emptied')
  rig.sim.trigger()
  t.equal(rig.sim.printed.length, 0, 'an uncertain code can never print later')
})

t.test('a code longer than the message slot is refused before anything is written', async t => {
  const rig = await modbusRig(t, { sim: { slotChars: 20 } })
  const before = rig.sim.requests
  const items = [{ id: 1, code: '0104601653030048215A' }, { id: 2, code: '0104601653030048215ABCDEFGHIJK' }]
  const err = await rig.head.load(items).catch((e: unknown) => e)
  t.ok(err instanceof DataTooLongError)
  t.match(err, { code: 'LC_ERR_PRINT_DATA_TOO_LONG', context: { id: 2, length: 30, max: 20 } })
  t.same(rig.sim.buffer, [], 'nothing written, not even the code that fits')
  t.ok(rig.head.status().faults.includes('data-too-long'))
  t.equal(rig.head.status().state, 'fault')
  await rig.head.load([{ id: 3, code: 'SHORT' }])
  t.notOk(rig.head.status().faults.includes('data-too-long'), 'a good load clears it')
  t.ok(rig.sim.requests > before)
})

t.test('a full head refuses the record: load interrupted, nothing lost', async t => {
  const rig = await modbusRig(t, { sim: { capacity: 3 } })
  const err = await rig.head.load(codes(5)).catch((e: unknown) => e)
  t.ok(err instanceof LoadInterruptedError)
  t.ok((err as LoadInterruptedError).cause instanceof BufferFullError)
  t.same(rig.sim.buffer.length, 3)
  const r = await rig.head.clear()
  t.same(r.unprinted.map(i => i.id).sort(), [1, 2, 3, 4, 5])
})

t.test('exception answers raise bad-response; garbage and silence raise comms-lost; the driver recovers', async t => {
  const rig = await modbusRig(t, { timeoutMs: 300 })
  rig.sim.misbehave({ mode: 'exception', code: 4 })
  await untilStatus(rig.head, s => s.faults.includes('bad-response'), 'bad-response')
  t.equal(rig.head.room(), 0, 'no room while faulted')
  rig.sim.behave()
  await untilStatus(rig.head, s => s.state === 'ready', 'ready after exceptions stop')
  rig.sim.misbehave({ mode: 'garbage' }, 3)
  await untilStatus(rig.head, s => s.faults.includes('comms-lost'), 'comms-lost on garbage')
  await untilStatus(rig.head, s => s.state === 'ready', 'ready after garbage')
  rig.sim.misbehave({ mode: 'delay', ms: 40 })
  const done = collect(rig.head)
  await rig.head.load(codes(2))
  await rig.print(2)
  await until(() => done.length === 2, 'slow answers still confirm prints')
  rig.sim.behave()
})

t.test('ink runs low then out; head faults map to statuses', async t => {
  const rig = await modbusRig(t, { sim: { inkPrints: 4, inkLowAt: 2 } })
  const done = collect(rig.head)
  await rig.head.load(codes(6))
  await rig.print(2)
  await untilStatus(rig.head, s => s.warnings.includes('ink-low'), 'ink-low')
  await rig.print(2)
  const s = await untilStatus(rig.head, s => s.faults.includes('ink-out'), 'ink-out')
  t.equal(s.state, 'fault')
  t.match(s.detail, /E1/)
  t.equal(rig.sim.trigger(), undefined, 'the head prints nothing without ink')
  t.equal(done.length, 4)
  rig.sim.refillInk()
  await untilStatus(rig.head, s => s.state === 'ready', 'ready after refill')
  rig.sim.setFault('cover-open')
  await untilStatus(rig.head, s => s.faults.includes('head-open'), 'head-open')
  rig.sim.setFault('cover-open', false)
  rig.sim.setFault('head-error')
  await untilStatus(rig.head, s => s.faults.includes('head-error') && !s.faults.includes('head-open'), 'head-error')
})

t.test('records left in the head by an earlier run are cleared on first connect', async t => {
  const rig = await modbusRig(t)
  await rig.head.close()
  const { ModbusHeadPrinter } = await import('../../printers/modbus-head/driver.ts')
  const { modbusTcp } = await import('../../printers/modbus-head/link.ts')
  rig.sim.buffer.push('STALE1', 'STALE2')
  const port = await rig.sim.listenTcp()
  const again = new ModbusHeadPrinter({ id: 'head2', connector: modbusTcp('127.0.0.1', port, 1000), timeoutMs: 1000, pollIntervalMs: 5 })
  await again.connect()
  t.same(rig.sim.buffer, [])
  t.equal(again.status().bufferLevel, 0)
  await again.close()
})

t.test('RTU over a pty: line noise and a silent slave are link faults; the port is reopened and nothing is lost', async t => {
  const rig = await modbusRig(t, { serial: true, timeoutMs: 400 })
  const done = collect(rig.head)
  const items = codes(6)
  await rig.head.load(items)
  await rig.print(2)
  await until(() => done.length === 2, '2 confirmations')
  rig.sim.misbehave({ mode: 'garbage' }, 2)
  await untilStatus(rig.head, s => s.faults.includes('comms-lost'), 'comms-lost on noise')
  await rig.print(2)
  await untilStatus(rig.head, s => s.state === 'ready', 'ready again')
  await until(() => done.length === 4, '4 confirmations')
  t.same(done.map(d => d.item.id), [1, 2, 3, 4])
  const r = await rig.head.clear()
  t.same(r.unprinted.map(i => i.id), [5, 6])
  t.same(rig.sim.printed.map(p => p.code), items.slice(0, 4).map(i => i.code))
})
