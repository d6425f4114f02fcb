// Opens a real pool on a temporary SQLite file and feeds it codes from the factory.
import { join } from 'node:path'
import { ProfileRegistry, withCheckDigit } from '../../line/codes/index.ts'
import { ManualClock } from '../../line/clock.ts'
import { CodePool } from '../../line/pool/index.ts'
import { openDatabase, type Db } from '../../line/store/open.ts'
import { CodeFactory } from '../../sim/codes/factory.ts'
import { tempDir } from './tmp.ts'

export const GTIN_A = withCheckDigit('0460165303004')
export const GTIN_B = withCheckDigit('0460165303011')
export const DAY = 86_400_000

export interface PoolFixture {
  pool: CodePool
  db: Db
  clock: ManualClock
  factory: CodeFactory
  profiles: ProfileRegistry
  path: string
  reopen(): PoolFixture
}

export function poolFixture (t: { teardown(fn: () => void): void }, options: { minRemainingMs?: number, dir?: string } = {}): PoolFixture {
  const dir = options.dir ?? tempDir(t)
  const path = join(dir, 'line.db')
  const clock = new ManualClock()
  const profiles = new ProfileRegistry()
  const factory = new CodeFactory(42)
  const open = (): PoolFixture => {
    const db = openDatabase(path, { synchronous: 'NORMAL' })
    t.teardown(() => { if (db.open) db.close() })
    const pool = new CodePool(db, { profiles, clock, minRemainingMs: options.minRemainingMs ?? 0 })
    return { pool, db, clock, factory, profiles, path, reopen: () => { pool.commit.close(); db.close(); return open() } }
  }
  return open()
}

export function block (f: PoolFixture, id: string, n: number, options: { gtin?: string, group?: string, expiresInMs?: number } = {}) {
  const group = options.group ?? 'water'
  const gtin = options.gtin ?? GTIN_A
  return { blockId: id, orderId: `order-${id}`, gtin, group, expiresAt: f.clock.now() + (options.expiresInMs ?? 30 * DAY), codes: f.factory.raw(f.profiles.get(group), gtin, n) }
}
