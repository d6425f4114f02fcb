// Finding things after the fact (issue #16 item 6): closed boxes and pallets of a job with the state of their
// aggregation report, what a box or pallet holds, where a code is (state, reason, job, unit → box → pallet) and which
// reports cover it, the report queue, and a code's status in GIS MT (True API cises/info). A read model over the
// store the aggregator, the pool, the jobs and the outbox write; it changes nothing except through the outbox's retry.
// It holds no SQL: each table is read through the named queries of the module that owns it (issue 12 §3) —
// `aggregator.queries` (containers), `pool.queries` (codes), `outbox.queries` (reports), the JobStore (jobs).
import type { ContainerListRow, ContainerQueries } from '../aggregation/queries.ts'
import type { JobView } from '../control.ts'
import { CodeFormatError, GS, normalizeScanned, parseSscc, type ProfileRegistry } from '../codes/index.ts'
import type { CisInfo } from '../gismt/client.ts'
import type { JobStore } from '../jobs/jobs.ts'
import type { CodePool, ReportKind } from '../pool/pool.ts'
import type { CodeStateName } from '../pool/states.ts'
import type { ReportOutbox } from '../reports/outbox.ts'

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
  /** The aggregation's read queries (`aggregator.queries`). */
  containers: ContainerQueries
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


/**
 * Recognise what was scanned or pasted: an SSCC as 18 digits, `00`+18 or `(00)`+18; a code raw with GS, in the
 * panel's display form with ⟨GS⟩, in HRI form with (01)(21)(91)(92)/(93) brackets, or only its identity. For a code,
 * the identities it may have, best first (a raw code without GS is cut by each product group's layout).
 */
export function recognise (input: string, profiles: ProfileRegistry): FindQuery | null {
  let s = normalizeScanned(input)
  if (s === '') return null
  if (/^(\(00\)|00)?\d{18}$/.test(s)) {
    try { return { kind: 'sscc', sscc: parseSscc(s).digits } } catch (err) { if (!(err instanceof CodeFormatError)) throw err }
  }
  const out: string[] = []
  // the serial may hold brackets itself: it ends where the next AI in brackets (91, 92, 93, 8005, 3103, 335y) begins
  const hri = /^\(01\)(\d{14})\(21\)(.+?)(?=\((?:91|92|93|8005|3103|335\d)\)|\u001d|$)/.exec(s)
  if (hri !== null) out.push(`01${hri[1] as string}21${(hri[2] as string).replaceAll(GS, '')}`)
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
  readonly #containers: ContainerQueries

  constructor (options: LookupOptions) {
    this.#o = options
    this.#containers = options.containers
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
      const r = this.#o.pool.queries.byIdentity(c)
      if (r !== undefined) return r
    }
    return undefined
  }

  #hasReports (): boolean {
    return this.#o.outbox !== undefined && this.#o.outbox !== null
  }

  /**
   * The aggregation report state of each of these containers (of one level): the reports of kind aggregation (a box)
   * or pallet (a pallet) covering its units, in the order of its units; one query to the aggregation, one to the outbox.
   */
  #reportsOf (level: 'box' | 'pallet', containerIds: readonly number[]): Map<number, ContainerReport> {
    const out = new Map<number, ContainerReport>()
    const outbox = this.#o.outbox
    if (containerIds.length === 0 || outbox === undefined || outbox === null) return out
    const units = this.#containers.unitsOf(level, containerIds)
    const links = new Map<number, Array<{ id: string, state: string }>>()
    for (const l of outbox.queries.linksOf(level === 'box' ? 'aggregation' : 'pallet', units.map(u => u.codeId))) {
      const list = links.get(l.codeId)
      if (list === undefined) links.set(l.codeId, [{ id: l.id, state: l.state }]); else list.push({ id: l.id, state: l.state })
    }
    const found = new Map<number, Map<string, string>>()
    for (const u of units) {
      for (const l of links.get(u.codeId) ?? []) {
        let reports = found.get(u.containerId)
        if (reports === undefined) found.set(u.containerId, reports = new Map())
        if (!reports.has(l.id)) reports.set(l.id, l.state)
      }
    }
    for (const [id, reports] of found) {
      const states = [...reports.values()].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b))
      out.set(id, { state: states[0] ?? null, reports: [...reports.keys()] })
    }
    return out
  }

  #withReports (rows: ContainerListRow[]): ContainerRow[] {
    const reports = {
      box: this.#reportsOf('box', rows.filter(r => r.level === 'box').map(r => r.id)),
      pallet: this.#reportsOf('pallet', rows.filter(r => r.level === 'pallet').map(r => r.id)),
    }
    return rows.map(({ id, ...r }) => ({ ...r, report: reports[r.level].get(id) ?? { state: null, reports: [] } }))
  }

  /**
   * A job's closed (and scrapped) boxes and pallets; with `query`, only those it names: the box or pallet of that
   * SSCC, or the box holding that unit code and the pallet holding that box. `matched` says what the query found.
   */
  containers (jobId: number | null, query?: string): { rows: ContainerRow[], matched: 'all' | 'sscc' | 'code' | 'none' | 'invalid' } {
    if (query === undefined || query.trim() === '') return { rows: jobId === null ? [] : this.#withReports(this.#containers.closedOfJob(jobId)), matched: 'all' }
    const q = this.recognise(query)
    if (q === null) return { rows: [], matched: 'invalid' }
    if (q.kind === 'sscc') {
      const rows = this.#withReports(this.#containers.closedWithSscc(q.sscc))
      return { rows, matched: rows.length === 0 ? 'none' : 'sscc' }
    }
    const code = this.#code(q)
    if (code === undefined) return { rows: [], matched: 'none' }
    const box = this.#containers.boxOfCode(code.id)
    if (box === undefined) return { rows: [], matched: 'none' }
    const rows = this.#withReports(this.#containers.closedWithIds(box.parentId === null ? [box.id] : [box.id, box.parentId]))
    return { rows, matched: rows.length === 0 ? 'none' : 'code' }
  }

  /** A box or pallet by its SSCC (any accepted form) with what it holds and its reports; null when none. */
  container (ssccInput: string): ContainerDetail | null {
    const q = this.recognise(ssccInput)
    if (q?.kind !== 'sscc') return null
    const c = this.#containers.findClosed(q.sscc)
    if (c === undefined) return null
    const row = this.#withReports(this.#containers.closedWithIds([c.id]))[0]
    if (row === undefined) return null
    const units = c.level === 'box' ? this.#units(this.#containers.unitIds(c.id)) : []
    const boxes = c.level === 'pallet' ? this.#containers.boxesOn(c.id) : []
    const reportsList = this.#hasReports() ? row.report.reports.map(id => this.#report(id)).filter((r): r is ReportRow => r !== null) : []
    return { ...row, units, boxes, reportsList }
  }

  /** A box's units as the pool holds them, in the order they went into the box. */
  #units (ids: readonly number[]): UnitRow[] {
    const byId = new Map(this.#o.pool.queries.units(ids).map(u => [u.id, u]))
    return ids.map(id => byId.get(id)).filter((u): u is UnitRow => u !== undefined)
  }

  #report (id: string): ReportRow | null {
    const outbox = this.#o.outbox
    const r = outbox?.get(id)
    if (outbox === undefined || outbox === null || r === undefined) return null
    return { id: r.id, kind: r.kind, channel: r.channel, group: r.group, state: r.state, codes: r.codes, attempts: r.attempts, remoteId: r.remoteId, lastError: r.lastError, reason: r.reason, generation: r.generation, createdAt: r.createdAt, updatedAt: outbox.queries.updatedAt(id) as number }
  }

  /** Where a code is and what was reported about it; null when the line does not hold it (undefined: not a code). */
  code (input: string): CodeDetail | null | undefined {
    const q = this.recognise(input)
    if (q === null || q.kind !== 'code') return undefined
    const found = this.#code(q)
    if (found === undefined) return null
    const r = this.#o.pool.queries.detail(found.id)
    if (r === undefined) return null // a code always has its block: only were the row gone since #code
    const job = r.jobId === null ? null : this.#o.jobs.get(r.jobId)
    const box = this.#containers.boxOfCode(r.id)
    const pallet = box?.parentId == null ? undefined : this.#containers.get(box.parentId)
    const outbox = this.#o.outbox
    const reports = outbox === undefined || outbox === null
      ? []
      : outbox.queries.ofCode(r.id).map(id => this.#report(id)).filter((x): x is ReportRow => x !== null)
    return {
      id: r.id, identity: r.identity, code: r.code, gtin: r.gtin, group: r.grp, state: r.state, reason: r.reason, grade: r.grade, seq: r.seq,
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
    const outbox = this.#o.outbox
    if (outbox === undefined || outbox === null) return []
    return outbox.queries.queue(filter).map(id => this.#report(id)).filter((x): x is ReportRow => x !== null)
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
