// Line mode `direct`: primed once every head holds codes ahead of the products, exhausted when the job's codes
// are out of the pool and off the heads, marks from the heads to the tracker in order.
import { EventEmitter } from 'node:events'
import t from 'tap'
import { DirectMode } from '../../../line/modes/direct.ts'
import type { Feeder } from '../../../line/tracking/feeder.ts'
import type { Printer, PrintDone, PrintMissed } from '../../../printers/types.ts'

function head (id: string, bufferLevel: number, room: number): Printer & { level: number, free: number } {
  const p = Object.assign(new EventEmitter(), { id, level: bufferLevel, free: room })
  return Object.assign(p, { status: () => ({ state: 'ready', faults: [], warnings: [], bufferLevel: p.level }), room: () => p.free }) as unknown as Printer & { level: number, free: number }
}

function mode (budget: number, heads: Array<Printer & { level: number, free: number }>) {
  const feeder = { budget, onEmpty: (_p: string) => {}, onLoadError: (_p: string, _e: unknown) => {} }
  return { feeder, mode: new DirectMode({ feeder: feeder as unknown as Feeder, printers: heads }) }
}

t.test('primed: 8 records in every head, or as many as the job has left, or a full head', async t => {
  const a = head('a', 0, 64)
  const b = head('b', 0, 64)
  const { mode: m, feeder } = mode(1000, [a, b])
  t.notOk(m.primed(), 'empty heads')
  a.level = 8
  b.level = 5
  t.notOk(m.primed(), 'one head short')
  b.free = 0
  t.ok(m.primed(), 'a head that takes no more counts as primed')
  b.free = 64
  feeder.budget = 5
  b.level = 3
  t.notOk(m.primed(), 'budget read live: 3 still short of…')
  b.level = 5
  t.ok(m.primed(), '…the 5 the job has left')
  feeder.budget = 0
  a.level = 0
  b.level = 0
  t.ok(m.primed(), 'nothing left to load: nothing to wait for')
})

t.test('exhausted: no budget and nothing left on any head', async t => {
  const a = head('a', 3, 0)
  const { mode: m, feeder } = mode(0, [a])
  t.notOk(m.exhausted(), 'codes still on the head')
  a.level = 0
  t.ok(m.exhausted())
  feeder.budget = 1
  t.notOk(m.exhausted(), 'the job may still take codes')
})

t.test('marks go to the sink in the heads\' order; supply faults are named', async t => {
  const a = head('a', 0, 0)
  const { mode: m, feeder } = mode(0, [a])
  const marks: string[] = []
  m.connect({ onPrinted: (d: PrintDone) => marks.push(`printed ${d.item.id}`), onMissed: (x: PrintMissed) => marks.push(`missed ${x.ambiguous}`) })
  a.emit('printed', { printer: 'a', item: { id: 1, code: 'c1' }, counter: 1, at: 0 })
  a.emit('missed', { printer: 'a', at: 0, ambiguous: false })
  a.emit('printed', { printer: 'a', item: { id: 2, code: 'c2' }, counter: 2, at: 0 })
  t.same(marks, ['printed 1', 'missed false', 'printed 2'])
  const faults: string[] = []
  m.onFault((kind, message, source, detail) => faults.push(`${kind} ${source} ${message.en}${detail === undefined ? '' : ` (${String(detail.error)})`}`))
  feeder.onEmpty('a')
  feeder.onLoadError('a', new Error('nak'))
  // the printer's own words are technical detail, kept apart from the operator's text
  t.same(faults, ['pool-low a no codes left for printer a', 'printer a printer a refused the codes (Error: nak)'])
})
