// Test helpers for the HMI: a server on an ephemeral port over a fake line and a real SQLite file, and a cookie-keeping client.
import { join } from 'node:path'
import type { Clock } from '../../../line/clock.ts'
import type { CodeFilesPort } from '../../../line/codefiles/service.ts'
import type { ProductsControl, ReworkControl, SetupControl } from '../../../line/control.ts'
import { systemClock } from '../../../line/clock.ts'
import { silentLogger } from '../../../line/log.ts'
import { openDatabase, type Db } from '../../../line/store/open.ts'
import { createHmiServer, HmiStore, type HmiConfig, type HmiServer, type Role } from '../../../line/hmi/index.ts'
import { hashPassword } from '../../../line/hmi/passwords.ts'
import { tempDir } from '../../helpers/tmp.ts'
import { FakeLine } from './fake-line.ts'

export interface Harness { url: string, line: FakeLine, server: HmiServer, db: Db, dir: string }

type T = { teardown(fn: () => void | Promise<void>): void }

/** `codeFiles`: the codes-files API, built on the harness's store and folder. `setup`: the set-up tab's service, built on the harness's store and fake line (its PackML machine's state). `products`: the panel's product catalogue, built on the harness's store (none: the job form takes a typed GTIN). */
export async function startHmi (t: T, o: { clock?: Clock, config?: Partial<HmiConfig>, users?: Array<[string, Role, string]>, products?: (db: Db, clock: Clock) => ProductsControl, rework?: ReworkControl, setup?: (db: Db, clock: Clock, line: FakeLine) => SetupControl, codeFiles?: (db: Db, clock: Clock, dir: string) => CodeFilesPort } = {}): Promise<Harness> {
  const dir = tempDir(t, 'lc-hmi-')
  const db = openDatabase(join(dir, 'line.db'), { synchronous: 'NORMAL' })
  const clock = o.clock ?? systemClock
  const line = new FakeLine({ clock })
  if (o.users !== undefined) {
    const store = new HmiStore(db)
    for (const [name, role, password] of o.users) store.addUser({ username: name, role, passwordHash: await hashPassword(password), mustChange: false, createdBy: 'test' }, clock.now())
  }
  const server = createHmiServer({
    control: line, db, log: silentLogger(), clock, ...(o.products === undefined ? {} : { products: o.products(db, clock) }), ...(o.rework === undefined ? {} : { rework: o.rework }), ...(o.setup === undefined ? {} : { setup: o.setup(db, clock, line) }), ...(o.codeFiles === undefined ? {} : { codeFiles: o.codeFiles(db, clock, dir) }),
    config: { host: '127.0.0.1', port: 0, sessionTtl: 3_600_000, updateIntervalMs: 50, ...o.config },
  })
  const url = await server.listen()
  t.teardown(async () => { await server.close(); line.close(); db.close() })
  return { url, line, server, db, dir }
}

export const USERS: Array<[string, Role, string]> = [
  ['ivanov', 'operator', 'operator-pass-1'], ['petrova', 'engineer', 'engineer-pass-1'], ['root', 'admin', 'admin-pass-001'],
]

/** fetch with a cookie jar of one cookie: enough for one panel session. */
export class Client {
  cookie: string | null = null
  constructor (readonly base: string) {}

  async req (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number, body: any, headers: Headers, raw: string }> {
    const h: Record<string, string> = { ...headers }
    if (this.cookie !== null) h.cookie = this.cookie
    let payload: string | undefined
    if (body !== undefined) { payload = typeof body === 'string' ? body : JSON.stringify(body); h['content-type'] ??= 'application/json' }
    const res = await fetch(this.base + path, { method, headers: h, body: payload })
    const set = res.headers.get('set-cookie')
    if (set !== null) {
      const pair = set.split(';')[0] as string
      this.cookie = pair.endsWith('=') ? null : pair
    }
    const raw = await res.text()
    let parsed: unknown = raw
    try { parsed = JSON.parse(raw) } catch { /* not JSON */ }
    return { status: res.status, body: parsed, headers: res.headers, raw }
  }

  async login (username: string, password: string): Promise<number> {
    return (await this.req('POST', '/api/login', { username, password })).status
  }
}

/** Resolve when `check()` holds, polling; fails the wait after `ms` (a safety net, not a timing assertion). */
export async function until (check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!await check()) {
    if (Date.now() > end) throw new Error('condition not reached')
    await new Promise(r => setTimeout(r, 20))
  }
}
