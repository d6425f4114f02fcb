// The codes-files API of the panel over real HTTP on loopback, a real pool on a SQLite file: roles, the upload's
// size limit and cross-site guard, the summary of an import, an export and its downloads, the audit trail.
import { createHash } from 'node:crypto'
import t from 'tap'
import { join } from 'node:path'
import { CodeFiles } from '../../../line/codefiles/index.ts'
import { createHmiServer, HmiStore } from '../../../line/hmi/index.ts'
import { hashPassword } from '../../../line/hmi/passwords.ts'
import { silentLogger } from '../../../line/log.ts'
import { GTIN_A, block, poolFixture } from '../../helpers/pool.ts'
import { tempDir } from '../../helpers/tmp.ts'
import { FakeLine } from '../hmi/fake-line.ts'
import { Client, USERS } from '../hmi/harness.ts'

async function start (t: { teardown(fn: () => void | Promise<void>): void, equal(a: unknown, b: unknown): void }, maxBytes = 1 << 20) {
  const f = poolFixture(t)
  const dir = tempDir(t)
  const codeFiles = new CodeFiles({ pool: f.pool, profiles: f.profiles, clock: f.clock, exportDir: join(dir, 'exports'), limits: { maxBytes } })
  const store = new HmiStore(f.db)
  for (const [name, role, password] of USERS) store.addUser({ username: name, role, passwordHash: await hashPassword(password), mustChange: false, createdBy: 'test' }, f.clock.now())
  const line = new FakeLine({ clock: f.clock })
  const server = createHmiServer({ control: line, db: f.db, log: silentLogger(), clock: f.clock, codeFiles, config: { host: '127.0.0.1', port: 0, sessionTtl: 3_600_000, updateIntervalMs: 50 } })
  const url = await server.listen()
  t.teardown(async () => { await server.close(); line.close() })
  const eng = new Client(url)
  t.equal(await eng.login('petrova', 'engineer-pass-1'), 200)
  const op = new Client(url)
  t.equal(await op.login('ivanov', 'operator-pass-1'), 200)
  return { f, url, eng, op, store }
}

async function upload (c: Client, query: string, body: string, headers: Record<string, string> = {}) {
  const h: Record<string, string> = { 'content-type': 'application/octet-stream', 'x-lc-upload': '1', ...headers }
  if (c.cookie !== null) h.cookie = c.cookie
  const res = await fetch(`${c.base}/api/codes/import?${query}`, { method: 'POST', headers: h, body })
  return { status: res.status, body: await res.json() as any }
}

const q = (name: string) => `gtin=${GTIN_A}&group=water&name=${encodeURIComponent(name)}`

t.test('an engineer imports a file; the summary says what went in; an operator may not', async t => {
  const { f, eng, op, store } = await start(t)
  const codes = f.factory.raw(f.profiles.get('water'), GTIN_A, 40)
  const denied = await upload(op, q('a.txt'), codes.join('\n') + '\n')
  t.equal(denied.status, 403)
  t.equal(denied.body.error.code, 'LC_ERR_HMI_FORBIDDEN')
  const anon = await upload(new Client(eng.base), q('a.txt'), codes.join('\n'))
  t.equal(anon.status, 401)
  const ok = await upload(eng, q('cabinet.txt'), codes.join('\r\n') + '\r\n')
  t.equal(ok.status, 200)
  t.match(ok.body.result, { ok: true, imported: 40, fileName: 'cabinet.txt', gtin: GTIN_A, group: 'water' })
  t.equal(f.pool.level(GTIN_A), 40)
  const again = await upload(eng, q('cabinet.txt'), codes.join('\r\n') + '\r\n')
  t.equal(again.status, 409)
  t.equal(again.body.error.code, 'LC_ERR_CODES_FILE_TWICE')
  t.match(again.body.error.message, { ru: /уже загружен/, en: /imported before/ })
  const rows = store.auditTrail(20).filter(r => r.action === 'codes:import')
  t.same(rows.map(r => r.result).sort(), ['forbidden', 'forbidden', 'ok', 'refused'])
})

t.test('printed=1: a printing house\'s file is handed over at once; any other value is refused', async t => {
  const { f, eng } = await start(t)
  const codes = f.factory.raw(f.profiles.get('water'), GTIN_A, 12)
  const bad = await upload(eng, `${q('press.txt')}&printed=yes`, codes.join('\n') + '\n')
  t.equal(bad.status, 400)
  t.match(JSON.stringify(bad.body.error), /0 или 1/)
  const ok = await upload(eng, `${q('press.txt')}&printed=1`, codes.join('\n') + '\n')
  t.equal(ok.status, 200)
  t.match(ok.body.result, { imported: 12, printed: true })
  t.equal(f.pool.level(GTIN_A), 0, 'nothing to print')
  t.equal(f.pool.accounting().gtins[GTIN_A]?.states.HANDED_OVER, 12)
  const other = f.factory.raw(f.profiles.get('water'), GTIN_A, 3)
  const plain = await upload(eng, `${q('cabinet.txt')}&printed=0`, other.join('\n') + '\n')
  t.match(plain.body.result, { imported: 3, printed: false })
  t.equal(f.pool.level(GTIN_A), 3)
})

t.test('bad lines come back as a list for the panel; nothing is imported', async t => {
  const { f, eng } = await start(t)
  const codes = f.factory.raw(f.profiles.get('water'), GTIN_A, 10)
  codes[4] = 'not a code'
  codes[7] = codes[1]!
  const r = await upload(eng, q('bad.txt'), codes.join('\n') + '\n')
  t.equal(r.status, 422)
  t.equal(r.body.error.code, 'LC_ERR_CODES_FILE_BAD_LINES')
  t.same(r.body.error.details.badLines.map((b: { line: number }) => b.line), [5, 8])
  t.match(r.body.error.details.badLines[1].reason, /same code as line 2/)
  t.match(r.body.error.details.badLines, [{ line: 5, kind: 'format' }, { line: 8, kind: 'duplicate', sameAs: 2 }])
  t.same(r.body.error.details.byReason, { format: 1, duplicate: 1 })
  t.equal(f.pool.accounting().imported, 0)
  const target = await upload(eng, `gtin=123&group=water&name=x.txt`, codes.join('\n'))
  t.equal(target.status, 400)
  t.equal(target.body.error.code, 'LC_ERR_CODES_FILE_TARGET')
  const noName = await upload(eng, `gtin=${GTIN_A}&group=water`, codes.join('\n'))
  t.equal(noName.status, 400)
})

t.test('uploads: a size limit, and no upload without the panel\'s own header or from another site', async t => {
  const { f, eng } = await start(t, 2000)
  const codes = f.factory.raw(f.profiles.get('water'), GTIN_A, 100)
  const big = await upload(eng, q('big.txt'), codes.join('\n') + '\n')
  t.equal(big.status, 413)
  t.equal(big.body.error.code, 'LC_ERR_CODES_FILE_TOO_LARGE')
  t.equal(big.body.error.details.maxBytes, 2000, 'the limit, for the panel to name')
  const plain = await eng.req('POST', `/api/codes/import?${q('x.txt')}`, codes.slice(0, 5).join('\n'), { 'content-type': 'application/octet-stream' })
  t.equal(plain.status, 415, 'without x-lc-upload an octet-stream body is refused before any handler')
  const cross = await upload(eng, q('x.txt'), codes.slice(0, 5).join('\n'), { origin: 'http://evil.example' })
  t.equal(cross.status, 403)
  t.equal(f.pool.accounting().imported, 0)
  const small = await upload(eng, q('small.txt'), codes.slice(0, 10).join('\n') + '\n')
  t.equal(small.status, 200)
  t.equal(small.body.result.imported, 10)
})

t.test('an engineer exports for a printing house and downloads the file and the manifest', async t => {
  const { f, eng, op } = await start(t)
  await f.pool.importBlock(block(f, 'b1', 30))
  t.equal((await op.req('POST', '/api/codes/export', { gtin: GTIN_A, count: 5 })).status, 403)
  t.equal((await eng.req('POST', '/api/codes/export', { gtin: GTIN_A, count: 0 })).status, 400)
  const r = await eng.req('POST', '/api/codes/export', { gtin: GTIN_A, count: 12, exportId: 'PH-1' })
  t.equal(r.status, 200)
  t.match(r.body.result, { exportId: 'PH-1', created: true, manifest: { count: 12, gtin: GTIN_A, group: 'water' }, download: { file: '/api/codes/exports/PH-1/file' } })
  const file = await fetch(`${eng.base}/api/codes/exports/PH-1/file`, { headers: { cookie: eng.cookie! } })
  t.equal(file.status, 200)
  t.match(file.headers.get('content-disposition'), /attachment; filename="PH-1.txt"/)
  const bytes = Buffer.from(await file.arrayBuffer())
  t.equal(bytes.toString().split('\n').filter(Boolean).length, 12)
  t.ok(bytes.includes(0x1d))
  const manifest = await eng.req('GET', '/api/codes/exports/PH-1/manifest')
  t.equal(manifest.body.sha256, createHash('sha256').update(bytes).digest('hex'))
  const list = await eng.req('GET', '/api/codes/exports')
  t.match(list.body.exports, [{ exportId: 'PH-1', status: 'written', count: 12, path: 'PH-1.txt' }])
  t.equal((await op.req('GET', '/api/codes/exports')).status, 403)
  t.equal((await eng.req('GET', '/api/codes/exports/nope/file')).status, 404)
  const short = await eng.req('POST', '/api/codes/export', { gtin: GTIN_A, count: 100 })
  t.equal(short.status, 409)
  t.equal(short.body.error.code, 'LC_ERR_POOL_EMPTY')
  t.match(short.body.error.details, { requested: 100, available: 18 })
  t.equal(f.pool.level(GTIN_A), 18)
})
