// The report planner against the True API emulator: a box's aggregation waits for its units' utilisation, an
// accepted aggregation is introduced box by box for jobs with a TN VED code, boxes are never split over two
// documents, and the sweep finds closed boxes whose aggregation was never queued.
import t from 'tap'
import type { JobView } from '../../../line/control.ts'
import { silentLogger } from '../../../line/log.ts'
import { ReportPlanner } from '../../../line/reports/planner.ts'
import { ReportOutbox, TrueApiDocumentSender } from '../../../line/reports/index.ts'
import { boxedCodes, reportsFixture, runUntil, type ReportsFixture } from './fixture.ts'

const job = (over: Partial<JobView> = {}): JobView => ({
  id: 1, group: 'water', gtin: '04601653030046', batch: 'P-1', productionDate: '2026-11-25', quantity: 1000,
  unitsPerBox: 10, boxesPerPallet: 0, minGrade: 'C', unitsPerMinute: 600, tnvedCode: '2201101100',
  status: 'active', startedAt: 0, endedAt: null, ...over,
})

function planner (f: ReportsFixture, j: JobView | null, over: Partial<ConstructorParameters<typeof ReportPlanner>[0]> = {}): ReportPlanner {
  const p = new ReportPlanner({ outbox: f.outbox, pool: f.pool, log: silentLogger(), aggregation: true, aggregationAfterUtilisation: true, introduction: true, jobOf: () => j, ...over })
  f.outbox.on('report', e => p.reportChanged(e))
  return p
}

/** Queued work reaches the store through the group commit: let it land. */
const settle = async (f: ReportsFixture): Promise<void> => { await new Promise(resolve => setTimeout(resolve, 20)); await f.pool.commit.flush() }
const reportsOf = (f: ReportsFixture, kind: string) => f.db.prepare('SELECT id, codes, attributes FROM report_outbox WHERE kind = ? ORDER BY rowid').all(kind) as Array<{ id: string, codes: number, attributes: string }>

t.test('a box waits for its units\' utilisation, then is aggregated and introduced by its aggregate', async t => {
  const f = await reportsFixture(t)
  const { ids, identities, boxes } = await boxedCodes(f, 'b1', 20, 10)
  f.db.prepare('UPDATE codes SET job_id = 1').run()
  f.emu.registerCodes(identities, { applied: false })
  const p = planner(f, job())
  p.boxClosed(job(), ids.slice(0, 10))
  p.boxClosed(job(), ids.slice(10))
  await settle(f)
  t.equal(p.waitingBoxes, 2, 'both boxes wait: GIS MT does not know their units as applied')
  t.equal(reportsOf(f, 'aggregation').length, 0)

  // the OMS accepted the utilisation of the first box only
  await f.pool.linkReport('utilisation', 'U-1', ids.slice(0, 10))
  f.emu.markApplied(identities.slice(0, 10))
  p.reportChanged({ id: 'U-1', kind: 'utilisation', state: 'ACCEPTED' })
  await settle(f)
  t.equal(p.waitingBoxes, 1, 'the first box is released')
  t.equal(reportsOf(f, 'aggregation')[0]?.codes, 10)

  await f.outbox.closeOpen()
  await runUntil(f, () => f.outbox.summary().ACCEPTED.reports >= 1)
  await settle(f)
  await f.outbox.closeOpen()
  await runUntil(f, () => f.outbox.summary().ACCEPTED.reports >= 2)
  const intro = reportsOf(f, 'introduction')
  t.equal(intro.length, 1, 'the accepted aggregation is introduced')
  t.same(JSON.parse(intro[0]?.attributes ?? '{}'), { byAggregate: true, productionDate: '2026-11-25', tnvedCode: '2201101100' })
  t.ok(identities.slice(0, 10).every(c => f.emu.codeInfo(c)?.introduced === true), 'GIS MT introduced the units of the first box')
  t.ok(identities.slice(10).every(c => f.emu.codeInfo(c)?.introduced !== true), 'and none of the second')
  t.ok(ids.slice(0, 10).every(id => f.pool.get(id)?.reports.introduction !== null), 'the codes are linked to the introduction')
  const doc = [...f.emu.docs.values()].find(d => d.type === 'LP_INTRODUCE_GOODS')?.body as { products: Array<{ uitu_code?: string }> }
  t.same(doc.products.map(x => x.uitu_code), [`00${boxes[0]}`], 'the document lists the aggregate')
  t.equal(f.outbox.summary().REJECTED.reports, 0)
})

t.test('milk: the box is introduced with the codes inside it, each entry with the permit of the product card (TA §4.1.4.1)', async t => {
  // GIS MT holds no permit data: the document must carry it
  const f = await reportsFixture(t, { emulator: { permitsOnFile: [] } })
  const { ids, identities, boxes } = await boxedCodes(f, 'm1', 6, 6)
  f.db.prepare('UPDATE codes SET job_id = 1').run()
  f.emu.registerCodes(identities, { applied: true })
  const milk = job({ group: 'milk', unitsPerBox: 6, tnvedCode: '0401201100' })
  const permit = { type: 'CONFORMITY_DECLARATION' as const, number: 'ЕАЭС N RU Д-RU.РА01.В.12345/26', date: '2026-01-15' }
  const p = planner(f, milk, { permitOf: gtin => gtin === milk.gtin ? permit : null })
  await f.pool.linkReport('utilisation', 'U-1', ids)
  p.boxClosed(milk, ids)
  await settle(f)
  await f.outbox.closeOpen()
  await runUntil(f, () => f.outbox.summary().ACCEPTED.reports >= 1)
  await settle(f)
  await f.outbox.closeOpen()
  await runUntil(f, () => f.outbox.summary().ACCEPTED.reports >= 2 || f.outbox.summary().REJECTED.reports > 0)
  t.equal(f.outbox.summary().REJECTED.reports, 0, 'GIS MT took it')
  t.match(JSON.parse(reportsOf(f, 'introduction')[0]?.attributes ?? '{}'), { byAggregate: true, certificate: permit }, 'the permit travels in the report')
  const doc = [...f.emu.docs.values()].find(d => d.type === 'LP_INTRODUCE_GOODS')?.body as { products: Array<{ uit_code?: string, uitu_code?: string, certificate_document_data?: unknown }> }
  t.same(doc.products.map(x => x.uitu_code ?? x.uit_code), [`00${boxes[0]}`, ...identities], 'the aggregate, then the codes inside it')
  t.ok(doc.products.every(x => JSON.stringify(x.certificate_document_data) === JSON.stringify([{ certificate_type: permit.type, certificate_number: permit.number, certificate_date: permit.date }])), 'each entry with the declaration')
  t.ok(identities.every(c => f.emu.codeInfo(c)?.introduced === true), 'GIS MT introduced the units')
})

t.test('water without a permit on the card: introduced without one, and GIS MT refuses it when it holds none either', async t => {
  const f = await reportsFixture(t, { emulator: { permitsOnFile: [] } })
  const { ids, identities } = await boxedCodes(f, 'w1', 4, 4)
  f.db.prepare('UPDATE codes SET job_id = 1').run()
  f.emu.registerCodes(identities, { applied: true })
  const p = planner(f, job({ unitsPerBox: 4 }), { permitOf: () => null })
  await f.pool.linkReport('utilisation', 'U-1', ids)
  p.boxClosed(job({ unitsPerBox: 4 }), ids)
  await settle(f)
  await f.outbox.closeOpen()
  await runUntil(f, () => f.outbox.summary().ACCEPTED.reports >= 1)
  await settle(f)
  await f.outbox.closeOpen()
  await runUntil(f, () => f.outbox.summary().REJECTED.reports > 0, 1000, 50)
  t.notOk('certificate' in JSON.parse(reportsOf(f, 'introduction')[0]?.attributes ?? '{}'))
  t.match(f.outbox.list({ state: 'REJECTED' })[0]?.reason, /certificate_document_data is mandatory/, 'the operator reads why')
})

t.test('a job without a TN VED code is not introduced; OMS aggregation does not wait', async t => {
  const f = await reportsFixture(t)
  const { ids, identities } = await boxedCodes(f, 'b1', 10, 10)
  f.db.prepare('UPDATE codes SET job_id = 1').run()
  f.emu.registerCodes(identities)
  const noTnved = job({ tnvedCode: undefined })
  delete noTnved.tnvedCode
  const p = planner(f, noTnved, { aggregationAfterUtilisation: false })
  p.boxClosed(noTnved, ids)
  await settle(f)
  t.equal(p.waitingBoxes, 0, 'aggregation queued at once')
  await f.outbox.closeOpen()
  await runUntil(f, () => f.outbox.summary().ACCEPTED.reports === 1)
  await settle(f)
  t.equal(reportsOf(f, 'introduction').length, 0, 'nothing to introduce without a TN VED code')
})

t.test('boxes are never split over two documents', async t => {
  const f = await reportsFixture(t, { outbox: { maxCodes: 25 } })
  const { ids } = await boxedCodes(f, 'b1', 30, 10)
  f.db.prepare('UPDATE codes SET job_id = 1').run()
  await f.pool.linkReport('utilisation', 'U-1', ids)
  const p = planner(f, job())
  for (let i = 0; i < 30; i += 10) p.boxClosed(job(), ids.slice(i, i + 10))
  await settle(f)
  t.same(reportsOf(f, 'aggregation').map(r => r.codes), [20, 10], 'the third box opens a new report rather than filling the first to 25')
})

t.test('the sweep queues closed boxes whose aggregation was never queued (a crash in between), once', async t => {
  const f = await reportsFixture(t)
  const { ids } = await boxedCodes(f, 'b1', 30, 10)
  f.db.prepare('UPDATE codes SET job_id = 1').run()
  await f.pool.linkReport('utilisation', 'U-1', ids)
  const p = planner(f, job())
  await p.sweep(() => 'water', () => job())
  await settle(f)
  t.same(reportsOf(f, 'aggregation').map(r => r.codes), [30], 'the three boxes')
  await p.sweep(() => 'water', () => job())
  await settle(f)
  t.same(reportsOf(f, 'aggregation').map(r => r.codes), [30], 'a second sweep queues nothing twice')
  t.equal(p.waitingBoxes, 0)
})

t.test('a pallet is reported after its boxes are aggregated and introduced, as one document of box codes', async t => {
  const f = await reportsFixture(t)
  const { ids, identities, boxes } = await boxedCodes(f, 'b1', 30, 10)
  // the line stores a unit's box as `00`+SSCC
  f.db.prepare("UPDATE codes SET job_id = 1, parent = '00' || parent").run()
  await f.pool.linkReport('utilisation', 'U-1', ids)
  f.emu.registerCodes(identities)
  const p = planner(f, job({ boxesPerPallet: 3 }), { pallets: true })
  for (let i = 0; i < 30; i += 10) p.boxClosed(job({ boxesPerPallet: 3 }), ids.slice(i, i + 10))
  p.palletClosed(job({ boxesPerPallet: 3 }), '046016530000009990', boxes)
  await settle(f)
  t.equal(p.waitingPallets, 1, 'the pallet waits for its boxes')
  t.equal(reportsOf(f, 'pallet').length, 0)
  await f.outbox.closeOpen()
  // aggregation accepted → introductions queued → accepted → the pallet goes out
  for (let round = 0; round < 4 && reportsOf(f, 'pallet').length === 0; round++) {
    await runUntil(f, () => f.outbox.summary().READY.reports + f.outbox.summary().SENDING.reports + f.outbox.summary().SENT.reports === 0, 1000, 50)
    await settle(f)
    await f.outbox.closeOpen()
  }
  t.equal(p.waitingPallets, 0, 'released once every box is aggregated and introduced')
  const pallet = reportsOf(f, 'pallet')
  t.equal(pallet.length, 1)
  t.equal(pallet[0]?.codes, 30, 'the pallet report links the units of its boxes')
  await f.outbox.closeOpen()
  await runUntil(f, () => f.outbox.summary().ACCEPTED.reports === 3, 1000, 50)
  const doc = [...f.emu.docs.values()].filter(d => d.type === 'AGGREGATION_DOCUMENT').map(d => d.body as { aggregationUnits: Array<{ unitSerialNumber: string, sntins: string[] }> }).find(b => b.aggregationUnits[0]?.unitSerialNumber === '00046016530000009990')
  t.same(doc?.aggregationUnits[0]?.sntins, boxes.map(b => `00${b}`), 'the pallet holds the boxes, by their 00+SSCC')
  t.ok(boxes.every(b => f.emu.aggregateParent(`00${b}`) === '00046016530000009990'), 'GIS MT knows every box on the pallet')
  t.ok(ids.every(id => f.pool.get(id)?.reports.pallet !== null), 'every unit is linked to the pallet report')
  t.equal(f.outbox.summary().REJECTED.reports, 0)
})

t.test('a defect code leaves its open utilisation report; one whose utilisation is on its way is dropped out after the answer', async t => {
  const f = await reportsFixture(t)
  const { ids } = await boxedCodes(f, 'b1', 20, 20)
  // queueing only (nothing is ticked here): the True API sender stands in for the OMS channel
  const sender = new TrueApiDocumentSender({ client: f.client, participantInn: '7700000000' })
  const outbox = new ReportOutbox({ pool: f.pool, clock: f.clock, senders: { utilisation: sender, dropout: sender }, windowMs: 10_000 })
  const p = new ReportPlanner({ outbox, pool: f.pool, log: silentLogger(), aggregation: false })
  outbox.on('report', e => p.reportChanged(e))
  const [open] = (await outbox.add({ kind: 'utilisation', group: 'water', codeIds: ids.slice(0, 10) })).reportIds
  await outbox.closeOpen() // the first ten are on their way
  await outbox.add({ kind: 'utilisation', group: 'water', codeIds: ids.slice(10) }) // the next ten still collect
  await f.pool.markDefect([ids[0]!, ids[15]!], 'PLC_REJECT')
  p.defect('water', [ids[0]!, ids[15]!], 'PLC_REJECT')
  await settle(f)
  const inReport = (kind: string, id: number) => f.db.prepare('SELECT report_id FROM report_codes WHERE kind = ? AND code_id = ?').get(kind, id) as { report_id: string } | undefined
  t.equal(inReport('utilisation', ids[15]!), undefined, 'taken out of the open utilisation report')
  t.ok(inReport('dropout', ids[15]!), 'and dropped out at once')
  t.equal(reportsOf(f, 'utilisation').find(r => r.id !== open)?.codes, 9, 'the open report counts one code less')
  t.ok(inReport('utilisation', ids[0]!), 'a code in a report on its way stays in it')
  t.equal(inReport('dropout', ids[0]!), undefined, 'and its dropout waits')
  // the OMS answers the first report
  f.db.prepare("UPDATE report_outbox SET state = 'ACCEPTED' WHERE id = ?").run(open)
  p.reportChanged({ id: open as string, kind: 'utilisation', state: 'ACCEPTED' })
  await settle(f)
  t.ok(inReport('dropout', ids[0]!), 'dropped out after the utilisation was answered')
})

t.test('a box scrapped before its aggregation left is taken out of the report; one on its way is dropped out after the answer', async t => {
  const f = await reportsFixture(t)
  const { ids, identities } = await boxedCodes(f, 'b1', 30, 10)
  f.db.prepare("UPDATE codes SET job_id = 1, parent = '00' || parent").run()
  await f.pool.linkReport('utilisation', 'U-1', ids)
  f.emu.registerCodes(identities)
  // dropout goes nowhere here (nothing is ticked for it): the True API sender stands in for the OMS channel
  const sender = new TrueApiDocumentSender({ client: f.client, participantInn: '7700000000' })
  const outbox = new ReportOutbox({ pool: f.pool, clock: f.clock, senders: { aggregation: sender, dropout: sender }, windowMs: 10_000 })
  const p = new ReportPlanner({ outbox, pool: f.pool, log: silentLogger(), aggregation: true })
  outbox.on('report', e => p.reportChanged(e))
  p.boxClosed(job(), ids.slice(0, 10))
  await settle(f)
  await outbox.closeOpen() // the first box's aggregation is on its way
  p.boxClosed(job(), ids.slice(10, 20))
  p.boxClosed(job(), ids.slice(20))
  await settle(f)
  // the operator scraps the first box and the third
  const scrapped = [...ids.slice(0, 10), ...ids.slice(20)]
  await f.pool.markDefect(scrapped, 'SCRAPPED')
  p.defect('water', scrapped, 'SCRAPPED')
  await settle(f)
  const inReport = (kind: string, id: number) => f.db.prepare('SELECT report_id FROM report_codes WHERE kind = ? AND code_id = ?').get(kind, id) !== undefined
  t.ok(ids.slice(20).every(id => !inReport('aggregation', id)), 'the third box left the open aggregation report')
  t.ok(ids.slice(10, 20).every(id => inReport('aggregation', id)), 'the second box stays in it')
  t.ok(ids.slice(20).every(id => inReport('dropout', id)), 'the third box is dropped out at once')
  t.ok(ids.slice(0, 10).every(id => inReport('aggregation', id) && !inReport('dropout', id)), 'the first box, on its way, waits for the answer')
  const first = f.db.prepare("SELECT id FROM report_outbox WHERE kind = 'aggregation' AND state = 'READY'").get() as { id: string }
  f.db.prepare("UPDATE report_outbox SET state = 'ACCEPTED' WHERE id = ?").run(first.id)
  p.reportChanged({ id: first.id, kind: 'aggregation', state: 'ACCEPTED' })
  await settle(f)
  t.ok(ids.slice(0, 10).every(id => inReport('dropout', id)), 'then dropped out')
})

t.test('a box scrapped while its aggregation is on its way: disaggregated first where the line can, else dropped out after the answer', async t => {
  for (const canDisaggregate of [true, false]) {
    const f = await reportsFixture(t)
    const { ids, identities } = await boxedCodes(f, 'b1', 10, 10)
    f.db.prepare('UPDATE codes SET job_id = 1').run()
    f.emu.registerCodes(identities)
    const sender = new TrueApiDocumentSender({ client: f.client, participantInn: '7700000000' })
    const outbox = new ReportOutbox({ pool: f.pool, clock: f.clock, senders: { aggregation: sender, dropout: sender, ...(canDisaggregate ? { disaggregation: sender } : {}) }, windowMs: 10_000 })
    const p = new ReportPlanner({ outbox, pool: f.pool, log: silentLogger(), aggregation: true, jobOf: () => job() })
    outbox.on('report', e => p.reportChanged(e))
    p.boxClosed(job(), ids)
    await settle(f)
    await outbox.closeOpen()
    await f.pool.markDefect(ids, 'SCRAPPED')
    p.defect(job(), ids, 'SCRAPPED')
    await settle(f)
    const inReport = (kind: string, id: number) => f.db.prepare('SELECT report_id FROM report_codes WHERE kind = ? AND code_id = ?').get(kind, id) !== undefined
    t.ok(ids.every(id => !inReport('dropout', id)), `${canDisaggregate}: the dropout waits while the aggregation is on its way`)
    // GIS MT accepts the aggregation (of codes the line has scrapped meanwhile)
    const agg = f.db.prepare("SELECT id FROM report_outbox WHERE kind = 'aggregation'").pluck().get() as string
    await f.pool.linkReport('aggregation', 'AGG-1', ids)
    f.db.prepare("UPDATE report_outbox SET state = 'ACCEPTED' WHERE id = ?").run(agg)
    p.reportChanged({ id: agg, kind: 'aggregation', state: 'ACCEPTED' })
    await settle(f)
    if (canDisaggregate) {
      t.ok(ids.every(id => !inReport('dropout', id)), 'GIS MT holds them in a box: no dropout yet')
      const dis = f.db.prepare("SELECT attributes FROM report_outbox WHERE kind = 'disaggregation'").all() as Array<{ attributes: string }>
      t.equal(dis.length, 1, 'the box is disaggregated first')
      t.same(JSON.parse(dis[0]?.attributes ?? '{}'), { units: [f.pool.get(ids[0] as number)?.parent], release: { aggregation: ids, pallet: [] } }, 'naming the box its units are under')
    } else {
      t.ok(ids.every(id => inReport('dropout', id)), 'no way to disaggregate from the line: dropped out after the answer, as before')
      t.equal(f.db.prepare("SELECT count(*) FROM report_outbox WHERE kind = 'disaggregation'").pluck().get(), 0)
    }
  }
})
