// The panel's views: last codes (newest first, bounded), the pool level counted at most once a second, device tiles.
import t from 'tap'
import { ManualClock } from '../../../line/clock.ts'
import type { JobView } from '../../../line/control.ts'
import { LineViews } from '../../../line/runtime/views.ts'
import type { Printer, PrinterStatus } from '../../../printers/types.ts'

const printer = (id: string, s: Partial<PrinterStatus>): Printer => ({ id, status: () => ({ state: 'ready', faults: [], warnings: [], bufferLevel: 0, ...s }) }) as unknown as Printer
const job = { id: 1, gtin: '04601653030046', unitsPerMinute: 100 } as JobView

t.test('last codes: newest first, at most 20', async t => {
  const v = new LineViews({ clock: new ManualClock(), pool: { level: () => 0 }, unitPrinters: [] })
  for (let seq = 1; seq <= 25; seq++) v.item({ seq, code: `c${seq}`, codeId: seq, grade: 'A', verdict: 'good', reason: null, at: seq })
  const list = v.lastCodes()
  t.equal(list.length, 20)
  t.match(list[0], { seq: 25, code: 'c25', verdict: 'good' })
  t.equal(list.at(-1)?.seq, 6)
})

t.test('pool view: counted at most once a second, minutes at the job speed', async t => {
  const clock = new ManualClock()
  let counted = 0
  let level = 1000
  const v = new LineViews({ clock, pool: { level: () => { counted++; return level } }, unitPrinters: [], emissionStatus: () => ({ ordersInFlight: 2, lastError: null }) })
  t.same(v.pool(null), { gtin: null, available: 0, minutesLeft: null, ordersInFlight: 2, lastError: null }, 'no job: nothing counted')
  t.equal(counted, 0)
  clock.advance(2000)
  t.same(v.pool(job), { gtin: job.gtin, available: 1000, minutesLeft: 10, ordersInFlight: 2, lastError: null })
  level = 500
  clock.advance(500)
  t.equal(v.poolLevel(job), 1000, 'cached within the second')
  clock.advance(600)
  t.equal(v.poolLevel(job), 500, 'counted again after it')
  t.equal(counted, 2)
})

t.test('device tiles: printers by state, then the tiles owned elsewhere', async t => {
  const v = new LineViews({
    clock: new ManualClock(), pool: { level: () => 0 },
    unitPrinters: [printer('head-1', { bufferLevel: 12, warnings: ['ink-low'] }), printer('head-2', { state: 'fault', faults: ['head-open'] })],
    labelPrinter: printer('box-label', { state: 'disconnected' }),
    extraDevices: () => [{ id: 'plc', kind: 'plc', online: true, state: 'ok', detail: '', facts: [], note: null }],
  })
  t.same(v.devices().map(d => [d.id, d.kind, d.online, d.state]), [
    ['head-1', 'printer', true, 'warning'],
    ['head-2', 'printer', true, 'fault'],
    ['box-label', 'label-printer', false, 'offline'],
    ['plc', 'plc', true, 'ok'],
  ])
  t.equal(v.devices()[0]?.detail, 'ink-low · buffer 12', 'the one-line detail stays for machines')
  t.same(v.devices()[0]?.facts, [{ key: 'warning', value: 'ink-low' }, { key: 'buffer', value: 12 }], 'the panel gets codes and numbers')
  t.same(v.devices()[1]?.facts, [{ key: 'fault', value: 'head-open' }, { key: 'buffer', value: 0 }])
  t.equal(v.devices()[0]?.note, null)
})
