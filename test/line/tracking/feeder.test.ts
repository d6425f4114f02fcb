// The feeder on a real pool (SQLite file): against a Modbus head simulator over loopback TCP for the normal flow, and a
// scripted printer for what a real head cannot be made to do on cue (refuse a load, fail a clear, report uncertainty).
import t, { type Test } from 'tap'
import Database from 'better-sqlite3'
import { EventEmitter } from 'node:events'
import { AlarmBook } from '../../../line/alarms/alarms.ts'
import type { AlarmView } from '../../../line/control.ts'
import { silentLogger } from '../../../line/log.ts'
import { Feeder } from '../../../line/tracking/feeder.ts'
import type { ClearResult, Printer, PrinterStatus, PrintItem } from '../../../printers/types.ts'
import { block, GTIN_A, poolFixture, type PoolFixture } from '../../helpers/pool.ts'
import { modbusRig, until } from '../../printers/rigs.ts'

function feederFor (t: Test, f: PoolFixture, printers: Printer[], minChunk = 4) {
  const alarms = new AlarmBook(f.db, { clock: f.clock, log: silentLogger() })
  const raised: AlarmView[] = []
  alarms.on('alarm', (a: AlarmView) => raised.push(a))
  const feeder = new Feeder({ pool: f.pool, printers, log: silentLogger(), alarms, minChunk, intervalMs: 10 })
  const empty: string[] = []
  const loadErrors: string[] = []
  feeder.onEmpty = p => empty.push(p)
  feeder.onLoadError = p => loadErrors.push(p)
  t.teardown(() => feeder.close())
  return { feeder, raised, empty, loadErrors }
}

const states = (f: PoolFixture): Record<string, number> => {
  const a: Record<string, number> = f.pool.accounting().gtins[GTIN_A]?.states ?? {}
  return Object.fromEntries(Object.entries(a).filter(([, n]) => n > 0))
}

/** A printer whose answers the test decides. */
class ScriptedPrinter extends EventEmitter implements Printer {
  readonly kind = 'modbus-head' as const
  buffer: PrintItem[] = []
  state: PrinterStatus['state'] = 'ready'
  depth = 10
  loadError: Error | null = null
  clearAnswer: ((buffer: PrintItem[]) => ClearResult) | Error = b => ({ printed: [], unprinted: b, uncertain: [] })
  onLoad: (items: readonly PrintItem[]) => void = () => {}
  constructor (readonly id: string) { super() }
  async connect (): Promise<void> {}
  async close (): Promise<void> {}
  async load (items: readonly PrintItem[]): Promise<void> {
    this.onLoad(items)
    if (this.loadError !== null) throw this.loadError
    this.buffer.push(...items)
  }
  room (): number { return Math.max(0, this.depth - this.buffer.length) }
  status (): PrinterStatus { return { state: this.state, faults: [], warnings: [], bufferLevel: this.buffer.length, printed: 0 } }
  async clear (): Promise<ClearResult> {
    if (this.clearAnswer instanceof Error) throw this.clearAnswer
    const r = this.clearAnswer(this.buffer)
    this.buffer = []
    return r
  }
}

t.test('a Modbus head is kept full with codes SENT to it in the store; drain gives the unprinted ones back', async t => {
  const f = poolFixture(t)
  await f.pool.importBlock(block(f, 'b1', 200))
  const rig = await modbusRig(t, { bufferDepth: 16 })
  const { feeder } = feederFor(t, f, [rig.head])
  feeder.setJob({ id: 1, gtin: GTIN_A, budget: 100 })
  feeder.start()
  await until(() => rig.sim.buffer.length === 16, 'the head buffer filled')
  await feeder.idle()
  t.same(states(f), { AVAILABLE: 184, SENT: 16 })
  t.equal(feeder.budget, 84, 'the job\'s budget is spent by what was reserved')
  t.same(f.pool.sentTo('head1').map(r => r.code), rig.sim.buffer, 'the head holds exactly the codes SENT to it, in order')

  await rig.print(10)
  await until(() => rig.sim.buffer.length === 16 && rig.head.room() === 0, 'refilled after the prints')
  await feeder.idle()
  t.same(states(f), { AVAILABLE: 174, SENT: 26 }, 'printed codes stay SENT until the tracker confirms them; ten new ones went out')
  t.equal(feeder.budget, 74)
  const printed = rig.sim.printed.map(p => p.code)

  const r = await feeder.drain()
  t.same(r, { returned: 16, uncertain: 0, writtenOff: [] }, 'the buffer was cleared with the counter unchanged: proven unprinted')
  t.same(states(f), { AVAILABLE: 190, SENT: 10 })
  t.same(f.pool.sentTo('head1').map(x => x.code), printed, 'only the printed ones are still out')
  t.equal(feeder.budget, 90, 'returned codes go back to the job\'s budget')
  t.equal(rig.sim.buffer.length, 0)
  await rig.print(3)
  await new Promise(resolve => setTimeout(resolve, 50))
  t.same(states(f), { AVAILABLE: 190, SENT: 10 }, 'a drained (paused) feeder does not refill')
})

t.test('the job\'s budget is never exceeded, and the last few codes go out even below the chunk size', async t => {
  const f = poolFixture(t)
  await f.pool.importBlock(block(f, 'b1', 100))
  const p = new ScriptedPrinter('p1')
  const { feeder } = feederFor(t, f, [p], 8)
  feeder.setJob({ id: 1, gtin: GTIN_A, budget: 13 })
  feeder.start()
  await until(() => p.buffer.length === 10, 'first fill')
  await feeder.idle()
  p.buffer.splice(0, 2) // two printed: room 2 < chunk 8 and the job still has 3 → wait for a bigger gap
  feeder.fill(p)
  await feeder.idle()
  t.equal(p.buffer.length, 8, 'no reservation for a small gap while more of the job is left')
  p.buffer.splice(0, 5) // room 7 ≥ the 3 left: the last three go out
  feeder.fill(p)
  await feeder.idle()
  t.equal(p.buffer.length, 6)
  t.equal(feeder.budget, 0)
  p.buffer.splice(0, 6)
  feeder.fill(p)
  await feeder.idle()
  t.equal(p.buffer.length, 0, 'nothing more once the job\'s quantity is out')
  t.same(states(f), { AVAILABLE: 87, SENT: 13 })
})

t.test('codes are on disk as SENT before the printer sees them', async t => {
  const f = poolFixture(t)
  await f.pool.importBlock(block(f, 'b1', 50))
  const reader = new Database(f.path, { readonly: true })
  t.teardown(() => reader.close())
  const p = new ScriptedPrinter('p1')
  const seen: Array<{ id: number, state: number | undefined, printer: string | undefined }> = []
  p.onLoad = items => {
    for (const i of items) {
      const row = reader.prepare('SELECT state, printer FROM codes WHERE id = ?').get(i.id) as { state: number, printer: string } | undefined
      seen.push({ id: i.id, state: row?.state, printer: row?.printer })
    }
  }
  const { feeder } = feederFor(t, f, [p])
  feeder.setJob({ id: 1, gtin: GTIN_A, budget: 10 })
  feeder.start()
  await until(() => p.buffer.length === 10, 'loaded')
  t.equal(seen.length, 10)
  t.ok(seen.every(s => s.state === 1 && s.printer === 'p1'), 'a second connection already saw every loaded code SENT to this printer')
})

t.test('an empty pool, a refused load and a printer that is not ready', async t => {
  const f = poolFixture(t)
  const p = new ScriptedPrinter('p1')
  const r = feederFor(t, f, [p])
  r.feeder.setJob({ id: 1, gtin: GTIN_A, budget: 30 })
  r.feeder.start()
  await until(() => r.empty.length > 0, 'the empty pool reported')
  await r.feeder.idle()
  t.equal(r.empty[0], 'p1')
  t.equal(r.feeder.budget, 30, 'nothing reserved, nothing spent')

  await f.pool.importBlock(block(f, 'b1', 40))
  p.loadError = new Error('head refused the records')
  await until(() => r.loadErrors.length > 0, 'the load error reported')
  await r.feeder.idle()
  r.feeder.pause()
  await r.feeder.idle()
  t.equal(r.loadErrors[0], 'p1')
  t.equal(p.buffer.length, 0)
  t.equal(states(f).SENT, 30 - r.feeder.budget, 'what was reserved stays SENT to that printer: its fate is the driver\'s to tell, never re-sent')

  const q = new ScriptedPrinter('p2')
  q.state = 'fault'
  const r2 = feederFor(t, f, [q])
  r2.feeder.setJob({ id: 2, gtin: GTIN_A, budget: 10 })
  r2.feeder.start()
  await new Promise(resolve => setTimeout(resolve, 60))
  await r2.feeder.idle()
  t.equal(q.buffer.length, 0)
  t.equal(r2.feeder.budget, 10, 'a faulted printer gets no reservation')
  r2.feeder.setJob(null)
  q.state = 'ready'
  r2.feeder.fill(q)
  await r2.feeder.idle()
  t.equal(q.buffer.length, 0, 'no job, no reservation')
})

t.test('drain: printed-or-unknown codes are written off UNCERTAIN; an unreachable printer keeps its codes SENT and alarms', async t => {
  const f = poolFixture(t)
  await f.pool.importBlock(block(f, 'b1', 100))
  const a = new ScriptedPrinter('a')
  const b = new ScriptedPrinter('b')
  const r = feederFor(t, f, [a, b])
  r.feeder.setJob({ id: 1, gtin: GTIN_A, budget: 100 })
  r.feeder.start()
  await until(() => a.buffer.length === 10 && b.buffer.length === 10, 'both filled')
  await r.feeder.idle()
  const aIds = a.buffer.map(i => i.id)
  a.clearAnswer = buf => ({ unprinted: buf.slice(0, 6), uncertain: buf.slice(6, 8), printed: buf.slice(8) })
  b.clearAnswer = new Error('no answer from the head')
  const result = await r.feeder.drain()
  t.same(result, { returned: 6, uncertain: 4, writtenOff: aIds.slice(6) }, 'the written-off codes are named, for their dropout')
  t.same(aIds.slice(0, 6).map(id => f.pool.get(id)?.state), Array(6).fill('AVAILABLE'))
  t.same(aIds.slice(6).map(id => [f.pool.get(id)?.state, f.pool.get(id)?.reason]), Array(4).fill(['DEFECT', 'UNCERTAIN']))
  t.equal(f.pool.sentTo('b').length, 10, 'the unreachable head\'s codes stay SENT, for recovery at the next start')
  t.match(r.raised, [{ code: 'CLEAR_FAILED', source: 'b', severity: 'warning' }])
  t.equal(r.raised.length, 1)
})
