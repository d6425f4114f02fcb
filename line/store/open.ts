// Opens the line's SQLite file with the settings durability depends on, and applies each module's schema once.

import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { StoreError } from './errors.ts'

export type Db = Database.Database

export interface OpenOptions {
  /**
   * FULL fsyncs the WAL at every commit: survives power loss. NORMAL survives a process crash (kill -9) but may
   * lose the last commits on power loss. An industrial PC without a UPS wants FULL.
   */
  synchronous?: 'FULL' | 'NORMAL'
  /**
   * This connection alone holds the file (SQLite's EXCLUSIVE locking mode, set before the first WAL access): the WAL
   * index then lives in the process's memory, not in a shared-memory map (`-shm`). A store file made read-only or
   * immutable under the running line is then a write error the line reports, never a SIGBUS that kills the process
   * without a word. The price: no other process can open the store while this one has it.
   */
  exclusive?: boolean
}

export function openDatabase (path: string, options: OpenOptions = {}): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  let db: Db
  try {
    db = new Database(path)
  } catch (err) {
    throw new StoreError(`cannot open the store at ${path}`, { path }, { cause: err })
  }
  db.pragma('busy_timeout = 5000')
  if (options.exclusive === true) db.pragma('locking_mode = EXCLUSIVE')
  try {
    db.pragma('journal_mode = WAL')
  } catch (err) {
    db.close()
    const busy = (err as { code?: string }).code === 'SQLITE_BUSY'
    throw new StoreError(busy ? `the store at ${path} is in use by another process (another controller on the same store?)` : `cannot open the store at ${path}`, { path }, { cause: err })
  }
  db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`)
  db.pragma('foreign_keys = ON')
  db.pragma('temp_store = MEMORY')
  // 64 MiB page cache: index pages of a large pool stay in memory during imports and reservations.
  db.pragma('cache_size = -65536')
  db.exec('CREATE TABLE IF NOT EXISTS schema_versions (module TEXT PRIMARY KEY, version INTEGER NOT NULL)')
  return db
}

/**
 * Apply `migrations[i]` for every version above the module's recorded one, in one transaction each.
 * Modules own their tables; this is the only shared bookkeeping.
 */
export function migrate (db: Db, module: string, migrations: readonly string[]): void {
  const row = db.prepare('SELECT version FROM schema_versions WHERE module = ?').get(module) as { version: number } | undefined
  const current = row?.version ?? 0
  for (let v = current; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v] as string)
      db.prepare('INSERT INTO schema_versions (module, version) VALUES (?, ?) ON CONFLICT(module) DO UPDATE SET version = excluded.version').run(module, v + 1)
    })()
  }
}
