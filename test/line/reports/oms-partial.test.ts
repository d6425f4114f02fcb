// An OMS report processed in part (PARTIALLY, §4.4.13 Table 242; per-code results §4.4.20, Table 253): the codes it
// took are through, the codes it refused are held in a report of their own, rejected with their reasons, for the
// operator. Real OMS emulator, real pool and outbox on SQLite.
import t from 'tap'
import { OmsReportSender } from '../../../line/reports/oms-sender.ts'
import { ReportOutbox } from '../../../line/reports/index.ts'
import { GTIN, lineFixture, omsFixture } from '../emission/fixture.ts'

t.test('a utilisation the OMS took in part: the rest accepted, the refused code held apart with its reason', async t => {
  const f = await omsFixture(t, { emu: { rateLimitPerSecond: 0, reportProcessingMs: 0 }, client: { maxRequestsPerSecond: 200 } })
  const { pool, rep, db } = lineFixture(t, f)
  for (let i = 0; i < 40 && pool.level(GTIN) < 12; i++) { await rep.tick(); f.clock.advance(10_000) }
  const codes = await pool.reserve(GTIN, 12, 'head-1')
  const ids = codes.map(c => c.id)
  await pool.markPrinted(ids)
  await pool.markVerified(ids)
  // someone dropped one of these codes out in the OMS behind the line's back: its utilisation is refused
  const stranger = codes[4]!
  await f.client.dropout({ productGroup: 'water', dropoutReason: 'DEFECT', sntins: [stranger.code] } as never)

  const oms = new OmsReportSender({ client: f.client, participantInn: '7700000000' })
  const outbox = new ReportOutbox({ pool, clock: f.clock, senders: { utilisation: oms }, windowMs: 1000, retryBaseMs: 1000, retryMaxMs: 2000, pollIntervalMs: 1000, onAccepted: { utilisation: 'REPORTED' } })
  t.teardown(() => outbox.stop())
  const alarms: Array<{ code: string, params?: Record<string, unknown> }> = []
  outbox.on('alarm', a => alarms.push(a as never))
  const attributes = { productionDate: '2026-11-25', expirationDate: '2027-05-25' }
  const { reportIds: [first] } = await outbox.add({ kind: 'utilisation', group: 'water', codeIds: ids, attributes })
  await outbox.closeOpen()
  for (let i = 0; i < 20 && outbox.summary().ACCEPTED.reports < 1; i++) { await outbox.tick(); f.clock.advance(1000) }

  const original = outbox.get(first as string)
  t.equal(original?.state, 'ACCEPTED', 'the report is through for what the OMS took')
  t.equal(original?.codes, 11)
  t.equal(outbox.codeIds(first as string).length, 11)
  t.ok(ids.filter(id => id !== stranger.id).every(id => pool.get(id)?.state === 'REPORTED'), 'the eleven taken codes are REPORTED')
  t.equal(pool.get(stranger.id)?.state, 'VERIFIED', 'the refused one is not')
  const rejected = outbox.list({ state: 'REJECTED' })
  t.equal(rejected.length, 1, 'one report holds the refused code')
  const split = rejected[0]!
  t.same(outbox.codeIds(split.id), [stranger.id])
  t.equal(split.kind, 'utilisation')
  t.same(split.attributes, attributes, 'with the same attributes, to be sent again once corrected')
  t.match(split.reason, /PARTIALLY: 1 code\(s\) refused/)
  t.equal(split.remoteId, original?.remoteId, 'it names the OMS report it came back in')
  const splitEvent = outbox.history(first as string).find(h => h.event === 'SPLIT')
  t.match(splitEvent?.detail, { into: split.id, refused: 1, codes: [{ codeId: stranger.id, cis: stranger.code.split('\x1d')[0], code: 4 }] })
  t.match(outbox.history(split.id).find(h => h.event === 'REJECTED')?.detail, { splitFrom: first, refused: [{ codeId: stranger.id }] })
  t.match(alarms, [{ code: 'LC_ERR_REPORT_REJECTED', params: { report: split.id, codes: 1 } }], 'one alarm, for the refused code')
  t.equal(f.emu.utilised().length, 11, 'the OMS utilised the eleven')
  // the operator takes the code out (it was dropped in the OMS): nothing is left to send, the report is done
  const done = await outbox.retry(split.id, { removeCodeIds: [stranger.id] })
  t.equal(done.state, 'ACCEPTED')
  t.equal((db.prepare("SELECT count(*) AS n FROM report_outbox WHERE state = 'REJECTED'").get() as { n: number }).n, 0)
})
