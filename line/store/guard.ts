// Guards the line's store against disappearing or being swapped: an identity that outlives the store's own folder,
// so that a line that had a store refuses to start on an empty one unless told to, and a watch that notices while
// running when the file was deleted or replaced under the controller, or when its WAL can no longer be checkpointed.

import { randomUUID } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { LineError } from '../domain/errors.ts'
import type { Db } from './open.ts'

/** The store was replaced, lost or is foreign; the line must not start on it without an engineer's decision. */
export class StoreIdentityError extends LineError {
  constructor (message: string, context: Record<string, unknown>) {
    super('LC_ERR_STORE_IDENTITY', message, context)
  }
}

/**
 * Where the identity of the store at `storePath` is remembered by default: beside the store's folder, not in it,
 * so that deleting the folder (`rm -rf var/`) does not delete the memory of what was there.
 */
export function defaultIdentityFile (storePath: string): string {
  const abs = resolve(storePath)
  return join(dirname(dirname(abs)), `.${basename(dirname(abs))}-${basename(abs)}.store-id`)
}

interface IdentityRecord { storeId: string, createdAt: number, path: string }

/**
 * Gives the store an id (in its own `store_identity` table) and checks it against the identity file:
 * - a new store where the file names another store → refused (the old store was lost: its codes are unaccounted,
 *   its reports unsent, and a new pool would order codes again) unless `acceptNew`;
 * - an existing store with another id than the file → refused (a store from elsewhere) unless `acceptNew`;
 * - otherwise the file is written or kept. Returns the store's id and whether the store was new.
 */
export function checkStoreIdentity (db: Db, o: { storePath: string, identityFile?: string, acceptNew?: boolean, now: number }): { storeId: string, created: boolean } {
  db.exec('CREATE TABLE IF NOT EXISTS store_identity (id INTEGER PRIMARY KEY CHECK (id = 1), store_id TEXT NOT NULL, created_at INTEGER NOT NULL)')
  let row = db.prepare('SELECT store_id AS storeId, created_at AS createdAt FROM store_identity WHERE id = 1').get() as { storeId: string, createdAt: number } | undefined
  const created = row === undefined
  row ??= { storeId: randomUUID(), createdAt: o.now }
  const file = o.identityFile ?? defaultIdentityFile(o.storePath)
  let known: IdentityRecord | null = null
  if (existsSync(file)) {
    try { known = JSON.parse(readFileSync(file, 'utf8')) as IdentityRecord } catch { known = null }
  }
  if (known !== null && known.storeId !== row.storeId && o.acceptNew !== true) {
    const since = new Date(known.createdAt).toISOString()
    throw new StoreIdentityError(created
      ? `the store at ${o.storePath} is new, but this line had store ${known.storeId} (created ${since}): it was deleted or moved. Its codes and reports would be lost and codes ordered again. Restore it, or start once with --accept-new-store if losing it was intended`
      : `the store at ${o.storePath} is not the one this line used (${known.storeId}, created ${since}). Put the right file back, or start once with --accept-new-store`,
    { storePath: o.storePath, identityFile: file, expected: known.storeId, found: row.storeId, created })
  }
  // the store takes its id only once it is accepted: a refused start leaves it as new as it was
  if (created) db.prepare('INSERT INTO store_identity (id, store_id, created_at) VALUES (1, ?, ?)').run(row.storeId, row.createdAt)
  if (known?.storeId !== row.storeId) {
    mkdirSync(dirname(file), { recursive: true })
    const tmp = `${file}.tmp`
    writeFileSync(tmp, JSON.stringify({ storeId: row.storeId, createdAt: row.createdAt, path: resolve(o.storePath) } satisfies IdentityRecord) + '\n')
    renameSync(tmp, file)
  }
  return { storeId: row.storeId, created }
}

export type StoreFaultKind = 'vanished' | 'replaced' | 'wal-growing' | 'unreadable' | 'read-only'
export interface StoreFault { kind: StoreFaultKind, path: string, detail: string }

interface StoreWatchEvents { fault: [StoreFault], recovered: [StoreFaultKind] }

/**
 * Polls the store file: gone or another file at its path (deleted folder, restored backup over a running line), or a
 * WAL that keeps growing because checkpoints fail (a read-only or full disk). The line holds on a fault: commits
 * would go to a file nobody will open again.
 */
export class StoreWatch extends EventEmitter<StoreWatchEvents> {
  readonly #db: Db
  readonly #path: string
  readonly #walLimit: number
  readonly #identity: { dev: number, ino: number } | null
  readonly #active = new Set<StoreFaultKind>()
  #timer: NodeJS.Timeout | null = null

  constructor (db: Db, o: { path: string, walLimitBytes?: number }) {
    super()
    this.#db = db
    this.#path = o.path
    this.#walLimit = o.walLimitBytes ?? 256 * 1024 * 1024
    const st = o.path === ':memory:' ? null : statSync(o.path)
    this.#identity = st === null ? null : { dev: st.dev, ino: st.ino }
  }

  start (intervalMs = 2000): void {
    this.#timer ??= setInterval(() => this.check(), intervalMs)
    this.#timer.unref()
  }

  stop (): void {
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
  }

  /** One look; returns the faults found now (also emitted once each, until they clear). */
  check (): StoreFault[] {
    if (this.#identity === null) return []
    const found: StoreFault[] = []
    try {
      const st = statSync(this.#path)
      if (st.dev !== this.#identity.dev || st.ino !== this.#identity.ino) {
        found.push({ kind: 'replaced', path: this.#path, detail: 'another file now stands at the store\'s path' })
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      found.push(code === 'ENOENT'
        ? { kind: 'vanished', path: this.#path, detail: 'the store file was deleted while the line runs' }
        : { kind: 'unreadable', path: this.#path, detail: `cannot read the store file: ${code ?? String(err)}` })
    }
    const wal = `${this.#path}-wal`
    // made read-only or immutable (chattr +i) under the line: the next commit fails; hold before it does
    for (const f of [this.#path, wal]) {
      try {
        accessSync(f, constants.W_OK)
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code
        if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') { found.push({ kind: 'read-only', path: f, detail: `the store file cannot be written (${code})` }); break }
      }
    }
    try {
      if (existsSync(wal) && statSync(wal).size > this.#walLimit) {
        // try to fold the WAL back; a checkpoint that cannot finish leaves it growing
        const r = this.#db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number, log: number, checkpointed: number }>
        if (statSync(wal).size > this.#walLimit) found.push({ kind: 'wal-growing', path: wal, detail: `WAL over ${this.#walLimit} bytes and not checkpointed (${JSON.stringify(r[0] ?? {})})` })
      }
    } catch (err) {
      found.push({ kind: 'wal-growing', path: wal, detail: `WAL checkpoint failed: ${(err as Error).message}` })
    }
    const now = new Set(found.map(f => f.kind))
    for (const f of found) if (!this.#active.has(f.kind)) { this.#active.add(f.kind); this.emit('fault', f) }
    for (const k of [...this.#active]) if (!now.has(k)) { this.#active.delete(k); this.emit('recovered', k) }
    return found
  }
}
