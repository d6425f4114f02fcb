// Named read queries on the pool's tables (`codes`, `blocks`) for the modules around it — the report outbox and
// planner, aggregation, the composition root — so the pool stays the one owner of its SQL and states reach SQL
// only through CodeState. Statements are prepared once; lists of ids travel as one JSON parameter (json_each).

import type { Statement } from 'better-sqlite3'
import type { Db } from '../store/open.ts'
import { REPORT_COLUMNS, type ReportKind } from './schema.ts'
import { ALLOWED_FROM, CodeState, STATE_NAMES, stateName, type CodeStateName } from './states.ts'

/** A code with what the reporting needs to group it: its job and its box (`00`+SSCC). */
export interface CodeRef { id: number, jobId: number | null, parent: string | null }

/** What a report document carries of a code (the outbox's ReportCode). */
export interface CodeForReport {
  id: number
  /** Full code with crypto part (utilisation, dropout). */
  code: string
  /** Without crypto part (aggregation, introduction). */
  identity: string
  gtin: string
  /** The box or pallet (SSCC) an aggregated code sits in. */
  parent: string | null
  reason: string | null
}

/** A unit inside a box, with the accepted aggregation and introduction covering it (null: none yet). */
export interface BoxedUnit { id: number, aggReport: string | null, introReport: string | null }

/** A DEFECT code not yet covered by an accepted dropout. */
export interface UnreportedDefect { id: number, gtin: string, reason: string | null, jobId: number | null }

/** A code as the panel's find shows it (line/lookup): with its product group (from its block) and place. */
export interface FoundCode {
  id: number
  identity: string
  code: string
  gtin: string
  state: CodeStateName
  reason: string | null
  grade: string | null
  seq: number | null
  jobId: number | null
  /** The box or pallet (`00`+SSCC) it sits in. */
  parent: string | null
  grp: string
}

/** A unit of a box as the panel's find lists it. */
export interface UnitView { id: number, code: string, identity: string, state: CodeStateName, reason: string | null }

/** The SQL list of these states' numbers, for a statement prepared once. */
function inStates (states: readonly CodeStateName[]): string {
  return states.map(s => CodeState[s]).join(', ')
}

/** A set of code ids as one bound parameter. */
const ID_SET = 'id IN (SELECT value FROM json_each(?))'

function idList (ids: readonly number[]): string {
  return JSON.stringify(ids)
}

export class CodeQueries {
  readonly #st: {
    exists: Statement
    groupOf: Statement
    forReport: Statement
    refs: Statement
    goodRefs: Statement
    movable: Record<CodeStateName, Statement>
    notReported: Record<ReportKind, Statement>
    countInState: Statement
    boxedUnits: Statement
    under: Statement
    ofJob: Statement
    printedOn: Statement
    writtenOffOn: Statement
    unreportedUse: Statement
    unreportedDefects: Statement
    unreportedBoxed: Statement
    inReportedAggregate: Statement
    defectsInAggregate: Statement
    boxedToIntroduce: Statement
    singleToIntroduce: Statement
    codesIn: Statement
    withReason: Statement
    jobCodeIds: Statement
    byIdentity: Statement
    detail: Statement
    units: Statement
  }

  constructor (db: Db) {
    const movable = {} as Record<CodeStateName, Statement>
    for (const to of STATE_NAMES) {
      movable[to] = db.prepare(`SELECT id FROM codes WHERE ${ID_SET} AND state IN (${inStates(ALLOWED_FROM[to])}) ORDER BY id`)
    }
    const notReported = {} as Record<ReportKind, Statement>
    for (const kind of Object.keys(REPORT_COLUMNS) as ReportKind[]) {
      notReported[kind] = db.prepare(`SELECT count(*) AS n FROM codes WHERE ${ID_SET} AND ${REPORT_COLUMNS[kind]} IS NULL`)
    }
    // Each sweep query also asks that the report column of its kind be empty: a code whose report of that kind was
    // accepted is in the outbox already, and the condition keeps the answer to what is still open, not the whole history.
    this.#st = {
      exists: db.prepare('SELECT 1 FROM codes WHERE id = ?'),
      groupOf: db.prepare('SELECT grp FROM blocks WHERE gtin = ? LIMIT 1'),
      forReport: db.prepare(`SELECT id, code, identity, gtin, parent, reason FROM codes WHERE ${ID_SET} ORDER BY id`),
      refs: db.prepare(`SELECT id, job_id AS jobId, parent FROM codes WHERE ${ID_SET} ORDER BY id`),
      goodRefs: db.prepare(`SELECT id, job_id AS jobId, parent FROM codes WHERE ${ID_SET} AND state IN (${inStates(['VERIFIED', 'AGGREGATED', 'REPORTED'])}) ORDER BY id`),
      movable,
      notReported,
      countInState: db.prepare(`SELECT count(*) AS n FROM codes WHERE ${ID_SET} AND state = ?`),
      boxedUnits: db.prepare(`SELECT id, agg_report AS aggReport, intro_report AS introReport FROM codes WHERE parent = ?
        AND state IN (${inStates(['AGGREGATED', 'REPORTED'])}) ORDER BY id`),
      under: db.prepare('SELECT id FROM codes WHERE parent = ? ORDER BY id'),
      ofJob: db.prepare('SELECT id FROM codes WHERE job_id = ? AND state = ? ORDER BY id'),
      printedOn: db.prepare(`SELECT id, state FROM codes WHERE seq = ? AND job_id = ? AND state IN (${inStates(['PRINTED', 'VERIFIED'])}) ORDER BY id`),
      writtenOffOn: db.prepare(`SELECT id FROM codes WHERE seq = ? AND job_id = ? AND state IN (${inStates(['DEFECT', 'DROPPED'])}) AND reason = 'UNCERTAIN' ORDER BY id DESC LIMIT 1`),
      unreportedUse: db.prepare(`SELECT id, job_id AS jobId, parent FROM codes WHERE state IN (${inStates(['VERIFIED', 'AGGREGATED', 'REPORTED'])})
        AND util_report IS NULL ORDER BY id`),
      unreportedDefects: db.prepare(`SELECT id, gtin, reason, job_id AS jobId FROM codes WHERE state = ${CodeState.DEFECT} AND dropout_report IS NULL ORDER BY id`),
      // REPORTED too: units re-aggregated into a new box after a rework (docs/rework.md) lost their aggregation report
      unreportedBoxed: db.prepare(`SELECT id, job_id AS jobId, parent FROM codes WHERE state IN (${inStates(['AGGREGATED', 'REPORTED'])}) AND parent IS NOT NULL
        AND agg_report IS NULL ORDER BY id`),
      inReportedAggregate: db.prepare(`SELECT id FROM codes WHERE ${ID_SET} AND (agg_report IS NOT NULL OR pallet_report IS NOT NULL) ORDER BY id`),
      defectsInAggregate: db.prepare(`SELECT id, job_id AS jobId, parent, agg_report AS aggReport, pallet_report AS palletReport FROM codes
        WHERE state = ${CodeState.DEFECT} AND (agg_report IS NOT NULL OR pallet_report IS NOT NULL) ORDER BY id`),
      // only good units: a box scrapped after its aggregation was accepted keeps its units' links until it is
      // disaggregated, and GIS MT would refuse an introduction naming it
      boxedToIntroduce: db.prepare(`SELECT id, job_id AS jobId, parent FROM codes WHERE state IN (${inStates(['AGGREGATED', 'REPORTED'])}) AND agg_report IS NOT NULL
        AND parent IS NOT NULL AND intro_report IS NULL ORDER BY id`),
      singleToIntroduce: db.prepare(`SELECT id, job_id AS jobId, parent FROM codes WHERE state = ${CodeState.VERIFIED} AND util_report IS NOT NULL
        AND parent IS NULL AND intro_report IS NULL ORDER BY id`),
      codesIn: db.prepare('SELECT code, identity FROM codes WHERE state IN (SELECT value FROM json_each(?)) ORDER BY id'),
      withReason: db.prepare('SELECT count(*) AS n FROM codes WHERE reason = ?'),
      jobCodeIds: db.prepare('SELECT id FROM codes WHERE job_id = ? ORDER BY id').pluck(),
      byIdentity: db.prepare('SELECT id, identity FROM codes WHERE identity = ?'),
      detail: db.prepare(`SELECT k.id, k.identity, k.code, k.gtin, k.state, k.reason, k.grade, k.seq, k.job_id AS jobId, k.parent, b.grp AS grp
        FROM codes k JOIN blocks b ON b.block_id = k.block_id WHERE k.id = ?`),
      units: db.prepare(`SELECT id, code, identity, state, reason FROM codes WHERE ${ID_SET} ORDER BY id`),
    }
  }

  /** Every code in one of these states, full and as its identity: audits of a finished run (the scenario runner). */
  codesIn (states: readonly CodeStateName[]): Array<{ code: string, identity: string }> {
    return this.#st.codesIn.all(JSON.stringify(states.map(s => CodeState[s]))) as Array<{ code: string, identity: string }>
  }

  /** How many codes carry this defect reason (UNCERTAIN, WRONG_CODE, …). */
  countWithReason (reason: string): number {
    return (this.#st.withReason.get(reason) as { n: number }).n
  }

  /** Every code a job took from the pool, whatever its state: what a batch report asks the outbox about. */
  jobCodeIds (jobId: number): number[] {
    return this.#st.jobCodeIds.all(jobId) as number[]
  }

  /** The code of this identity (01 + GTIN + 21 + serial, or a tobacco pack's GTIN + serial), if the pool holds it. */
  byIdentity (identity: string): { id: number, identity: string } | undefined {
    return this.#st.byIdentity.get(identity) as { id: number, identity: string } | undefined
  }

  /** A code with its state, job, box and product group, by id (the panel's find). */
  detail (id: number): FoundCode | undefined {
    const r = this.#st.detail.get(id) as (Omit<FoundCode, 'state'> & { state: number }) | undefined
    return r === undefined ? undefined : { ...r, state: stateName(r.state) }
  }

  /** These codes with their state and reason, by id; ids the pool does not hold are left out. */
  units (ids: readonly number[]): UnitView[] {
    return (this.#st.units.all(idList(ids)) as Array<Omit<UnitView, 'state'> & { state: number }>).map(u => ({ ...u, state: stateName(u.state) }))
  }

  /** Whether the pool holds a code with this id. */
  exists (id: number): boolean {
    return this.#st.exists.get(id) !== undefined
  }

  /** The product group a GTIN's codes were imported for (from its blocks), or null for a GTIN never imported. */
  groupOf (gtin: string): string | null {
    return (this.#st.groupOf.get(gtin) as { grp: string } | undefined)?.grp ?? null
  }

  /** These codes as a report document needs them, by id; ids the pool does not hold are left out. */
  forReport (ids: readonly number[]): CodeForReport[] {
    return this.#st.forReport.all(idList(ids)) as CodeForReport[]
  }

  /** These codes' job and box, by id. */
  refs (ids: readonly number[]): CodeRef[] {
    return this.#st.refs.all(idList(ids)) as CodeRef[]
  }

  /** Of these codes, the good ones (VERIFIED, AGGREGATED, REPORTED): what may still be introduced into circulation. */
  goodRefs (ids: readonly number[]): CodeRef[] {
    return this.#st.goodRefs.all(idList(ids)) as CodeRef[]
  }

  /** Of these codes, those whose state may go to `to` by the lifecycle table (ALLOWED_FROM), by id. */
  movable (ids: readonly number[], to: CodeStateName): number[] {
    return (this.#st.movable[to].all(idList(ids)) as Array<{ id: number }>).map(r => r.id)
  }

  /** How many of these codes have no accepted report of `kind` yet. */
  countNotReported (kind: ReportKind, ids: readonly number[]): number {
    return (this.#st.notReported[kind].get(idList(ids)) as { n: number }).n
  }

  /** How many of these codes are in `state`. */
  countInState (ids: readonly number[], state: CodeStateName): number {
    return (this.#st.countInState.get(idList(ids), CodeState[state]) as { n: number }).n
  }

  /** The good units of a box (`00`+SSCC): AGGREGATED or REPORTED under it, with their box-level reports. */
  boxedUnits (parent: string): BoxedUnit[] {
    return this.#st.boxedUnits.all(parent) as BoxedUnit[]
  }

  /** Every code under a box (`00`+SSCC), whatever its state now. */
  under (parent: string): number[] {
    return (this.#st.under.all(parent) as Array<{ id: number }>).map(r => r.id)
  }

  /** Codes of a job in `state`, by id. */
  ofJob (jobId: number, state: CodeStateName): number[] {
    return (this.#st.ofJob.all(jobId, CodeState[state]) as Array<{ id: number }>).map(r => r.id)
  }

  /** Codes of a job printed on product `seq` that have no fate past the camera yet (PRINTED or VERIFIED). */
  /** The newest code of product `seq` of a job written off as UNCERTAIN (its fate unknown at a restart), if any. */
  writtenOffOn (jobId: number, seq: number): number | undefined {
    return (this.#st.writtenOffOn.get(seq, jobId) as { id: number } | undefined)?.id
  }

  printedOn (jobId: number, seq: number): Array<{ id: number, state: 'PRINTED' | 'VERIFIED' }> {
    return (this.#st.printedOn.all(seq, jobId) as Array<{ id: number, state: number }>)
      .map(r => ({ id: r.id, state: stateName(r.state) as 'PRINTED' | 'VERIFIED' }))
  }

  /** Codes that went into use (VERIFIED and after) with no accepted utilisation report. */
  unreportedUse (): CodeRef[] {
    return this.#st.unreportedUse.all() as CodeRef[]
  }

  /** DEFECT codes with no accepted dropout report. */
  unreportedDefects (): UnreportedDefect[] {
    return this.#st.unreportedDefects.all() as UnreportedDefect[]
  }

  /**
   * Of these codes, those GIS MT holds in an aggregate: their box's (or pallet's) aggregation was accepted and no
   * disaggregation undid it yet (docs/rework.md).
   */
  inReportedAggregate (ids: readonly number[]): number[] {
    return (this.#st.inReportedAggregate.all(idList(ids)) as Array<{ id: number }>).map(r => r.id)
  }

  /** DEFECT codes GIS MT still holds in an aggregate (a box scrapped while its aggregation was on its way). */
  defectsInAggregate (): Array<CodeRef & { aggReport: string | null, palletReport: string | null }> {
    return this.#st.defectsInAggregate.all() as Array<CodeRef & { aggReport: string | null, palletReport: string | null }>
  }

  /** Units AGGREGATED in a box whose aggregation was not accepted yet. */
  unreportedBoxed (): CodeRef[] {
    return this.#st.unreportedBoxed.all() as CodeRef[]
  }

  /**
   * Codes GIS MT knows but that are not introduced into circulation yet: `boxed`, units of boxes whose aggregation
   * was accepted; `single`, VERIFIED units in no box whose utilisation was accepted.
   */
  toIntroduce (): { boxed: CodeRef[], single: CodeRef[] } {
    return { boxed: this.#st.boxedToIntroduce.all() as CodeRef[], single: this.#st.singleToIntroduce.all() as CodeRef[] }
  }
}
