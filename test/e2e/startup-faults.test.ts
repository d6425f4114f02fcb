// Start-up and store faults: a line never waits on a device, refuses a busy port or a lost store before doing
// anything, notices its store deleted under it, and closes without raising the faults its own closing causes.
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { silentLogger } from '../../line/log.ts'
import { startLine } from '../../line/main.ts'
import { freePort } from '../../sim/net.ts'
import { SimWorld } from '../../sim/world.ts'
import { lineConfig, waitFor } from '../helpers/line.ts'
import { tempDir } from '../helpers/tmp.ts'

const BOOT = { adminUser: 'admin', adminPassword: 'admin-test-pw' }
const fast = { startupWaitMs: 2000, storeWatchMs: 100 }

t.test('an unreachable print head does not hold the start-up: the panel comes up and shows the head not ready', async t => {
  const dir = tempDir(t)
  const dead = await freePort() // nothing listens there
  const config = lineConfig(dir, { printers: [{ id: 'head-1', driver: 'modbus-head', transport: { kind: 'tcp', host: '127.0.0.1', port: dead }, bufferDepth: 8 }], cameras: [], job: undefined })
  const started = Date.now()
  const line = await startLine(config, { log: silentLogger(), hmiBootstrap: BOOT, timings: fast })
  t.teardown(() => line.close())
  t.ok(Date.now() - started < 15_000, `started in ${Date.now() - started} ms`)
  const page = await fetch(line.hmiUrl)
  t.equal(page.status, 200, 'the panel answers')
  const head = line.runtime.snapshot().devices.find(d => d.id === 'head-1')
  t.not(head?.state, 'ok', `the head is shown not ready (${head?.state})`)
})

t.test('a busy panel port is refused before the store is even opened', async t => {
  const dir = tempDir(t)
  const busy = createServer()
  await new Promise<void>(resolve => busy.listen(0, '127.0.0.1', () => resolve()))
  t.teardown(() => busy.close())
  const config = lineConfig(dir, { hmi: { host: '127.0.0.1', port: (busy.address() as AddressInfo).port } })
  await t.rejects(startLine(config, { log: silentLogger(), hmiBootstrap: BOOT, timings: fast }), { code: 'LC_ERR_CONFIG', message: /hmi\.port: port \d+ on 127\.0\.0\.1 is in use/ })
  t.notOk(existsSync(join(dir, 'line.db')), 'nothing was created')
})

t.test('a line whose store was deleted refuses to start on an empty one until told', async t => {
  const dir = tempDir(t)
  const config = lineConfig(dir, { cameras: [], printers: [], job: undefined })
  const first = await startLine(config, { log: silentLogger(), hmiBootstrap: BOOT, timings: fast })
  await first.close()
  for (const f of ['line.db', 'line.db-wal', 'line.db-shm', 'broker.db', 'broker.db-wal', 'broker.db-shm']) rmSync(join(dir, f), { force: true })
  await t.rejects(startLine(config, { log: silentLogger(), hmiBootstrap: BOOT, timings: fast }), { code: 'LC_ERR_STORE_IDENTITY', message: /is new, but this line had store/ })
  const db = new Database(join(dir, 'line.db'), { readonly: true })
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map(r => r.name)
  db.close()
  t.notOk(tables.includes('codes'), 'no pool, no users, no orders were made on the empty store')
  const again = await startLine(config, { log: silentLogger(), hmiBootstrap: BOOT, timings: fast, acceptNewStore: true })
  t.pass('an engineer accepts the new store')
  await again.close()
})

t.test('the store deleted under a running line is a fault, cleared when it is back', async t => {
  const dir = tempDir(t)
  const config = lineConfig(dir, { cameras: [], printers: [], job: undefined })
  const line = await startLine(config, { log: silentLogger(), hmiBootstrap: BOOT, timings: fast })
  t.teardown(() => line.close())
  const storeAlarm = (): { active: boolean } | undefined => line.runtime.snapshot().alarms.find(a => a.code === 'FAULT_STORE' && a.source === 'store-file')
  renameSync(join(dir, 'line.db'), join(dir, 'moved.db'))
  await waitFor('the store fault', () => storeAlarm()?.active === true, 10_000)
  renameSync(join(dir, 'moved.db'), join(dir, 'line.db'))
  await waitFor('the fault cleared', () => storeAlarm()?.active === false, 10_000)
})

/** chattr +i needs root and a filesystem with the immutable flag (not tmpfs). */
function chattrWorks (): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'lc-chattr-'))
  const probe = join(dir, 'probe')
  writeFileSync(probe, 'x')
  try { execFileSync('chattr', ['+i', probe], { stdio: 'ignore' }); execFileSync('chattr', ['-i', probe], { stdio: 'ignore' }); return true } catch { return false } finally { rmSync(dir, { recursive: true, force: true }) }
}

t.test('the store made immutable under a running line is a fault, and the process lives (no SIGBUS)', { skip: chattrWorks() ? false : 'chattr +i is not possible here' }, async t => {
  const dir = tempDir(t)
  const config = lineConfig(dir, { cameras: [], printers: [], job: undefined })
  const line = await startLine(config, { log: silentLogger(), hmiBootstrap: BOOT, timings: fast })
  const files = ['line.db', 'line.db-wal', 'line.db-shm'].map(f => join(dir, f)).filter(f => existsSync(f))
  t.teardown(async () => { execFileSync('chattr', ['-i', ...files]); await line.close() })
  execFileSync('chattr', ['+i', ...files])
  await waitFor('the store fault', () => line.runtime.snapshot().alarms.some(a => a.code === 'FAULT_STORE' && a.active), 10_000)
  // writes go on being tried (an operator's login, alarms): each is refused, none kills the process
  for (let i = 0; i < 3; i++) await line.runtime.command('reset', 'operator').catch(() => {})
  t.pass('the process is alive after writes to an immutable store')
  execFileSync('chattr', ['-i', ...files])
  await waitFor('the fault cleared', () => !line.runtime.snapshot().alarms.some(a => a.code === 'FAULT_STORE' && a.source === 'store-file' && a.active), 10_000)
})

t.test('closing the line raises none of the faults its own closing causes (printers and cameras going away)', async t => {
  const dir = tempDir(t)
  const base = lineConfig(dir)
  const { world, config } = await SimWorld.devices(base, {})
  const line = await startLine(config, { log: silentLogger(), hmiBootstrap: BOOT, timings: fast })
  await world.attach(config, line.broker?.url ?? '')
  await waitFor('the head and the label printer online', () => line.runtime.snapshot().devices.filter(d => d.id === 'head-1' || d.id === 'box-label').every(d => d.online), 15_000)
  const closing = Date.now()
  await line.close()
  await world.close()
  const db = new Database(join(dir, 'line.db'), { readonly: true })
  const raised = db.prepare('SELECT code, source FROM alarms WHERE raised_at >= ?').all(closing) as Array<{ code: string, source: string }>
  db.close()
  t.same(raised, [], 'no alarm raised while closing')
})
