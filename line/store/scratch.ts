// A throw-away SQLite file for work too large to hold in memory (e.g. the codes of a 2,000,000-line file checked for
// duplicates): no journal, no fsync, a small cache, deleted on close. Never the line's store.

import Database from 'better-sqlite3'
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Db } from './open.ts'

export interface Scratch { db: Db, path: string, close(): void }

export function openScratch (dir: string = tmpdir(), prefix = 'lc-scratch'): Scratch {
  const path = join(dir, `${prefix}-${process.pid}-${randomBytes(6).toString('hex')}.db`)
  const db = new Database(path)
  db.pragma('journal_mode = OFF')
  db.pragma('synchronous = OFF')
  db.pragma('locking_mode = EXCLUSIVE')
  db.pragma('cache_size = -8192')
  return {
    db,
    path,
    close () {
      if (db.open) db.close()
      rmSync(path, { force: true })
    },
  }
}
