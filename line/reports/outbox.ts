// The durable report outbox (issue 7 §1): reports are stored with their codes before they are sent, batched up to
// maxCodes or a time window, sent once through outages of any length, polled until accepted or rejected.
// Idempotence: a report id is assigned locally; SENDING + body hash are committed before the request, so after a
// crash or a lost answer the server is asked (reconcile) before anything is sent again. Residual risk: docs/true-api.md.
import { randomUUID } from 'node:crypto'
import type { Statement } from 'better-sqlite3'
import type { Clock } from '../clock.ts'
import { backoffDelay } from '../domain/backoff.ts'
import { TypedEmitter } from '../events.ts'
import type { Logger } from '../log.ts'
import type { CodePool, ReportKind } from '../pool/pool.ts'
import { SignerError } from '../signer/signer.ts'
import { migrate } from '../store/open.ts'
import { OutboxError, outboxAlarm, type OutboxAlarm } from './errors.ts'
import { ReportQueries } from './queries.ts'
import { REPORTS_MIGRATIONS } from './schema.ts'
import { ANSWERED_REPORT_STATES, DUE_REPORT_STATES, REPORT_STATES, ReportState, checkReportTransition, reportTransition, sqlStates } from './states.ts'
import { classifyFailure, type OutboxReport, type Prepared, type RemoteStatus, type ReportCode, type ReportSender } from './sender.ts'

export const MAX_CODES = 30_000

export interface OutboxOptions {
  pool: CodePool
  clock: Clock
  /** The sender for each report kind (e.g. utilisation/dropout → OMS, aggregation/introduction → True API). */
  senders: Partial<Record<ReportKind, ReportSender>>
  maxCodes?: number
  windowMs?: number
  retryBaseMs?: number
  retryMaxMs?: number
  pollIntervalMs?: number
  /** Real-time period of the background loop (start()). */
  tickMs?: number
  /** Reports in flight at once. */
  concurrency?: number
  /** The code state an accepted report moves its codes to; codes in other states are only linked. */
  onAccepted?: Partial<Record<ReportKind, 'REPORTED' | 'DROPPED' | 'none'>>
  log?: Logger
}

export interface AddInput {
  kind: ReportKind
  group: string
  codeIds: readonly number[]
  /** Per-report attributes (utilisation expDate…, introduction productionDate/tnvedCode); part of the batch key. */
  attributes?: Record<string, unknown>
  /**
   * Keep these codes in one report (the units of one box): when the open report cannot take them all, it is
   * closed and a new one opened, so an aggregate is never split over two documents.
   */
  whole?: boolean
}

export interface AddResult { reportIds: string[], added: number, skipped: number }

export interface ReportEvent {
  id: string
  kind: ReportKind
  state: ReportState
  codes: number
  remoteId: string | null
  reason: string | null
}

const DEFAULT_ON_ACCEPTED: Record<ReportKind, 'REPORTED' | 'DROPPED' | 'none'> = {
  utilisation: 'none', aggregation: 'none', pallet: 'none', introduction: 'REPORTED', dropout: 'DROPPED', disaggregation: 'none',
}

/**
 * The links an accepted report undoes (docs/rework.md): a disaggregation names, in `attributes.release`, the codes
 * whose aggregation or pallet report GIS MT no longer holds; a new aggregation ends the disaggregation of its codes.
 */
function releasedBy (r: OutboxReport, codeIds: readonly number[]): Array<{ kind: ReportKind, ids: readonly number[] }> {
  if (r.kind === 'aggregation' || r.kind === 'pallet') return [{ kind: 'disaggregation', ids: codeIds }]
  if (r.kind !== 'disaggregation') return []
  const release = (r.attributes.release ?? {}) as Partial<Record<'aggregation' | 'pallet', unknown>>
  const out: Array<{ kind: ReportKind, ids: readonly number[] }> = []
  for (const kind of ['aggregation', 'pallet'] as const) {
    const ids = release[kind]
    if (Array.isArray(ids)) out.push({ kind, ids: ids.filter((x): x is number => typeof x === 'number') })
  }
  return out
}
/** Closing an open report (window, size, end of job) is done in bulk SQL; the table allows it (checked on load). */
const CLOSE = reportTransition(ReportState.OPEN, ReportState.READY)
const OPEN = sqlStates([ReportState.OPEN])

interface Row {
  id: string, kind: string, channel: string, grp: string, batch_key: string, attributes: string, state: string,
  codes: number, created_at: number, close_at: number, attempts: number, next_at: number, body_hash: string | null,
  sending_at: number | null, remote_id: string | null, last_error: string | null, reason: string | null,
  generation: number, updated_at: number
}

function toReport (r: Row): OutboxReport {
  return {
    id: r.id, kind: r.kind as ReportKind, channel: r.channel, group: r.grp, attributes: JSON.parse(r.attributes) as Record<string, unknown>,
    state: r.state as ReportState, codes: r.codes, createdAt: r.created_at, attempts: r.attempts, bodyHash: r.body_hash,
    sendingAt: r.sending_at, remoteId: r.remote_id, lastError: r.last_error, reason: r.reason, generation: r.generation,
  }
}

/** JSON with sorted keys: equal attributes give equal batch keys. */
function stable (v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`
  if (v !== null && typeof v === 'object') return `{${Object.keys(v).sort().map(k => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`).join(',')}}`
  return JSON.stringify(v)
}

/** Errors that say the report's content is wrong (not the API's or the network's state): sending it again cannot help. */
function isContentError (err: unknown): boolean {
  const e = err as { code?: unknown, status?: unknown } | null
  if (e === null || typeof e !== 'object') return false
  if (e.code === 'LC_ERR_OUTBOX' || e.code === 'LC_ERR_TRUE_API_DOCUMENT') return true
  return typeof e.status === 'number' && e.status >= 400 && e.status < 500 && e.status !== 401 && e.status !== 429
}

function message (err: unknown): string {
  if (err instanceof Error) {
    const body = (err as { body?: unknown }).body
    return body === undefined ? err.message : `${err.message}: ${typeof body === 'string' ? body : JSON.stringify(body)}`
  }
  return String(err)
}

export interface ReportOutboxEvents {
  report: [ReportEvent]
  alarm: [OutboxAlarm]
}

export class ReportOutbox extends TypedEmitter<ReportOutboxEvents> {
  /** Named read queries for the modules around the outbox (the panel's find): nobody else holds SQL on its tables. */
  readonly queries: ReportQueries
  readonly #pool: CodePool
  readonly #clock: Clock
  readonly #senders: Partial<Record<ReportKind, ReportSender>>
  readonly #o: Required<Pick<OutboxOptions, 'maxCodes' | 'windowMs' | 'retryBaseMs' | 'retryMaxMs' | 'pollIntervalMs' | 'tickMs' | 'concurrency'>>
  readonly #onAccepted: Record<ReportKind, 'REPORTED' | 'DROPPED' | 'none'>
  readonly #log: Logger | undefined
  readonly #st: Record<'open' | 'insertReport' | 'insertCode' | 'bumpCount' | 'dropCount' | 'byId' | 'due' | 'dueOpen' | 'closeOne' | 'closeFull' | 'closeAll'
    | 'setState' | 'history' | 'codeIds' | 'openLink' | 'unlink' | 'countOf' | 'deleteOpen' | 'pending' | 'queued' | 'list' | 'summary' | 'historyOf'
    | 'acceptedLink' | 'archiveLink', Statement>
  #timer: NodeJS.Timeout | undefined
  #ticking: Promise<void> | undefined
  readonly #inFlight = new Set<string>()

  constructor (options: OutboxOptions) {
    super()
    this.#pool = options.pool
    this.#clock = options.clock
    this.#senders = options.senders
    this.#log = options.log
    this.#o = {
      maxCodes: Math.min(options.maxCodes ?? MAX_CODES, MAX_CODES),
      windowMs: options.windowMs ?? 10_000,
      retryBaseMs: options.retryBaseMs ?? 5_000,
      retryMaxMs: options.retryMaxMs ?? 300_000,
      pollIntervalMs: options.pollIntervalMs ?? 5_000,
      tickMs: options.tickMs ?? 500,
      concurrency: options.concurrency ?? 4,
    }
    this.#onAccepted = { ...DEFAULT_ON_ACCEPTED, ...options.onAccepted }
    const db = this.#pool.db
    migrate(db, 'reports', REPORTS_MIGRATIONS)
    this.queries = new ReportQueries(db)
    // State names are written into the SQL from the table (not bound): the partial index on OPEN reports needs the literal.
    const closeSet = `state = ${sqlStates([CLOSE.to])}, next_at = ?, updated_at = ?`
    const closeWhere = `state = ${sqlStates([CLOSE.from])}`
    this.#st = {
      open: db.prepare(`SELECT * FROM report_outbox WHERE batch_key = ? AND state = ${OPEN} ORDER BY created_at LIMIT 1`),
      insertReport: db.prepare(`INSERT INTO report_outbox (id, kind, channel, grp, batch_key, attributes, state, created_at, close_at, next_at, updated_at)
        VALUES (@id, @kind, @channel, @grp, @batchKey, @attributes, ${OPEN}, @now, @closeAt, @closeAt, @now)`),
      insertCode: db.prepare('INSERT OR IGNORE INTO report_codes (report_id, kind, code_id) VALUES (?, ?, ?)'),
      bumpCount: db.prepare('UPDATE report_outbox SET codes = codes + ?, updated_at = ? WHERE id = ?'),
      dropCount: db.prepare('UPDATE report_outbox SET codes = codes - ?, updated_at = ? WHERE id = ?'),
      byId: db.prepare('SELECT * FROM report_outbox WHERE id = ?'),
      due: db.prepare(`SELECT * FROM report_outbox WHERE state IN (${sqlStates(DUE_REPORT_STATES)}) AND next_at <= ? ORDER BY next_at LIMIT ?`),
      dueOpen: db.prepare(`UPDATE report_outbox SET ${closeSet} WHERE ${closeWhere} AND close_at <= ? RETURNING id`),
      closeOne: db.prepare(`UPDATE report_outbox SET ${closeSet} WHERE id = ? AND ${closeWhere}`),
      closeFull: db.prepare(`UPDATE report_outbox SET ${closeSet} WHERE batch_key = ? AND ${closeWhere} AND codes >= ? RETURNING id`),
      closeAll: db.prepare(`UPDATE report_outbox SET ${closeSet} WHERE ${closeWhere} RETURNING id`),
      setState: db.prepare(`UPDATE report_outbox SET state = @state, attempts = @attempts, next_at = @nextAt, body_hash = @bodyHash,
        sending_at = @sendingAt, remote_id = @remoteId, last_error = @lastError, reason = @reason, generation = @generation, updated_at = @now WHERE id = @id`),
      history: db.prepare('INSERT INTO report_history (ts, report_id, event, detail) VALUES (?, ?, ?, ?)'),
      codeIds: db.prepare('SELECT code_id AS id FROM report_codes WHERE report_id = ? ORDER BY code_id'),
      openLink: db.prepare(`SELECT rc.report_id AS reportId FROM report_codes rc JOIN report_outbox r ON r.id = rc.report_id WHERE rc.kind = ? AND rc.code_id = ? AND r.state = ${OPEN}`),
      unlink: db.prepare('DELETE FROM report_codes WHERE report_id = ? AND code_id = ?'),
      countOf: db.prepare('SELECT codes FROM report_outbox WHERE id = ?'),
      deleteOpen: db.prepare(`DELETE FROM report_outbox WHERE id = ? AND state = ${OPEN}`),
      pending: db.prepare(`SELECT 1 FROM report_codes rc JOIN report_outbox r ON r.id = rc.report_id WHERE rc.kind = ? AND rc.code_id = ?
        AND r.state NOT IN (${sqlStates(ANSWERED_REPORT_STATES)})`),
      queued: db.prepare('SELECT 1 FROM report_codes WHERE kind = ? AND code_id = ?'),
      list: db.prepare('SELECT * FROM report_outbox WHERE (@state IS NULL OR state = @state) AND (@kind IS NULL OR kind = @kind) ORDER BY created_at, rowid'),
      summary: db.prepare('SELECT state, count(*) AS n, sum(codes) AS c FROM report_outbox GROUP BY state'),
      historyOf: db.prepare('SELECT ts, event, detail FROM report_history WHERE report_id = ? ORDER BY id'),
      acceptedLink: db.prepare(`SELECT rc.report_id AS reportId FROM report_codes rc JOIN report_outbox r ON r.id = rc.report_id
        WHERE rc.kind = ? AND rc.code_id = ? AND r.state = ${sqlStates([ReportState.ACCEPTED])}`),
      archiveLink: db.prepare('INSERT INTO report_codes_released (report_id, kind, code_id, released_by, ts) VALUES (?, ?, ?, ?, ?)'),
    }
  }

  // ---- writing reports ----------------------------------------------------------------------------------

  /**
   * Put codes into reports of `kind`, committed before this resolves. Codes already in a report of that kind are
   * skipped (never reported twice); a report that reaches maxCodes closes and a new one opens.
   */
  add (input: AddInput): Promise<AddResult> {
    if (this.#senders[input.kind] === undefined) return Promise.reject(new OutboxError(`no sender configured for ${input.kind} reports`, { kind: input.kind }))
    return this.#pool.commit.submit(() => this.addSync(input))
  }

  /** Whether reports of this kind can be sent (a sender is configured for it). */
  takes (kind: ReportKind): boolean { return this.#senders[kind] !== undefined }

  /**
   * `add` inside a commit the caller already holds (`pool.commit.submit`): the reports are committed with the
   * caller's own change of the store, or not at all (rework: docs/rework.md).
   */
  addSync (input: AddInput): AddResult {
    const sender = this.#senders[input.kind]
    if (sender === undefined) throw new OutboxError(`no sender configured for ${input.kind} reports`, { kind: input.kind })
    const attributes = input.attributes ?? {}
    const batchKey = `${input.kind}|${sender.channel}|${input.group}|${stable(attributes)}`
    {
      const now = this.#clock.now()
      const ids = new Set<string>()
      let added = 0
      let skipped = 0
      let current = this.#st.open.get(batchKey) as Row | undefined
      let inCurrent = 0
      const flush = (): void => { if (current !== undefined && inCurrent > 0) this.#st.bumpCount.run(inCurrent, now, current.id); inCurrent = 0 }
      const closeCurrent = (): void => {
        if (current === undefined) return
        flush()
        this.#st.closeOne.run(now, now, current.id)
        this.#st.history.run(now, current.id, CLOSE.to, '{"by":"size"}')
        current = undefined
      }
      if (input.whole === true && current !== undefined && current.codes + input.codeIds.length > this.#o.maxCodes) closeCurrent()
      for (const codeId of input.codeIds) {
        // a code already in a report of this kind is skipped before a report is opened for it: no empty report
        if (this.#st.queued.get(input.kind, codeId) !== undefined) { skipped++; continue }
        if (current === undefined || current.codes + inCurrent >= this.#o.maxCodes) {
          closeCurrent()
          const id = `R-${randomUUID()}`
          this.#st.insertReport.run({ id, kind: input.kind, channel: sender.channel, grp: input.group, batchKey, attributes: JSON.stringify(attributes), now, closeAt: now + this.#o.windowMs })
          this.#st.history.run(now, id, ReportState.OPEN, '{}')
          current = this.#st.byId.get(id) as Row
        }
        // A report must not name a code the pool does not hold: it would vanish from the document unnoticed.
        if (!this.#pool.queries.exists(codeId)) throw new OutboxError(`code ${codeId} is not in the pool`, { codeId, kind: input.kind })
        if (this.#st.insertCode.run(current.id, input.kind, codeId).changes === 1) { inCurrent++; added++; ids.add(current.id) } else skipped++
      }
      flush()
      // A report filled exactly to the limit is closed now rather than waiting for its window.
      const full = this.#st.closeFull.all(now, now, batchKey, this.#o.maxCodes) as Array<{ id: string }>
      for (const r of full) this.#st.history.run(now, r.id, CLOSE.to, '{"by":"size"}')
      return { reportIds: [...ids], added, skipped }
    }
  }

  /**
   * Take codes out of the still-open reports of `kind` (a verified unit that turned out defect must not be reported
   * utilised). Reports already closed are left alone: they may be on their way. Resolves to the codes taken out.
   */
  withdraw (kind: ReportKind, codeIds: readonly number[]): Promise<number[]> {
    if (codeIds.length === 0) return Promise.resolve([])
    return this.#pool.commit.submit(() => {
      const now = this.#clock.now()
      const out: number[] = []
      const touched = new Map<string, number>()
      for (const id of codeIds) {
        const r = this.#st.openLink.get(kind, id) as { reportId: string } | undefined
        if (r === undefined) continue
        this.#st.unlink.run(r.reportId, id)
        out.push(id)
        touched.set(r.reportId, (touched.get(r.reportId) ?? 0) + 1)
      }
      for (const [reportId, n] of touched) {
        this.#st.dropCount.run(n, now, reportId)
        this.#st.history.run(now, reportId, 'WITHDRAWN', JSON.stringify({ codes: n }))
        // an open report left empty is dropped: there is nothing to send
        if ((this.#st.countOf.get(reportId) as { codes: number }).codes === 0) this.#st.deleteOpen.run(reportId)
      }
      return out
    })
  }

  /** Of these codes, those in a report of `kind` that is neither accepted nor rejected yet. */
  pending (kind: ReportKind, codeIds: readonly number[]): number[] {
    return codeIds.filter(id => this.#st.pending.get(kind, id) !== undefined)
  }

  /** Of these codes, those in no report of `kind` at all (what a sweep still has to queue). */
  unqueued (kind: ReportKind, codeIds: readonly number[]): number[] {
    return codeIds.filter(id => this.#st.queued.get(kind, id) === undefined)
  }

  /** Close every open report now (end of job, shutdown): they are sent without waiting for their window. */
  closeOpen (): Promise<number> {
    return this.#pool.commit.submit(() => {
      const now = this.#clock.now()
      const closed = this.#st.closeAll.all(now, now) as Array<{ id: string }>
      for (const r of closed) this.#st.history.run(now, r.id, CLOSE.to, '{"by":"close"}')
      return closed.length
    })
  }

  /**
   * Send a REJECTED report again after the cause was corrected (codes applied, data fixed); `removeCodeIds` drops
   * codes that must not be in it (they become free for another report of the kind).
   */
  retry (reportId: string, options: { removeCodeIds?: readonly number[] } = {}): Promise<OutboxReport> {
    return this.#pool.commit.submit(() => {
      const row = this.#st.byId.get(reportId) as Row | undefined
      if (row === undefined) throw new OutboxError(`no report ${reportId}`, { reportId })
      if (row.state !== ReportState.REJECTED) throw new OutboxError(`report ${reportId} is ${row.state}; only a rejected report can be retried`, { reportId, state: row.state })
      let removed = 0
      for (const id of options.removeCodeIds ?? []) removed += this.#st.unlink.run(reportId, id).changes
      const now = this.#clock.now()
      this.#st.dropCount.run(removed, now, reportId)
      const r = toReport(row)
      this.#set(r, { state: removed === row.codes ? ReportState.ACCEPTED : ReportState.READY, attempts: 0, nextAt: now, bodyHash: null, sendingAt: null, remoteId: null, lastError: null, reason: row.reason, generation: row.generation + 1 })
      this.#st.history.run(now, reportId, 'RETRY', JSON.stringify({ removed, previousReason: row.reason }))
      return toReport(this.#st.byId.get(reportId) as Row)
    })
  }

  // ---- queries --------------------------------------------------------------------------------------------

  get (id: string): OutboxReport | undefined {
    const r = this.#st.byId.get(id) as Row | undefined
    return r === undefined ? undefined : toReport(r)
  }

  list (filter: { state?: ReportState, kind?: ReportKind } = {}): OutboxReport[] {
    const rows = this.#st.list.all({ state: filter.state ?? null, kind: filter.kind ?? null }) as Row[]
    return rows.map(toReport)
  }

  codeIds (reportId: string): number[] { return (this.#st.codeIds.all(reportId) as Array<{ id: number }>).map(r => r.id) }

  /** The reports covering these codes, per kind and state: how many reports, and how many of these codes in them. */
  reportsOfCodes (codeIds: readonly number[]): Array<{ kind: ReportKind, state: ReportState, reports: number, codes: number }> {
    return this.#pool.db.prepare(`SELECT o.kind, o.state, count(DISTINCT o.id) AS reports, count(*) AS codes FROM report_codes rc
      JOIN report_outbox o ON o.id = rc.report_id WHERE rc.code_id IN (SELECT value FROM json_each(?)) GROUP BY o.kind, o.state ORDER BY o.kind, o.state`)
      .all(JSON.stringify(codeIds)) as Array<{ kind: ReportKind, state: ReportState, reports: number, codes: number }>
  }

  /** Reports and codes per state: what the HMI shows and what the accounting checks. */
  summary (): Record<ReportState, { reports: number, codes: number }> {
    const out = Object.fromEntries(REPORT_STATES.map(s => [s, { reports: 0, codes: 0 }])) as Record<ReportState, { reports: number, codes: number }>
    for (const r of this.#st.summary.all() as Array<{ state: ReportState, n: number, c: number }>) {
      out[r.state] = { reports: r.n, codes: r.c ?? 0 }
    }
    return out
  }

  history (reportId: string): Array<{ ts: number, event: string, detail: Record<string, unknown> }> {
    return (this.#st.historyOf.all(reportId) as Array<{ ts: number, event: string, detail: string }>)
      .map(h => ({ ts: h.ts, event: h.event, detail: JSON.parse(h.detail) as Record<string, unknown> }))
  }

  // ---- the loop -------------------------------------------------------------------------------------------

  start (): void {
    if (this.#timer !== undefined) return
    this.#timer = setInterval(() => { this.tick().catch(err => this.#log?.error({ err }, 'outbox tick failed')) }, this.#o.tickMs)
  }

  async stop (): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
    await this.#ticking
  }

  /** Do all work due now on the clock: close windows, send, reconcile, poll. Concurrent calls share one run. */
  tick (): Promise<void> {
    this.#ticking ??= this.#tick().finally(() => { this.#ticking = undefined })
    return this.#ticking
  }

  async #tick (): Promise<void> {
    const now = this.#clock.now()
    await this.#pool.commit.submit(() => {
      for (const r of this.#st.dueOpen.all(now, now, now) as Array<{ id: string }>) this.#st.history.run(now, r.id, CLOSE.to, '{"by":"window"}')
    }, { savepoint: false })
    const due = (this.#st.due.all(now, 1000) as Row[]).map(toReport).filter(r => !this.#inFlight.has(r.id))
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < due.length) {
        const r = due[next++] as OutboxReport
        this.#inFlight.add(r.id)
        try {
          await this.#step(r)
        } catch (err) {
          // A store failure or a bug: log, keep the report where it was, try again later.
          this.#log?.error({ err, reportId: r.id }, 'outbox step failed')
        } finally { this.#inFlight.delete(r.id) }
      }
    }
    await Promise.all(Array.from({ length: Math.min(this.#o.concurrency, due.length) }, worker))
  }

  async #step (r: OutboxReport): Promise<void> {
    const sender = this.#senders[r.kind]
    if (sender === undefined) { this.#log?.error({ reportId: r.id, kind: r.kind }, 'no sender for report kind'); return }
    if (r.state === ReportState.SENT) return this.#poll(r, sender)
    if (r.state === ReportState.SENDING) {
      // The last send's outcome is unknown (crash, timeout): ask the server before sending anything again.
      let found: string | undefined
      try {
        found = await sender.reconcile(r, this.#pool.queries.forReport(this.codeIds(r.id)))
      } catch (err) {
        await this.#retryLater(r, ReportState.SENDING, err, true)
        return
      }
      if (found !== undefined) {
        await this.#commit(r, { state: ReportState.SENT, remoteId: found, nextAt: this.#clock.now(), lastError: null }, 'RECONCILED', { remoteId: found })
        return
      }
      this.#log?.info({ reportId: r.id }, 'report not found on the server after an uncertain send: sending it')
    }
    await this.#send(r, sender)
  }

  async #send (r: OutboxReport, sender: ReportSender): Promise<void> {
    const codes: ReportCode[] = this.#pool.queries.forReport(this.codeIds(r.id))
    let prepared: Prepared
    try {
      prepared = await sender.prepare(r, codes)
    } catch (err) {
      if (err instanceof SignerError) {
        // Signing holds the report, never the line: it stays READY and is tried again with backoff.
        const first = r.lastError !== message(err)
        await this.#retryLater(r, ReportState.READY, err, true)
        // One alarm per distinct failure, not one per retry of a days-long token outage.
        if (first) this.#alarm(outboxAlarm({ code: 'LC_ERR_SIGNER' }, r.id, { ...err.context, error: err.message }))
        return
      }
      if (isContentError(err)) { await this.#reject(r, `cannot build the report: ${message(err)}`, []); return }
      // The API down during sign-in, a store hiccup: nothing was sent, try again later.
      await this.#retryLater(r, ReportState.READY, err, true)
      return
    }
    // Persist before acting: from here on a crash leaves SENDING + hash, and the restart reconciles.
    const sendingAt = this.#clock.now()
    await this.#commit(r, { state: ReportState.SENDING, bodyHash: prepared.hash, sendingAt, attempts: r.attempts + 1, nextAt: sendingAt + this.#backoff(r.attempts + 1) }, 'SENDING', { hash: prepared.hash, attempt: r.attempts + 1 })
    const cur = { ...r, state: ReportState.SENDING, bodyHash: prepared.hash, sendingAt, attempts: r.attempts + 1 }
    let remoteId: string
    try {
      remoteId = await sender.submit(cur, prepared)
    } catch (err) {
      // what became of a first copy is asked (reconcile), never read from the words of a refusal
      const cls = classifyFailure(err)
      if (cls === 'rejected') { await this.#reject(cur, message(err), []); return }
      await this.#retryLater(cur, cls === 'not-sent' ? ReportState.READY : ReportState.SENDING, err, false)
      return
    }
    await this.#commit(cur, { state: ReportState.SENT, remoteId, nextAt: this.#clock.now() + this.#o.pollIntervalMs, lastError: null }, 'SENT', { remoteId })
  }

  async #poll (r: OutboxReport, sender: ReportSender): Promise<void> {
    let status
    try {
      status = await sender.status(r as OutboxReport & { remoteId: string })
    } catch (err) {
      await this.#retryLater(r, ReportState.SENT, err, true)
      return
    }
    if (status.state === 'pending') {
      await this.#commit(r, { nextAt: this.#clock.now() + this.#o.pollIntervalMs, lastError: null }, undefined, {})
      return
    }
    if (status.state === 'rejected') { await this.#reject(r, status.reason, status.errors ?? []); return }
    if (status.state === 'partial') { await this.#split(r, status); return }
    await this.#accept(r)
  }

  /**
   * A report the server took in part: the codes it refused move into a report of their own, REJECTED with the
   * per-code reasons (the operator acts on it as on any rejection), and the rest is accepted. The move is committed
   * before the accept: a crash between them finds the refused codes gone from this report and the SPLIT in its
   * history, and accepts. A refused code this report does not hold (and no split before) rejects it whole.
   */
  async #split (r: OutboxReport, status: Extract<RemoteStatus, { state: 'partial' }>): Promise<void> {
    const codes = this.#pool.queries.forReport(this.codeIds(r.id))
    const byIdentity = new Map(codes.map(c => [c.identity, c.id]))
    const refused = status.refused.map(x => ({ ...x, id: byIdentity.get(x.cis.split('\x1d')[0] as string) }))
    const held = refused.filter((x): x is typeof x & { id: number } => x.id !== undefined)
    const splitBefore = this.history(r.id).some(h => h.event === 'SPLIT')
    if (held.length === 0 && splitBefore) { await this.#accept(r); return }
    if (held.length < refused.length || held.length >= codes.length) { await this.#reject(r, status.reason, []); return }
    const id = `R-${randomUUID()}`
    const list = held.slice(0, 100).map(x => ({ codeId: x.id, cis: x.cis, code: x.code, description: x.description ?? null }))
    await this.#pool.commit.submit(() => {
      const now = this.#clock.now()
      const row = this.#st.byId.get(r.id) as Row
      this.#st.insertReport.run({ id, kind: r.kind, channel: r.channel, grp: r.group, batchKey: `${row.batch_key}|refused-from|${r.id}`, attributes: row.attributes, now, closeAt: now })
      this.#st.history.run(now, id, ReportState.OPEN, JSON.stringify({ splitFrom: r.id }))
      for (const x of held) {
        this.#st.unlink.run(r.id, x.id)
        this.#st.insertCode.run(id, r.kind, x.id)
      }
      this.#st.dropCount.run(held.length, now, r.id)
      this.#st.bumpCount.run(held.length, now, id)
      const split = toReport(this.#st.byId.get(id) as Row)
      this.#set(split, { state: ReportState.REJECTED, remoteId: r.remoteId, reason: status.reason })
      this.#st.history.run(now, id, 'REJECTED', JSON.stringify({ reason: status.reason, splitFrom: r.id, refused: list }))
      this.#st.history.run(now, r.id, 'SPLIT', JSON.stringify({ into: id, refused: held.length, codes: list }))
    })
    this.#log?.warn({ reportId: r.id, into: id, refused: held.length }, 'report taken in part: the refused codes are held in a report of their own')
    await this.#accept(this.get(r.id) as OutboxReport)
    const brief = status.reason.length > 300 ? `${status.reason.slice(0, 300)}…` : status.reason
    this.#alarm(outboxAlarm({ code: 'LC_ERR_REPORT_REJECTED', params: { report: id, kind: r.kind, codes: held.length } }, id,
      { kind: r.kind, remoteId: r.remoteId, reason: brief, splitFrom: r.id, errors: list.slice(0, 20).map(x => `${x.cis}: ${x.code} ${x.description ?? ''}`.trim()) }))
    this.#emitReport(id)
  }

  async #accept (r: OutboxReport): Promise<void> {
    const ids = this.codeIds(r.id)
    const remoteId = r.remoteId as string
    await this.#pool.linkReport(r.kind, remoteId, ids)
    const target = this.#onAccepted[r.kind]
    let moved = 0
    await this.#pool.commit.submit(() => {
      if (target !== 'none') {
        // Only codes still in a state the target may be entered from: a repeated accept after a crash moves nothing twice.
        const eligible = this.#pool.queries.movable(this.codeIds(r.id), target)
        if (eligible.length > 0) moved = this.#pool.transitionSync({ ids: eligible, to: target, reportId: remoteId })
      }
      this.#set(r, { state: ReportState.ACCEPTED, lastError: null })
      const released: Record<string, number> = {}
      for (const rel of releasedBy(r, ids)) released[rel.kind] = this.#release(rel.kind, rel.ids, r.id)
      this.#st.history.run(this.#clock.now(), r.id, 'ACCEPTED', JSON.stringify({ remoteId, moved, target, ...(Object.keys(released).length === 0 ? {} : { released }) }))
    })
    this.#emitReport(r.id)
  }

  async #reject (r: OutboxReport, reason: string, errors: string[]): Promise<void> {
    await this.#commit(r, { state: ReportState.REJECTED, reason }, 'REJECTED', { reason, errors: errors.slice(0, 100) })
    // the alarm's detail carries the start of the API's answer (never its text); the whole of it is in the report's history
    const brief = reason.length > 300 ? `${reason.slice(0, 300)}…` : reason
    this.#alarm(outboxAlarm({ code: 'LC_ERR_REPORT_REJECTED', params: { report: r.id, kind: r.kind, codes: r.codes } }, r.id,
      { kind: r.kind, remoteId: r.remoteId, reason: brief, errors: errors.slice(0, 20) }))
  }

  /** Keep the report in `state` and look at it again after a backoff that grows with every failed attempt. */
  async #retryLater (r: OutboxReport, state: ReportState, err: unknown, bump: boolean): Promise<void> {
    const attempts = r.attempts + (bump ? 1 : 0)
    const delay = this.#backoff(Math.max(1, attempts))
    this.#log?.warn({ err, reportId: r.id, state, delay }, 'report not through yet, will retry')
    await this.#commit(r, { state, attempts, lastError: message(err), nextAt: this.#clock.now() + delay }, undefined, {})
  }

  #backoff (attempt: number): number {
    return backoffDelay(attempt, { baseMs: this.#o.retryBaseMs, maxMs: this.#o.retryMaxMs })
  }

  /**
   * Move these codes' links to accepted reports of `kind` into report_codes_released and clear the pool's column, in
   * the caller's commit: the codes may go into a report of that kind again. Returns how many links moved.
   */
  #release (kind: ReportKind, ids: readonly number[], by: string): number {
    const now = this.#clock.now()
    let n = 0
    for (const id of ids) {
      const rows = this.#st.acceptedLink.all(kind, id) as Array<{ reportId: string }>
      for (const row of rows) {
        this.#st.archiveLink.run(row.reportId, kind, id, by, now)
        this.#st.unlink.run(row.reportId, id)
        n++
      }
    }
    this.#pool.clearReportSync(kind, ids)
    return n
  }

  /** Write a patch of the report's row; a change of state is checked against the report state table. */
  #set (r: OutboxReport, patch: Partial<Patch>): void {
    const row = this.#st.byId.get(r.id) as Row
    if (patch.state !== undefined) checkReportTransition(r.id, row.state, patch.state)
    this.#st.setState.run({
      id: r.id, now: this.#clock.now(),
      state: patch.state ?? row.state, attempts: patch.attempts ?? row.attempts, nextAt: patch.nextAt ?? row.next_at,
      bodyHash: patch.bodyHash !== undefined ? patch.bodyHash : row.body_hash,
      sendingAt: patch.sendingAt !== undefined ? patch.sendingAt : row.sending_at,
      remoteId: patch.remoteId !== undefined ? patch.remoteId : row.remote_id,
      lastError: patch.lastError !== undefined ? patch.lastError : row.last_error,
      reason: patch.reason !== undefined ? patch.reason : row.reason,
      generation: patch.generation ?? row.generation,
    })
  }

  async #commit (r: OutboxReport, patch: Partial<Patch>, event: string | undefined, detail: Record<string, unknown>): Promise<void> {
    await this.#pool.commit.submit(() => {
      this.#set(r, patch)
      if (event !== undefined) this.#st.history.run(this.#clock.now(), r.id, event, JSON.stringify(detail))
    })
    if (event !== undefined) this.#emitReport(r.id)
  }

  #emitReport (id: string): void {
    const r = this.get(id)
    if (r !== undefined) this.emit('report', { id: r.id, kind: r.kind, state: r.state, codes: r.codes, remoteId: r.remoteId, reason: r.reason })
  }

  #alarm (a: OutboxAlarm): void {
    this.#log?.warn({ alarm: a }, a.text.en)
    this.emit('alarm', a)
  }
}

interface Patch {
  state: ReportState
  attempts: number
  nextAt: number
  bodyHash: string | null
  sendingAt: number | null
  remoteId: string | null
  lastError: string | null
  reason: string | null
  generation: number
}
