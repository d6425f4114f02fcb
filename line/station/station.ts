// The manual aggregation station (docs/station.md): a handheld scanner puts units of the active job into a box and
// closes it by scanning the box's own label. Every scan gets one decision (line/station/decisions.ts); a unit goes
// into the box only once it is committed to the store, and a box closes through the aggregator like a line box, so
// its reports leave through the same durable outbox, whether or not GIS MT and the OMS are reachable.

import type { Aggregator, StationBox } from '../aggregation/aggregator.ts'
import type { Clock } from '../clock.ts'
import { CodeFormatError, parseCode, parseHri, type ProfileRegistry } from '../codes/index.ts'
import type { Bilingual, JobView } from '../control.ts'
import { GS } from '../domain/gs1.ts'
import { LineError } from '../domain/errors.ts'
import { TypedEmitter } from '../events.ts'
import type { Logger } from '../log.ts'
import type { CodePool } from '../pool/pool.ts'
import { STATION_DECISIONS, type StationDecisionCode } from './decisions.ts'
import { classify, scanTextSchema, unwrap } from './scan.ts'

export interface StationDecision {
  /** Running number of the decision since start (the panel keys its list by it). */
  n: number
  at: number
  /** Where the scan came from: `panel:<user>` (keyboard wedge) or `scanner:<id>` (serial). */
  source: string
  /** What was read, GS shown as ‹GS› (what the operator sees); empty for a button press. */
  read: string
  kind: 'unit' | 'label' | 'input' | 'close'
  code: StationDecisionCode
  ok: boolean
  text: Bilingual
  /** The box's SSCC when the decision is about its label. */
  sscc?: string
}

export interface StationView {
  job: { id: number, gtin: string, batch: string } | null
  box: { count: number, capacity: number, sscc: string | null, awaitingLabel: boolean } | null
  /** The latest decisions, newest first. */
  recent: StationDecision[]
  /** Serial scanners and whether their port is open. */
  scanners: Array<{ id: string, online: boolean }>
  /** Station boxes of jobs that are not active any more, still open: closed by their label like any station box. */
  leftOpen: Array<{ jobId: number, gtin: string | null, batch: string | null, count: number, sscc: string | null }>
}

export interface StationEvents {
  decision: [StationDecision]
}

export interface StationOptions {
  aggregator: Pick<Aggregator, 'stationBox' | 'openStationBoxes' | 'containerOf' | 'openStationBox' | 'addToStationBox' | 'labelStationBox' | 'closeStationBox'>
  pool: Pick<CodePool, 'findByIdentity' | 'queries'>
  jobs: { active(): JobView | null, get(id: number): JobView | null }
  profiles: ProfileRegistry
  /** Units per station box when the job's own unitsPerBox is 0. */
  unitsPerBox: number
  clock: Clock
  log: Logger
  scanners?: () => Array<{ id: string, online: boolean }>
}

/** A scan refused at the edge: what and why, for the log (never thrown to a caller: it becomes BAD_INPUT). */
export class ScanInputError extends LineError {
  constructor (message: string, context: { source: string, preview: string, length: number }) {
    super('LC_ERR_STATION_INPUT', message, context)
  }
}

const RECENT = 20
const show = (s: string): string => s.replaceAll(GS, '‹GS›')
/** A printable preview of anything received, for the screen and the log: never the bytes themselves. */
const preview = (x: unknown): string => typeof x === 'string' ? x.slice(0, 80).replace(/[^\x20-\x7e]/g, c => c === GS ? '‹GS›' : '·') : `(${typeof x})`

export class StationService extends TypedEmitter<StationEvents> {
  readonly #o: StationOptions
  #chain: Promise<unknown> = Promise.resolve()
  #n = 0
  readonly #recent: StationDecision[] = []

  constructor (options: StationOptions) {
    super()
    this.#o = options
  }

  view (): StationView {
    const job = this.#o.jobs.active()
    const box = job === null ? null : this.#o.aggregator.stationBox(job.id)
    return {
      job: job === null ? null : { id: job.id, gtin: job.gtin, batch: job.batch },
      box: job === null ? null : box === null
        ? { count: 0, capacity: this.#capacity(job), sscc: null, awaitingLabel: false }
        : { count: box.codeIds.length, capacity: box.capacity, sscc: box.sscc, awaitingLabel: box.sscc !== null },
      recent: [...this.#recent],
      scanners: this.#o.scanners?.() ?? [],
      leftOpen: this.#o.aggregator.openStationBoxes().filter(b => b.jobId !== job?.id).map(b => {
        const j = this.#o.jobs.get(b.jobId)
        return { jobId: b.jobId, gtin: j?.gtin ?? null, batch: j?.batch ?? null, count: b.codeIds.length, sscc: b.sscc }
      }),
    }
  }

  /** One scan from a scanner: decided in arrival order, one at a time. Never throws for what a scanner sent. */
  scan (raw: unknown, source: string): Promise<StationDecision> {
    return this.#serial(() => this.#scan(raw, source))
  }

  /** What a scanner sent was refused before it became a read (line/station/serial-scanner.ts): shown as BAD_INPUT. */
  refuseInput (source: string, shown: string): Promise<StationDecision> {
    return this.#serial(async () => this.#decide(source, shown, 'input', 'BAD_INPUT'))
  }

  /**
   * "Close box": the box gets its SSCC and its label is printed (again, with the same SSCC, if pressed twice). The
   * active job's box, or with `jobId` a box left open by a job that has ended.
   */
  close (source: string, jobId?: number): Promise<StationDecision> {
    return this.#serial(async () => {
      const job = jobId === undefined ? this.#o.jobs.active() : this.#o.jobs.get(jobId)
      if (job === null) return this.#decide(source, '', 'close', 'NO_JOB')
      const box = this.#o.aggregator.stationBox(job.id)
      if (box === null || box.codeIds.length === 0) return this.#decide(source, '', 'close', 'EMPTY_BOX')
      return this.#label(box, source, '', 'close', 'LABEL_PRINTED', job)
    })
  }

  #serial<T> (fn: () => Promise<T>): Promise<T> {
    const p = this.#chain.then(fn, fn)
    this.#chain = p.catch(() => {})
    return p
  }

  async #scan (raw: unknown, source: string): Promise<StationDecision> {
    // a suffix the scanner adds (CR, LF) ends the read; it is not part of it
    const parsed = scanTextSchema.safeParse(typeof raw === 'string' ? raw.replace(/[\r\n]+$/, '') : raw)
    if (!parsed.success) {
      const err = new ScanInputError(parsed.error.issues.map(i => i.message).join('; '), { source, preview: preview(raw), length: typeof raw === 'string' ? raw.length : -1 })
      this.#o.log.warn({ err }, 'scan refused at the edge')
      return this.#decide(source, preview(raw), 'input', 'BAD_INPUT')
    }
    const text = parsed.data
    const read = show(unwrap(text))
    const job = this.#o.jobs.active()
    const scan = classify(text)
    // a label closes its box whatever job is active (a box left open by an ended job is closed the same way)
    if (scan.kind === 'label') return this.#closeByLabel(job, scan.sscc, source, read)
    if (job === null) return this.#decide(source, read, scan.kind, 'NO_JOB')
    return this.#unit(job, scan.code, source, read)
  }

  async #unit (job: JobView, code: string, source: string, read: string): Promise<StationDecision> {
    const box = this.#o.aggregator.stationBox(job.id)
    if (box?.sscc != null) return this.#decide(source, read, 'unit', 'WAIT_LABEL', box.sscc)
    const found = this.#find(job, code)
    if (found.row === undefined) return this.#decide(source, read, 'unit', found.crypto === false ? 'CRYPTO_MISMATCH' : found.formatOk ? 'FOREIGN' : 'NOT_A_CODE')
    const row = found.row
    const jobId = this.#o.pool.queries.refs([row.id])[0]?.jobId ?? null
    if (row.state === 'DEFECT' || row.state === 'DROPPED') return this.#decide(source, read, 'unit', 'DEFECT')
    if (jobId !== null && jobId !== job.id) return this.#decide(source, read, 'unit', 'OTHER_JOB')
    if (row.state === 'AGGREGATED' || (row.state === 'REPORTED' && row.parent !== null)) {
      return this.#decide(source, read, 'unit', box !== null && box.codeIds.includes(row.id) ? 'DUPLICATE' : 'BOXED')
    }
    if (row.state === 'REPORTED') return this.#decide(source, read, 'unit', 'REPORTED_SINGLE')
    if (row.state !== 'VERIFIED' || jobId === null) return this.#decide(source, read, 'unit', 'NOT_VERIFIED')
    const where = this.#o.aggregator.containerOf(row.id)
    if (where !== null) {
      if (box !== null && where.id === box.id) return this.#decide(source, read, 'unit', 'DUPLICATE')
      return this.#decide(source, read, 'unit', where.origin === 'line' && where.state === 'open' ? 'LINE_BOX' : 'BOXED')
    }
    const open = box ?? await this.#o.aggregator.openStationBox(job.id, this.#capacity(job))
    const added = await this.#o.aggregator.addToStationBox(open.id, row.id)
    if (added === 'boxed') return this.#decide(source, read, 'unit', 'BOXED')
    if (added === 'closed') return this.#decide(source, read, 'unit', 'WAIT_LABEL')
    this.#o.log.info({ codeId: row.id, box: open.id, source }, 'station: unit added')
    if (open.codeIds.length + 1 >= open.capacity) {
      const full = this.#o.aggregator.stationBox(job.id)
      if (full !== null) return this.#label(full, source, read, 'unit', 'BOX_FULL', job)
    }
    return this.#decide(source, read, 'unit', 'ADDED')
  }

  async #label (box: StationBox, source: string, read: string, kind: StationDecision['kind'], ok: 'BOX_FULL' | 'LABEL_PRINTED', job: JobView): Promise<StationDecision> {
    // the label names the box's own job's product and batch
    const r = await this.#o.aggregator.labelStationBox(box.id, { gtin: job.gtin, batch: job.batch })
    this.#o.log.info({ box: box.id, sscc: r.sscc, count: r.count, printed: r.printed }, 'station: box label')
    // a unit that filled the box is in it whatever the printer did: its decision stays an accept
    return this.#decide(source, read, kind, r.printed ? ok : kind === 'unit' ? 'FULL_NO_LABEL' : 'NO_PRINTER', r.sscc)
  }

  async #closeByLabel (job: JobView | null, sscc: string, source: string, read: string): Promise<StationDecision> {
    const box = job === null ? null : this.#o.aggregator.stationBox(job.id)
    // the box closes only under the SSCC on the label the operator holds: a label of another box would put these
    // units under a box that does not contain them. A box left open by an ended job is found by its own label.
    const target = box?.sscc === sscc ? box : this.#o.aggregator.openStationBoxes().find(b => b.sscc === sscc) ?? null
    if (target === null) {
      if (box === null || box.sscc === null) return this.#decide(source, read, 'label', job === null ? 'NO_JOB' : 'NO_LABEL_EXPECTED', sscc)
      return this.#decide(source, read, 'label', 'WRONG_LABEL', sscc)
    }
    const closed = await this.#o.aggregator.closeStationBox(target.id)
    this.#o.log.info({ sscc, units: closed.codeIds.length, source }, 'station: box closed')
    return this.#decide(source, read, 'label', 'CLOSED', sscc)
  }

  /**
   * The store row of a scanned code: parsed by the job's group profile, else looked up as given. A code whose GTIN
   * and serial are in the store but whose crypto part differs from the one the OMS issued is not that code (a copy
   * with a made-up or damaged tail): it is treated as not in the store.
   */
  #find (job: JobView, code: string): { row: ReturnType<CodePool['findByIdentity']>, formatOk: boolean, crypto?: boolean } {
    try {
      const profile = this.#o.profiles.get(job.group)
      const scanned = code.startsWith('(') ? parseHri(profile, code) : parseCode(profile, code)
      const row = this.#o.pool.findByIdentity(scanned.identity)
      if (row !== undefined) {
        let stored: Record<string, string> | null = null
        try { stored = parseCode(profile, row.code).crypto } catch (err) { if (!(err instanceof CodeFormatError)) throw err }
        if (stored !== null && Object.entries(scanned.crypto).some(([k, v]) => stored[k] !== v)) return { row: undefined, formatOk: true, crypto: false }
      }
      return { row, formatOk: true }
    } catch (err) {
      if (!(err instanceof CodeFormatError)) throw err
      // not a code of this job's group: another group's code of the store is still found by what it starts with
      const row = this.#o.pool.findByIdentity(code.split(GS)[0] as string)
      return { row, formatOk: false }
    }
  }

  #capacity (job: JobView): number {
    return job.unitsPerBox > 0 ? job.unitsPerBox : this.#o.unitsPerBox
  }

  #decide (source: string, read: string, kind: StationDecision['kind'], code: StationDecisionCode, sscc?: string): StationDecision {
    const d = STATION_DECISIONS[code]
    const decision: StationDecision = { n: ++this.#n, at: this.#o.clock.now(), source, read, kind, code, ok: d.ok, text: d.text, ...(sscc === undefined ? {} : { sscc }) }
    if (!d.ok) this.#o.log.info({ source, read, code, kind }, 'station: scan refused')
    this.#recent.unshift(decision)
    if (this.#recent.length > RECENT) this.#recent.pop()
    this.emit('decision', decision)
    return decision
  }
}
