// The pool's named queries (line/pool/queries.ts) on a real SQLite file: what the reports, the aggregation and the
// composition root ask of the codes table, answered without their own SQL.
import t from 'tap'
import { ALLOWED_FROM, STATE_NAMES, type CodeStateName } from '../../line/pool/index.ts'
import { GTIN_A, GTIN_B, block, poolFixture, type PoolFixture } from '../helpers/pool.ts'

const BOX = `00${'0'.repeat(17)}1`
const BOX2 = `00${'0'.repeat(17)}2`

/** n codes reserved for job 7, each printed on product seq = index + 1. */
async function printed (f: PoolFixture, blockId: string, n: number, jobId = 7): Promise<number[]> {
  const b = block(f, blockId, n)
  await f.pool.importBlock(b)
  const ids = (await f.pool.reserve(b.gtin, n, 'p1', { jobId })).map(r => r.id)
  for (let i = 0; i < ids.length; i++) await f.pool.markPrinted([ids[i] as number], i + 1)
  return ids
}

/** Ten codes, one per lifecycle position: ids[0..9]. */
async function mixed (f: PoolFixture): Promise<{ ids: number[], state: Record<number, CodeStateName> }> {
  const ids = await printed(f, 'b1', 10)
  const [, v1, v2, a1, a2, r1, d1, d2, x1, boxDefect] = ids as [number, number, number, number, number, number, number, number, number, number]
  await f.pool.markVerified([v1, v2, a1, a2, r1, x1, boxDefect], 'A')
  await f.pool.aggregate([a1, a2, boxDefect], BOX)
  await f.pool.aggregate([r1], BOX2)
  await f.pool.markReported([r1], 'doc-1')
  await f.pool.markDefect([d1, d2], 'UNREADABLE')
  await f.pool.markDefect([boxDefect], 'SCRAPPED')
  await f.pool.markDefect([x1], 'REMOVED')
  await f.pool.markDropped([x1], 'drop-1')
  const state = Object.fromEntries(ids.map(id => [id, (f.pool.get(id) as { state: CodeStateName }).state]))
  return { ids, state }
}

t.test('exists, groupOf', async t => {
  const f = poolFixture(t)
  const [id] = await printed(f, 'b1', 3)
  t.equal(f.pool.queries.exists(id as number), true)
  t.equal(f.pool.queries.exists(999_999), false)
  t.equal(f.pool.queries.groupOf(GTIN_A), 'water')
  t.equal(f.pool.queries.groupOf(GTIN_B), null, 'a GTIN never imported has no group')
})

t.test('forReport and refs: the codes asked for, by id, unknown ids left out', async t => {
  const f = poolFixture(t)
  const ids = await printed(f, 'b1', 5)
  await f.pool.markVerified(ids)
  await f.pool.aggregate(ids.slice(0, 2), BOX)
  await f.pool.markDefect([ids[4] as number], 'LOW_GRADE')
  const asked = [ids[4] as number, 999_999, ids[0] as number, ids[1] as number]
  const rows = f.pool.queries.forReport(asked)
  t.same(rows.map(r => r.id), [ids[0], ids[1], ids[4]])
  const row0 = f.pool.get(ids[0] as number)
  t.same(rows[0], { id: ids[0], code: row0?.code, identity: row0?.identity, gtin: GTIN_A, parent: BOX, reason: null })
  t.equal(rows[2]?.reason, 'LOW_GRADE')
  t.same(f.pool.queries.refs(asked), [
    { id: ids[0], jobId: 7, parent: BOX }, { id: ids[1], jobId: 7, parent: BOX }, { id: ids[4], jobId: 7, parent: null },
  ])
  t.same(f.pool.queries.refs([]), [])
})

t.test('movable follows the lifecycle table', async t => {
  const f = poolFixture(t)
  const { ids, state } = await mixed(f)
  for (const to of STATE_NAMES) {
    const expected = ids.filter(id => ALLOWED_FROM[to].includes(state[id] as CodeStateName))
    t.same(f.pool.queries.movable(ids, to), expected, `codes that may go to ${to}`)
  }
  t.same(f.pool.queries.movable(ids, 'REPORTED').map(id => state[id]), ['VERIFIED', 'VERIFIED', 'AGGREGATED', 'AGGREGATED'])
  t.same(f.pool.queries.movable(ids, 'DROPPED').map(id => state[id]), ['DEFECT', 'DEFECT', 'DEFECT'])
})

t.test('countNotReported and countInState', async t => {
  const f = poolFixture(t)
  const { ids } = await mixed(f)
  t.equal(f.pool.queries.countNotReported('utilisation', ids), 10)
  await f.pool.linkReport('utilisation', 'U-1', ids.slice(0, 7))
  t.equal(f.pool.queries.countNotReported('utilisation', ids), 3)
  t.equal(f.pool.queries.countNotReported('utilisation', ids.slice(0, 7)), 0)
  t.equal(f.pool.queries.countNotReported('dropout', ids), 10, 'each kind has its own column')
  t.equal(f.pool.queries.countInState(ids, 'REPORTED'), 1)
  t.equal(f.pool.queries.countInState(ids, 'DEFECT'), 3)
  t.equal(f.pool.queries.countInState(ids.slice(0, 3), 'DEFECT'), 0)
})

t.test('boxedUnits, under: the units of a box', async t => {
  const f = poolFixture(t)
  const { ids } = await mixed(f)
  const [,,, a1, a2, r1,,,, boxDefect] = ids
  await f.pool.linkReport('aggregation', 'AGG-1', [a1 as number])
  t.same(f.pool.queries.boxedUnits(BOX), [{ id: a1, aggReport: 'AGG-1', introReport: null }, { id: a2, aggReport: null, introReport: null }],
    'good units only: the scrapped one is left out')
  t.same(f.pool.queries.boxedUnits(BOX2), [{ id: r1, aggReport: null, introReport: null }], 'a REPORTED unit is still in its box')
  t.same(f.pool.queries.under(BOX), [a1, a2, boxDefect], 'every code that was put in the box')
  t.same(f.pool.queries.boxedUnits('00999999999999999999'), [])
})

t.test('ofJob and printedOn', async t => {
  const f = poolFixture(t)
  const ids = await printed(f, 'b1', 4)
  const other = await printed(f, 'b2', 2, 8)
  await f.pool.markVerified([ids[1] as number, other[1] as number])
  t.same(f.pool.queries.ofJob(7, 'PRINTED'), [ids[0], ids[2], ids[3]])
  t.same(f.pool.queries.ofJob(7, 'VERIFIED'), [ids[1]])
  t.same(f.pool.queries.ofJob(8, 'VERIFIED'), [other[1]])
  t.same(f.pool.queries.ofJob(9, 'PRINTED'), [])
  t.same(f.pool.queries.printedOn(7, 2), [{ id: ids[1], state: 'VERIFIED' }])
  t.same(f.pool.queries.printedOn(7, 3), [{ id: ids[2], state: 'PRINTED' }])
  t.same(f.pool.queries.printedOn(8, 2), [{ id: other[1], state: 'VERIFIED' }], 'the job tells products with the same seq apart')
  await f.pool.markDefect([ids[2] as number], 'UNREADABLE')
  t.same(f.pool.queries.printedOn(7, 3), [], 'a code past the camera verdict is not on the product any more')
})

t.test('the sweep queries: codes whose report of a kind was not accepted yet', async t => {
  const f = poolFixture(t)
  const { ids } = await mixed(f)
  const [, v1, v2, a1, a2, r1, d1, d2] = ids as number[]
  t.same(f.pool.queries.unreportedUse().map(c => c.id), [v1, v2, a1, a2, r1], 'VERIFIED, AGGREGATED and REPORTED codes')
  t.same(f.pool.queries.unreportedUse()[2], { id: a1, jobId: 7, parent: BOX })
  t.same(f.pool.queries.unreportedDefects().map(c => [c.id, c.reason]), [[d1, 'UNREADABLE'], [d2, 'UNREADABLE'], [ids[9], 'SCRAPPED']])
  // r1: REPORTED, in a box, its aggregation not linked — as a unit re-aggregated into a new box after a rework
  t.same(f.pool.queries.unreportedBoxed().map(c => c.id), [a1, a2, r1])
  t.same(f.pool.queries.toIntroduce(), { boxed: [], single: [] }, 'nothing is known to GIS MT yet')

  await f.pool.linkReport('utilisation', 'U-1', [v1 as number, a1 as number, r1 as number])
  await f.pool.linkReport('dropout', 'D-1', [d1 as number])
  await f.pool.linkReport('aggregation', 'A-1', [a1 as number])
  t.same(f.pool.queries.unreportedUse().map(c => c.id), [v2, a2])
  t.same(f.pool.queries.unreportedDefects().map(c => c.id), [d2, ids[9]])
  t.same(f.pool.queries.unreportedBoxed().map(c => c.id), [a2, r1])
  t.same(f.pool.queries.toIntroduce(), { boxed: [{ id: a1, jobId: 7, parent: BOX }], single: [{ id: v1, jobId: 7, parent: null }] })
  await f.pool.linkReport('introduction', 'I-1', [a1 as number, v1 as number])
  t.same(f.pool.queries.toIntroduce(), { boxed: [], single: [] }, 'introduced codes are done')
})

t.test('long id lists travel as one parameter (no SQLite variable limit)', async t => {
  const f = poolFixture(t)
  const b = block(f, 'big', 40_000)
  await f.pool.importBlock(b)
  const ids = (await f.pool.reserve(b.gtin, 40_000, 'p1')).map(r => r.id)
  t.equal(f.pool.queries.forReport(ids).length, 40_000)
  t.equal(f.pool.queries.countInState(ids, 'SENT'), 40_000)
  t.equal(f.pool.queries.movable(ids, 'PRINTED').length, 40_000)
})

t.test('statements are prepared once, with the pool, not per call', async t => {
  const f = poolFixture(t)
  const { ids } = await mixed(f)
  let prepared = 0
  const prepare = f.db.prepare.bind(f.db)
  f.db.prepare = ((sql: string) => { prepared++; return prepare(sql) }) as typeof f.db.prepare
  t.teardown(() => { f.db.prepare = prepare })
  const q = f.pool.queries
  for (let i = 0; i < 3; i++) {
    q.exists(ids[0] as number); q.groupOf(GTIN_A); q.forReport(ids); q.refs(ids); q.movable(ids, 'DROPPED')
    q.countNotReported('pallet', ids); q.countInState(ids, 'VERIFIED'); q.boxedUnits(BOX); q.under(BOX); q.ofJob(7, 'VERIFIED')
    q.printedOn(7, 1); q.unreportedUse(); q.unreportedDefects(); q.unreportedBoxed(); q.toIntroduce()
  }
  t.equal(prepared, 0)
})

t.test('audits of a finished run: codes in given states, and counts by defect reason', async t => {
  const f = poolFixture(t)
  await f.pool.importBlock(block(f, 'audit', 6))
  const [a, b, c] = await f.pool.reserve(GTIN_A, 3, 'head-1')
  await f.pool.markPrinted([a!.id, b!.id])
  await f.pool.markVerified([a!.id])
  await f.pool.markDefect([b!.id], 'WRONG_CODE')
  await f.pool.markDefect([c!.id], 'UNCERTAIN')
  t.same(f.pool.queries.codesIn(['VERIFIED']).map(r => r.code), [a!.code])
  t.same(f.pool.queries.codesIn(['DEFECT', 'DROPPED']).map(r => r.code).sort(), [b!.code, c!.code].sort())
  t.equal(f.pool.queries.codesIn(['AVAILABLE']).length, 3)
  t.equal(f.pool.queries.countWithReason('WRONG_CODE'), 1)
  t.equal(f.pool.queries.countWithReason('UNCERTAIN'), 1)
})
