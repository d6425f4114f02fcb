// The outbox's part in a rework (docs/rework.md): a disaggregation written inside the caller's commit, the links it
// undoes released when GIS MT accepts it, so the units can be aggregated again — and never an empty report.
import t from 'tap'
import { buildSscc } from '../../../line/codes/index.ts'
import { boxedCodes, reportsFixture, runUntil } from './fixture.ts'

t.test('aggregated, disaggregated, aggregated again: the links follow what GIS MT holds', async t => {
  const f = await reportsFixture(t)
  const { ids, identities, boxes } = await boxedCodes(f, 'b1', 6, 6)
  f.emu.registerCodes(identities)
  const box = `00${boxes[0] as string}`
  const first = await f.outbox.add({ kind: 'aggregation', group: 'water', codeIds: ids, whole: true })
  await f.outbox.closeOpen()
  await runUntil(f, () => f.outbox.get(first.reportIds[0] as string)?.state === 'ACCEPTED')
  t.same([...f.emu.aggregates().keys()], [box], 'GIS MT holds the box')

  const again = await f.outbox.add({ kind: 'aggregation', group: 'water', codeIds: ids })
  t.same([again.added, again.skipped, again.reportIds], [0, 6, []], 'codes already aggregated: skipped, and no empty report is opened')
  t.equal(f.outbox.list({ kind: 'aggregation' }).length, 1)

  // the rework's commit: the units move to a new box and the disaggregation is written with it
  const newBox = buildSscc(0, '4601653', 99).digits
  const written = await f.pool.commit.submit(() => {
    f.pool.reboxSync(ids, `00${newBox}`)
    return f.outbox.addSync({ kind: 'disaggregation', group: 'water', codeIds: ids, whole: true, attributes: { op: 'RW-1', units: [box], release: { aggregation: ids } } })
  })
  t.equal(written.added, 6, 'written in the caller\'s commit')
  await f.outbox.closeOpen()
  const dis = written.reportIds[0] as string
  await runUntil(f, () => f.outbox.get(dis)?.state === 'ACCEPTED')
  t.equal(f.outbox.get(dis)?.state, 'ACCEPTED')
  t.same([...f.emu.aggregates().keys()], [], 'GIS MT let go of the box')
  t.same(f.emu.docs.get(f.outbox.get(dis)?.remoteId as string)?.body, { participant_inn: '7700000000', products_list: [{ uitu: box }] })
  t.equal(f.pool.get(ids[0] as number)?.reports.aggregation, null, 'the aggregation link is released')
  t.equal(f.pool.get(ids[0] as number)?.reports.disaggregation, f.outbox.get(dis)?.remoteId, 'the disaggregation is linked')
  t.equal(f.pool.db.prepare("SELECT count(*) FROM report_codes_released WHERE kind = 'aggregation'").pluck().get(), 6, 'and kept for the record')
  t.same(f.outbox.history(dis).find(h => h.event === 'ACCEPTED')?.detail.released, { aggregation: 6 })

  const second = await f.outbox.add({ kind: 'aggregation', group: 'water', codeIds: ids, whole: true })
  t.equal(second.added, 6, 'the units can be aggregated again')
  await f.outbox.closeOpen()
  await runUntil(f, () => f.outbox.get(second.reportIds[0] as string)?.state === 'ACCEPTED')
  t.same([...f.emu.aggregates()], [[`00${newBox}`, [...identities]]], 'GIS MT holds the new box with the same units')
  t.equal(f.pool.get(ids[0] as number)?.reports.disaggregation, null, 'the new aggregation ends the disaggregation link: the box can be reworked again')
})

t.test('a disaggregation of an aggregate GIS MT does not hold is rejected and releases nothing', async t => {
  const f = await reportsFixture(t)
  const { ids, identities, boxes } = await boxedCodes(f, 'b1', 6, 6)
  f.emu.registerCodes(identities)
  const first = await f.outbox.add({ kind: 'aggregation', group: 'water', codeIds: ids, whole: true })
  await f.outbox.closeOpen()
  await runUntil(f, () => f.outbox.get(first.reportIds[0] as string)?.state === 'ACCEPTED')
  const r = await f.outbox.add({ kind: 'disaggregation', group: 'water', codeIds: ids, attributes: { units: ['00046016530000009999'], release: { aggregation: ids } } })
  await f.outbox.closeOpen()
  await runUntil(f, () => f.outbox.get(r.reportIds[0] as string)?.state === 'REJECTED')
  t.equal(f.outbox.get(r.reportIds[0] as string)?.state, 'REJECTED')
  t.not(f.pool.get(ids[0] as number)?.reports.aggregation, null, 'the aggregation link stays')
  t.ok(f.emu.aggregates().has(`00${boxes[0] as string}`), 'GIS MT still holds the box')
})
