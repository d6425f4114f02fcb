// Group commit: many writers' operations run in one SQLite transaction; each caller's promise settles only after
// COMMIT returned, so nobody tells the world about a change that is not on disk (DESIGN §4 "persist before you act").
// A transaction holds a bounded number of statements, so the event loop never waits on the store for longer than
// one fsync-ed commit of a bounded batch: what is left waits for the next turn of the loop.

import type { Db } from './open.ts'
import { StoreError } from './errors.ts'

interface Op<T> {
  fn: (db: Db) => T
  savepoint: boolean
  statements: number
  resolve: (v: T) => void
  reject: (e: unknown) => void
  ok: boolean
  value: unknown
}

export interface SubmitOptions {
  /**
   * Wrap the operation in a savepoint so that a throw undoes its partial writes. An operation that checks
   * everything before its first write, or writes with a single statement, may pass false to save the cost.
   */
  savepoint?: boolean
  /**
   * About how many statements the operation runs (1 when unset): a transaction is closed once the operations in
   * it reach `maxStatements`. An operation is never split, so a larger one commits alone.
   */
  statements?: number
}

export interface GroupCommitStats {
  commits: number
  ops: number
  maxBatch: number
  /** The most statements (as declared by the operations) one transaction held. */
  maxStatements: number
  /** The longest batch, from BEGIN to COMMIT returned (ms): the longest the store held the event loop. */
  maxCommitMs: number
}

export interface GroupCommitOptions {
  /** Operations queued at most before a submit commits synchronously (a bound on memory). */
  maxBatch?: number
  /** Statements per transaction at most (500): bounds how long one commit holds the event loop (a few ms here). */
  maxStatements?: number
}

export class GroupCommit {
  readonly #db: Db
  readonly #maxBatch: number
  readonly #maxStatements: number
  /** Queued operations from #head on; the array is dropped once drained (no shifting of a long array). */
  #queue: Array<Op<any>> = []
  #head = 0
  #scheduled = false
  #closed = false
  readonly stats: GroupCommitStats = { commits: 0, ops: 0, maxBatch: 0, maxStatements: 0, maxCommitMs: 0 }
  readonly #begin: { run(): unknown }
  readonly #commit: { run(): unknown }
  readonly #rollback: { run(): unknown }
  readonly #savepoint: { run(): unknown }
  readonly #release: { run(): unknown }
  readonly #rollbackTo: { run(): unknown }
  readonly #onImmediate = (): void => {
    this.#scheduled = false
    this.#commitBatch()
    if (this.#head < this.#queue.length) this.#schedule()
  }

  constructor (db: Db, options: GroupCommitOptions = {}) {
    this.#db = db
    this.#maxBatch = options.maxBatch ?? 20_000
    this.#maxStatements = options.maxStatements ?? 500
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
      this.#queue.push({ fn, savepoint: options.savepoint ?? true, statements: options.statements ?? 1, resolve, reject, ok: false, value: undefined })
      if (this.#queue.length - this.#head >= this.#maxBatch) {
        while (this.#queue.length - this.#head >= this.#maxBatch) this.#commitBatch()
      }
      this.#schedule()
    })
  }

  #schedule (): void {
    if (this.#scheduled || this.#head >= this.#queue.length) return
    this.#scheduled = true
    setImmediate(this.#onImmediate)
  }

  /** Run and commit everything queued now (in as many bounded transactions as it takes). */
  flush (): void {
    while (this.#head < this.#queue.length) this.#commitBatch()
  }

  /** Run and commit the oldest queued operations, up to `maxStatements`, in one transaction. */
  #commitBatch (): void {
    const queue = this.#queue
    const start = this.#head
    if (start >= queue.length) return
    let end = start
    let statements = 0
    while (end < queue.length && (end === start || statements + (queue[end] as Op<unknown>).statements <= this.#maxStatements)) {
      statements += (queue[end] as Op<unknown>).statements
      end++
    }
    if (end === queue.length) { this.#queue = []; this.#head = 0 } else if (end > 4096 && end * 2 > queue.length) {
      // under a sustained load the queue may never drain: drop the committed prefix now and then
      this.#queue = queue.slice(end)
      this.#head = 0
    } else this.#head = end
    const db = this.#db
    const t0 = performance.now()
    try {
      this.#begin.run()
      for (let i = start; i < end; i++) {
        const op = queue[i] as Op<unknown>
        if (op.savepoint) this.#savepoint.run()
        try {
          op.value = op.fn(db)
          op.ok = true
          if (op.savepoint) this.#release.run()
        } catch (err) {
          op.value = err
          if (op.savepoint) { this.#rollbackTo.run(); this.#release.run() }
        }
      }
      this.#commit.run()
    } catch (err) {
      if (db.inTransaction) this.#rollback.run()
      const e = new StoreError('commit failed: no change of this batch was stored', { ops: end - start }, { cause: err })
      for (let i = start; i < end; i++) (queue[i] as Op<unknown>).reject(e)
      return
    }
    const n = end - start
    const ms = performance.now() - t0
    if (ms > this.stats.maxCommitMs) this.stats.maxCommitMs = ms
    this.stats.commits++
    this.stats.ops += n
    if (n > this.stats.maxBatch) this.stats.maxBatch = n
    if (statements > this.stats.maxStatements) this.stats.maxStatements = statements
    for (let i = start; i < end; i++) {
      const op = queue[i] as Op<unknown>
      if (op.ok) op.resolve(op.value)
      else op.reject(op.value)
    }
  }

  /** Commit what is queued and refuse further work. */
  close (): void {
    this.flush()
    this.#closed = true
  }
}
