// The end-of-batch report of a small finished job built through the real pool, aggregator, outbox (True API
// emulator) and audit trail: its JSON, its CSV (BOM, ";"), its printable page, the ERP API's report routes, and the
// `batch.report` message on the L3 feed when the job ends.
import t, { type Test } from 'tap'
import { Subscriber } from 'zeromq'
import { AlarmBook } from '../../../line/alarms/alarms.ts'
import { Aggregator } from '../../../line/aggregation/aggregator.ts'
import { batchReports, publishBatchReports } from '../../../line/app/batch-report.ts'
import { batchReportCsv, batchReportHtml, createErpServer, ErpStore, hashKey } from '../../../line/erp/index.ts'
import { ErpQueue } from '../../../line/erp/queue.ts'
import { LineBus } from '../../../line/events.ts'
import { HmiStore } from '../../../line/hmi/store.ts'
import { JobStore } from '../../../line/jobs/jobs.ts'
import { Envelope, L3Publisher } from '../../../line/l3/index.ts'
import { silentLogger } from '../../../line/log.ts'
import { GTIN_A, block } from '../../helpers/pool.ts'
import { reportsFixture, runUntil } from '../reports/fixture.ts'

const KEY = 'b'.repeat(24) + '-batch-report-key'

async function finishedJob (t: Test) {
  const f = await reportsFixture(t)
  const jobs = new JobStore(f.db, { clock: f.clock, profiles: f.profiles })
  const erp = new ErpStore(f.db)
  const audit = new HmiStore(f.db)
  const alarms = new AlarmBook(f.db, { clock: f.clock, log: silentLogger() })
  const aggregator = new Aggregator({ db: f.db, pool: f.pool, clock: f.clock, log: silentLogger(), alarms, companyPrefix: '4601653', extensionDigit: 0 })
  const b = block(f, 'b1', 20)
  await f.pool.importBlock(b)
  f.emu.registerCodes(b.codes.map(c => c.split('\u001d')[0] as string))

  // the ERP queued it; the operator started it at the line
  const queued = erp.enqueue('1c-main', 'ZP-77', jobs.validate({ group: 'water', gtin: GTIN_A, batch: 'B-77', productionDate: '2026-11-25', expiryDate: '2027-11-25', quantity: 10, unitsPerBox: 4, boxesPerPallet: 2, minGrade: 'C', unitsPerMinute: 300 }), f.clock.now())
  f.clock.advance(60_000)
  const bus = new LineBus()
  const queue = new ErpQueue({
    store: erp, clock: f.clock,
    control: { startJob: async (job, actor) => ({ ok: true, value: jobs.start(jobs.validate(job), actor) }) },
  })
  const started = await queue.start(queued.id, 'ivanov')
  t.ok(started.ok)
  const job = jobs.active()
  if (job === null) throw new Error('no job')
  audit.audit({ at: f.clock.now(), actor: 'ivanov', role: 'operator', action: 'job:start', detail: {}, result: 'ok' })
  aggregator.setJob(job)

  // ten products: eight good ones in two boxes on one pallet, one unreadable, one low grade
  const codes = await f.pool.reserve(GTIN_A, 10, 'head-1', { jobId: job.id })
  const ids = codes.map(c => c.id)
  for (const [i, id] of ids.entries()) await f.pool.transition({ ids: [id], to: 'PRINTED', seq: i + 1 })
  await f.pool.markVerified(ids.slice(0, 8), 'A')
  await f.pool.markDefect([ids[8] as number], 'UNREADABLE')
  await f.pool.markDefect([ids[9] as number], 'LOW_GRADE')
  f.clock.advance(60_000)
  for (const id of ids.slice(0, 8)) await aggregator.addUnit(id)
  await aggregator.settled()
  audit.audit({ at: f.clock.now(), actor: 'petrova', role: 'engineer', action: 'cmd:hold', detail: {}, result: 'ok' })
  audit.audit({ at: f.clock.now(), actor: 'sidorov', role: 'operator', action: 'box:close', detail: {}, result: 'refused' })

  // the boxes' aggregation accepted by GIS MT
  await f.outbox.add({ kind: 'aggregation', group: 'water', codeIds: ids.slice(0, 8) })
  await f.outbox.closeOpen()
  t.ok(await runUntil(f, () => f.outbox.summary().ACCEPTED.reports === 1) >= 0, 'aggregation accepted')
  f.clock.advance(60_000)
  jobs.end(job.id, 'complete')
  const report = batchReports({ line: 'plant1/line2', clock: f.clock, jobs, pool: f.pool, aggregator, outbox: f.outbox, audit, erp })
  return { f, jobs, erp, job: jobs.get(job.id) ?? job, report, bus, queuedId: queued.id }
}

t.test('the report of a small finished job: codes, defects, boxes and pallets with SSCCs, reports, operators, times', async t => {
  const { job, report, queuedId } = await finishedJob(t)
  const r = report(job.id)
  if (r === null) throw new Error('no report')
  t.match(r, {
    format: 'batch-report/1', line: 'plant1/line2',
    job: { id: job.id, erpId: queuedId, reference: 'ZP-77', group: 'water', gtin: GTIN_A, batch: 'B-77', quantity: 10, status: 'complete' },
    codes: { reserved: 10, printed: 10, verified: 8, rejected: 2, aggregated: 0, reported: 8, byState: { REPORTED: 8, DEFECT: 2 } },
    defects: [{ reason: 'LOW_GRADE', count: 1 }, { reason: 'UNREADABLE', count: 1 }],
    boxes: { count: 2 }, pallets: { count: 1 },
    startedBy: 'ivanov',
  })
  t.equal(r.times.durationMs, (job.endedAt ?? 0) - job.startedAt)
  t.ok((r.times.durationMs ?? 0) >= 120_000, 'from start to end')
  t.equal(r.times.startedAt, new Date(job.startedAt).toISOString())
  t.type(r.times.queuedAt, 'string')
  const pallet = r.pallets.list[0]
  t.match(pallet, { sscc: /^\d{18}$/, boxes: 2 })
  t.same(r.boxes.list.map(b => [b.units, b.pallet]), [[4, pallet?.sscc], [4, pallet?.sscc]], 'each box: its units and its pallet')
  t.same(r.reports, [{ kind: 'aggregation', state: 'ACCEPTED', reports: 1, codes: 8 }])
  t.same(r.operators.map(o => [o.actor, o.role, o.actions]), [['ivanov', 'operator', 1], ['petrova', 'engineer', 1]], 'who acted (refused actions are not acts)')
  t.notMatch(JSON.stringify(r), /\u001d|"code"/, 'no marking code in the report')
  t.equal(report(9999), null)

  const csv = batchReportCsv(r, 'ru')
  t.ok(csv.startsWith('\uFEFF'), 'BOM for Excel')
  t.match(csv, /\r\nПартия;B-77\r\n/)
  t.match(csv, /\r\nНапечатано;10\r\n/)
  t.match(csv, /\r\nОтбраковано;2\r\n/)
  t.match(csv, /\r\nUNREADABLE;1\r\n/)
  t.match(csv, new RegExp(`\\r\\npallet;${pallet?.sscc};2;;`))
  t.match(csv, new RegExp(`\\r\\nbox;${r.boxes.list[0]?.sscc};4;${pallet?.sscc};`))
  t.match(csv, /\r\naggregation;ACCEPTED;1;8\r\n/)
  t.match(csv, /\r\nivanov;operator;1;/)
  t.match(batchReportCsv(r, 'en'), /\r\nPrinted;10\r\n/)

  const html = batchReportHtml(r)
  t.match(html, /<html lang="ru">/)
  t.ok(html.indexOf('Отчёт о партии') < html.indexOf('Batch report'), 'Russian first, English second')
  t.match(html, /B-77/)
  t.notMatch(html, /<script/i)
})

t.test('the ERP API serves the report as JSON, CSV and HTML for its job and for any line job', async t => {
  const { f, jobs, erp, job, report, queuedId } = await finishedJob(t)
  const server = createErpServer({
    config: { host: '127.0.0.1', port: 0, clients: [{ id: '1c-main', keyHash: hashKey(KEY), requestsPerMinute: 600 }], idempotencyTtl: 86_400_000, auditTtl: 86_400_000 },
    db: f.db, store: erp, jobs, report, clock: f.clock, log: silentLogger(),
    jobDefaults: { unitsPerMinute: 300, minGrade: 'C', unitsPerBox: 12, boxesPerPallet: 40 },
  })
  const url = await server.listen()
  t.teardown(() => server.close())
  const get = (path: string) => fetch(`${url}${path}`, { headers: { authorization: `Bearer ${KEY}` } })
  const status = await (await get(`/erp/v1/jobs/${queuedId}`)).json() as { status: string, lineJobId: number, startedBy: string }
  t.match(status, { status: 'complete', lineJobId: job.id, startedBy: 'ivanov' })
  const json = await get(`/erp/v1/jobs/${queuedId}/report`)
  t.equal(json.status, 200)
  t.same(await json.json(), report(job.id))
  const csv = await get(`/erp/v1/jobs/${queuedId}/report.csv?lang=en`)
  t.match(csv.headers.get('content-type'), /^text\/csv/)
  t.match(csv.headers.get('content-disposition'), /batch-\d+\.csv/)
  const text = await csv.text()
  t.match(text, /^Batch report;/, 'the BOM is there (fetch strips it on decoding) and the headings in English')
  t.equal(Buffer.from(await (await get(`/erp/v1/jobs/${queuedId}/report.csv`)).arrayBuffer()).subarray(0, 3).toString('hex'), 'efbbbf', 'UTF-8 BOM on the wire')
  const html = await get(`/erp/v1/line-jobs/${job.id}/report.html`)
  t.match(html.headers.get('content-type'), /^text\/html/)
  t.match(html.headers.get('content-security-policy'), /default-src 'none'/)
  t.match(await html.text(), /Отчёт о партии/)
  t.equal((await get('/erp/v1/line-jobs/4242/report')).status, 404)
})

t.test('a job that ends is published on the L3 feed as batch.report, without marking codes', async t => {
  const { job, report, bus } = await finishedJob(t)
  const pub = new L3Publisher({ endpoint: 'tcp://127.0.0.1:0', line: 'plant1/line2', clock: { now: () => Date.now() } })
  const endpoint = await pub.bind()
  const sub = new Subscriber()
  t.teardown(async () => { sub.close(); await pub.close() })
  sub.connect(endpoint)
  sub.subscribe('batch.report')
  const unwire = publishBatchReports({ bus, report, publish: r => { pub.publish('batch.report', r) }, log: silentLogger() })
  t.teardown(unwire)
  const got = (async () => {
    for await (const [topic, body] of sub) return { topic: topic?.toString(), env: Envelope.parse(JSON.parse((body as Buffer).toString())) }
    return null
  })()
  // PUB drops what is sent before the subscription arrives: announce the end until the report is seen
  let seen: Awaited<typeof got> = null
  void got.then(v => { seen = v })
  for (let i = 0; i < 100 && seen === null; i++) {
    bus.emit('line:jobEnded', job)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  const msg = await got
  t.equal(msg?.topic, 'batch.report')
  t.equal(msg?.env.type, 'batch.report')
  t.match(msg?.env.data, { format: 'batch-report/1', job: { id: job.id, batch: 'B-77' }, codes: { printed: 10, rejected: 2 }, boxes: { count: 2 }, pallets: { count: 1 } })
  t.notMatch(JSON.stringify(msg?.env.data), /\u001d/, 'no crypto tails (no codes at all)')
})
