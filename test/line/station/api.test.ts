// The station's panel API over HTTP on a real store: logged-in operators scan and close, others are refused and
// audited; the envelope is checked (a scan is text), the read itself is the station's to refuse; without a station
// configured the routes do not exist.
import t from 'tap'
import { AlarmBook } from '../../../line/alarms/alarms.ts'
import { Aggregator } from '../../../line/aggregation/aggregator.ts'
import type { JobView } from '../../../line/control.ts'
import { createHmiServer, HmiStore } from '../../../line/hmi/index.ts'
import { hashPassword } from '../../../line/hmi/passwords.ts'
import { silentLogger } from '../../../line/log.ts'
import { StationService } from '../../../line/station/station.ts'
import { block, GTIN_A, poolFixture } from '../../helpers/pool.ts'
import { Client, USERS, startHmi } from '../hmi/harness.ts'
import { FakeLine } from '../hmi/fake-line.ts'

t.test('scan and close through the API: roles, envelope, audit', async t => {
  const f = poolFixture(t)
  await f.pool.importBlock(block(f, 'a', 10))
  const alarms = new AlarmBook(f.db, { clock: f.clock, log: silentLogger() })
  const agg = new Aggregator({ db: f.db, pool: f.pool, clock: f.clock, log: silentLogger(), alarms, companyPrefix: '4601653', extensionDigit: 0 })
  const job = { id: 1, gtin: GTIN_A, batch: 'A', group: 'water', unitsPerBox: 5, boxesPerPallet: 0, status: 'active', startedAt: 0, endedAt: null } as unknown as JobView
  const station = new StationService({ aggregator: agg, pool: f.pool, jobs: { active: () => job, get: () => job }, profiles: f.profiles, unitsPerBox: 5, clock: f.clock, log: silentLogger() })
  const codes = await f.pool.reserve(GTIN_A, 1, 'head-1', { jobId: 1 })
  await f.pool.transition({ ids: [codes[0]!.id], to: 'PRINTED', seq: 1 })
  await f.pool.transition({ ids: [codes[0]!.id], to: 'VERIFIED', grade: 'A' })
  const store = new HmiStore(f.db)
  for (const [name, role, password] of USERS) store.addUser({ username: name, role, passwordHash: await hashPassword(password), mustChange: false, createdBy: 'test' }, Date.now())
  const line = new FakeLine({ clock: f.clock })
  const server = createHmiServer({ control: line, db: f.db, log: silentLogger(), clock: f.clock, station, config: { host: '127.0.0.1', port: 0, sessionTtl: 3_600_000, updateIntervalMs: 200 } })
  const url = await server.listen()
  t.teardown(async () => { await server.close(); line.close() })

  const anon = new Client(url)
  t.equal((await anon.req('GET', '/api/station')).status, 401)
  t.equal((await anon.req('POST', '/api/station/scan', { code: codes[0]!.code })).status, 401, 'not logged in: refused')
  const op = new Client(url)
  t.equal(await op.login('ivanov', 'operator-pass-1'), 200)
  t.equal((await op.req('POST', '/api/station/scan', { code: 5 })).status, 400, 'a scan that is not text')
  t.equal((await op.req('POST', '/api/station/scan', { code: 'x', extra: 1 })).status, 400, 'unknown fields')
  t.equal((await op.req('POST', '/api/station/scan', 'not json', { 'content-type': 'text/plain' })).status, 415)
  const bad = await op.req('POST', '/api/station/scan', { code: '\u0000\u0001' })
  t.equal(bad.status, 200, 'garbage in the read is the station\'s refusal, not an HTTP error')
  t.same([bad.body.decision.code, bad.body.decision.ok], ['BAD_INPUT', false])
  const ok = await op.req('POST', '/api/station/scan', { code: codes[0]!.code })
  t.same([ok.body.decision.code, ok.body.view.box.count], ['ADDED', 1])
  const close = await op.req('POST', '/api/station/close', {})
  t.equal(close.body.decision.code, 'NO_PRINTER', 'no label printer: said')
  t.equal((await op.req('POST', '/api/station/close', { jobId: 'one' })).status, 400)
  const rows = store.auditTrail(50).filter(r => r.action.startsWith('station:')).reverse()
  t.same(rows.map(r => [r.action, r.result, r.actor]), [
    ['station:scan', 'forbidden', 'anonymous'], ['station:scan', 'invalid', 'ivanov'], ['station:scan', 'invalid', 'ivanov'],
    ['station:scan', 'refused', 'ivanov'], ['station:scan', 'ok', 'ivanov'], ['station:close', 'refused', 'ivanov'], ['station:close', 'invalid', 'ivanov'],
  ], 'every attempt is a row: who, what, the outcome')
})

t.test('without a station the routes do not exist', async t => {
  const h = await startHmi(t, { users: USERS })
  const op = new Client(h.url)
  t.equal(await op.login('ivanov', 'operator-pass-1'), 200)
  t.equal((await op.req('GET', '/api/station')).status, 404)
  t.equal((await op.req('POST', '/api/station/scan', { code: 'x' })).status, 404)
})
