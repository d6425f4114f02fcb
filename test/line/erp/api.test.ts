// The ERP API over real HTTP on loopback with a real store: keys, idempotency, malformed and oversized bodies, jobs
// refused by the group table with the field named, the queue (list, cancel), the audit trail, and an OpenAPI document
// that lists exactly the routes the server registered.
import t, { type Test } from 'tap'
import { join } from 'node:path'
import { ManualClock } from '../../../line/clock.ts'
import { ProfileRegistry } from '../../../line/codes/index.ts'
import { createErpServer, hashKey, type ErpServer } from '../../../line/erp/index.ts'
import { JobStore } from '../../../line/jobs/jobs.ts'
import { silentLogger } from '../../../line/log.ts'
import { openDatabase } from '../../../line/store/open.ts'
import { GTIN_A } from '../../helpers/pool.ts'
import { tempDir } from '../../helpers/tmp.ts'

const KEY = 'k'.repeat(20) + '-erp-client-key-0001'
const OTHER_KEY = 'o'.repeat(20) + '-erp-client-key-0002'
const JOB = { reference: 'ZP-000123', group: 'water', gtin: GTIN_A, batch: 'B-42', productionDate: '2026-11-25', expiryDate: '2027-11-25', quantity: 1200 }

async function fixture (t: Test, o: { requestsPerMinute?: number, bodyLimit?: number } = {}) {
  const dir = tempDir(t)
  const clock = new ManualClock(Date.UTC(2026, 10, 25, 8))
  const db = openDatabase(join(dir, 'line.db'), { synchronous: 'NORMAL' })
  const jobs = new JobStore(db, { clock, profiles: new ProfileRegistry() })
  const server = createErpServer({
    config: {
      host: '127.0.0.1', port: 0, idempotencyTtl: 7 * 86_400_000, auditTtl: 90 * 86_400_000,
      clients: [{ id: '1c-main', keyHash: hashKey(KEY), requestsPerMinute: o.requestsPerMinute ?? 600 }, { id: 'wms', key: OTHER_KEY, requestsPerMinute: 600 }],
    },
    db, jobs, clock, log: silentLogger(),
    jobDefaults: { unitsPerMinute: 300, minGrade: 'C', unitsPerBox: 12, boxesPerPallet: 40 },
    report: () => null,
    ...(o.bodyLimit === undefined ? {} : { bodyLimit: o.bodyLimit }),
  })
  const url = await server.listen()
  t.teardown(async () => { await server.close(); db.close() })
  const call = async (method: string, path: string, opts: { key?: string | null, body?: unknown, raw?: string, idem?: string, headers?: Record<string, string> } = {}) => {
    const headers: Record<string, string> = { ...opts.headers }
    if (opts.key !== null) headers.authorization = `Bearer ${opts.key ?? KEY}`
    if (opts.idem !== undefined) headers['idempotency-key'] = opts.idem
    let body: string | undefined
    if (opts.raw !== undefined) { body = opts.raw; headers['content-type'] ??= 'application/json' } else if (opts.body !== undefined) { body = JSON.stringify(opts.body); headers['content-type'] = 'application/json' }
    const res = await fetch(`${url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) })
    const text = await res.text()
    let json: any = null
    try { json = JSON.parse(text) } catch { json = null }
    return { status: res.status, json, text, headers: res.headers }
  }
  return { server, jobs, clock, db, url, call }
}

function errorShape (t: Test, r: { json: any }, code: string): void {
  t.equal(r.json?.error?.code, code, `error code ${code}`)
  t.type(r.json?.error?.message?.ru, 'string', 'Russian text')
  t.type(r.json?.error?.message?.en, 'string', 'English text')
  t.type(r.json?.error?.action?.en, 'string', 'what to do')
}

t.test('a wrong or missing key is 401 in the documented shape; Bearer and X-Api-Key both work', async t => {
  const f = await fixture(t)
  const none = await f.call('GET', '/erp/v1/jobs', { key: null })
  t.equal(none.status, 401)
  errorShape(t, none, 'LC_ERR_ERP_AUTH')
  t.match(none.headers.get('www-authenticate'), /^Bearer/)
  const wrong = await f.call('GET', '/erp/v1/jobs', { key: 'x'.repeat(40) })
  t.equal(wrong.status, 401)
  errorShape(t, wrong, 'LC_ERR_ERP_AUTH')
  t.equal((await f.call('POST', '/erp/v1/jobs', { key: 'short', body: JOB, idem: 'a1' })).status, 401, 'a POST with a bad key is refused before anything is read')
  t.same(f.server.store.list(null, 10), [], 'and queues nothing')
  t.equal((await f.call('GET', '/erp/v1/jobs')).status, 200, 'Bearer')
  t.equal((await f.call('GET', '/erp/v1/jobs', { key: null, headers: { 'x-api-key': OTHER_KEY } })).status, 200, 'X-Api-Key, a plain key from a loopback config')
  const audit = f.server.store.auditTrail(10)
  t.same(audit.slice(0, 2).map(a => [a.client, a.status]), [['wms', 200], ['1c-main', 200]], 'each request audited with its client')
  t.ok(audit.some(a => a.client === null && a.status === 401 && a.code === 'LC_ERR_ERP_AUTH' && a.method === 'POST' && a.path === '/erp/v1/jobs'), 'refusals audited with their code')
})

t.test('wrong keys from one address are throttled; a client over its rate gets 429 with Retry-After', async t => {
  const f = await fixture(t, { requestsPerMinute: 3 })
  for (let i = 0; i < 20; i++) await f.call('GET', '/erp/v1/jobs', { key: 'y'.repeat(40) })
  const r = await f.call('GET', '/erp/v1/jobs')
  t.equal(r.status, 429, 'after 20 wrong keys even a good key from that address waits')
  errorShape(t, r, 'LC_ERR_ERP_RATE')
  const g = await fixture(t, { requestsPerMinute: 3 })
  const statuses = []
  for (let i = 0; i < 5; i++) statuses.push((await g.call('GET', '/erp/v1/jobs')).status)
  t.same(statuses, [200, 200, 200, 429, 429])
  const last = await g.call('GET', '/erp/v1/jobs')
  t.ok(Number(last.headers.get('retry-after')) >= 1)
})

t.test('a job is queued (201 after commit); a replayed idempotency key answers the same without a second job', async t => {
  const f = await fixture(t)
  const first = await f.call('POST', '/erp/v1/jobs', { body: JOB, idem: 'order-123-create' })
  t.equal(first.status, 201)
  t.match(first.json, { id: 1, reference: 'ZP-000123', status: 'queued', client: '1c-main', lineJobId: null, job: { gtin: GTIN_A, batch: 'B-42', unitsPerBox: 12, minGrade: 'C' }, links: { self: '/erp/v1/jobs/1' } })
  t.equal(f.server.store.get(1)?.status, 'queued', 'committed before the answer')
  t.equal(f.jobs.active(), null, 'nothing started on the line: the operator starts it')
  // the same body, keys in another order and other whitespace: the same request
  const again = await f.call('POST', '/erp/v1/jobs', { raw: JSON.stringify(Object.fromEntries(Object.entries(JOB).reverse()), null, 2), idem: 'order-123-create' })
  t.equal(again.status, 201)
  t.same(again.json, first.json, 'the stored answer')
  t.equal(again.headers.get('idempotent-replayed'), 'true')
  t.equal(f.server.store.list(null, 10).length, 1, 'no second job')
  const other = await f.call('POST', '/erp/v1/jobs', { body: { ...JOB, quantity: 1300 }, idem: 'order-123-create' })
  t.equal(other.status, 422, 'the same key with another body')
  errorShape(t, other, 'LC_ERR_ERP_IDEMPOTENCY_MISMATCH')
  t.match(other.json.error.detail, /order-123-create/)
  t.equal(f.server.store.list(null, 10).length, 1)
  // keys belong to a client: another client's same key is its own
  const wms = await f.call('POST', '/erp/v1/jobs', { key: OTHER_KEY, body: JOB, idem: 'order-123-create' })
  t.equal(wms.status, 201)
  t.equal(wms.json.id, 2)
  const missing = await f.call('POST', '/erp/v1/jobs', { body: { ...JOB, reference: 'ZP-9' } })
  t.equal(missing.status, 400)
  errorShape(t, missing, 'LC_ERR_ERP_IDEMPOTENCY_KEY')
  t.equal((await f.call('POST', '/erp/v1/jobs', { body: { ...JOB, reference: 'ZP-9' }, idem: 'bad key with spaces' })).status, 400)
  const dup = await f.call('POST', '/erp/v1/jobs', { body: JOB, idem: 'another-key' })
  t.equal(dup.status, 409, 'the same ERP reference twice from one client')
  errorShape(t, dup, 'LC_ERR_ERP_CONFLICT')
  t.same(dup.json.error.fields, [{ path: 'reference', message: 'already used by this client' }])
})

t.test('malformed JSON, a wrong content type and an oversized body are refused in the documented shape', async t => {
  const f = await fixture(t, { bodyLimit: 4096 })
  const bad = await f.call('POST', '/erp/v1/jobs', { raw: '{"group": "water",', idem: 'm1' })
  t.equal(bad.status, 400)
  errorShape(t, bad, 'LC_ERR_ERP_INPUT')
  const text = await f.call('POST', '/erp/v1/jobs', { raw: 'group=water', idem: 'm2', headers: { 'content-type': 'text/plain' } })
  t.equal(text.status, 415)
  errorShape(t, text, 'LC_ERR_ERP_INPUT')
  const big = await f.call('POST', '/erp/v1/jobs', { body: { ...JOB, productDescription: 'x'.repeat(5000) }, idem: 'm3' })
  t.equal(big.status, 413)
  errorShape(t, big, 'LC_ERR_ERP_TOO_LARGE')
  const notObject = await f.call('POST', '/erp/v1/jobs', { body: [1, 2], idem: 'm4' })
  t.equal(notObject.status, 422)
  errorShape(t, notObject, 'LC_ERR_JOB')
  const schema = await f.call('POST', '/erp/v1/jobs', { body: { ...JOB, gtin: '123', quantity: 0, colour: 'red' }, idem: 'm5' })
  t.equal(schema.status, 422)
  errorShape(t, schema, 'LC_ERR_JOB')
  t.same(schema.json.error.fields.map((x: { path: string }) => x.path).sort(), ['(root)', 'gtin', 'quantity'], 'every field named')
  t.match(schema.json.error.fields.find((x: { path: string }) => x.path === '(root)').message, /colour/)
  t.equal(f.server.store.list(null, 10).length, 0, 'nothing queued')
  const unknown = await f.call('GET', '/erp/v1/nothing-here')
  t.equal(unknown.status, 404)
  errorShape(t, unknown, 'LC_ERR_ERP_NOT_FOUND')
})

t.test('a job the product-group table refuses names the field; the refusal is replayed for its key', async t => {
  const f = await fixture(t)
  const beer = await f.call('POST', '/erp/v1/jobs', { body: { ...JOB, group: 'beer' }, idem: 'beer-1' })
  t.equal(beer.status, 422)
  errorShape(t, beer, 'LC_ERR_JOB_GROUP')
  const paths = beer.json.error.fields.map((x: { path: string }) => x.path)
  t.ok(paths.includes('participantId') && paths.includes('alcoholVolume'), `the missing attributes named: ${paths.join(', ')}`)
  const pharma = await f.call('POST', '/erp/v1/jobs', { body: { ...JOB, group: 'pharma' }, idem: 'pharma-1' })
  t.equal(pharma.status, 422)
  errorShape(t, pharma, 'LC_ERR_JOB_GROUP_REFUSED')
  t.equal(pharma.json.error.fields[0].path, 'group')
  const gtin = await f.call('POST', '/erp/v1/jobs', { body: { ...JOB, gtin: '04601653030047' }, idem: 'gtin-1' })
  t.equal(gtin.status, 422, 'a wrong check digit: the job store checks it')
  t.equal(gtin.json.error.fields[0].path, 'gtin')
  const again = await f.call('POST', '/erp/v1/jobs', { body: { ...JOB, group: 'beer' }, idem: 'beer-1' })
  t.equal(again.status, 422)
  t.same(again.json, beer.json, 'the same refusal for the same request')
  t.equal(f.server.store.list(null, 10).length, 0)
})

t.test('queued jobs are listed by status and cancelled; a started one cannot be cancelled from the ERP', async t => {
  const f = await fixture(t)
  for (const n of [1, 2, 3]) t.equal((await f.call('POST', '/erp/v1/jobs', { body: { ...JOB, reference: `ZP-${n}`, batch: `B-${n}` }, idem: `create-${n}` })).status, 201)
  const queued = await f.call('GET', '/erp/v1/jobs?status=queued')
  t.same(queued.json.jobs.map((j: { reference: string }) => j.reference), ['ZP-1', 'ZP-2', 'ZP-3'], 'queue order')
  const cancel = await f.call('POST', '/erp/v1/jobs/2/cancel', { idem: 'cancel-2' })
  t.equal(cancel.status, 200)
  t.equal(cancel.json.status, 'cancelled')
  t.type(cancel.json.cancelledAt, 'string')
  t.same((await f.call('POST', '/erp/v1/jobs/2/cancel', { idem: 'cancel-2' })).json, cancel.json, 'a retried cancel is replayed')
  const twice = await f.call('POST', '/erp/v1/jobs/2/cancel', { idem: 'cancel-2b' })
  t.equal(twice.status, 409, 'a new cancel of a cancelled job')
  errorShape(t, twice, 'LC_ERR_ERP_CONFLICT')
  t.same((await f.call('GET', '/erp/v1/jobs?status=queued')).json.jobs.map((j: { id: number }) => j.id), [1, 3])
  t.same((await f.call('GET', '/erp/v1/jobs?status=cancelled')).json.jobs.map((j: { id: number }) => j.id), [2])
  // the operator starts job 1 at the line
  const q = f.server.store.get(1)
  const line = f.jobs.start(f.jobs.validate(q?.job), 'operator')
  f.server.store.markStarted(1, line.id, 'operator', f.clock.now())
  const one = await f.call('GET', '/erp/v1/jobs/1')
  t.match(one.json, { status: 'active', lineJobId: line.id, startedBy: 'operator', links: { report: '/erp/v1/jobs/1/report' } })
  t.same((await f.call('GET', '/erp/v1/jobs?status=active')).json.jobs.map((j: { id: number }) => j.id), [1])
  const running = await f.call('POST', '/erp/v1/jobs/1/cancel', { idem: 'cancel-1' })
  t.equal(running.status, 409, 'a running job is ended at the line, never from the ERP')
  t.match(running.json.error.detail, /active/)
  t.equal(f.jobs.active()?.id, line.id)
  f.jobs.end(line.id, 'complete')
  t.equal((await f.call('GET', '/erp/v1/jobs/1')).json.status, 'complete')
  t.equal((await f.call('GET', '/erp/v1/jobs/99')).status, 404)
  t.equal((await f.call('GET', '/erp/v1/jobs/abc')).status, 400)
  t.equal((await f.call('GET', '/erp/v1/jobs?status=lost')).status, 400)
  t.equal((await f.call('GET', '/erp/v1/jobs/3/report')).status, 409, 'no report before the job started')
})

t.test('the OpenAPI document is valid JSON, public, and lists exactly the routes the server registered', async t => {
  const f = await fixture(t)
  const r = await f.call('GET', '/erp/v1/openapi.json', { key: null })
  t.equal(r.status, 200)
  t.equal(r.json.openapi, '3.1.0')
  const documented = Object.entries(r.json.paths as Record<string, Record<string, unknown>>)
    .flatMap(([path, ops]) => Object.keys(ops).map(m => `${m.toUpperCase()} ${path}`)).sort()
  const registered = f.server.routes.map(x => `${x.method} ${x.url.replace(/:(\w+)/g, '{$1}')}`).sort()
  t.same(documented, registered)
  // every status a route answers with comes with the error shape or a body
  for (const [path, ops] of Object.entries(r.json.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>)) {
    for (const [m, op] of Object.entries(ops)) {
      t.ok(Object.keys(op.responses).length > 0, `${m} ${path} has responses`)
      if (path !== '/erp/v1/openapi.json') t.ok('401' in op.responses, `${m} ${path} documents 401`)
    }
  }
  t.match(r.json.components.schemas.JobInput.required, ['group', 'gtin', 'batch', 'productionDate', 'quantity'])
  t.notOk(r.json.components.schemas.JobInput.required.includes('minGrade'), 'defaults are optional')
  t.equal(r.json.components.schemas.JobInput.additionalProperties, false, 'unknown fields are refused, as documented')
})
