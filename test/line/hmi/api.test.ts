import t from 'tap'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import WebSocket from 'ws'
import { ManualClock } from '../../../line/clock.ts'
import { Client, USERS, startHmi, until } from './harness.ts'

const JOB = {
  group: 'milk', gtin: '04601653030046', batch: 'B-101', productionDate: '2026-11-25', expiryDate: '2026-12-05',
  quantity: 1000, unitsPerBox: 4, boxesPerPallet: 2, minGrade: 'C', unitsPerMinute: 3000,
}

t.test('first start creates the admin from the configured password; it must be changed before anything else', async t => {
  const h = await startHmi(t, { config: { bootstrap: { adminPassword: 'first-start-secret' } } })
  const c = new Client(h.url)
  t.equal(await c.login('admin', 'wrong-password'), 401)
  t.equal(await c.login('admin', 'first-start-secret'), 200)
  const me = await c.req('GET', '/api/me')
  t.equal(me.body.user.role, 'admin')
  t.equal(me.body.user.mustChangePassword, true)
  const blocked = await c.req('POST', '/api/command', { command: 'reset' })
  t.equal(blocked.status, 403, 'no command before the temporary password is changed')
  t.match(blocked.body.error.message, { ru: /пароль/, en: /password/ })
  t.equal(h.line.calls.length, 0)
  const short = await c.req('POST', '/api/me/password', { oldPassword: 'first-start-secret', newPassword: 'short' })
  t.equal(short.status, 400)
  t.ok(short.body.error.fields.newPassword.ru.includes('10'))
  t.equal((await c.req('POST', '/api/me/password', { oldPassword: 'first-start-secret', newPassword: 'a-real-long-password' })).status, 200)
  t.equal((await c.req('POST', '/api/command', { command: 'reset' })).status, 200)
  t.same(h.line.calls[0], { method: 'command', actor: 'admin', args: ['reset'] })
})

t.test('without a password the first admin gets a generated one in a 0600 file, removed after the change', async t => {
  const dir = (await import('../../helpers/tmp.ts')).tempDir(t)
  const file = join(dir, 'hmi-initial-admin.txt')
  const h = await startHmi(t, { config: { bootstrap: { passwordFile: file } } })
  t.ok(existsSync(file))
  t.equal(statSync(file).mode & 0o777, 0o600)
  const [user, password] = readFileSync(file, 'utf8').trim().split('\n') as [string, string]
  t.equal(user, 'admin')
  t.ok(password.length >= 16)
  const c = new Client(h.url)
  t.equal(await c.login(user, password), 200)
  t.equal((await c.req('POST', '/api/me/password', { oldPassword: password, newPassword: 'plant-admin-password' })).status, 200)
  t.notOk(existsSync(file), 'the one-time password file is gone')
})

t.test('nothing changes without login; wrong passwords lock the account for a while', async t => {
  const h = await startHmi(t, { users: USERS })
  const anon = new Client(h.url)
  for (const [m, p, b] of [['POST', '/api/command', { command: 'reset' }], ['POST', '/api/job', JOB], ['POST', '/api/box/close', {}], ['GET', '/api/snapshot', undefined]] as const) {
    const r = await anon.req(m, p, b)
    t.equal(r.status, 401, `${m} ${p} needs a login`)
    t.equal(r.body.error.code, 'LC_ERR_HMI_AUTH')
  }
  t.equal(h.line.calls.length, 0)
  const c = new Client(h.url)
  for (let i = 0; i < 5; i++) t.equal(await c.login('ivanov', 'nope'), 401)
  const locked = await c.req('POST', '/api/login', { username: 'ivanov', password: 'operator-pass-1' })
  t.equal(locked.status, 401, 'locked even with the right password')
  t.match(locked.body.error.message.en, /Too many/)
  t.equal(await c.login('petrova', 'engineer-pass-1'), 200, 'other users are not affected')
  const unknown = await c.req('POST', '/api/login', { username: 'nobody', password: 'x' })
  t.same(unknown.body.error.message, { ru: 'Неверное имя пользователя или пароль', en: 'Wrong user name or password' })
})

t.test('commands are checked by role on the server and audited', async t => {
  const h = await startHmi(t, { users: USERS })
  const op = new Client(h.url)
  const eng = new Client(h.url)
  t.equal(await op.login('ivanov', 'operator-pass-1'), 200)
  t.equal(await eng.login('petrova', 'engineer-pass-1'), 200)

  const job = await op.req('POST', '/api/job', JOB)
  t.equal(job.status, 403, 'an operator cannot start a job')
  t.same(job.body.error.message, { ru: 'Действие «Запуск задания» недоступно для роли «оператор»', en: '"Start job" is not allowed for role operator' })
  t.equal((await eng.req('POST', '/api/job', JOB)).status, 200)

  t.equal((await op.req('POST', '/api/command', { command: 'reset' })).status, 200)
  await until(() => h.line.machine.state === 'Idle')
  t.equal((await op.req('POST', '/api/command', { command: 'start' })).status, 200)
  await until(() => h.line.machine.state === 'Execute')

  const abort = await op.req('POST', '/api/command', { command: 'abort' })
  t.equal(abort.status, 403)
  t.equal(abort.body.error.code, 'LC_ERR_HMI_FORBIDDEN')
  t.equal(h.line.machine.state, 'Execute', 'the refused command changed nothing')
  t.equal((await op.req('POST', '/api/mode', { mode: 'Manual' })).status, 403)

  const unknown = await op.req('POST', '/api/command', { command: 'explode' })
  t.equal(unknown.status, 400)
  t.match(unknown.body.error.message, { ru: /Неизвестная команда/, en: /Unknown command/ })

  const wrongState = await op.req('POST', '/api/command', { command: 'reset' })
  t.equal(wrongState.status, 409, 'the line refuses reset in Execute')
  t.match(wrongState.body.error.message.ru, /недопустима/)

  t.equal((await eng.req('POST', '/api/command', { command: 'abort' })).status, 200)
  await until(() => h.line.machine.state === 'Aborted')

  const audit = await eng.req('GET', '/api/audit?limit=50')
  t.equal(audit.status, 200)
  const rows = audit.body.rows as Array<{ actor: string, action: string, result: string, role: string }>
  t.ok(rows.some(r => r.actor === 'ivanov' && r.action === 'cmd:abort' && r.result === 'forbidden'), 'forbidden attempt in the audit trail')
  t.ok(rows.some(r => r.actor === 'ivanov' && r.action === 'cmd:reset' && r.result === 'refused'))
  t.ok(rows.some(r => r.actor === 'petrova' && r.action === 'cmd:abort' && r.result === 'ok' && r.role === 'engineer'))
  t.ok(rows.some(r => r.actor === 'ivanov' && r.action === 'command' && r.result === 'invalid'))
  t.equal((await op.req('GET', '/api/audit')).status, 403, 'operators do not read the audit trail')
  t.ok(h.line.calls.every(c => c.actor === 'ivanov' || c.actor === 'petrova'))
})

t.test("the job form: what the product group's reports need, per field in both languages (docs/groups.md)", async t => {
  const h = await startHmi(t, { users: USERS })
  const c = new Client(h.url)
  await c.login('petrova', 'engineer-pass-1')
  // a form posts every input: the empty ones are absent fields
  const blank = { participantId: '', kpp: '', fiasId: '', alcoholVolume: '', documentNumber: '', documentDate: '', expDate72: '', expDateConditions: '' }
  const beer = await c.req('POST', '/api/job', { ...JOB, group: 'beer', ...blank })
  t.equal(beer.status, 400)
  const f = beer.body.error.fields
  t.match(f.participantId, { ru: /ИНН участника: обязательно для группы beer \(Table 126\)/, en: /Participant INN: required for beer \(Table 126\)/ })
  t.ok(f.alcoholVolume && f.documentNumber && f.documentDate, 'every missing beer attribute named')
  const milk = await c.req('POST', '/api/job', { ...JOB, expiryDate: '', ...blank })
  t.match(milk.body.error.fields.expiryDate, { ru: /укажите одно из: Годен до/, en: /give one of: Expiry date .*Table 122 note 1/ })
  const cond = await c.req('POST', '/api/job', { ...JOB, expiryDate: '', ...blank, expDateConditions: '{"1": "2026-12-01"}' })
  t.equal(cond.status, 200, 'expiry by storage condition, sent as JSON text, is enough for milk')
  t.same((h.line.calls.at(-1)?.args[0] as { expDateConditions?: unknown }).expDateConditions, { 1: '2026-12-01' })
  const pharma = await c.req('POST', '/api/job', { ...JOB, group: 'pharma' })
  t.equal(pharma.status, 400)
  t.match(pharma.body.error.fields.group, { ru: /МДЛП/, en: /MDLP/ })
})

t.test('forms are validated on the server with messages per field; garbage never gets a 500', async t => {
  const h = await startHmi(t, { users: USERS })
  const c = new Client(h.url)
  await c.login('petrova', 'engineer-pass-1')
  const bad = await c.req('POST', '/api/job', { ...JOB, gtin: '04601653030045', batch: '', productionDate: '2026-02-30', quantity: 'many', unitsPerBox: 0, group: 'caviar' })
  t.equal(bad.status, 400)
  const f = bad.body.error.fields
  t.match(f.gtin, { ru: /контрольная цифра, ожидается 6/, en: /check digit, expected 6/ })
  t.ok(f.batch && f.productionDate && f.quantity && f.unitsPerBox && f.group, 'every bad field named')
  const order = await c.req('POST', '/api/job', { ...JOB, expiryDate: '2026-11-01' })
  t.match(order.body.error.fields.expiryDate.en, /after the production date/)
  const tnved = await c.req('POST', '/api/job', { ...JOB, tnvedCode: '22011A' })
  t.match(tnved.body.error.fields.tnvedCode, { ru: /ТН ВЭД/, en: /TN VED: 4 to 10 digits/ }, 'a bad TN VED code is named')
  const extra = await c.req('POST', '/api/job', { ...JOB, hack: 1 })
  t.equal(extra.status, 400, 'unknown fields are refused')
  t.equal((await c.req('POST', '/api/job', '{"gtin": ', { 'content-type': 'application/json' })).status, 400, 'broken JSON')
  t.equal((await c.req('POST', '/api/job', 'gtin=1', { 'content-type': 'application/x-www-form-urlencoded' })).status, 415)
  t.equal((await c.req('POST', '/api/box/scrap', { sscc: '046016530000000018', reason: 'x' })).status, 400)
  t.equal((await c.req('POST', '/api/alarms/abc/ack', {})).status, 400)
  t.equal((await c.req('POST', '/api/unit/remove', { code: 42 })).status, 400)
  t.equal((await c.req('POST', '/api/box/reprint', { sscc: 'x'.repeat(100_000) })).status, 413)
  const nf = await c.req('GET', '/api/nothing')
  t.equal(nf.status, 404)
  t.match(nf.body.error.message.ru, /Неизвестная/)
  t.equal(h.line.calls.length, 0, 'nothing reached the line')

  h.line.failNext = true
  const boom = await c.req('POST', '/api/box/close', {})
  t.equal(boom.status, 503, 'a failing line is a 503 with a message, not a 500')
  t.match(boom.body.error.message.en, /simulated controller failure/)
  t.equal((await c.req('GET', '/api/me')).status, 200, 'the server is still up')
})

t.test('aggregation operations, shift report, CSV and the camera image', async t => {
  const h = await startHmi(t, { users: USERS })
  const c = new Client(h.url)
  await c.login('petrova', 'engineer-pass-1')
  t.equal((await c.req('GET', '/api/image/last.png')).status, 404)
  t.equal((await c.req('POST', '/api/job', JOB)).status, 200)
  await c.req('POST', '/api/command', { command: 'reset' })
  await until(() => h.line.machine.state === 'Idle')
  await c.req('POST', '/api/command', { command: 'start' })
  await until(() => h.line.closedBoxes().length >= 2 && h.line.openBoxCodes().length >= 2 && h.line.lastImagePng() !== null)
  await c.req('POST', '/api/command', { command: 'stop' })
  await until(() => h.line.machine.state === 'Stopped')

  const code = h.line.openBoxCodes()[0] as string
  t.equal((await c.req('POST', '/api/unit/remove', { code })).status, 200)
  t.notOk(h.line.openBoxCodes().includes(code))
  t.equal((await c.req('POST', '/api/unit/remove', { code })).status, 409, 'not in the box any more')
  const closed = await c.req('POST', '/api/box/close', {})
  t.equal(closed.status, 200)
  t.match(closed.body.result.sscc, /^\d{18}$/)
  const [b1, b2] = h.line.closedBoxes() as [string, string]
  t.equal((await c.req('POST', '/api/box/reprint', { sscc: `00${b1}` })).status, 200, 'SSCC with the 00 prefix accepted')
  t.equal((await c.req('POST', '/api/box/scrap', { sscc: b2, reason: 'упал с конвейера' })).status, 200)
  t.same(h.line.calls.find(x => x.method === 'scrapBox')?.args, [b2, 'упал с конвейера'])

  const rep = await c.req('GET', '/api/shift-report')
  t.equal(rep.status, 200)
  t.equal(rep.body.rows.length, 1)
  t.equal(rep.body.rows[0].gtin, JOB.gtin)
  t.ok(rep.body.rows[0].printed > 0)
  const csv = await c.req('GET', '/api/shift-report.csv')
  t.match(csv.headers.get('content-type'), /text\/csv/)
  t.ok(csv.raw.startsWith('Задание;GTIN;Партия;Напечатано'), 'Russian headers')
  const bytes = new Uint8Array(await (await fetch(`${h.url}/api/shift-report.csv`, { headers: { cookie: c.cookie as string } })).arrayBuffer())
  t.same([...bytes.slice(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM for spreadsheets')
  t.match(csv.raw, new RegExp(`\\r\\n1;${JOB.gtin};B-101;\\d+`))
  const en = await c.req('GET', '/api/shift-report.csv?lang=en')
  t.ok(en.raw.startsWith('Job;GTIN;Batch;Printed'))
  t.equal((await c.req('GET', '/api/shift-report?from=yesterday')).status, 400)

  const res = await fetch(`${h.url}/api/image/last.png`, { headers: { cookie: c.cookie as string } })
  t.equal(res.status, 200)
  t.equal(res.headers.get('content-type'), 'image/png')
  t.same([...new Uint8Array(await res.arrayBuffer()).slice(0, 4)], [0x89, 0x50, 0x4e, 0x47])
})

t.test('sessions expire on the injected clock', async t => {
  const clock = new ManualClock(Date.UTC(2026, 10, 25, 6))
  const h = await startHmi(t, { users: USERS, clock, config: { sessionTtl: 8 * 3_600_000 } })
  const c = new Client(h.url)
  await c.login('ivanov', 'operator-pass-1')
  clock.advance(8 * 3_600_000 - 1)
  t.equal((await c.req('GET', '/api/me')).status, 200)
  clock.advance(2)
  t.equal((await c.req('GET', '/api/me')).status, 401)
  t.equal((await c.req('POST', '/api/command', { command: 'reset' })).status, 401)
  t.equal(h.line.calls.length, 0)
  t.equal((await c.req('POST', '/api/logout', {})).status, 200)
})

t.test('user management is for admins; the last admin stays', async t => {
  const h = await startHmi(t, { users: USERS })
  const admin = new Client(h.url)
  await admin.login('root', 'admin-pass-001')
  const created = await admin.req('POST', '/api/users', { username: 'sidorov', role: 'operator', password: 'temporary-pass' })
  t.equal(created.status, 201)
  t.equal((await admin.req('POST', '/api/users', { username: 'sidorov', role: 'operator', password: 'temporary-pass' })).status, 409)
  t.equal((await admin.req('POST', '/api/users', { username: 'x', role: 'boss', password: '1' })).status, 400)
  const list = await admin.req('GET', '/api/users')
  t.same(list.body.users.map((u: { username: string }) => u.username), ['ivanov', 'petrova', 'root', 'sidorov'])
  t.notOk(JSON.stringify(list.body).includes('scrypt'), 'password hashes never leave the server')
  const demote = await admin.req('PATCH', '/api/users/root', { role: 'operator' })
  t.equal(demote.status, 409)
  const sid = new Client(h.url)
  t.equal(await sid.login('sidorov', 'temporary-pass'), 200)
  t.equal((await sid.req('GET', '/api/me')).body.user.mustChangePassword, true, 'an admin-set password is temporary')
  const eng = new Client(h.url)
  await eng.login('petrova', 'engineer-pass-1')
  t.equal((await eng.req('GET', '/api/users')).status, 403)
  t.equal((await admin.req('PATCH', '/api/users/petrova', { disabled: true })).status, 200)
  t.equal((await eng.req('GET', '/api/me')).status, 401, 'disabling ends the session')
  t.equal(await eng.login('petrova', 'engineer-pass-1'), 401)
  // a second administrator exists: still nobody blocks or demotes themselves
  t.equal((await admin.req('POST', '/api/users', { username: 'orlov', role: 'admin', password: 'temporary-pass' })).status, 201)
  const self = await admin.req('PATCH', '/api/users/root', { disabled: true })
  t.equal(self.status, 409, 'an administrator cannot block themselves')
  t.match(JSON.stringify(self.body), /another administrator does that/)
  t.equal((await admin.req('PATCH', '/api/users/root', { role: 'engineer' })).status, 409, 'nor change their own role')
  t.equal((await admin.req('GET', '/api/me')).status, 200, 'and stays logged in')
})

t.test('live updates: login required, snapshots pushed, bursts throttled', async t => {
  const h = await startHmi(t, { users: USERS, config: { updateIntervalMs: 200 } })
  const anon = new WebSocket(`${h.url.replace('http', 'ws')}/ws`)
  const code = await new Promise<number>(resolve => anon.on('close', c => resolve(c)))
  t.equal(code, 4401, 'a socket without a session is closed')

  const c = new Client(h.url)
  await c.login('ivanov', 'operator-pass-1')
  const ws = new WebSocket(`${h.url.replace('http', 'ws')}/ws`, { headers: { cookie: c.cookie as string } })
  t.teardown(() => ws.close())
  const frames: Array<{ type: string, data: { state: { state: string } } }> = []
  ws.on('message', d => frames.push(JSON.parse(String(d))))
  await until(() => frames.length >= 1)
  t.equal(frames[0]?.type, 'snapshot')
  t.equal(frames[0]?.data.state.state, 'Stopped')
  await until(() => h.server.live.clients === 1)

  const before = h.server.live.pushes
  for (let i = 0; i < 1000; i++) h.line.emit('snapshot')
  await until(() => h.server.live.pushes > before)
  t.ok(h.server.live.pushes - before <= 2, `1000 changes in one tick became ${h.server.live.pushes - before} push(es)`)

  h.line.machine.command('reset')
  await until(() => frames.some(f => f.data.state.state === 'Idle'))
  t.pass('state changes reach the panel')
})

t.test('the panel is served, built from TypeScript at start', async t => {
  const h = await startHmi(t, { users: USERS })
  const html = await fetch(`${h.url}/`)
  t.equal(html.status, 200)
  t.match(await html.text(), /<script type="module" src="\/app.js">/)
  t.match(html.headers.get('content-security-policy'), /default-src 'self'/)
  const js = await (await fetch(`${h.url}/app.js`)).text()
  t.ok(js.length > 5000 && js.includes('/api/login'), 'bundled app')
  // no import statement left (the texts bundled with it may say "import it again")
  t.notMatch(js, /(?<![\w$:.\-"'])import\s*[{*"'(]|(?<![\w$:.\-"'])import\s+[\w$]+\s+from\b/, 'one self-contained bundle')
  t.equal((await fetch(`${h.url}/app.css`)).status, 200)
})
