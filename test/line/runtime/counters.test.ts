// The line's counters: derived from the store at attach, followed live from the tracker's tally in between,
// written by nobody else.
import t from 'tap'
import type { Counters } from '../../../line/control.ts'
import { LineCounters } from '../../../line/runtime/counters.ts'
import { GTIN_A, block, poolFixture } from '../../helpers/pool.ts'

const tally = (): { counters: Counters } => ({ counters: { triggered: 0, printed: 0, verified: 0, rejected: 0, rejectsByReason: {}, boxes: 0, pallets: 0, reported: 0, dropped: 0 } })

async function storeWithJob (t: Parameters<typeof poolFixture>[0]) {
  const f = poolFixture(t)
  await f.pool.importBlock(block(f, 'b', 50))
  const codes = await f.pool.reserve(GTIN_A, 10, 'head-1', { jobId: 7 })
  const ids = codes.map(c => c.id)
  await f.pool.markPrinted(ids.slice(0, 8))
  await f.pool.markVerified(ids.slice(0, 5), 'A')
  await f.pool.markDefect([ids[5]!], 'LOW_GRADE')
  await f.pool.markDefect([ids[6]!], 'REMOVED')
  return { f, ids }
}

t.test('attach derives the job counters from the store; the tally then adds what it counts', async t => {
  const { f } = await storeWithJob(t)
  const tr = tally()
  tr.counters.triggered = 40
  tr.counters.printed = 30
  tr.counters.rejectsByReason = { NO_PRINT: 2 }
  const c = new LineCounters({ pool: f.pool, containers: { counts: () => ({ boxes: 3, pallets: 1 }) }, tally: tr })
  c.attach(7)
  // printed = verified + rejected + PRINTED; REMOVED counts as verified (the camera passed it)
  t.same(c.current(), { triggered: 40, printed: 8, verified: 6, rejected: 1, rejectsByReason: { LOW_GRADE: 1 }, boxes: 3, pallets: 1, reported: 0, dropped: 0 }, 'from the store (NO_PRINT before the attach is not the job\'s)')
  t.equal(c.derived(7).reserved, 10, 'reserved: every code the job took')
  tr.counters.triggered += 3
  tr.counters.printed += 3
  tr.counters.verified += 2
  tr.counters.rejected += 1
  tr.counters.rejectsByReason = { NO_PRINT: 3, WRONG_CODE: 1 }
  t.same(c.current(), { triggered: 43, printed: 11, verified: 8, rejected: 2, rejectsByReason: { LOW_GRADE: 1, NO_PRINT: 1, WRONG_CODE: 1 }, boxes: 3, pallets: 1, reported: 0, dropped: 0 }, 'live increments on top')
  c.closed('box')
  c.closed('pallet')
  c.scrapped()
  t.match(c.current(), { boxes: 3, pallets: 2 }, 'closed and scrapped containers')
})

t.test('sync re-derives from the store and keeps the NO_PRINT count the store cannot hold', async t => {
  const { f, ids } = await storeWithJob(t)
  const tr = tally()
  const c = new LineCounters({ pool: f.pool, containers: { counts: () => ({ boxes: 0, pallets: 0 }) }, tally: tr })
  c.attach(7)
  tr.counters.rejectsByReason = { NO_PRINT: 4 }
  // written off outside the tracker's view (UNCERTAIN after a restart): not a camera reject
  await f.pool.markDefect([ids[7]!], 'UNCERTAIN')
  c.sync(7)
  t.same(c.current().rejectsByReason, { LOW_GRADE: 1, NO_PRINT: 4 }, 'NO_PRINT kept')
  t.equal(c.current().printed, 7, 'the written-off code no longer counts as printed')
  tr.counters.rejectsByReason = { NO_PRINT: 5 }
  t.equal(c.current().rejectsByReason.NO_PRINT, 5, 'and followed on from there')
})

t.test('before any job: the tally as it is', async t => {
  const f = poolFixture(t)
  const tr = tally()
  tr.counters.triggered = 2
  tr.counters.rejectsByReason = { NO_PRINT: 2 }
  const c = new LineCounters({ pool: f.pool, containers: { counts: () => ({ boxes: 0, pallets: 0 }) }, tally: tr })
  t.match(c.current(), { triggered: 2, rejectsByReason: { NO_PRINT: 2 } })
})

t.test('accepted reports move Reported and Dropped from the store; the rest stays as counted', async t => {
  const { f, ids } = await storeWithJob(t)
  const tr = tally()
  const c = new LineCounters({ pool: f.pool, containers: { counts: () => ({ boxes: 0, pallets: 0 }) }, tally: tr })
  c.attach(7)
  tr.counters.verified += 4 // counted live since the attach
  const before = c.current()
  t.equal(before.reported, 0)
  await f.pool.markReported(ids.slice(0, 3), 'r-1')
  await f.pool.markDropped([ids[5]!], 'r-2')
  t.equal(c.current().reported, 0, 'nothing moves until told')
  c.refreshReports(7)
  t.same(c.current(), { ...before, reported: 3, dropped: 1 }, 'reported and dropped from the store, the live counts kept')
})
