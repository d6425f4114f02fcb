// Reports to the OMS whose answer is lost. The OMS is asked first: its receipts (§4.4.19) are searched for a report
// with the same codes, and the one found is followed — nothing is sent twice. When the OMS holds no such receipt
// yet, the outbox sends the report again and the copy's per-code "Duplicate" results count as through, once. A
// refusal that is not of that kind stays a rejection.
import t from 'tap'
import { buildSscc } from '../../../line/codes/index.ts'
import { OmsHttpError } from '../../../line/emission/errors.ts'
import { OmsReportSender, contentKey } from '../../../line/reports/oms-sender.ts'
import { ReportOutbox } from '../../../line/reports/index.ts'
import { GTIN, lineFixture, omsFixture } from '../emission/fixture.ts'

t.test('a lost answer is found among the OMS receipts by its codes: followed, never sent twice', async t => {
  const f = await omsFixture(t, { emu: { rateLimitPerSecond: 0, reportProcessingMs: 0 }, client: { timeoutMs: 300, attempts: 1, maxRequestsPerSecond: 200 } })
  const { pool, rep, db } = lineFixture(t, f)
  for (let i = 0; i < 40 && pool.level(GTIN) < 36; i++) { await rep.tick(); f.clock.advance(10_000) }
  const codes = await pool.reserve(GTIN, 36, 'head-1')
  const ids = codes.map(c => c.id)
  await pool.markPrinted(ids)
  await pool.markVerified(ids)
  const box = buildSscc(0, '4601653', 1).digits
  await pool.aggregate(ids.slice(0, 12), `00${box}`)

  const oms = new OmsReportSender({ client: f.client, participantInn: '7700000000' })
  const outbox = new ReportOutbox({ pool, clock: f.clock, senders: { utilisation: oms, aggregation: oms }, windowMs: 1000, retryBaseMs: 1000, retryMaxMs: 2000, pollIntervalMs: 1000, onAccepted: { aggregation: 'REPORTED' } })
  t.teardown(() => outbox.stop())
  const attributes = { productionDate: '2026-11-25', expirationDate: '2027-05-25' } // water units need expirationDate (Table 124)
  // another report of as many codes goes through normally in the same minutes: it must not be taken for the lost one
  await outbox.add({ kind: 'utilisation', group: 'water', codeIds: ids.slice(24), attributes })
  await outbox.closeOpen()
  for (let i = 0; i < 20 && outbox.summary().ACCEPTED.reports < 1; i++) { await outbox.tick(); f.clock.advance(1000) }
  // the OMS takes each report, and the answer is lost on the way back
  f.emu.inject({ kind: 'drop', path: '/api/v3/utilisation', times: 1 })
  f.emu.inject({ kind: 'drop', path: '/api/v3/aggregation', times: 1 })
  await outbox.add({ kind: 'utilisation', group: 'water', codeIds: ids.slice(0, 24), attributes })
  await outbox.closeOpen()
  for (let i = 0; i < 40 && outbox.summary().ACCEPTED.reports < 2; i++) { await outbox.tick(); f.clock.advance(1000) }
  await outbox.add({ kind: 'aggregation', group: 'water', codeIds: ids.slice(0, 12), attributes: { capacity: 12 }, whole: true })
  await outbox.closeOpen()
  for (let i = 0; i < 40 && outbox.summary().ACCEPTED.reports < 3; i++) { await outbox.tick(); f.clock.advance(1000) }

  t.equal(f.emu.faults.served.drop, 2, 'both answers were lost')
  t.equal(outbox.summary().ACCEPTED.reports, 3, 'all three reports are through')
  const reconciled = db.prepare("SELECT h.report_id AS id, o.kind, o.remote_id AS remote FROM report_history h JOIN report_outbox o ON o.id = h.report_id WHERE h.event = 'RECONCILED'").all() as Array<{ id: string, kind: string, remote: string }>
  t.same(reconciled.map(r => r.kind).sort(), ['aggregation', 'utilisation'], 'each lost one found by asking the OMS')
  t.equal((db.prepare("SELECT count(*) AS n FROM report_history WHERE event = 'SENDING'").get() as { n: number }).n, 3, 'each report sent once: no copy was needed')
  t.equal(f.emu.reports().length, 3, 'the OMS received three reports: nothing was sent twice')
  const lost = reconciled.find(r => r.kind === 'utilisation')
  const utilisations = f.emu.reports().filter(r => r.kind === 'utilisation')
  t.same(utilisations.find(r => r.reportId === lost?.remote)?.sntins.length, 24, 'the lost utilisation was matched to its own report, not to the other one')
  t.equal(f.emu.utilised().length, 36, 'the OMS utilised each code once')
  t.same(f.emu.aggregated().map(u => u.unitSerialNumber), [`00${box}`], 'and aggregated the box once')
  t.ok(ids.slice(0, 12).every(id => pool.get(id)?.state === 'REPORTED'), 'the boxed codes end REPORTED')
})

t.test('a report is known by what it does, whatever the order of its codes', async t => {
  t.same(contentKey({ sntins: ['b', 'a'] }), contentKey({ productGroup: 'milk', sntins: ['a', 'b'] }))
  t.not(contentKey({ sntins: ['a', 'b'] })?.key, contentKey({ sntins: ['a', 'c'] })?.key)
  t.same(contentKey({ aggregationUnits: [{ unitSerialNumber: 'u2', sntins: ['c'] }, { unitSerialNumber: 'u1', sntins: ['b', 'a'] }] }), { key: 'A|u1:a,b|u2:c', count: 3 })
  t.not(contentKey({ aggregationUnits: [{ unitSerialNumber: 'u1', sntins: ['a'] }] })?.key, contentKey({ aggregationUnits: [{ unitSerialNumber: 'u2', sntins: ['a'] }] })?.key, 'the same codes in another unit are another report')
  t.equal(contentKey({ sntins: [1, 2] }), null)
  t.equal(contentKey('text'), null)
})

/** The OMS before it has written the first copy's receipt (receipts appear as it processes): nothing found. */
class ReceiptNotYetWritten extends OmsReportSender {
  override reconcile (): Promise<string | undefined> { return Promise.resolve(undefined) }
}

t.test('no receipt of the first copy yet: the copy is sent, its per-code "Duplicate" results count as through; a real refusal does not', async t => {
  const f = await omsFixture(t, { emu: { rateLimitPerSecond: 0, reportProcessingMs: 0 }, client: { timeoutMs: 300, attempts: 1, maxRequestsPerSecond: 200 } })
  const { pool, rep, db } = lineFixture(t, f)
  for (let i = 0; i < 40 && pool.level(GTIN) < 24; i++) { await rep.tick(); f.clock.advance(10_000) }
  const codes = await pool.reserve(GTIN, 24, 'head-1')
  const ids = codes.map(c => c.id)
  await pool.markPrinted(ids)
  await pool.markVerified(ids)
  const box = buildSscc(0, '4601653', 3).digits
  await pool.aggregate(ids.slice(0, 12), `00${box}`)

  const oms = new ReceiptNotYetWritten({ client: f.client, participantInn: '7700000000' })
  const outbox = new ReportOutbox({ pool, clock: f.clock, senders: { utilisation: oms, aggregation: oms }, windowMs: 1000, retryBaseMs: 1000, retryMaxMs: 2000, pollIntervalMs: 1000, onAccepted: { aggregation: 'REPORTED' } })
  t.teardown(() => outbox.stop())
  f.emu.inject({ kind: 'drop', path: '/api/v3/utilisation', times: 1 })
  f.emu.inject({ kind: 'drop', path: '/api/v3/aggregation', times: 1 })
  await outbox.add({ kind: 'utilisation', group: 'water', codeIds: ids.slice(0, 12), attributes: { productionDate: '2026-11-25', expirationDate: '2027-05-25' } })
  await outbox.closeOpen()
  for (let i = 0; i < 40 && outbox.summary().ACCEPTED.reports < 1; i++) { await outbox.tick(); f.clock.advance(1000) }
  await outbox.add({ kind: 'aggregation', group: 'water', codeIds: ids.slice(0, 12), attributes: { capacity: 12 }, whole: true })
  await outbox.closeOpen()
  for (let i = 0; i < 40 && outbox.summary().ACCEPTED.reports < 2; i++) { await outbox.tick(); f.clock.advance(1000) }
  t.equal(f.emu.faults.served.drop, 2, 'both answers were lost')
  t.equal(outbox.summary().ACCEPTED.reports, 2, 'the copies, all "Duplicate" or "already in that unit" in their receipts, count as through')
  t.equal(f.emu.utilised().length, 12, 'each code utilised once')
  t.same(f.emu.aggregated().map(u => u.unitSerialNumber), [`00${box}`], 'the box aggregated once')

  // a real refusal: units aggregated that were never utilised (Table 254 code 24) stay refused, the codes named
  const other = buildSscc(0, '4601653', 4).digits
  await pool.aggregate(ids.slice(12), `00${other}`)
  await outbox.add({ kind: 'aggregation', group: 'water', codeIds: ids.slice(12), attributes: { capacity: 12 }, whole: true })
  await outbox.closeOpen()
  for (let i = 0; i < 40 && outbox.summary().REJECTED.reports < 1; i++) { await outbox.tick(); f.clock.advance(1000) }
  t.equal(outbox.summary().REJECTED.reports, 1, 'refused')
  const reason = (db.prepare("SELECT reason FROM report_outbox WHERE state = 'REJECTED'").get() as { reason: string }).reason
  t.match(reason, /^OMS report FAILED: 12 code\(s\) refused \(0104601653030046.*: 24 /, 'the reason names the refused codes and their result code')
})
