// Group commit: many writers' operations run in one SQLite transaction; each caller's promise settles only after
// COMMIT returned, so nobody tells the world about a change that is not on disk (DESIGN §4 "persist before you act").

import type { Db } from './open.ts'
import { StoreError } from './errors.ts'

type Op<T> = { fn: (db: Db) => T, savepoint: boolean, resolve: (v: T) => void, reject: (e: unknown) => void }

export interface SubmitOptions {
  /**
   * Wrap the operation in a savepoint so that a throw undoes its partial writes. An operation that checks
   * everything before its first write, or writes with a single statement, may pass false to save the cost.
   */
  savepoint?: boolean
}

export interface GroupCommitStats {
  commits: number
  ops: number
  maxBatch: number
}

export class GroupCommit {
  readonly #db: Db
  readonly #maxBatch: number
  #queue: Op<any>[] = []
  #scheduled = false
  #closed = false
  readonly stats: GroupCommitStats = { commits: 0, ops: 0, maxBatch: 0 }
  readonly #begin: { run(): unknown }
  readonly #commit: { run(): unknown }
  readonly #rollback: { run(): unknown }
  readonly #savepoint: { run(): unknown }
  readonly #release: { run(): unknown }
  readonly #rollbackTo: { run(): unknown }

  constructor (db: Db, options: { maxBatch?: number } = {}) {
    this.#db = db
    this.#maxBatch = options.maxBatch ?? 20_000
    this.#begin = db.prepare('BEGIN IMMEDIATE')
    this.#commit = db.prepare('COMMIT')
    this.#rollback = db.prepare('ROLLBACK')
    this.#savepoint = db.prepare('SAVEPOINT gc_op')
    this.#release = db.prepare('RELEASE gc_op')
    this.#rollbackTo = db.prepare('ROLLBACK TO gc_op')
  }

  /**
   * Queue `fn` to run inside the next shared transaction. If `fn` throws, only its own changes are undone
   * (it runs in a savepoint) and only its promise rejects; the rest of the batch commits.
   */
  submit<T> (fn: (db: Db) => T, options: SubmitOptions = {}): Promise<T> {
    if (this.#closed) return Promise.reject(new StoreError('store is closed'))
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ fn, savepoint: options.savepoint ?? true, resolve, reject })
      if (this.#queue.length >= this.#maxBatch) this.flush()
      else if (!this.#scheduled) {
        this.#scheduled = true
        setImmediate(() => { this.#scheduled = false; this.flush() })
      }
    })
  }

  /** Run and commit everything queued now. */
  flush (): void {
    const batch = this.#queue
    if (batch.length === 0) return
    this.#queue = []
    const results: Array<{ ok: boolean, value: unknown }> = new Array(batch.length)
    const db = this.#db
    try {
      this.#begin.run()
      for (let i = 0; i < batch.length; i++) {
        const op = batch[i] as Op<unknown>
        if (op.savepoint) this.#savepoint.run()
        try {
          results[i] = { ok: true, value: op.fn(db) }
          if (op.savepoint) this.#release.run()
        } catch (err) {
          results[i] = { ok: false, value: err }
          if (op.savepoint) { this.#rollbackTo.run(); this.#release.run() }
        }
      }
      this.#commit.run()
    } catch (err) {
      if (db.inTransaction) this.#rollback.run()
      const e = new StoreError('commit failed: no change of this batch was stored', { ops: batch.length }, { cause: err })
      for (const op of batch) op.reject(e)
      return
    }
    this.stats.commits++
    this.stats.ops += batch.length
    if (batch.length > this.stats.maxBatch) this.stats.maxBatch = batch.length
    for (let i = 0; i < batch.length; i++) {
      const r = results[i] as { ok: boolean, value: unknown }
      const op = batch[i] as Op<unknown>
      if (r.ok) op.resolve(r.value)
      else op.reject(r.value)
    }
  }

  /** Commit what is queued and refuse further work. */
  close (): void {
    this.flush()
    this.#closed = true
  }
}
