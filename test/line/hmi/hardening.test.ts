// The panel under attack: malformed cookies, temporary-password sessions, cross-site and non-JSON state changes,
// lock-out that a slow guesser cannot keep up and that stays bounded, and a network-facing first start.
import t from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import WebSocket from 'ws'
import { ManualClock } from '../../../line/clock.ts'
import { silentLogger } from '../../../line/log.ts'
import { openDatabase } from '../../../line/store/open.ts'
import { HmiStore } from '../../../line/hmi/index.ts'
import { HmiAuth } from '../../../line/hmi/auth.ts'
import { hashPassword } from '../../../line/hmi/passwords.ts'
import { tempDir } from '../../helpers/tmp.ts'
import { Client, USERS, startHmi } from './harness.ts'

t.test('a malformed session cookie is no session (401), never an internal error', async t => {
  const h = await startHmi(t, { users: USERS })
  for (const cookie of ['lc_hmi=%E0%A4%A', 'lc_hmi=%', 'lc_hmi=' + 'x'.repeat(3000), 'lc_hmi']) {
    for (const path of ['/api/snapshot', '/api/me', '/api/audit']) {
      const r = await new Client(h.url).req('GET', path, undefined, { cookie })
      t.equal(r.status, 401, `${path} with ${cookie.slice(0, 20)}`)
    }
  }
})

t.test('a session that must change its temporary password can do only that', async t => {
  const h = await startHmi(t, { config: { bootstrap: { adminPassword: 'first-start-secret' } } })
  const c = new Client(h.url)
  t.equal(await c.login('admin', 'first-start-secret'), 200)
  for (const path of ['/api/snapshot', '/api/audit', '/api/shift-report', '/api/shift-report.csv', '/api/users', '/api/image/last.png']) {
    t.equal((await c.req('GET', path)).status, 403, `${path} refused`)
  }
  t.equal((await c.req('GET', '/api/me')).status, 200, 'who am I is allowed: the panel shows the password screen')
  const code = await new Promise<number>(resolve => {
    const ws = new WebSocket(h.url.replace('http', 'ws') + '/ws', { headers: { cookie: c.cookie ?? '' } })
    ws.on('close', c => resolve(c))
    ws.on('error', () => {})
  })
  t.equal(code, 4403, 'no live updates either')
  t.equal((await c.req('POST', '/api/me/password', { oldPassword: 'first-start-secret', newPassword: 'a-real-long-password' })).status, 200)
  t.equal((await c.req('GET', '/api/snapshot')).status, 200)
})

t.test('state changes from another site or not as JSON are refused before they act', async t => {
  const h = await startHmi(t, { users: USERS })
  const c = new Client(h.url)
  t.equal(await c.login('ivanov', 'operator-pass-1'), 200)
  const plain = await c.req('POST', '/api/box/close', 'x', { 'content-type': 'text/plain' })
  t.equal(plain.status, 415)
  t.equal(plain.body.error.code, 'LC_ERR_HMI_CROSS_SITE')
  const form = await c.req('POST', '/api/command', 'command=stop', { 'content-type': 'application/x-www-form-urlencoded' })
  t.equal(form.status, 415)
  const foreign = await c.req('POST', '/api/box/close', {}, { origin: 'http://evil.example' })
  t.equal(foreign.status, 403)
  t.match(foreign.body.error.message, { ru: /чужой/, en: /another site/ })
  const fetchSite = await c.req('POST', '/api/box/close', {}, { 'sec-fetch-site': 'cross-site' })
  t.equal(fetchSite.status, 403)
  t.equal(h.line.calls.length, 0, 'nothing reached the line')
  const own = await c.req('POST', '/api/command', { command: 'reset' }, { origin: h.url, 'sec-fetch-site': 'same-origin' })
  t.equal(own.status, 200, 'the panel\'s own page still works')
  t.equal(h.line.calls.length, 1)
})

t.test('lock-out: a slow guesser never locks the user out, a fast one does only from its address, and the memory is bounded', async t => {
  const dir = tempDir(t)
  const db = openDatabase(join(dir, 'line.db'), { synchronous: 'NORMAL' })
  t.teardown(() => db.close())
  const store = new HmiStore(db)
  const clock = new ManualClock(1_000_000)
  store.addUser({ username: 'admin', role: 'admin', passwordHash: await hashPassword('right-password-1'), mustChange: false, createdBy: 'test' }, clock.now())
  const auth = new HmiAuth({ store, clock, sessionTtl: 3_600_000, log: silentLogger(), maxTrackedFailures: 50 })
  for (let i = 0; i < 8; i++) {
    await t.rejects(auth.login('admin', 'wrong', '10.0.0.9'))
    clock.advance(61_000)
  }
  await auth.login('admin', 'right-password-1', '10.0.0.9')
  t.pass('eight wrong tries a minute apart: still not locked')

  for (let i = 0; i < 5; i++) await t.rejects(auth.login('admin', 'wrong', '10.0.0.66'))
  await t.rejects(auth.login('admin', 'right-password-1', '10.0.0.66'), /./, 'locked from the guessing address')
  await auth.login('admin', 'right-password-1', '127.0.0.1')
  t.pass('the operator at the panel still logs in')
  clock.advance(61_000)
  await auth.login('admin', 'right-password-1', '10.0.0.66')
  t.pass('the lock ends')

  for (let i = 0; i < 120; i++) await t.rejects(auth.login(`nobody-${i}`, 'x', '10.0.0.66'))
  t.ok(auth.trackedFailures <= 50, `bounded (${auth.trackedFailures})`)
})

t.test('a panel listening beyond loopback refuses the configured first password and writes a random one', async t => {
  const dir = tempDir(t)
  const passwordFile = join(dir, 'initial-admin.txt')
  const h = await startHmi(t, { config: { host: '0.0.0.0', bootstrap: { adminPassword: 'admin', passwordFile } } })
  const c = new Client(h.url)
  t.equal(await c.login('admin', 'admin'), 401)
  t.ok(existsSync(passwordFile))
  const [user, password] = readFileSync(passwordFile, 'utf8').trim().split('\n')
  t.equal(user, 'admin')
  t.not(password, 'admin')
  t.equal(await c.login('admin', password as string), 200)
})
