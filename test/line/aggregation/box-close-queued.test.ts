// Boxes closed in one queued operation (no label printer) leave the store and the events exactly as the close
// through the label printer does: same SSCCs in the same order, units AGGREGATED under their box, boxes on pallets.
import t from 'tap'
import { AlarmBook } from '../../../line/alarms/alarms.ts'
import { Aggregator, type ClosedContainer } from '../../../line/aggregation/aggregator.ts'
import { silentLogger } from '../../../line/log.ts'
import type { Printer } from '../../../printers/types.ts'
import { GTIN_A, block, poolFixture } from '../../helpers/pool.ts'

const UNITS = 3 * 2 * 2 + 2 // two full pallets of two boxes of three, and two units left in an open box

async function run (t: Parameters<typeof poolFixture>[0], withLabels: boolean) {
  const f = poolFixture(t)
  const log = silentLogger()
  await f.pool.importBlock(block(f, 'b', UNITS))
  const codes = await f.pool.reserve(GTIN_A, UNITS, 'head-1')
  const ids = codes.map(c => c.id)
  await Promise.all(ids.map((id, i) => f.pool.markPrinted([id], i + 1)))
  await Promise.all(ids.map(id => f.pool.markVerified([id], 'A')))
  const labels: string[] = []
  const labelPrinter = { id: 'box-label', printSscc: async (l: { sscc: string }) => { labels.push(l.sscc) } } as unknown as Printer
  const aggregator = new Aggregator({
    db: f.db, pool: f.pool, clock: f.clock, log, alarms: new AlarmBook(f.db, { clock: f.clock, log }), companyPrefix: '4600000', extensionDigit: 0,
    ...(withLabels ? { labelPrinter } : {}),
  })
  aggregator.setJob({ id: 1, gtin: GTIN_A, batch: 'B', unitsPerBox: 3, boxesPerPallet: 2 })
  const closed: ClosedContainer[] = []
  aggregator.on('closed', (c: ClosedContainer) => closed.push(c))
  // units arrive without waiting for each other, as the tracker hands them over
  await Promise.all(ids.map(id => aggregator.addUnit(id)))
  await aggregator.settled()
  // container ids differ (a pallet opens when its first box closes, earlier on the queued path): compare by SSCC
  const containers = f.db.prepare('SELECT c.level, c.sscc, c.state, p.sscc AS palletSscc, (SELECT count(*) FROM container_items i WHERE i.container_id = c.id) AS items FROM containers c LEFT JOIN containers p ON p.id = c.parent_id ORDER BY c.sscc IS NULL, c.sscc').all()
  const units = f.db.prepare('SELECT id, state, parent FROM codes ORDER BY id').all()
  return { closed, containers, units, labels, ids, f }
}

t.test('a queued box close stores and announces what the close through the label printer does', async t => {
  const queued = await run(t, false)
  const labelled = await run(t, true)
  t.same(queued.containers, labelled.containers, 'containers, SSCCs and pallets alike')
  t.same(queued.units, labelled.units, 'units AGGREGATED under the same boxes alike')
  t.same(queued.closed, labelled.closed, 'the same closed events in the same order')
  t.equal(queued.labels.length, 0)
  t.same(labelled.labels, labelled.closed.map(c => c.sscc), 'labels printed for every container')

  const boxes = queued.closed.filter(c => c.level === 'box')
  const pallets = queued.closed.filter(c => c.level === 'pallet')
  t.equal(boxes.length, 4)
  t.equal(pallets.length, 2)
  t.same(boxes.map(b => b.codeIds), [queued.ids.slice(0, 3), queued.ids.slice(3, 6), queued.ids.slice(6, 9), queued.ids.slice(9, 12)])
  t.same(pallets.map(p => p.children), [[boxes[0]!.sscc, boxes[1]!.sscc], [boxes[2]!.sscc, boxes[3]!.sscc]])
  t.equal(new Set(queued.closed.map(c => c.sscc)).size, 6, 'every SSCC once')
  const acc = queued.f.pool.accounting().gtins[GTIN_A]!
  t.equal(acc.states.AGGREGATED, 12)
  t.equal(acc.states.VERIFIED, 2, 'the open box keeps its units VERIFIED')
  for (const b of boxes) for (const id of b.codeIds) t.equal(queued.f.pool.get(id)?.parent, `00${b.sscc}`)
})
