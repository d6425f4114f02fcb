// The ERP API's tables, with all their SQL: the queue of jobs an ERP sent, the stored answers of idempotent requests,
// and the API's audit trail. A job from the ERP waits here until the operator starts it on the line.
import type { Statement } from 'better-sqlite3'
import type { JobInput } from '../control.ts'
import { migrate, type Db } from '../store/open.ts'

const MIGRATIONS = [`
  CREATE TABLE erp_jobs (
    id           INTEGER PRIMARY KEY,
    client       TEXT NOT NULL,
    reference    TEXT,
    spec         TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('queued', 'started', 'cancelled')),
    created_at   INTEGER NOT NULL,
    cancelled_at INTEGER,
    started_at   INTEGER,
    started_by   TEXT,
    line_job_id  INTEGER
  );
  CREATE UNIQUE INDEX erp_jobs_reference ON erp_jobs (client, reference) WHERE reference IS NOT NULL;
  CREATE INDEX erp_jobs_line_job ON erp_jobs (line_job_id) WHERE line_job_id IS NOT NULL;
  CREATE TABLE erp_idempotency (
    client      TEXT NOT NULL,
    key         TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status      INTEGER NOT NULL,
    body        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (client, key)
  );
  CREATE INDEX erp_idempotency_age ON erp_idempotency (created_at);
  CREATE TABLE erp_audit (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    client      TEXT,
    address     TEXT NOT NULL,
    method      TEXT NOT NULL,
    path        TEXT NOT NULL,
    status      INTEGER NOT NULL,
    code        TEXT,
    idempotency TEXT
  );
  CREATE INDEX erp_audit_at ON erp_audit (at);
`]

/** A queued job's own status; once started, the line's job says how it goes. */
export type QueueStatus = 'queued' | 'started' | 'cancelled'

export interface QueuedJob {
  id: number
  client: string
  reference: string | null
  job: JobInput
  status: QueueStatus
  createdAt: number
  cancelledAt: number | null
  startedAt: number | null
  startedBy: string | null
  lineJobId: number | null
}

export interface StoredAnswer { fingerprint: string, status: number, body: unknown }

export interface ErpAuditRow { id: number, at: number, client: string | null, address: string, method: string, path: string, status: number, code: string | null, idempotency: string | null }

interface Row {
  id: number, client: string, reference: string | null, spec: string, status: QueueStatus, created_at: number,
  cancelled_at: number | null, started_at: number | null, started_by: string | null, line_job_id: number | null
}

function toJob (r: Row): QueuedJob {
  return {
    id: r.id, client: r.client, reference: r.reference, job: JSON.parse(r.spec) as JobInput, status: r.status, createdAt: r.created_at,
    cancelledAt: r.cancelled_at, startedAt: r.started_at, startedBy: r.started_by, lineJobId: r.line_job_id,
  }
}

export class ErpStore {
  readonly #db: Db
  readonly #st: Record<'insert' | 'get' | 'byReference' | 'byLineJob' | 'list' | 'listAll' | 'cancel' | 'started' | 'answer' | 'remember' | 'forget' | 'audit' | 'auditTrail' | 'pruneAudit', Statement>

  constructor (db: Db) {
    this.#db = db
    migrate(db, 'erp', MIGRATIONS)
    this.#st = {
      insert: db.prepare("INSERT INTO erp_jobs (client, reference, spec, status, created_at) VALUES (?, ?, ?, 'queued', ?)"),
      get: db.prepare('SELECT * FROM erp_jobs WHERE id = ?'),
      byReference: db.prepare('SELECT * FROM erp_jobs WHERE client = ? AND reference = ?'),
      byLineJob: db.prepare('SELECT * FROM erp_jobs WHERE line_job_id = ?'),
      list: db.prepare('SELECT * FROM erp_jobs WHERE status = ? ORDER BY id LIMIT ?'),
      listAll: db.prepare('SELECT * FROM erp_jobs ORDER BY id DESC LIMIT ?'),
      cancel: db.prepare("UPDATE erp_jobs SET status = 'cancelled', cancelled_at = ? WHERE id = ? AND status = 'queued'"),
      started: db.prepare("UPDATE erp_jobs SET status = 'started', started_at = ?, started_by = ?, line_job_id = ? WHERE id = ? AND status = 'queued'"),
      answer: db.prepare('SELECT fingerprint, status, body FROM erp_idempotency WHERE client = ? AND key = ?'),
      remember: db.prepare('INSERT INTO erp_idempotency (client, key, fingerprint, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
      forget: db.prepare('DELETE FROM erp_idempotency WHERE created_at < ?'),
      audit: db.prepare('INSERT INTO erp_audit (at, client, address, method, path, status, code, idempotency) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      auditTrail: db.prepare('SELECT * FROM erp_audit WHERE id < ? ORDER BY id DESC LIMIT ?'),
      pruneAudit: db.prepare('DELETE FROM erp_audit WHERE at < ?'),
    }
  }

  /** Runs `fn` in one transaction: a job and the answer that acknowledges it are committed together or not at all. */
  atomically<T> (fn: () => T): T { return this.#db.transaction(fn)() }

  enqueue (client: string, reference: string | null, job: JobInput, now: number): QueuedJob {
    const id = Number(this.#st.insert.run(client, reference, JSON.stringify(job), now).lastInsertRowid)
    return this.get(id) as QueuedJob
  }

  get (id: number): QueuedJob | null {
    const r = this.#st.get.get(id) as Row | undefined
    return r === undefined ? null : toJob(r)
  }

  byReference (client: string, reference: string): QueuedJob | null {
    const r = this.#st.byReference.get(client, reference) as Row | undefined
    return r === undefined ? null : toJob(r)
  }

  /** The queue entry a line job was started from, if it came from the ERP. */
  byLineJob (lineJobId: number): QueuedJob | null {
    const r = this.#st.byLineJob.get(lineJobId) as Row | undefined
    return r === undefined ? null : toJob(r)
  }

  /** Entries in `status` oldest first, or all of them newest first. */
  list (status: QueueStatus | null, limit: number): QueuedJob[] {
    const rows = (status === null ? this.#st.listAll.all(limit) : this.#st.list.all(status, limit)) as Row[]
    return rows.map(toJob)
  }

  /** Cancel a queued entry; false when it is not queued (started, cancelled, unknown). */
  cancel (id: number, now: number): boolean { return this.#st.cancel.run(now, id).changes === 1 }

  /** The operator started a queued entry as line job `lineJobId`. */
  markStarted (id: number, lineJobId: number, actor: string, now: number): boolean {
    return this.#st.started.run(now, actor, lineJobId, id).changes === 1
  }

  answer (client: string, key: string): StoredAnswer | null {
    const r = this.#st.answer.get(client, key) as { fingerprint: string, status: number, body: string } | undefined
    return r === undefined ? null : { fingerprint: r.fingerprint, status: r.status, body: JSON.parse(r.body) as unknown }
  }

  remember (client: string, key: string, a: StoredAnswer, now: number): void {
    this.#st.remember.run(client, key, a.fingerprint, a.status, JSON.stringify(a.body), now)
  }

  /** Forget answers stored before `before` (their keys may then be used again) and audit rows older than `auditBefore`. */
  prune (before: number, auditBefore: number): { answers: number, audit: number } {
    return { answers: this.#st.forget.run(before).changes, audit: this.#st.pruneAudit.run(auditBefore).changes }
  }

  audit (e: Omit<ErpAuditRow, 'id'>): void {
    this.#st.audit.run(e.at, e.client, e.address, e.method, e.path, e.status, e.code, e.idempotency)
  }

  auditTrail (limit: number, beforeId?: number): ErpAuditRow[] {
    return this.#st.auditTrail.all(beforeId ?? Number.MAX_SAFE_INTEGER, limit) as ErpAuditRow[]
  }
}
