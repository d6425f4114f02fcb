// Units of a job that does not box them (unitsPerBox 0) go into circulation one by one: once the OMS accepted their
// utilisation, the planner queues their introduction (TA §4.1.4.1, units listed as uit_code, no aggregate), the
// good ones only. Real OMS and True API emulators (the OMS passes applied codes on to GIS MT), real pool and outbox.
import t from 'tap'
import type { JobView } from '../../../line/control.ts'
import { TrueApiClient } from '../../../line/gismt/index.ts'
import { silentLogger } from '../../../line/log.ts'
import { ReportOutbox, TrueApiDocumentSender } from '../../../line/reports/index.ts'
import { OmsReportSender } from '../../../line/reports/oms-sender.ts'
import { ReportPlanner } from '../../../line/reports/planner.ts'
import { TestSigner } from '../../../line/signer/index.ts'
import { passOmsReportsToTrueApi } from '../../../sim/gismt/from-oms.ts'
import { startTrueApiEmulator } from '../../../sim/gismt/server.ts'
import { GTIN, lineFixture, omsFixture } from '../emission/fixture.ts'

const job: JobView = {
  id: 1, group: 'water', gtin: GTIN, batch: 'P-1', productionDate: '2026-11-25', expiryDate: '2027-05-25', quantity: 100,
  unitsPerBox: 0, boxesPerPallet: 0, minGrade: 'C', unitsPerMinute: 600, tnvedCode: '2201101100',
  status: 'active', startedAt: 0, endedAt: null,
}

t.test('units without a box: introduced once their utilisation is accepted, the good ones only, as units', async t => {
  const f = await omsFixture(t, { emu: { rateLimitPerSecond: 0, reportProcessingMs: 0 }, client: { maxRequestsPerSecond: 200 } })
  const line = lineFixture(t, f)
  for (let i = 0; i < 40 && line.pool.level(GTIN) < 6; i++) { await line.rep.tick(); f.clock.advance(10_000) }
  const pool = line.pool
  const codes = await pool.reserve(GTIN, 6, 'head-1')
  const ids = codes.map(c => c.id)
  await pool.markPrinted(ids)
  await pool.markVerified(ids)
  line.db.prepare('UPDATE codes SET job_id = 1').run()
  const identities = codes.map(c => c.code.split('\u001d')[0] as string)

  const trueApi = await startTrueApiEmulator({ clock: f.clock })
  t.teardown(() => trueApi.close())
  trueApi.registerCodes(identities, { applied: false })
  passOmsReportsToTrueApi(f.emu, trueApi)
  const client = new TrueApiClient({ url: trueApi.url, signer: new TestSigner(), clock: f.clock, retries: 1, retryBaseMs: 5, timeoutMs: 2000 })
  t.teardown(() => client.close())
  const outbox = new ReportOutbox({
    pool: pool, clock: f.clock,
    senders: { utilisation: new OmsReportSender({ client: f.client, participantInn: '7700000000' }), introduction: new TrueApiDocumentSender({ client, participantInn: '7700000000' }) },
    windowMs: 1000, retryBaseMs: 1000, retryMaxMs: 2000, pollIntervalMs: 1000, onAccepted: { utilisation: 'REPORTED' },
  })
  t.teardown(() => outbox.stop())
  const planner = new ReportPlanner({ outbox, pool: pool, log: silentLogger(), aggregation: true, aggregationAfterUtilisation: true, introduction: true, jobOf: () => job })
  outbox.on('report', e => planner.reportChanged(e))
  const run = async (done: () => boolean): Promise<void> => {
    for (let i = 0; i < 40 && !done(); i++) { await outbox.closeOpen(); await outbox.tick(); await pool.commit.flush(); f.clock.advance(1000) }
  }

  // four verified units are utilised; one of them is found defective while the report is on its way
  planner.verified(job, ids.slice(0, 4))
  await pool.commit.flush()
  await outbox.closeOpen()
  await outbox.tick()
  await pool.markDefect([ids[3] as number], 'LOW_GRADE')
  await run(() => outbox.list({ kind: 'introduction' }).length > 0)
  const intro = outbox.list({ kind: 'introduction' })
  t.equal(intro.length, 1, 'the accepted utilisation is followed by one introduction')
  t.same(outbox.codeIds(intro[0]!.id).sort(), ids.slice(0, 3).sort(), 'of the three good units: not the defect, not the two never utilised')
  t.match(intro[0]!.attributes, { byAggregate: false, tnvedCode: '2201101100', productionDate: '2026-11-25' })

  await run(() => outbox.get(intro[0]!.id)?.state === 'ACCEPTED')
  t.equal(outbox.get(intro[0]!.id)?.state, 'ACCEPTED')
  t.ok(identities.slice(0, 3).every(c => trueApi.codeInfo(c)?.introduced === true), 'GIS MT introduced the three units')
  t.ok(identities.slice(3).every(c => trueApi.codeInfo(c)?.introduced !== true), 'and none of the others')
  const doc = [...trueApi.docs.values()].find(d => d.type === 'LP_INTRODUCE_GOODS')?.body as { products: Array<{ uit_code?: string, uitu_code?: string }> }
  t.same(doc.products.map(x => x.uitu_code), [undefined, undefined, undefined], 'listed as units, no aggregate')
  t.same(doc.products.map(x => x.uit_code).sort(), identities.slice(0, 3).sort())
})
