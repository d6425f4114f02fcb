// Finding things after the fact (issue #16 item 6): closed boxes and pallets of a job with the state of their
// aggregation report, what a box or pallet holds, where a code is (state, reason, job, unit → box → pallet) and which
// reports cover it, the report queue, and a code's status in GIS MT (True API cises/info). A read model over the
// store the aggregator, the pool, the jobs and the outbox write; it changes nothing except through the outbox's retry.
import type { JobView } from '../control.ts'
import { CodeFormatError, parseSscc, type ProfileRegistry } from '../codes/index.ts'
import type { CisInfo } from '../gismt/client.ts'
import type { JobStore } from '../jobs/jobs.ts'
import type { CodePool, ReportKind } from '../pool/pool.ts'
import { stateName, type CodeStateName } from '../pool/states.ts'
import type { ReportOutbox } from '../reports/outbox.ts'
import type { Db } from '../store/open.ts'

/** What a search box may hold, recognised: an SSCC, or a unit code by its identity (01 + GTIN + 21 + serial). */
export type FindQuery = { kind: 'sscc', sscc: string } | { kind: 'code', candidates: string[] }

/** A report as the panel lists it. */
export interface ReportRow {
  id: string
  kind: ReportKind
  channel: string
  group: string
  state: string
  codes: number
  attempts: number
  remoteId: string | null
  lastError: string | null
  reason: string | null
  generation: number
  createdAt: number
  updatedAt: number
}

/** The aggregation report state of a box (kind aggregation) or a pallet (kind pallet): the least advanced of its reports. */
export interface ContainerReport { state: string | null, reports: string[] }

export interface ContainerRow {
  level: 'box' | 'pallet'
  sscc: string
  jobId: number
  state: 'closed' | 'scrapped'
  /** Units in a box; boxes still closed on a pallet. */
  items: number
  parent: string | null
  closedAt: number | null
  report: ContainerReport
}

export interface UnitRow { id: number, code: string, identity: string, state: CodeStateName, reason: string | null }

export interface ContainerDetail extends ContainerRow {
  units: UnitRow[]
  boxes: Array<{ sscc: string, items: number, state: string }>
  reportsList: ReportRow[]
}

export interface CodeDetail {
  id: number
  identity: string
  code: string
  gtin: string
  group: string | null
  state: CodeStateName
  reason: string | null
  grade: string | null
  seq: number | null
  job: { id: number, batch: string, gtin: string } | null
  box: { sscc: string, state: string } | null
  pallet: { sscc: string, state: string } | null
  reports: Array<ReportRow & { kind: ReportKind }>
}

export interface LookupOptions {
  db: Db
  pool: CodePool
  jobs: Pick<JobStore, 'get' | 'between'>
  profiles: ProfileRegistry
  outbox?: ReportOutbox | null
  /** GIS MT's cises/info (True API v553 §5.1.2); absent without a True API. */
  cisesInfo?: ((cises: string[], group?: string) => Promise<CisInfo[]>) | null
  now: () => number
}

/** Report states from the least to the most advanced: a box shows the least advanced of its reports. */
const ORDER = ['REJECTED', 'OPEN', 'READY', 'SENDING', 'SENT', 'ACCEPTED']

const GS = '\u001d'

/**
 * Recognise what was scanned or pasted: an SSCC as 18 digits, `00`+18 or `(00)`+18; a code raw with GS, in the
 * panel's display form with ⟨GS⟩, in HRI form with (01)(21)(91)(92)/(93) brackets, or only its identity. For a code,
 * the identities it may have, best first (a raw code without GS is cut by each product group's layout).
 */
export function recognise (input: string, profiles: ProfileRegistry): FindQuery | null {
  let s = input.trim().replaceAll('⟨GS⟩', GS).replaceAll('<GS>', GS).replace(/^\]d2/, '').replace(/^\u00e8/, '')
  if (s === '') return null
  if (/^(\(00\)|00)?\d{18}$/.test(s)) {
    try { return { kind: 'sscc', sscc: parseSscc(s).digits } } catch (err) { if (!(err instanceof CodeFormatError)) throw err }
  }
  const out: string[] = []
  // the serial may hold brackets itself: it ends where the next AI in brackets (91, 92, 93, 8005, 3103, 335y) begins
  const hri = /^\(01\)(\d{14})\(21\)(.+?)(?=\((?:91|92|93|8005|3103|335\d)\)|\u001d|$)/.exec(s)
  if (hri !== null) out.push(`01${hri[1] as string}21${(hri[2] as string).replaceAll(GS, '')}`)
  s = s.replace(/^\u001d/, '')
  const head = s.split(GS)[0] as string
  if (/^01\d{14}21./.test(head)) out.push(head)
  // a raw code whose GS a scanner dropped: each group's layout says where the serial ends
  if (!s.includes(GS) && hri === null) {
    for (const g of profiles.groups()) {
      const p = profiles.get(g)
      if (p.layout !== 'gs1') continue
      const serialLen = p.serialLength
      const m = /^01(\d{14})21(.+)$/.exec(s)
      if (m !== null && serialLen !== undefined && (m[2] as string).length > serialLen) out.push(`01${m[1] as string}21${(m[2] as string).slice(0, serialLen)}`)
    }
  }
  if (out.length === 0 && /^\d{14}.{7}/.test(s)) out.push(s.slice(0, 21)) // tobacco pack: GTIN + serial, no AIs
  const candidates = [...new Set(out)]
  return candidates.length === 0 ? null : { kind: 'code', candidates }
}

export class LineLookup {
  readonly #o: LookupOptions
  readonly #db: Db

  constructor (options: LookupOptions) {
    this.#o = options
    this.#db = options.db
  }

  get hasGismt (): boolean { return this.#o.cisesInfo !== undefined && this.#o.cisesInfo !== null }

  recognise (input: string): FindQuery | null { return recognise(input, this.#o.profiles) }

  /** Recent jobs, newest first (for the job picker). */
  recentJobs (days = 60): Array<Pick<JobView, 'id' | 'gtin' | 'batch' | 'status' | 'startedAt' | 'endedAt'>> {
    const now = this.#o.now()
    return this.#o.jobs.between(now - days * 86_400_000, now + 60_000)
      .sort((a, b) => b.id - a.id)
      .map(j => ({ id: j.id, gtin: j.gtin, batch: j.batch, status: j.status, startedAt: j.startedAt, endedAt: j.endedAt }))
  }

  /** The code row a query names, if the line holds it. */
  #code (q: FindQuery & { kind: 'code' }): { id: number, identity: string } | undefined {
    for (const c of q.candidates) {
      const r = this.#db.prepare('SELECT id, identity FROM codes WHERE identity = ?').get(c) as { id: number, identity: string } | undefined
      if (r !== undefined) return r
    }
    return undefined
  }

  #hasReports (): boolean {
    return this.#o.outbox !== undefined && this.#o.outbox !== null
  }

  #reportOf (level: 'box' | 'pallet', containerId: number): ContainerReport {
    if (!this.#hasReports()) return { state: null, reports: [] }
    const rows = (level === 'box'
      ? this.#db.prepare(`SELECT DISTINCT o.id, o.state FROM container_items i JOIN report_codes rc ON rc.code_id = i.code_id AND rc.kind = 'aggregation'
          JOIN report_outbox o ON o.id = rc.report_id WHERE i.container_id = ?`).all(containerId)
      : this.#db.prepare(`SELECT DISTINCT o.id, o.state FROM containers b JOIN container_items i ON i.container_id = b.id
          JOIN report_codes rc ON rc.code_id = i.code_id AND rc.kind = 'pallet' JOIN report_outbox o ON o.id = rc.report_id
          WHERE b.parent_id = ? AND b.state = 'closed'`).all(containerId)) as Array<{ id: string, state: string }>
    const states = rows.map(r => r.state).sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b))
    return { state: states[0] ?? null, reports: rows.map(r => r.id) }
  }

  #rows (where: string, ...args: unknown[]): ContainerRow[] {
    const rows = this.#db.prepare(`SELECT c.id, c.level, c.sscc, c.job_id AS jobId, c.state, c.closed_at AS closedAt, p.sscc AS parent,
      CASE c.level WHEN 'box' THEN (SELECT count(*) FROM container_items i WHERE i.container_id = c.id)
        ELSE (SELECT count(*) FROM containers b WHERE b.parent_id = c.id AND b.state = 'closed') END AS items
      FROM containers c LEFT JOIN containers p ON p.id = c.parent_id AND p.state = 'closed'
      WHERE c.state IN ('closed', 'scrapped') AND c.sscc IS NOT NULL AND ${where} ORDER BY c.closed_at, c.sscc`).all(...args) as Array<Omit<ContainerRow, 'report'> & { id: number }>
    return rows.map(({ id, ...r }) => ({ ...r, report: this.#reportOf(r.level, id) }))
  }

  /**
   * A job's closed (and scrapped) boxes and pallets; with `query`, only those it names: the box or pallet of that
   * SSCC, or the box holding that unit code and the pallet holding that box. `matched` says what the query found.
   */
  containers (jobId: number | null, query?: string): { rows: ContainerRow[], matched: 'all' | 'sscc' | 'code' | 'none' | 'invalid' } {
    if (query === undefined || query.trim() === '') return { rows: jobId === null ? [] : this.#rows('c.job_id = ?', jobId), matched: 'all' }
    const q = this.recognise(query)
    if (q === null) return { rows: [], matched: 'invalid' }
    if (q.kind === 'sscc') {
      const rows = this.#rows('c.sscc = ?', q.sscc)
      return { rows, matched: rows.length === 0 ? 'none' : 'sscc' }
    }
    const code = this.#code(q)
    if (code === undefined) return { rows: [], matched: 'none' }
    const box = this.#db.prepare('SELECT c.id, c.parent_id AS parentId FROM container_items i JOIN containers c ON c.id = i.container_id WHERE i.code_id = ?').get(code.id) as { id: number, parentId: number | null } | undefined
    if (box === undefined) return { rows: [], matched: 'none' }
    const rows = this.#rows('(c.id = ? OR c.id = ?)', box.id, box.parentId ?? -1)
    return { rows, matched: rows.length === 0 ? 'none' : 'code' }
  }

  /** A box or pallet by its SSCC (any accepted form) with what it holds and its reports; null when none. */
  container (ssccInput: string): ContainerDetail | null {
    const q = this.recognise(ssccInput)
    if (q?.kind !== 'sscc') return null
    const c = this.#db.prepare("SELECT id, level FROM containers WHERE sscc = ? AND state IN ('closed', 'scrapped')").get(q.sscc) as { id: number, level: 'box' | 'pallet' } | undefined
    if (c === undefined) return null
    const row = this.#rows('c.id = ?', c.id)[0]
    if (row === undefined) return null
    const units = c.level === 'box'
      ? (this.#db.prepare(`SELECT k.id, k.code, k.identity, k.state, k.reason FROM container_items i JOIN codes k ON k.id = i.code_id
          WHERE i.container_id = ? ORDER BY i.rowid`).all(c.id) as Array<{ id: number, code: string, identity: string, state: number, reason: string | null }>)
        .map(u => ({ ...u, state: stateName(u.state) }))
      : []
    const boxes = c.level === 'pallet'
      ? this.#db.prepare(`SELECT b.sscc, b.state, (SELECT count(*) FROM container_items i WHERE i.container_id = b.id) AS items FROM containers b
          WHERE b.parent_id = ? AND b.sscc IS NOT NULL ORDER BY b.id`).all(c.id) as Array<{ sscc: string, items: number, state: string }>
      : []
    const reportsList = this.#hasReports() ? row.report.reports.map(id => this.#report(id)).filter((r): r is ReportRow => r !== null) : []
    return { ...row, units, boxes, reportsList }
  }

  #report (id: string): ReportRow | null {
    const r = this.#o.outbox?.get(id)
    if (r === undefined) return null
    const updated = this.#db.prepare('SELECT updated_at AS u FROM report_outbox WHERE id = ?').get(id) as { u: number }
    return { id: r.id, kind: r.kind, channel: r.channel, group: r.group, state: r.state, codes: r.codes, attempts: r.attempts, remoteId: r.remoteId, lastError: r.lastError, reason: r.reason, generation: r.generation, createdAt: r.createdAt, updatedAt: updated.u }
  }

  /** Where a code is and what was reported about it; null when the line does not hold it (undefined: not a code). */
  code (input: string): CodeDetail | null | undefined {
    const q = this.recognise(input)
    if (q === null || q.kind !== 'code') return undefined
    const found = this.#code(q)
    if (found === undefined) return null
    const r = this.#db.prepare(`SELECT k.id, k.identity, k.code, k.gtin, k.state, k.reason, k.grade, k.seq, k.job_id AS jobId, k.parent, b.grp AS grp
      FROM codes k JOIN blocks b ON b.block_id = k.block_id WHERE k.id = ?`).get(found.id) as {
      id: number, identity: string, code: string, gtin: string, state: number, reason: string | null, grade: string | null, seq: number | null, jobId: number | null, parent: string | null, grp: string
    }
    const job = r.jobId === null ? null : this.#o.jobs.get(r.jobId)
    const box = this.#db.prepare(`SELECT c.sscc, c.state, c.parent_id AS parentId FROM container_items i JOIN containers c ON c.id = i.container_id
      WHERE i.code_id = ?`).get(r.id) as { sscc: string | null, state: string, parentId: number | null } | undefined
    const pallet = box?.parentId == null ? undefined : this.#db.prepare('SELECT sscc, state FROM containers WHERE id = ?').get(box.parentId) as { sscc: string | null, state: string } | undefined
    const reports = this.#hasReports()
      ? (this.#db.prepare('SELECT report_id AS id FROM report_codes WHERE code_id = ? ORDER BY rowid').all(r.id) as Array<{ id: string }>)
        .map(x => this.#report(x.id)).filter((x): x is ReportRow => x !== null)
      : []
    return {
      id: r.id, identity: r.identity, code: r.code, gtin: r.gtin, group: r.grp, state: stateName(r.state), reason: r.reason, grade: r.grade, seq: r.seq,
      job: job === null ? null : { id: job.id, batch: job.batch, gtin: job.gtin },
      // an open box has no SSCC yet
      box: box === undefined ? null : { sscc: box.sscc ?? '', state: box.state },
      pallet: pallet === undefined ? null : { sscc: pallet.sscc ?? '', state: pallet.state },
      reports,
    }
  }

  /** GIS MT's information about a code the line holds (by its identity, as cises/info takes it). */
  async gismt (input: string): Promise<{ identity: string, info: CisInfo[] } | null | undefined> {
    const ask = this.#o.cisesInfo
    if (ask === undefined || ask === null) throw new Error('no True API configured')
    const detail = this.code(input)
    if (detail === undefined || detail === null) return detail
    return { identity: detail.identity, info: await ask([detail.identity], detail.group ?? undefined) }
  }

  /** The report queue, newest first: every report, or those in one state / of one kind. */
  reports (filter: { state?: string, kind?: string, limit?: number } = {}): ReportRow[] {
    if (!this.#hasReports()) return []
    const rows = this.#db.prepare(`SELECT id FROM report_outbox WHERE (@state IS NULL OR state = @state) AND (@kind IS NULL OR kind = @kind)
      ORDER BY created_at DESC, rowid DESC LIMIT @limit`).all({ state: filter.state ?? null, kind: filter.kind ?? null, limit: filter.limit ?? 500 }) as Array<{ id: string }>
    return rows.map(r => this.#report(r.id)).filter((x): x is ReportRow => x !== null)
  }

  /** A report's history (state changes, retries). */
  history (id: string): Array<{ ts: number, event: string, detail: Record<string, unknown> }> {
    return this.#o.outbox?.history(id) ?? []
  }

  report (id: string): ReportRow | null { return this.#report(id) }

  /**
   * Send a rejected report again after its cause was corrected (the outbox's retry: READY, generation + 1, its history
   * records the retry and the previous reason). 'unknown' / 'not-rejected' when that cannot be done.
   */
  async retry (id: string): Promise<ReportRow | 'unknown' | { state: string }> {
    const outbox = this.#o.outbox
    const r = outbox?.get(id)
    if (outbox === undefined || outbox === null || r === undefined) return 'unknown'
    if (r.state !== 'REJECTED') return { state: r.state }
    await outbox.retry(id)
    return this.#report(id) ?? 'unknown'
  }
}
