// A rework survives a restart between its commit and GIS MT's answer (docs/rework.md): the store change and the
// disaggregation report were one commit, so a controller started again on the same SQLite file sends the
// disaggregation, then aggregates the new box — nothing kept in memory is needed — and GIS MT ends up holding what
// the store says.
import t from 'tap'
import { AlarmBook } from '../../../line/alarms/alarms.ts'
import { Aggregator, type ClosedContainer } from '../../../line/aggregation/aggregator.ts'
import { ReworkService } from '../../../line/app/rework.ts'
import type { JobView } from '../../../line/control.ts'
import { LineBus } from '../../../line/events.ts'
import { silentLogger } from '../../../line/log.ts'
import { ReportOutbox, TrueApiDocumentSender } from '../../../line/reports/index.ts'
import { ReportPlanner } from '../../../line/reports/planner.ts'
import type { PoolFixture } from '../../helpers/pool.ts'
import { GTIN_A, block } from '../../helpers/pool.ts'
import { reportsFixture } from '../reports/fixture.ts'

const JOB = { id: 1, group: 'water', gtin: GTIN_A, batch: 'B', unitsPerBox: 3, boxesPerPallet: 0, productionDate: '2026-11-25' } as unknown as JobView

t.test('a rework committed, the controller restarted before GIS MT answered: the new box is reported after the disaggregation', async t => {
  const f = await reportsFixture(t)
  const log = silentLogger()
  const sender = new TrueApiDocumentSender({ client: f.client, participantInn: '7700000000' })
  /** The reporting side of a controller on this pool: aggregator, outbox, planner, rework, wired as in main.ts. */
  const start = (p: PoolFixture) => {
    const aggregator = new Aggregator({ db: p.db, pool: p.pool, clock: p.clock, log, alarms: new AlarmBook(p.db, { clock: p.clock, log }), companyPrefix: '4600000', extensionDigit: 0 })
    aggregator.setJob({ id: 1, gtin: GTIN_A, batch: 'B', unitsPerBox: 3, boxesPerPallet: 0 })
    const outbox = new ReportOutbox({ pool: p.pool, clock: p.clock, senders: { aggregation: sender, disaggregation: sender }, windowMs: 1000, retryBaseMs: 1000, pollIntervalMs: 1000, onAccepted: { aggregation: 'REPORTED' } })
    const planner = new ReportPlanner({ outbox, pool: p.pool, log, aggregation: true, aggregationVia: 'true-api', jobOf: () => JOB })
    const bus = new LineBus()
    bus.on('line:reworkDefect', d => planner.defect(JOB, d.codeIds, d.reason))
    aggregator.on('closed', (c: ClosedContainer) => { if (c.level === 'box') planner.boxClosed(JOB, c.codeIds) })
    outbox.on('report', e => planner.reportChanged(e))
    const rework = new ReworkService({ aggregator, pool: p.pool, outbox, jobs: { get: () => JOB }, bus, log })
    /** Tick the outbox on the manual clock until nothing is left to do. */
    const drain = async (): Promise<void> => {
      for (let i = 0; i < 60; i++) {
        await p.pool.commit.submit(() => {})
        await outbox.closeOpen()
        await outbox.tick()
        if (outbox.list().every(r => r.state === 'ACCEPTED' || r.state === 'REJECTED')) return
        p.clock.advance(1000)
      }
    }
    return { aggregator, outbox, planner, rework, drain }
  }

  await f.pool.importBlock(block(f, 'b', 9))
  const ids = (await f.pool.reserve(GTIN_A, 9, 'head-1', { jobId: 1 })).map(c => c.id)
  await f.pool.markPrinted(ids)
  await f.pool.markVerified(ids)
  f.emu.registerCodes(ids.map(id => f.pool.get(id)?.identity as string))
  await f.outbox.stop()
  const first = start(f)
  await Promise.all(ids.map(id => first.aggregator.addUnit(id)))
  await first.aggregator.settled()
  await first.drain()
  const boxes = f.db.prepare("SELECT sscc FROM containers WHERE level = 'box' AND state = 'closed' ORDER BY id").pluck().all() as string[]
  t.equal(f.emu.aggregates().size, 3, 'GIS MT holds the three boxes')

  const taken = ids[0] as number
  const r = await first.rework.reworkBox({ sscc: boxes[0] as string, take: [{ code: f.pool.get(taken)?.identity as string, fate: 'drop', reason: 'REMOVED' }] }, 'engineer')
  t.ok(r.ok, 'the rework is committed')
  const newBox = r.ok ? r.value?.newBoxes[0] as string : ''
  t.equal(first.outbox.list({ kind: 'disaggregation' })[0]?.state, 'OPEN', 'the disaggregation is in the store with the rework')
  t.equal(f.pool.get(ids[1] as number)?.parent, `00${newBox}`, 'the units left are in the new box')
  t.ok(f.emu.aggregates().has(`00${boxes[0]}`), 'GIS MT was told nothing yet')

  // power cut: nothing of the first controller's memory survives
  await first.outbox.stop()
  const p2 = f.reopen()
  const second = start(p2)
  // no sweep: the disaggregation's acceptance itself finds the new box in the store
  await second.drain()
  await second.drain()
  const held = f.emu.aggregates()
  t.notOk(held.has(`00${boxes[0]}`), 'GIS MT let go of the old box')
  t.same(held.get(`00${newBox}`), ids.slice(1, 3).map(id => p2.pool.get(id)?.identity), 'and holds the new box with the units left')
  t.equal(held.size, 3, 'and the two other boxes')
  t.equal(p2.pool.get(taken)?.state, 'DEFECT', 'the unit taken out is DEFECT (no OMS here for its dropout)')
  t.equal(second.outbox.list({ state: 'REJECTED' }).length, 0, 'nothing was refused')
  t.equal([...f.emu.receipts.byHash.values()].filter(n => n > 1).length, 0, 'no document was sent twice')
})
