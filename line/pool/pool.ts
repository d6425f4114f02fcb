// The durable code pool (DESIGN §4, §5b): import blocks, reserve codes for printers, move codes through their
// lifecycle, and account for every code ever imported. All writes go through the store's group commit.

import type { Statement } from 'better-sqlite3'
import { parseCode } from '../codes/code.ts'
import { LineError } from '../domain/errors.ts'
import type { ProfileRegistry } from '../codes/profiles.ts'
import type { Clock } from '../clock.ts'
import { systemClock } from '../clock.ts'
import { GroupCommit } from '../store/group-commit.ts'
import { migrate, type Db } from '../store/open.ts'
import { PoolEmptyError, PoolImportError, PoolTransitionError } from './errors.ts'
import { PoolFiles } from './files.ts'
import { CodeQueries } from './queries.ts'
import { POOL_MIGRATIONS, REPORT_COLUMNS, type ReportKind } from './schema.ts'
import { ALLOWED_FROM, CodeState, STATE_NAMES, stateName, type CodeStateName } from './states.ts'

export interface ImportBlock {
  blockId: string
  orderId?: string
  gtin: string
  group: string
  /** When the OMS buffer's codes expire (Unix ms). */
  expiresAt: number
  codes: readonly string[]
}

export interface ImportResult {
  blockId: string
  imported: number
  /** The block was imported before: nothing was added. */
  duplicateBlock: boolean
}

export interface ReservedCode {
  id: number
  code: string
  expiresAt: number
}

export interface ReserveOptions {
  /** Return fewer than requested instead of failing. */
  partial?: boolean
  /** The production job the codes are for (job counters are derived from it). */
  jobId?: number
}

export interface TransitionOp {
  ids: readonly number[]
  to: CodeStateName
  printer?: string
  seq?: number
  grade?: string
  reason?: string
  parent?: string
  reportId?: string
  /** HANDED_OVER: the export file the codes went out in. */
  exportId?: string
  /** VERIFIED or DEFECT of a pre-applied code read on the line: the job whose product carried it. */
  jobId?: number
}

export type { ReportKind } from './schema.ts'

export interface CodeRow {
  id: number
  identity: string
  code: string
  gtin: string
  blockId: string
  state: CodeStateName
  expiresAt: number
  printer: string | null
  seq: number | null
  grade: string | null
  reason: string | null
  parent: string | null
  reportId: string | null
  reports: Record<ReportKind, string | null>
  updatedAt: number
}

export interface GtinAccount {
  imported: number
  inStore: number
  states: Record<CodeStateName, number>
  balanced: boolean
}

export interface Accounting {
  gtins: Record<string, GtinAccount>
  imported: number
  balanced: boolean
}

/** Extra columns each target state sets; the WHERE clause adds the allowed source states. */
const SET_CLAUSE: Record<CodeStateName, string> = {
  AVAILABLE: 'printer = NULL, seq = NULL, job_id = NULL, reason = @reason',
  SENT: 'printer = @printer, reason = NULL',
  PRINTED: 'seq = coalesce(@seq, seq)',
  // a pre-applied code (HANDED_OVER) read on the line takes its product's number, the job and the camera here
  VERIFIED: 'grade = coalesce(@grade, grade), parent = NULL, seq = coalesce(@seq, seq), job_id = coalesce(@jobId, job_id), printer = coalesce(@printer, printer)',
  AGGREGATED: 'parent = @parent',
  REPORTED: 'report_id = @reportId',
  DEFECT: 'reason = @reason, seq = coalesce(@seq, seq), job_id = coalesce(@jobId, job_id), printer = coalesce(@printer, printer)',
  DROPPED: 'report_id = @reportId',
  HANDED_OVER: 'export_id = coalesce(@exportId, export_id)',
}
const REQUIRED: Partial<Record<CodeStateName, keyof TransitionOp>> = {
  AVAILABLE: 'reason', SENT: 'printer', AGGREGATED: 'parent', REPORTED: 'reportId', DEFECT: 'reason', DROPPED: 'reportId',
}

/** Codes validated between two turns of the event loop on an asynchronous import (about 20 ms of parsing). */
const VALIDATE_SLICE = 10_000

/** A block's validation under way: slices of it run on separate turns of the event loop. */
interface BlockValidation {
  profile: ReturnType<ProfileRegistry['get']>
  next: number
  problems: Array<{ index: number, code: string, error: string }>
  seen: Set<string>
  /** Identities and canonical raw forms by index: two string arrays, not an object per code (GC on 150,000). */
  out: ValidCodes
}

interface ValidCodes { identities: string[], raws: string[] }

/** Codes per INSERT statement on import (6 parameters each, well under SQLite's 32,766). */
const INSERT_ROWS = 64

export interface PoolOptions {
  profiles: ProfileRegistry
  clock?: Clock
  commit?: GroupCommit
  /** A code is reserved only if it stays valid at least this long (time to print, verify and report it). */
  minRemainingMs?: number
}

export class CodePool {
  readonly db: Db
  readonly commit: GroupCommit
  /** Named queries for the modules around the pool: nobody else holds SQL on `codes` (issue 12 §3). */
  readonly queries: CodeQueries
  /** Codes files: exports for a printing house and imports from a file (docs/codes-files.md). */
  readonly files: PoolFiles
  readonly #profiles: ProfileRegistry
  readonly #clock: Clock
  readonly #minRemainingMs: number
  readonly #st: {
    blockExists: Statement
    insertBlock: Statement
    insertCode: Statement
    insertCodes: Statement
    selectAvailable: Statement
    reserveOne: Statement
    transition: Record<CodeStateName, Statement>
    stateOf: Statement
    level: Statement
    byId: Statement
    byIdentity: Statement
    readCheck: Statement
    audit: Statement
  }

  constructor (db: Db, options: PoolOptions) {
    this.db = db
    this.#profiles = options.profiles
    this.#clock = options.clock ?? systemClock
    this.#minRemainingMs = options.minRemainingMs ?? 0
    migrate(db, 'pool', POOL_MIGRATIONS)
    this.commit = options.commit ?? new GroupCommit(db)
    this.queries = new CodeQueries(db)
    this.files = new PoolFiles(db, { commit: this.commit, clock: this.#clock, minRemainingMs: this.#minRemainingMs })
    const transition = {} as Record<CodeStateName, Statement>
    for (const to of STATE_NAMES) {
      const from = ALLOWED_FROM[to].map(s => CodeState[s]).join(',')
      transition[to] = db.prepare(`UPDATE codes SET state = ${CodeState[to]}, updated_at = @now, ${SET_CLAUSE[to]} WHERE id = @id AND state IN (${from})`)
    }
    this.#st = {
      blockExists: db.prepare('SELECT 1 FROM blocks WHERE block_id = ?'),
      insertBlock: db.prepare('INSERT INTO blocks (block_id, order_id, gtin, grp, count, expires_at, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      insertCode: db.prepare('INSERT INTO codes (identity, code, gtin, block_id, expires_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)'),
      insertCodes: db.prepare(`INSERT INTO codes (identity, code, gtin, block_id, expires_at, updated_at) VALUES ${Array(INSERT_ROWS).fill('(?, ?, ?, ?, ?, ?)').join(', ')}`),
      selectAvailable: db.prepare('SELECT id, code, expires_at AS expiresAt FROM codes WHERE state = 0 AND gtin = ? AND expires_at > ? ORDER BY expires_at, id LIMIT ?'),
      reserveOne: db.prepare('UPDATE codes SET state = 1, printer = ?, job_id = ?, reason = NULL, updated_at = ? WHERE id = ? AND state = 0'),
      transition,
      stateOf: db.prepare('SELECT state FROM codes WHERE id = ?'),
      level: db.prepare('SELECT count(*) AS n FROM codes WHERE state = 0 AND gtin = ? AND expires_at > ?'),
      byId: db.prepare('SELECT * FROM codes WHERE id = ?'),
      byIdentity: db.prepare('SELECT * FROM codes WHERE identity = ?'),
      readCheck: db.prepare('SELECT id, code, gtin, state FROM codes WHERE identity = ?'),
      audit: db.prepare('INSERT INTO audit (ts, actor, action, detail) VALUES (?, ?, ?, ?)'),
    }
  }

  // ---- import -------------------------------------------------------------------------------------------

  /**
   * Validate a whole block against its profile, then store it in one transaction, or refuse all of it. A large
   * block is validated in slices of VALIDATE_SLICE codes with a turn of the event loop between them, so the
   * line keeps running while 150,000 codes are parsed.
   */
  importBlock (block: ImportBlock): Promise<ImportResult> {
    // Validation runs before the commit queue so a bad block costs nobody else's latency.
    let v: BlockValidation
    try {
      v = this.#startValidation(block)
      if (block.codes.length <= VALIDATE_SLICE) {
        this.#validateSlice(block, v, block.codes.length)
        return this.#submitBlock(block, v)
      }
    } catch (err) { return Promise.reject(err) }
    return (async () => {
      while (v.next < block.codes.length) {
        this.#validateSlice(block, v, Math.min(block.codes.length, v.next + VALIDATE_SLICE))
        if (v.next < block.codes.length) await new Promise(resolve => setImmediate(resolve))
      }
      return await this.#submitBlock(block, v)
    })()
  }

  importBlockSync (block: ImportBlock): ImportResult {
    const v = this.#startValidation(block)
    this.#validateSlice(block, v, block.codes.length)
    const parsed = this.#validated(block, v)
    return this.db.transaction(() => this.#insertBlock(block, parsed))()
  }

  #submitBlock (block: ImportBlock, v: BlockValidation): Promise<ImportResult> {
    const parsed = this.#validated(block, v)
    return this.commit.submit(() => this.#insertBlock(block, parsed), { statements: parsed.raws.length + 2 })
  }

  #startValidation (block: ImportBlock): BlockValidation {
    const profile = this.#profiles.get(block.group)
    if (!Number.isFinite(block.expiresAt)) throw new PoolImportError('block has no valid expiry', { blockId: block.blockId, gtin: block.gtin })
    return { profile, next: 0, problems: [], seen: new Set<string>(), out: { identities: new Array(block.codes.length), raws: new Array(block.codes.length) } }
  }

  /** Validate codes from `v.next` up to `to` (exclusive). */
  #validateSlice (block: ImportBlock, v: BlockValidation, to: number): void {
    const { profile, problems, seen, out } = v
    for (let i = v.next; i < to; i++) {
      const raw = block.codes[i] as string
      try {
        const c = parseCode(profile, raw)
        if (c.gtin !== block.gtin) throw new LineError('LC_ERR_CODE_GTIN', `code is for GTIN ${c.gtin}, block is for ${block.gtin}`)
        if (seen.has(c.identity)) throw new LineError('LC_ERR_CODE_DUPLICATE', 'code appears twice in the block')
        seen.add(c.identity)
        out.identities[i] = c.identity
        out.raws[i] = c.raw
      } catch (err) {
        if (problems.length < 20) problems.push({ index: i, code: String(raw), error: err instanceof Error ? err.message : String(err) })
        else if (problems.length === 20) problems.push({ index: -1, code: '', error: 'more problems not listed' })
      }
    }
    v.next = to
  }

  #validated (block: ImportBlock, v: BlockValidation): ValidCodes {
    const problems = v.problems
    if (problems.length > 0) {
      throw new PoolImportError(`block ${block.blockId} refused: ${problems.length > 20 ? 'over 20' : problems.length} bad code(s), first: ${problems[0]?.error}`, { blockId: block.blockId, gtin: block.gtin, problems })
    }
    return v.out
  }

  #insertBlock (block: ImportBlock, parsed: ValidCodes): ImportResult {
    if (this.#st.blockExists.get(block.blockId) !== undefined) return { blockId: block.blockId, imported: 0, duplicateBlock: true }
    const now = this.#clock.now()
    const { identities, raws } = parsed
    const count = raws.length
    this.#st.insertBlock.run(block.blockId, block.orderId ?? null, block.gtin, block.group, count, block.expiresAt, now)
    // INSERT_ROWS codes per statement: the bind-step-reset round trip per row was a third of the import's time
    const many = this.#st.insertCodes
    const args: unknown[] = new Array(INSERT_ROWS * 6)
    let i = 0
    try {
      for (; i + INSERT_ROWS <= count; i += INSERT_ROWS) {
        for (let k = 0; k < INSERT_ROWS; k++) {
          const o = k * 6
          args[o] = identities[i + k]; args[o + 1] = raws[i + k]; args[o + 2] = block.gtin; args[o + 3] = block.blockId; args[o + 4] = block.expiresAt; args[o + 5] = now
        }
        many.run(args)
      }
      const one = this.#st.insertCode
      for (; i < count; i++) one.run(identities[i], raws[i], block.gtin, block.blockId, block.expiresAt, now)
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        // the failed statement stored none of its rows: name the first of them that the pool already holds
        let at = i
        for (let k = i; k < Math.min(count, i + INSERT_ROWS); k++) {
          if (this.#st.byIdentity.get(identities[k]) !== undefined) { at = k; break }
        }
        throw new PoolImportError(`block ${block.blockId} refused: code ${at} is already in the pool`, { blockId: block.blockId, gtin: block.gtin, problems: [{ index: at, code: raws[at] as string, error: 'already in the pool' }] })
      }
      throw err
    }
    return { blockId: block.blockId, imported: count, duplicateBlock: false }
  }

  // ---- reserve ------------------------------------------------------------------------------------------

  /**
   * Reserve `n` codes for `printer` (AVAILABLE→SENT), nearest expiry first. Resolves after the reservation is
   * committed, so the caller may send the codes. Without `partial`, fewer than `n` available is a PoolEmptyError.
   */
  reserve (gtin: string, n: number, printer: string, options: ReserveOptions = {}): Promise<ReservedCode[]> {
    return this.commit.submit(() => this.#reserve(gtin, n, printer, options), { savepoint: false, statements: Number.isInteger(n) && n > 0 ? n + 1 : 1 })
  }

  reserveSync (gtin: string, n: number, printer: string, options: ReserveOptions = {}): ReservedCode[] {
    return this.db.transaction(() => this.#reserve(gtin, n, printer, options))()
  }

  #reserve (gtin: string, n: number, printer: string, options: ReserveOptions): ReservedCode[] {
    const partial = options.partial ?? false
    if (!Number.isInteger(n) || n < 1) throw new PoolTransitionError(`cannot reserve ${n} codes`, { to: 'SENT', requested: n })
    const now = this.#clock.now()
    const rows = this.#st.selectAvailable.all(gtin, now + this.#minRemainingMs, n) as ReservedCode[]
    if (rows.length < n && !partial) throw new PoolEmptyError({ gtin, requested: n, available: rows.length })
    const upd = this.#st.reserveOne
    const job = options.jobId ?? null
    for (const r of rows) upd.run(printer, job, now, r.id)
    return rows
  }

  // ---- transitions --------------------------------------------------------------------------------------

  /** Move codes to `op.to`; all or none. Refuses transitions outside the table with PoolTransitionError. */
  transition (op: TransitionOp): Promise<number> {
    try { this.#checkOp(op) } catch (err) { return Promise.reject(err) }
    return this.commit.submit(() => this.#transition(op), { savepoint: op.ids.length > 1, statements: Math.max(1, op.ids.length) })
  }

  transitionSync (op: TransitionOp): number {
    this.#checkOp(op)
    return this.db.transaction(() => this.#transition(op))()
  }

  #checkOp (op: TransitionOp): void {
    const need = REQUIRED[op.to]
    if (need !== undefined && (op[need] === undefined || op[need] === '')) {
      throw new PoolTransitionError(`a transition to ${op.to} needs ${need}`, { to: op.to, missing: need })
    }
  }

  #transition (op: TransitionOp): number {
    const st = this.#st.transition[op.to]
    const params = {
      id: 0,
      now: this.#clock.now(),
      printer: op.printer ?? null,
      seq: op.seq ?? null,
      grade: op.grade ?? null,
      reason: op.reason ?? null,
      parent: op.parent ?? null,
      reportId: op.reportId ?? null,
      exportId: op.exportId ?? null,
      jobId: op.jobId ?? null,
    }
    for (const id of op.ids) {
      params.id = id
      if (st.run(params).changes !== 1) {
        const row = this.#st.stateOf.get(id) as { state: number } | undefined
        const from = row === undefined ? null : stateName(row.state)
        throw new PoolTransitionError(
          row === undefined ? `code ${id} is not in the pool` : `code ${id} cannot go from ${from} to ${op.to}`,
          { to: op.to, codeId: id, from, allowedFrom: ALLOWED_FROM[op.to] },
        )
      }
    }
    return op.ids.length
  }

  markPrinted (ids: readonly number[], seq?: number): Promise<number> { return this.transition(seq === undefined ? { ids, to: 'PRINTED' } : { ids, to: 'PRINTED', seq }) }
  markVerified (ids: readonly number[], grade?: string): Promise<number> { return this.transition(grade === undefined ? { ids, to: 'VERIFIED' } : { ids, to: 'VERIFIED', grade }) }
  markDefect (ids: readonly number[], reason: string): Promise<number> { return this.transition({ ids, to: 'DEFECT', reason }) }
  aggregate (ids: readonly number[], parent: string): Promise<number> { return this.transition({ ids, to: 'AGGREGATED', parent }) }
  markReported (ids: readonly number[], reportId: string): Promise<number> { return this.transition({ ids, to: 'REPORTED', reportId }) }
  markDropped (ids: readonly number[], reportId: string): Promise<number> { return this.transition({ ids, to: 'DROPPED', reportId }) }
  /** SENT→AVAILABLE: only for codes the device proved it never printed; `evidence` says how (kept on the row). */
  returnUnprinted (ids: readonly number[], evidence: string): Promise<number> { return this.transition({ ids, to: 'AVAILABLE', reason: `RETURNED: ${evidence}` }) }

  /** Record that report `reportId` of `kind` covers these codes (the reporting track, separate from state). */
  linkReport (kind: ReportKind, reportId: string, ids: readonly number[]): Promise<void> {
    const st = this.db.prepare(`UPDATE codes SET ${REPORT_COLUMNS[kind]} = ? WHERE id = ?`)
    return this.commit.submit(() => { for (const id of ids) st.run(reportId, id) }, { savepoint: false, statements: Math.max(1, ids.length) })
  }

  /**
   * Rework (docs/rework.md): move AGGREGATED or REPORTED units into another box (`00`+SSCC), or out of every box
   * (null). A change of membership, not of state: the reports already accepted for the units stay theirs. Call inside
   * a commit. Returns how many codes moved; a code in another state is not touched.
   */
  reboxSync (ids: readonly number[], parent: string | null): number {
    const st = this.db.prepare(`UPDATE codes SET parent = ?, updated_at = ? WHERE id = ? AND state IN (${CodeState.AGGREGATED}, ${CodeState.REPORTED})`)
    const now = this.#clock.now()
    let n = 0
    for (const id of ids) n += st.run(parent, now, id).changes
    return n
  }

  /**
   * Forget the accepted report of `kind` of these codes (an aggregation undone by an accepted disaggregation): the
   * codes may be reported in a report of that kind again. Call inside a commit.
   */
  clearReportSync (kind: ReportKind, ids: readonly number[]): void {
    const st = this.db.prepare(`UPDATE codes SET ${REPORT_COLUMNS[kind]} = NULL WHERE id = ?`)
    for (const id of ids) st.run(id)
  }

  // ---- recovery and expiry ------------------------------------------------------------------------------

  /**
   * At start-up: every SENT code whose fate is unknown becomes DEFECT/UNCERTAIN — never AVAILABLE, since it may
   * have been printed. Call after the printers have reconciled what they can prove. Returns the ids.
   */
  recoverUncertain (printer?: string): number[] {
    return this.db.transaction(() => {
      const now = this.#clock.now()
      const rows = (printer === undefined
        ? this.db.prepare(`UPDATE codes SET state = ${CodeState.DEFECT}, reason = 'UNCERTAIN', updated_at = ? WHERE state = ${CodeState.SENT} RETURNING id`).all(now)
        : this.db.prepare(`UPDATE codes SET state = ${CodeState.DEFECT}, reason = 'UNCERTAIN', updated_at = ? WHERE state = ${CodeState.SENT} AND printer = ? RETURNING id`).all(now, printer)) as Array<{ id: number }>
      return rows.map(r => r.id).sort((a, b) => a - b)
    })()
  }

  /**
   * At start-up: PRINTED codes were on products between printer and camera when the controller stopped; no
   * verdict will ever come for them and the PLC rejected those products (docs/plc-mqtt.md), so they are DEFECT.
   */
  recoverUnverified (): number[] {
    const rows = this.db.prepare(`UPDATE codes SET state = ${CodeState.DEFECT}, reason = 'UNCERTAIN', updated_at = ? WHERE state = ${CodeState.PRINTED} RETURNING id`).all(this.#clock.now()) as Array<{ id: number }>
    return rows.map(r => r.id).sort((a, b) => a - b)
  }

  /** AVAILABLE codes past their expiry become DEFECT/EXPIRY, to be dropped out. Returns how many. */
  expireAvailable (): Promise<number> {
    return this.commit.submit(() => {
      const now = this.#clock.now()
      return this.db.prepare(`UPDATE codes SET state = ${CodeState.DEFECT}, reason = 'EXPIRY', updated_at = ? WHERE state = ${CodeState.AVAILABLE} AND expires_at <= ?`).run(now, now).changes
    }, { savepoint: false })
  }

  // ---- queries ------------------------------------------------------------------------------------------

  /** Codes that can still be reserved for `gtin` (unexpired, with the minimum remaining validity). */
  level (gtin: string): number {
    return (this.#st.level.get(gtin, this.#clock.now() + this.#minRemainingMs) as { n: number }).n
  }

  get (id: number): CodeRow | undefined {
    const r = this.#st.byId.get(id) as RawRow | undefined
    return r === undefined ? undefined : toRow(r)
  }

  /** Find a code by its raw form (crypto part ignored: looked up by identity). */
  findByIdentity (identity: string): CodeRow | undefined {
    const r = this.#st.byIdentity.get(identity) as RawRow | undefined
    return r === undefined ? undefined : toRow(r)
  }

  /**
   * What the pre-applied check needs of a code read on a pack (docs/modes.md): its id, full code, GTIN and state.
   * Runs once per pack on the line's loop; the whole row (`findByIdentity`) costs two to three times as much.
   */
  readCheck (identity: string): { id: number, code: string, gtin: string, state: CodeStateName } | undefined {
    const r = this.#st.readCheck.get(identity) as { id: number, code: string, gtin: string, state: number } | undefined
    return r === undefined ? undefined : { id: r.id, code: r.code, gtin: r.gtin, state: stateName(r.state) }
  }

  /** Counts per GTIN and state against what was imported: the invariant emitted = Σ states must hold. */
  accounting (): Accounting {
    const gtins: Record<string, GtinAccount> = {}
    const blank = (): GtinAccount => ({ imported: 0, inStore: 0, states: Object.fromEntries(STATE_NAMES.map(s => [s, 0])) as Record<CodeStateName, number>, balanced: false })
    for (const r of this.db.prepare('SELECT gtin, sum(count) AS n FROM blocks GROUP BY gtin').all() as Array<{ gtin: string, n: number }>) {
      gtins[r.gtin] = { ...blank(), imported: r.n }
    }
    for (const r of this.db.prepare('SELECT gtin, state, count(*) AS n FROM codes GROUP BY gtin, state').all() as Array<{ gtin: string, state: number, n: number }>) {
      const g = gtins[r.gtin] ?? (gtins[r.gtin] = blank())
      g.states[stateName(r.state)] += r.n
      g.inStore += r.n
    }
    let imported = 0
    let balanced = true
    for (const g of Object.values(gtins)) {
      g.balanced = g.imported === g.inStore
      balanced &&= g.balanced
      imported += g.imported
    }
    return { gtins, imported, balanced }
  }

  /** Codes of a job per state, and DEFECT codes per reason: the job's counters, straight from the store. */
  jobCounts (jobId: number): { states: Record<CodeStateName, number>, defects: Record<string, number> } {
    const states = Object.fromEntries(STATE_NAMES.map(s => [s, 0])) as Record<CodeStateName, number>
    for (const r of this.db.prepare('SELECT state, count(*) AS n FROM codes WHERE job_id = ? GROUP BY state').all(jobId) as Array<{ state: number, n: number }>) {
      states[stateName(r.state)] = r.n
    }
    const defects: Record<string, number> = {}
    for (const r of this.db.prepare(`SELECT reason, count(*) AS n FROM codes WHERE job_id = ? AND state IN (${CodeState.DEFECT}, ${CodeState.DROPPED}) GROUP BY reason`).all(jobId) as Array<{ reason: string | null, n: number }>) {
      defects[r.reason ?? 'OTHER'] = r.n
    }
    return { states, defects }
  }

  /** Codes currently SENT, per printer: what a printer driver reconciles against at start-up. */
  sentTo (printer: string): Array<{ id: number, code: string }> {
    return this.db.prepare(`SELECT id, code FROM codes WHERE state = ${CodeState.SENT} AND printer = ? ORDER BY id`).all(printer) as Array<{ id: number, code: string }>
  }

  /** An audit entry (who, what, detail) in the same durable store. */
  audit (actor: string, action: string, detail: Record<string, unknown>): Promise<void> {
    return this.commit.submit(() => { this.#st.audit.run(this.#clock.now(), actor, action, JSON.stringify(detail)) }, { savepoint: false })
  }
}

interface RawRow {
  id: number, identity: string, code: string, gtin: string, block_id: string, state: number, expires_at: number,
  printer: string | null, seq: number | null, grade: string | null, reason: string | null, parent: string | null,
  report_id: string | null, util_report: string | null, agg_report: string | null, pallet_report: string | null, intro_report: string | null, disagg_report: string | null,
  dropout_report: string | null, updated_at: number
}

function toRow (r: RawRow): CodeRow {
  return {
    id: r.id,
    identity: r.identity,
    code: r.code,
    gtin: r.gtin,
    blockId: r.block_id,
    state: stateName(r.state),
    expiresAt: r.expires_at,
    printer: r.printer,
    seq: r.seq,
    grade: r.grade,
    reason: r.reason,
    parent: r.parent,
    reportId: r.report_id,
    reports: { utilisation: r.util_report, aggregation: r.agg_report, pallet: r.pallet_report, introduction: r.intro_report, dropout: r.dropout_report, disaggregation: r.disagg_report },
    updatedAt: r.updated_at,
  }
}
