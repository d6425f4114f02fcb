// Codes this line accepted while the plant register was unreachable (`plant.whenUnreachable: local`), kept in the
// line's store until the register has them: a restart in between loses none.
import type { Statement } from 'better-sqlite3'
import { migrate, type Db } from '../store/open.ts'
import type { Claim } from './registry.ts'

const MIGRATIONS = [`
  CREATE TABLE plant_pending (
    identity TEXT PRIMARY KEY,
    job_id   INTEGER NOT NULL,
    seq      INTEGER NOT NULL,
    at       INTEGER NOT NULL
  );
`]

export class PendingClaims {
  readonly #add: Statement
  readonly #first: Statement
  readonly #drop: Statement
  readonly #count: Statement

  constructor (db: Db) {
    migrate(db, 'plant', MIGRATIONS)
    this.#add = db.prepare('INSERT OR IGNORE INTO plant_pending (identity, job_id, seq, at) VALUES (?, ?, ?, ?)')
    this.#first = db.prepare('SELECT identity, job_id AS jobId, seq FROM plant_pending ORDER BY at, identity LIMIT ?')
    this.#drop = db.prepare('DELETE FROM plant_pending WHERE identity = ?')
    this.#count = db.prepare('SELECT count(*) AS n FROM plant_pending')
  }

  add (c: Claim, at: number): void { this.#add.run(c.identity, c.jobId, c.seq, at) }
  oldest (limit: number): Claim[] { return this.#first.all(limit) as Claim[] }
  drop (identity: string): void { this.#drop.run(identity) }
  get size (): number { return (this.#count.get() as { n: number }).n }
}
