// The aggregator on a real pool (SQLite file) with box labels printed on the ZPL printer simulator over loopback TCP:
// boxes and pallets fill and close under fresh SSCCs, survive a restart, and the operator's operations
// (close a partial box, remove a unit, reprint, scrap) leave the store right.
import t, { type Test } from 'tap'
import { EventEmitter } from 'node:events'
import { AlarmBook } from '../../../line/alarms/alarms.ts'
import { Aggregator, type ClosedContainer } from '../../../line/aggregation/aggregator.ts'
import { gs1CheckDigit } from '../../../line/codes/index.ts'
import type { AlarmView } from '../../../line/control.ts'
import { silentLogger } from '../../../line/log.ts'
import type { Printer, SsccLabel } from '../../../printers/types.ts'
import { block, GTIN_A, poolFixture, type PoolFixture } from '../../helpers/pool.ts'
import { until, zplRig } from '../../printers/rigs.ts'

const PREFIX = '4601653'
const JOB = { id: 1, gtin: GTIN_A, batch: 'B-7', unitsPerBox: 4, boxesPerPallet: 2 }

function aggregatorFor (f: PoolFixture, labelPrinter?: Printer) {
  const alarms = new AlarmBook(f.db, { clock: f.clock, log: silentLogger() })
  const raised: AlarmView[] = []
  alarms.on('alarm', (a: AlarmView) => raised.push(a))
  const agg = new Aggregator({ db: f.db, pool: f.pool, clock: f.clock, log: silentLogger(), alarms, companyPrefix: PREFIX, extensionDigit: 0, ...(labelPrinter === undefined ? {} : { labelPrinter }) })
  const closed: ClosedContainer[] = []
  agg.on('closed', (c: ClosedContainer) => closed.push(c))
  return { agg, alarms, raised, closed }
}

/** `n` codes taken through the pool to VERIFIED, as the tracker does for good products. */
async function verified (f: PoolFixture, n: number, firstSeq = 1): Promise<number[]> {
  const codes = await f.pool.reserve(GTIN_A, n, 'head-1', { jobId: JOB.id })
  const ids = codes.map(c => c.id)
  for (const [i, id] of ids.entries()) await f.pool.transition({ ids: [id], to: 'PRINTED', seq: firstSeq + i })
  await f.pool.transition({ ids, to: 'VERIFIED', grade: 'A' })
  return ids
}

async function fixture (t: Test) {
  const f = poolFixture(t)
  await f.pool.importBlock(block(f, 'b1', 200))
  return f
}

const isSscc = (s: string): boolean => /^\d{18}$/.test(s) && s.startsWith(`0${PREFIX}`) && s[17] === String(gs1CheckDigit(s.slice(0, 17)))

t.test('units fill boxes, boxes fill a pallet; each closes under a fresh SSCC with its label printed', async t => {
  const f = await fixture(t)
  const rig = await zplRig(t)
  const a = aggregatorFor(f, rig.zpl)
  a.agg.setJob(JOB)
  const ids = await verified(f, 9)
  await Promise.all(ids.map(id => a.agg.addUnit(id)))
  await a.agg.settled()
  t.same(a.closed.map(c => c.level), ['box', 'box', 'pallet'])
  const [b1, b2, p] = a.closed as [ClosedContainer, ClosedContainer, ClosedContainer]
  t.same(b1.codeIds, ids.slice(0, 4), 'the first box holds the first four units, in order')
  t.same(b2.codeIds, ids.slice(4, 8))
  t.same(p.children, [b1.sscc, b2.sscc], 'the pallet holds both boxes')
  t.ok([b1, b2, p].every(c => isSscc(c.sscc)), 'SSCC-18: extension digit, company prefix, serial, check digit')
  t.equal(new Set([b1.sscc, b2.sscc, p.sscc]).size, 3, 'never reused')
  t.ok(ids.slice(0, 4).every(id => f.pool.get(id)?.state === 'AGGREGATED' && f.pool.get(id)?.parent === `00${b1.sscc}`), 'units AGGREGATED under their box')
  t.equal(f.pool.get(ids[8]!)?.state, 'VERIFIED', 'the ninth waits in the next box')
  t.match(a.agg.view(), { count: 1, capacity: 4, palletCount: 0, palletCapacity: 2 })
  t.same(a.agg.counts(JOB.id), { boxes: 2, pallets: 1 })
  await until(() => rig.sim.printed.length === 3, 'three labels')
  t.same(rig.sim.printed.map(l => l.barcodes.find(b => b.type === 'gs1-128')?.data), [b1.sscc, b2.sscc, p.sscc].map(s => `00${s}`), 'each label carries its SSCC as GS1-128')
  t.same(a.raised, [])
})

t.test('the open box and pallet survive a restart; SSCCs continue', async t => {
  const f = await fixture(t)
  const a = aggregatorFor(f)
  a.agg.setJob(JOB)
  const ids = await verified(f, 6)
  await Promise.all(ids.map(id => a.agg.addUnit(id)))
  await a.agg.settled()
  t.equal(a.closed.length, 1)
  const first = a.closed[0]!.sscc

  const g = f.reopen() // the controller restarts
  const b = aggregatorFor(g)
  b.agg.setJob(JOB)
  t.match(b.agg.view(), { count: 2, palletCount: 1 }, 'the same open box (2 units) and pallet (1 box)')
  const more = await verified(g, 2, 7)
  await Promise.all(more.map(id => b.agg.addUnit(id)))
  await b.agg.settled()
  t.same(b.closed.map(c => c.level), ['box', 'pallet'])
  t.same(b.closed[0]?.codeIds, [...ids.slice(4), ...more], 'the box closed with the units from before the restart')
  t.same(b.closed[1]?.children, [first, b.closed[0]!.sscc])
  t.ok(Number(b.closed[0]!.sscc.slice(8, 17)) > Number(first.slice(8, 17)), 'the SSCC serial went on, not back to 1')
})

t.test('close a partial box, remove a unit, scrap a box', async t => {
  const f = await fixture(t)
  const a = aggregatorFor(f)
  a.agg.setJob(JOB)
  t.equal(await a.agg.closePartial(), null, 'nothing to close')
  const ids = await verified(f, 7)
  await Promise.all(ids.map(id => a.agg.addUnit(id)))
  await a.agg.settled()

  t.equal(await a.agg.removeUnit(ids[0]!), false, 'a unit of a closed box is not in the open box')
  t.equal(await a.agg.removeUnit(ids[5]!), true)
  t.match(f.pool.get(ids[5]!), { state: 'DEFECT', reason: 'REMOVED' })
  t.equal(a.agg.view()?.count, 2)
  t.equal(await a.agg.removeUnit(ids[5]!), false, 'not twice')

  const partial = await a.agg.closePartial()
  t.ok(partial !== null && isSscc(partial))
  t.same(a.closed.map(c => [c.level, c.codeIds.length]), [['box', 4], ['box', 2], ['pallet', 0]], 'the partial box, then the partial pallet')
  t.same(a.closed[2]?.children, [a.closed[0]!.sscc, partial])
  t.equal(a.agg.view()?.count, 0)

  t.equal(await a.agg.scrap('000000000000000000'), 'unknown')
  const scrapped = await a.agg.scrap(a.closed[0]!.sscc)
  t.same(scrapped, ids.slice(0, 4))
  t.ok(ids.slice(0, 4).every(id => f.pool.get(id)?.state === 'DEFECT' && f.pool.get(id)?.reason === 'SCRAPPED'))
  t.equal(await a.agg.scrap(a.closed[0]!.sscc), 'unknown', 'a scrapped box is no longer a closed box')
  t.same(a.agg.counts(JOB.id), { boxes: 1, pallets: 1 })
  // once its aggregation is accepted in GIS MT the box cannot be scrapped here
  await f.pool.transition({ ids: [ids[4]!], to: 'REPORTED', reportId: 'agg-1' })
  t.equal(await a.agg.scrap(partial!), 'reported')
  t.equal(f.pool.get(ids[6]!)?.state, 'AGGREGATED', 'the refused scrap changed nothing')
})

t.test('close partial closes only the box; the pallet closes on request, its label counting the boxes really on it', async t => {
  const f = await fixture(t)
  const printed: SsccLabel[] = []
  const printer = Object.assign(new EventEmitter(), { id: 'box-label', printSscc: async (l: SsccLabel) => { printed.push(l) } }) as unknown as Printer
  const a = aggregatorFor(f, printer)
  a.agg.setJob({ ...JOB, boxesPerPallet: 3 })
  t.equal(await a.agg.closePalletPartial(), null, 'no pallet to close yet')
  const ids = await verified(f, 6)
  await Promise.all(ids.map(id => a.agg.addUnit(id)))
  await a.agg.settled()
  const first = a.closed[0]!.sscc
  t.match(a.agg.view(), { count: 2, lastBoxSscc: first, lastPalletSscc: null }, 'the line view shows the last closed box')

  const partial = await a.agg.closePartial()
  t.ok(partial !== null && isSscc(partial), 'the partial box\'s SSCC is the answer')
  t.same(a.closed.map(c => c.level), ['box', 'box'], 'only the box closed: the pallet stays open')
  t.match(a.agg.view(), { count: 0, palletCount: 2, lastBoxSscc: partial }, 'the new SSCC is shown')
  t.same(a.agg.counts(JOB.id), { boxes: 2, pallets: 0 })

  // a box on the open pallet is scrapped: the pallet's label must not count it
  t.same(await a.agg.scrap(first), ids.slice(0, 4))
  const pallet = await a.agg.closePalletPartial()
  t.ok(pallet !== null && isSscc(pallet), 'the operator closes the pallet')
  t.same(a.closed.at(-1), { level: 'pallet', sscc: pallet, jobId: JOB.id, codeIds: [], children: [partial] })
  t.match(printed.at(-1), { sscc: pallet, level: 'pallet', count: 1 }, 'the pallet label counts the one box on it')
  t.match(a.agg.view(), { palletCount: 0, lastPalletSscc: pallet })
  t.equal(await a.agg.reprint(pallet!), true)
  t.match(printed.at(-1), { sscc: pallet, level: 'pallet', count: 1 }, 'and so does its reprint')
  t.equal(await a.agg.closePalletPartial(), null, 'nothing left to close')

  const g = f.reopen()
  const b = aggregatorFor(g)
  b.agg.setJob({ ...JOB, boxesPerPallet: 3 })
  t.match(b.agg.view(), { lastBoxSscc: partial, lastPalletSscc: pallet }, 'after a restart the last SSCCs come from the store')
})

t.test('a label that cannot be printed: the box stays closed, an alarm is raised, reprint clears it', async t => {
  const f = await fixture(t)
  const printed: SsccLabel[] = []
  let fail = true
  const printer = Object.assign(new EventEmitter(), {
    id: 'box-label',
    printSscc: async (l: SsccLabel) => { if (fail) throw new Error('paper out'); printed.push(l) },
  }) as unknown as Printer
  const a = aggregatorFor(f, printer)
  a.agg.setJob({ ...JOB, boxesPerPallet: 0 })
  const ids = await verified(f, 4)
  await Promise.all(ids.map(id => a.agg.addUnit(id)))
  await a.agg.settled()
  const sscc = a.closed[0]!.sscc
  t.ok(ids.every(id => f.pool.get(id)?.state === 'AGGREGATED'), 'the box is closed all the same')
  t.match(a.raised, [{ code: 'LABEL_FAILED', severity: 'fault', source: 'box-label', message: { en: `Box label ${sscc} not printed` } }])
  t.ok(a.alarms.list().some(x => x.code === 'LABEL_FAILED' && x.active))
  fail = false
  t.equal(await a.agg.reprint(sscc), true)
  t.match(printed, [{ sscc, level: 'box', count: 4, gtin: GTIN_A, batch: 'B-7' }], 'the same SSCC again')
  t.notOk(a.alarms.list().some(x => x.code === 'LABEL_FAILED' && x.active), 'the alarm cleared')
  t.equal(await a.agg.reprint('000000000000000000'), false)
  t.equal(a.agg.counts(JOB.id).pallets, 0, 'no pallets for a job without them')
})

t.test('after a stop: unboxed codes by trigger seq, and VERIFIED codes left before the gate are written off', async t => {
  const f = await fixture(t)
  const a = aggregatorFor(f)
  a.agg.setJob(JOB)
  const boxed = await verified(f, 4, 1)
  await Promise.all(boxed.map(id => a.agg.addUnit(id)))
  await a.agg.settled()
  const loose = await verified(f, 2, 5)
  const [printedOnly] = await f.pool.reserve(GTIN_A, 1, 'head-1', { jobId: JOB.id })
  await f.pool.transition({ ids: [printedOnly!.id], to: 'PRINTED', seq: 7 })
  t.same(a.agg.unboxedBySeq(5, JOB.id), { id: loose[0], state: 'VERIFIED' })
  t.same(a.agg.unboxedBySeq(7, JOB.id), { id: printedOnly!.id, state: 'PRINTED' })
  t.equal(a.agg.unboxedBySeq(1, JOB.id), undefined, 'a boxed unit is not loose')
  t.equal(a.agg.unboxedBySeq(5, 99), undefined, 'another job\'s seq')
  t.same(a.agg.recoverBeforeGate(null), [])
  t.same(a.agg.recoverBeforeGate({ id: JOB.id, unitsPerBox: 0 }), [], 'a job without boxes keeps its VERIFIED codes')
  t.same(a.agg.recoverBeforeGate({ id: JOB.id, unitsPerBox: 4 }), loose)
  t.ok(loose.every(id => f.pool.get(id)?.state === 'DEFECT' && f.pool.get(id)?.reason === 'UNCERTAIN'))
  t.equal(f.pool.get(printedOnly!.id)?.state, 'PRINTED', 'a PRINTED code is the tracker\'s to decide')
  t.ok(boxed.every(id => f.pool.get(id)?.state === 'AGGREGATED'))
})
