// What the aggregator answers from its own tables together with the pool's named queries: codes in no box at
// start-up, the unboxed code of a product, the closed pallets for the report sweep, a scrap refused once reported.
import t from 'tap'
import { Aggregator } from '../../../line/aggregation/aggregator.ts'
import { AlarmBook } from '../../../line/alarms/alarms.ts'
import { silentLogger } from '../../../line/log.ts'
import { block, poolFixture, type PoolFixture } from '../../helpers/pool.ts'

const JOB = { id: 7, gtin: '', batch: 'B1', unitsPerBox: 3, boxesPerPallet: 2 }

function aggregator (f: PoolFixture): Aggregator {
  const log = silentLogger()
  return new Aggregator({ db: f.db, pool: f.pool, clock: f.clock, log, alarms: new AlarmBook(f.db, { clock: f.clock, log }), companyPrefix: '4601653', extensionDigit: 0 })
}

/** n codes of job 7, printed on products 1..n and verified. */
async function verified (f: PoolFixture, n: number): Promise<number[]> {
  const b = block(f, 'b1', n)
  await f.pool.importBlock(b)
  const ids = (await f.pool.reserve(b.gtin, n, 'p1', { jobId: JOB.id })).map(r => r.id)
  for (let i = 0; i < n; i++) await f.pool.markPrinted([ids[i] as number], i + 1)
  await f.pool.markVerified(ids)
  return ids
}

t.test('recoverBeforeGate writes off VERIFIED codes in no box, and only those', async t => {
  const f = poolFixture(t)
  const agg = aggregator(f)
  const ids = await verified(f, 5)
  agg.setJob({ ...JOB, gtin: f.pool.get(ids[0] as number)?.gtin as string })
  await agg.addUnit(ids[0] as number)
  await agg.addUnit(ids[1] as number)
  await agg.settled()
  t.same(agg.recoverBeforeGate(null), [], 'no job: nothing')
  t.same(agg.recoverBeforeGate({ id: JOB.id, unitsPerBox: 0 }), [], 'a job without boxes: nothing')
  t.same(agg.recoverBeforeGate({ id: 8, unitsPerBox: 3 }), [], 'another job: nothing')
  t.same(agg.recoverBeforeGate(JOB), ids.slice(2))
  t.same(ids.map(id => [f.pool.get(id)?.state, f.pool.get(id)?.reason]), [
    ['VERIFIED', null], ['VERIFIED', null], ['DEFECT', 'UNCERTAIN'], ['DEFECT', 'UNCERTAIN'], ['DEFECT', 'UNCERTAIN'],
  ], 'the two units in the open box keep their place')
  t.same(agg.recoverBeforeGate(JOB), [], 'a second call finds nothing more')
})

t.test('unboxedBySeq: the code on a product, while it is PRINTED or VERIFIED and in no box', async t => {
  const f = poolFixture(t)
  const agg = aggregator(f)
  const ids = await verified(f, 4)
  agg.setJob({ ...JOB, gtin: f.pool.get(ids[0] as number)?.gtin as string })
  t.same(agg.unboxedBySeq(2, JOB.id), { id: ids[1], state: 'VERIFIED' })
  await agg.addUnit(ids[1] as number)
  await agg.settled()
  t.equal(agg.unboxedBySeq(2, JOB.id), undefined, 'boxed')
  t.equal(agg.unboxedBySeq(3, 8), undefined, 'another job')
  await f.pool.markDefect([ids[2] as number], 'UNREADABLE')
  t.equal(agg.unboxedBySeq(3, JOB.id), undefined, 'rejected')
  const b = block(f, 'b2', 1)
  await f.pool.importBlock(b)
  const [p] = await f.pool.reserve(b.gtin, 1, 'p1', { jobId: JOB.id })
  await f.pool.markPrinted([p?.id as number], 9)
  t.same(agg.unboxedBySeq(9, JOB.id), { id: p?.id, state: 'PRINTED' })
})

t.test('closed pallets with their boxes, and a scrap refused once the box is reported', async t => {
  const f = poolFixture(t)
  const agg = aggregator(f)
  const ids = await verified(f, 9)
  agg.setJob({ ...JOB, gtin: f.pool.get(ids[0] as number)?.gtin as string })
  const closed: Array<{ level: string, sscc: string, children: string[], codeIds: number[] }> = []
  agg.on('closed', c => closed.push(c))
  for (const id of ids) await agg.addUnit(id)
  await agg.settled()
  const boxes = closed.filter(c => c.level === 'box')
  const pallets = closed.filter(c => c.level === 'pallet')
  t.equal(boxes.length, 3)
  t.equal(pallets.length, 1)
  t.same(agg.closedPallets(), [{ sscc: pallets[0]?.sscc, jobId: JOB.id, boxes: [boxes[0]?.sscc, boxes[1]?.sscc] }], 'the open third box is not in a pallet yet')

  await f.pool.markReported(boxes[0]?.codeIds.slice(0, 1) as number[], 'doc-1')
  t.equal(await agg.scrap(boxes[0]?.sscc as string), 'reported')
  t.same((boxes[0]?.codeIds as number[]).map(id => f.pool.get(id)?.state), ['REPORTED', 'AGGREGATED', 'AGGREGATED'], 'nothing scrapped')
  t.same(await agg.scrap(boxes[1]?.sscc as string), boxes[1]?.codeIds)
  t.same((boxes[1]?.codeIds as number[]).map(id => f.pool.get(id)?.reason), ['SCRAPPED', 'SCRAPPED', 'SCRAPPED'])
  t.equal(await agg.scrap('000000000000000000'), 'unknown')
})
