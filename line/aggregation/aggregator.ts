// Aggregation (DESIGN §4): verified units fill the open box; a full box gets an SSCC, a label, a check by the
// box camera (when one is configured) and is closed — its units AGGREGATED under it; boxes fill pallets alike.
// Membership of open boxes is persisted, so a restart continues the same box.

import type { Statement } from 'better-sqlite3'
import { buildSscc } from '../codes/index.ts'
import type { AlarmBook } from '../alarms/alarms.ts'
import type { Clock } from '../clock.ts'
import type { BoxView } from '../control.ts'
import { TypedEmitter } from '../events.ts'
import type { Logger } from '../log.ts'
import type { CodePool } from '../pool/pool.ts'
import { migrate, type Db } from '../store/open.ts'
import { LineError } from '../domain/errors.ts'
import { ContainerQueries } from './queries.ts'
import type { Printer } from '../../printers/types.ts'

const MIGRATIONS = [`
  CREATE TABLE containers (
    id INTEGER PRIMARY KEY,
    level TEXT NOT NULL CHECK (level IN ('box', 'pallet')),
    job_id INTEGER NOT NULL,
    sscc TEXT UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('open', 'closed', 'scrapped')),
    capacity INTEGER NOT NULL,
    parent_id INTEGER,
    opened_at INTEGER NOT NULL,
    closed_at INTEGER
  );
  CREATE TABLE container_items (
    container_id INTEGER NOT NULL,
    code_id INTEGER,
    child_id INTEGER,
    PRIMARY KEY (container_id, code_id, child_id)
  );
  CREATE UNIQUE INDEX container_items_code ON container_items (code_id) WHERE code_id IS NOT NULL;
  CREATE TABLE sscc_counter (id INTEGER PRIMARY KEY CHECK (id = 1), next INTEGER NOT NULL);
  INSERT INTO sscc_counter (id, next) VALUES (1, 1);
`, `
  -- 'station': a box filled at the manual aggregation station (line/station); the line's box logic never touches it
  ALTER TABLE containers ADD COLUMN origin TEXT NOT NULL DEFAULT 'line' CHECK (origin IN ('line', 'station'));
  -- the box/pallet camera's check of the printed label (line/aggregation/label-check.ts); NULL: not checked
  ALTER TABLE containers ADD COLUMN label_check TEXT CHECK (label_check IN ('pending', 'ok', 'failed'));
  ALTER TABLE containers ADD COLUMN label_reason TEXT;
  -- when the label became awaited at the reader, as a running number: labels pass the reader in that order
  ALTER TABLE containers ADD COLUMN label_seq INTEGER;
`, `
  -- v3: rework (docs/rework.md). A box or pallet GIS MT held and the line took apart is 'disaggregated' (kept for the
  -- record: its SSCC is never used again); the container its units or boxes went to is named in replaced_by.
  CREATE TABLE containers_v3 (
    id INTEGER PRIMARY KEY,
    level TEXT NOT NULL CHECK (level IN ('box', 'pallet')),
    job_id INTEGER NOT NULL,
    sscc TEXT UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('open', 'closed', 'scrapped', 'disaggregated')),
    capacity INTEGER NOT NULL,
    parent_id INTEGER,
    opened_at INTEGER NOT NULL,
    closed_at INTEGER,
    origin TEXT NOT NULL DEFAULT 'line' CHECK (origin IN ('line', 'station')),
    label_check TEXT CHECK (label_check IN ('pending', 'ok', 'failed')),
    label_reason TEXT,
    label_seq INTEGER,
    replaced_by INTEGER
  );
  INSERT INTO containers_v3 (id, level, job_id, sscc, state, capacity, parent_id, opened_at, closed_at, origin, label_check, label_reason, label_seq)
    SELECT id, level, job_id, sscc, state, capacity, parent_id, opened_at, closed_at, origin, label_check, label_reason, label_seq FROM containers;
  DROP TABLE containers;
  ALTER TABLE containers_v3 RENAME TO containers;
`]

/** A unit taken out of a box GIS MT holds: dropped out with a reason (samples, defects), or kept and returned. */
export interface TakeOut { codeId: number, fate: 'drop' | 'return', reason?: string }

/** What a rework changed in the store, committed together with its disaggregation report (docs/rework.md). */
export interface ReworkPlan {
  jobId: number
  /** Aggregates GIS MT must undo, a pallet before the box it holds (TA §4.1.2.3: one document, in order). */
  units: string[]
  /** Every unit whose aggregate changes: the disaggregation report's codes. */
  codeIds: number[]
  /** Units whose box aggregation GIS MT undoes, and units whose pallet aggregation it undoes. */
  release: { aggregation: number[], pallet: number[] }
  dropped: Array<{ codeId: number, reason: string }>
  returned: number[]
  /** The new boxes and pallets (SSCC digits); none where nothing was left to put in one. */
  newBoxes: string[]
  newPallets: string[]
}

/** Why a rework was refused, for the operator (the runtime words it). */
export type ReworkRefusal = 'unknown' | 'not-reported' | 'in-flight' | 'pallet-in-flight' | 'not-in-box' | 'is-pallet'

/** What the aggregator asks of the reports side inside the rework's commit. */
export interface ReworkHooks {
  /** Whether GIS MT holds the box (its aggregation accepted) and the pallet (its pallet aggregation accepted). */
  held (unitIds: readonly number[]): { box: boolean, pallet: boolean, inFlight: boolean, palletInFlight: boolean }
  /** Write the disaggregation report, in the same commit. */
  report (plan: ReworkPlan): void
}

export interface ClosedContainer {
  level: 'box' | 'pallet'
  sscc: string
  jobId: number
  /** Units (code ids) for a box, child SSCCs for a pallet. */
  codeIds: number[]
  children: string[]
  /** Set for a box closed at the manual aggregation station (its label was scanned to close it). */
  origin?: 'station'
  /** Made in a rework (docs/rework.md), replacing a disaggregated box or pallet: not a new box of the line's flow. */
  rework?: boolean
}

interface OpenContainer { id: number, level: 'box' | 'pallet', capacity: number, count: number }

export interface AggregatorOptions {
  db: Db
  pool: CodePool
  clock: Clock
  log: Logger
  alarms: AlarmBook
  companyPrefix: string
  extensionDigit: number
  labelPrinter?: Printer
}

export interface AggregatorEvents {
  /** A box or pallet, after its close is committed. */
  closed: [ClosedContainer]
  /** The open box or pallet changed (what the panel shows). */
  change: []
  /** A box or pallet label came out of the label printer (a first print or a reprint): a label camera will read it. */
  labelled: [{ level: 'box' | 'pallet', sscc: string, count: number, origin?: 'station' }]
  /** A rework changed the closed boxes and pallets of a job (docs/rework.md). */
  reworked: [{ jobId: number }]
}

/** A station box asked to do what its state does not allow (the station checks first: this is an invariant). */
export class StationBoxError extends LineError {
  constructor (message: string, context: Record<string, unknown>) { super('LC_ERR_STATION_BOX', message, context) }
}

/** The station's open box (docs/station.md). */
export interface StationBox { id: number, jobId: number, capacity: number, sscc: string | null, codeIds: number[] }

export class Aggregator extends TypedEmitter<AggregatorEvents> {
  /** Named read queries for the modules around the aggregation (the panel's find): nobody else holds SQL on its tables. */
  readonly queries: ContainerQueries
  readonly #o: AggregatorOptions
  readonly #db: Db
  #job: { id: number, gtin: string, batch: string, unitsPerBox: number, boxesPerPallet: number } | null = null
  #box: OpenContainer | null = null
  #pallet: OpenContainer | null = null
  /** The last box and pallet the job closed: the panel shows the SSCC just made (issue #16 item 5). */
  #last: { box: string | null, pallet: string | null } = { box: null, pallet: null }
  #chain: Promise<unknown> = Promise.resolve()
  #nextId: number
  readonly #inflight = new Set<Promise<unknown>>()
  /** Container work queued through #serial and not yet finished: while any, boxes close through it too. */
  #serialPending = 0
  readonly #insertItem: { run(...args: unknown[]): unknown }
  readonly #inAContainer: Statement
  readonly #closedPallets: Statement
  /** Statements of the box-close path, prepared once: it runs for every box, up to thousands a second. */
  readonly #st: {
    openContainer: Statement
    sscc: Statement
    items: Statement
    close: Statement
    setParent: Statement
    insertChild: Statement
    children: Statement
  }

  constructor (options: AggregatorOptions) {
    super()
    this.#o = options
    this.#db = options.db
    migrate(this.#db, 'aggregation', MIGRATIONS)
    this.queries = new ContainerQueries(this.#db)
    this.#nextId = (this.#db.prepare('SELECT coalesce(max(id), 0) + 1 AS n FROM containers').get() as { n: number }).n
    this.#insertItem = this.#db.prepare('INSERT INTO container_items (container_id, code_id) VALUES (?, ?)')
    this.#inAContainer = this.#db.prepare('SELECT 1 FROM container_items WHERE code_id = ?')
    this.#closedPallets = this.#db.prepare(`SELECT p.sscc, p.job_id AS jobId, group_concat(b.sscc) AS boxes FROM containers p
      JOIN containers b ON b.parent_id = p.id AND b.state = 'closed' WHERE p.level = 'pallet' AND p.state = 'closed' GROUP BY p.id ORDER BY p.id`)
    const db = this.#db
    this.#st = {
      openContainer: db.prepare("INSERT INTO containers (id, level, job_id, state, capacity, opened_at) VALUES (?, ?, ?, 'open', ?, ?)"),
      sscc: db.prepare('UPDATE sscc_counter SET next = next + 1 WHERE id = 1 RETURNING next - 1 AS n').pluck(),
      items: db.prepare('SELECT code_id FROM container_items WHERE container_id = ? ORDER BY rowid').pluck(),
      close: db.prepare("UPDATE containers SET sscc = ?, state = 'closed', closed_at = ? WHERE id = ?"),
      setParent: db.prepare('UPDATE containers SET parent_id = ? WHERE id = ?'),
      insertChild: db.prepare('INSERT INTO container_items (container_id, child_id) VALUES (?, ?)'),
      children: db.prepare("SELECT sscc FROM containers WHERE parent_id = ? AND state = 'closed' ORDER BY id").pluck(),
    }
  }

  /** Attach to a job; reopens the job's open box and pallet after a restart. */
  setJob (job: { id: number, gtin: string, batch: string, unitsPerBox: number, boxesPerPallet: number } | null): void {
    this.#job = job
    this.#box = job === null ? null : this.#loadOpen(job.id, 'box')
    this.#pallet = job === null ? null : this.#loadOpen(job.id, 'pallet')
    const last = (level: 'box' | 'pallet'): string | null => job === null ? null
      : (this.#db.prepare("SELECT sscc FROM containers WHERE job_id = ? AND level = ? AND state = 'closed' ORDER BY closed_at DESC, id DESC LIMIT 1").get(job.id, level) as { sscc: string } | undefined)?.sscc ?? null
    this.#last = { box: last('box'), pallet: last('pallet') }
  }

  /** Announce a close (after its commit): the line view's last SSCCs follow. */
  #announce (c: ClosedContainer): void {
    this.#last[c.level] = c.sscc
    this.emit('closed', c)
    this.emit('change')
  }

  #loadOpen (jobId: number, level: 'box' | 'pallet'): OpenContainer | null {
    const r = this.#db.prepare("SELECT id, capacity FROM containers WHERE job_id = ? AND level = ? AND state = 'open' AND origin = 'line' ORDER BY id DESC LIMIT 1").get(jobId, level) as { id: number, capacity: number } | undefined
    if (r === undefined) return null
    const n = (this.#db.prepare('SELECT count(*) AS n FROM container_items WHERE container_id = ?').get(r.id) as { n: number }).n
    return { id: r.id, level, capacity: r.capacity, count: n }
  }

  view (): BoxView | null {
    if (this.#job === null) return null
    return {
      sscc: null,
      count: this.#box?.count ?? 0,
      capacity: this.#job.unitsPerBox,
      lastBoxSscc: this.#last.box,
      lastPalletSscc: this.#last.pallet,
      palletSscc: null,
      palletCount: this.#pallet?.count ?? 0,
      palletCapacity: this.#job.boxesPerPallet,
    }
  }

  /**
   * At start-up, for a job that aggregates: VERIFIED codes in no box belonged to products between the camera and
   * the reject gate when the controller stopped; the PLC rejected those products, so their codes are DEFECT.
   */
  recoverBeforeGate (job: { id: number, unitsPerBox: number } | null): number[] {
    if (job === null || job.unitsPerBox === 0) return []
    const ids = this.#o.pool.queries.ofJob(job.id, 'VERIFIED').filter(id => !this.#inContainer(id))
    if (ids.length > 0) this.#o.pool.transitionSync({ ids, to: 'DEFECT', reason: 'UNCERTAIN' })
    return ids
  }

  /** The code of product `seq` of a job written off as UNCERTAIN at a restart, if any. */
  writtenOffBySeq (seq: number, jobId: number): number | undefined {
    return this.#o.pool.queries.writtenOffOn(jobId, seq)
  }

  /** The code printed on product `seq` of a job, if it is PRINTED or VERIFIED and not yet in a box. */
  unboxedBySeq (seq: number, jobId: number): { id: number, state: 'PRINTED' | 'VERIFIED' } | undefined {
    return this.#o.pool.queries.printedOn(jobId, seq).find(c => !this.#inContainer(c.id))
  }

  #inContainer (codeId: number): boolean {
    return this.#inAContainer.get(codeId) !== undefined
  }

  /** Closed pallets with the SSCCs of their closed boxes: what the report planner's sweep checks. */
  closedPallets (): Array<{ sscc: string, jobId: number, boxes: string[] }> {
    return (this.#closedPallets.all() as Array<{ sscc: string, jobId: number, boxes: string }>)
      .map(r => ({ sscc: r.sscc, jobId: r.jobId, boxes: r.boxes.split(',') }))
  }

  /** Serialise container work: box closes must not interleave. */
  #serial<T> (fn: () => Promise<T>): Promise<T> {
    this.#serialPending++
    const p = this.#chain.then(fn, fn)
    this.#chain = p.catch(() => {})
    const done = (): void => { this.#serialPending-- }
    p.then(done, done)
    return p
  }

  /**
   * A verified unit: put it in the open box (queued in the next group commit, not awaited: units never wait for
   * each other), and close the box when full. Resolves when the unit's membership is committed.
   */
  addUnit (codeId: number): Promise<void> {
    const job = this.#job
    if (job === null || job.unitsPerBox === 0) return Promise.resolve()
    const box = this.#box ?? (this.#box = this.#open(job.id, 'box', job.unitsPerBox))
    const insert = this.#insertItem
    const stored = this.#o.pool.commit.submit(() => { insert.run(box.id, codeId) }, { savepoint: false })
    box.count++
    this.emit('change')
    let done: Promise<void> = stored
    if (box.count >= box.capacity) {
      this.#box = null
      // Without a label to print between the SSCC and the close, the whole close is one operation queued right
      // behind the box's last unit: boxes then close at the commit rate, not one box per two or three commits.
      done = this.#o.labelPrinter?.printSscc === undefined && this.#serialPending === 0
        ? this.#closeBoxQueued(box, job)
        : stored.then(() => this.#serial(() => this.#closeBox(box)))
    }
    this.#inflight.add(done)
    const forget = (): void => { this.#inflight.delete(done) }
    done.then(forget, forget)
    return done
  }

  #open (jobId: number, level: 'box' | 'pallet', capacity: number): OpenContainer {
    const id = this.#nextId++
    // queued: it commits before (or with) the first unit that goes into it
    const st = this.#st.openContainer
    void this.#o.pool.commit.submit(() => { st.run(id, level, jobId, capacity, this.#o.clock.now()) }, { savepoint: false })
    return { id, level, capacity, count: 0 }
  }

  /** Allocate the next SSCC durably, in the group commit (never reused, even after a crash before use). */
  #nextSscc (): Promise<string> {
    return this.#o.pool.commit.submit(db => {
      const n = (db.prepare('SELECT next FROM sscc_counter WHERE id = 1').get() as { next: number }).next
      db.prepare('UPDATE sscc_counter SET next = next + 1 WHERE id = 1').run()
      return buildSscc(this.#o.extensionDigit, this.#o.companyPrefix, n).digits
    })
  }

  /**
   * Close a full box (no label printer) as one operation in the group commit: next SSCC, close, units
   * AGGREGATED, pallet membership — all or nothing, in queue order behind the box's units. A full pallet closes
   * in the operation queued right after. 'closed' is emitted once the commit returned.
   */
  #closeBoxQueued (box: OpenContainer, job: { id: number, boxesPerPallet: number }): Promise<void> {
    const st = this.#st
    let pallet: OpenContainer | null = null
    if (job.boxesPerPallet > 0) {
      pallet = this.#pallet ?? (this.#pallet = this.#open(job.id, 'pallet', job.boxesPerPallet))
      pallet.count++
      if (pallet.count >= pallet.capacity) this.#pallet = null
    }
    const parent = pallet
    const closed = this.#o.pool.commit.submit(() => {
      const sscc = buildSscc(this.#o.extensionDigit, this.#o.companyPrefix, st.sscc.get() as number).digits
      const codeIds = st.items.all(box.id) as number[]
      st.close.run(sscc, this.#o.clock.now(), box.id)
      this.#o.pool.transitionSync({ ids: codeIds, to: 'AGGREGATED', parent: `00${sscc}` })
      if (parent !== null) { st.setParent.run(parent.id, box.id); st.insertChild.run(parent.id, box.id) }
      return { sscc, codeIds }
    }, { statements: box.capacity + 6 }).then(({ sscc, codeIds }) => {
      this.#announce({ level: 'box', sscc, jobId: job.id, codeIds, children: [] })
    })
    if (parent === null || parent.count < parent.capacity) return closed
    const palletClosed = this.#o.pool.commit.submit(() => {
      const sscc = buildSscc(this.#o.extensionDigit, this.#o.companyPrefix, st.sscc.get() as number).digits
      st.close.run(sscc, this.#o.clock.now(), parent.id)
      return { sscc, children: st.children.all(parent.id) as string[] }
    })
    // announced right after its last box (the operations resolve in queue order, each one callback away)
    const palletDone = palletClosed.then(({ sscc, children }) => {
      this.#announce({ level: 'pallet', sscc, jobId: job.id, codeIds: [], children })
    })
    return Promise.all([closed, palletDone]).then(() => {})
  }

  async #closeBox (box: OpenContainer): Promise<void> {
    const job = this.#job
    if (job === null || box.count === 0) return
    const sscc = await this.#nextSscc()
    await this.#label(sscc, 'box', box.count)
    // Units become AGGREGATED in the same commit that closes the box.
    const codeIds = await this.#o.pool.commit.submit(db => {
      const ids = (db.prepare('SELECT code_id FROM container_items WHERE container_id = ? ORDER BY rowid').all(box.id) as Array<{ code_id: number }>).map(r => r.code_id)
      db.prepare("UPDATE containers SET sscc = ?, state = 'closed', closed_at = ? WHERE id = ?").run(sscc, this.#o.clock.now(), box.id)
      this.#o.pool.transitionSync({ ids, to: 'AGGREGATED', parent: `00${sscc}` })
      return ids
    })
    this.#announce({ level: 'box', sscc, jobId: job.id, codeIds, children: [] })
    if (job.boxesPerPallet > 0) {
      const pallet = this.#pallet ?? (this.#pallet = this.#open(job.id, 'pallet', job.boxesPerPallet))
      await this.#o.pool.commit.submit(db => {
        db.prepare('UPDATE containers SET parent_id = ? WHERE id = ?').run(pallet.id, box.id)
        db.prepare('INSERT INTO container_items (container_id, child_id) VALUES (?, ?)').run(pallet.id, box.id)
      })
      pallet.count++
      if (pallet.count >= pallet.capacity) {
        this.#pallet = null
        await this.#closePallet(pallet)
      }
    }
  }

  async #closePallet (pallet: OpenContainer): Promise<void> {
    const job = this.#job
    if (job === null || pallet.count === 0) return
    // the label counts the boxes really on the pallet: a box scrapped after it was put there is not (issue #16 item 5)
    const onPallet = this.#st.children.all(pallet.id) as string[]
    const sscc = await this.#nextSscc()
    await this.#label(sscc, 'pallet', onPallet.length)
    const children = await this.#o.pool.commit.submit(db => {
      db.prepare("UPDATE containers SET sscc = ?, state = 'closed', closed_at = ? WHERE id = ?").run(sscc, this.#o.clock.now(), pallet.id)
      return (db.prepare("SELECT sscc FROM containers WHERE parent_id = ? AND state = 'closed' ORDER BY id").all(pallet.id) as Array<{ sscc: string }>).map(r => r.sscc)
    })
    this.#announce({ level: 'pallet', sscc, jobId: job.id, codeIds: [], children })
  }

  /** Print a label; false when there is no label printer or the print failed (alarmed). */
  async #label (sscc: string, level: 'box' | 'pallet', count: number, origin?: 'station', contents?: { gtin: string, batch: string }): Promise<boolean> {
    const p = this.#o.labelPrinter
    if (p?.printSscc === undefined) return false
    const job = contents ?? this.#job
    try {
      await p.printSscc({ sscc, level, count, ...(job === null ? {} : { gtin: job.gtin, batch: job.batch }) })
      this.#o.alarms.clear('LABEL_FAILED', p.id)
      this.emit('labelled', { level, sscc, count, ...(origin === undefined ? {} : { origin }) })
      return true
    } catch (err) {
      // The box stays closed under its SSCC; the operator reprints the label (same SSCC) once the printer is back.
      this.#o.log.error({ err, sscc }, 'label print failed')
      this.#o.alarms.raise({ code: 'LABEL_FAILED', source: p.id, params: { level: level === 'box' ? { ru: 'короба', en: 'Box' } : { ru: 'паллеты', en: 'Pallet' }, sscc }, detail: { sscc } })
      return false
    }
  }

  /**
   * Close the open box with what it holds (an operator's request): only the box — it goes onto the open pallet, which
   * stays open (and closes only when this box fills it). Resolves to the box's SSCC, null when the box was empty.
   */
  closePartial (): Promise<string | null> {
    return this.#serial(async () => {
      const box = this.#box
      if (box === null || box.count === 0) return null
      this.#box = null
      await this.#closeBox(box)
      return this.#last.box
    })
  }

  /** Close the open pallet with the boxes it holds (the operator asks for it); null when no box is on it. */
  closePalletPartial (): Promise<string | null> {
    return this.#serial(async () => {
      const pallet = this.#pallet
      if (pallet === null || pallet.count === 0 || (this.#st.children.all(pallet.id) as string[]).length === 0) return null
      this.#pallet = null
      await this.#closePallet(pallet)
      return this.#last.pallet
    })
  }

  /** The job is complete: close the open box, then the open pallet, with what they hold. */
  async closeAllPartial (): Promise<void> {
    await this.closePartial()
    await this.closePalletPartial()
  }

  /**
   * The job ends for another (docs/hmi.md "Changing the job"): close the open box and/or pallet partial, as the operator
   * chose; what is not closed stays open in the store under the ended job. Returns the SSCCs closed.
   */
  closeForJobChange (o: { box: boolean, pallet: boolean }): Promise<string[]> {
    return this.#serial(async () => {
      const closed: string[] = []
      const last = (level: 'box' | 'pallet'): string | undefined => (this.#db.prepare('SELECT sscc FROM containers WHERE level = ? AND state = \'closed\' ORDER BY id DESC LIMIT 1').get(level) as { sscc: string } | undefined)?.sscc
      const box = this.#box
      if (o.box && box !== null && box.count > 0) {
        // closing a box puts it on the pallet (and may fill the pallet)
        this.#box = null
        await this.#closeBox(box)
        const s = last('box')
        if (s !== undefined) closed.push(s)
      }
      const pallet = this.#pallet
      if (o.pallet && pallet !== null && pallet.count > 0) {
        this.#pallet = null
        await this.#closePallet(pallet)
        const s = last('pallet')
        if (s !== undefined) closed.push(s)
      }
      return closed
    })
  }

  /** Take a unit out of the open box: it becomes DEFECT (reason REMOVED) and is dropped out. */
  removeUnit (codeId: number): Promise<boolean> {
    return this.#serial(async () => {
      const box = this.#box
      if (box === null) return false
      const removed = await this.#o.pool.commit.submit(db => {
        const n = db.prepare('DELETE FROM container_items WHERE container_id = ? AND code_id = ?').run(box.id, codeId).changes
        if (n === 1) this.#o.pool.transitionSync({ ids: [codeId], to: 'DEFECT', reason: 'REMOVED' })
        return n === 1
      })
      if (removed) { box.count--; this.emit('change') }
      return removed
    })
  }

  /** Reprint a closed container's label with the same SSCC. */
  async reprint (sscc: string): Promise<boolean> {
    // a box counts its units, a pallet its boxes still closed on it (not one scrapped since)
    const r = this.#db.prepare(`SELECT level, CASE level WHEN 'box' THEN (SELECT count(*) FROM container_items WHERE container_id = containers.id)
      ELSE (SELECT count(*) FROM containers b WHERE b.parent_id = containers.id AND b.state = 'closed') END AS n
      FROM containers WHERE sscc = ? AND state = 'closed'`).get(sscc) as { level: 'box' | 'pallet', n: number } | undefined
    if (r === undefined) return false
    await this.#label(sscc, r.level, r.n)
    return true
  }

  /**
   * Scrap a closed box: its units become DEFECT (SCRAPPED) and are dropped out. Refused ('reported') once its
   * aggregation is accepted: the box exists in GIS MT then, and has to be disaggregated there first.
   */
  scrap (sscc: string): Promise<number[] | 'unknown' | 'reported'> {
    return this.#serial(async () => {
      const box = this.#db.prepare("SELECT id FROM containers WHERE sscc = ? AND level = 'box' AND state = 'closed'").get(sscc) as { id: number } | undefined
      if (box === undefined) return 'unknown'
      return this.#o.pool.commit.submit(db => {
        const ids = (db.prepare('SELECT code_id FROM container_items WHERE container_id = ?').all(box.id) as Array<{ code_id: number }>).map(r => r.code_id)
        if (this.#o.pool.queries.countInState(ids, 'REPORTED') > 0) return 'reported' as const
        db.prepare("UPDATE containers SET state = 'scrapped' WHERE id = ?").run(box.id)
        this.#o.pool.transitionSync({ ids, to: 'DEFECT', reason: 'SCRAPPED' })
        return ids
      })
    })
  }

  /** The box (closed or disaggregated) a unit is in now, by SSCC digits; null when in none. */
  boxOf (codeId: number): { sscc: string, level: 'box' | 'pallet', state: string, jobId: number } | null {
    return (this.#db.prepare(`SELECT c.sscc, c.level, c.state, c.job_id AS jobId FROM container_items i JOIN containers c ON c.id = i.container_id
      WHERE i.code_id = ? AND c.state = 'closed'`).get(codeId) as { sscc: string, level: 'box' | 'pallet', state: string, jobId: number } | undefined) ?? null
  }

  /** A closed container by SSCC digits, with its units (a box) or its boxes' SSCCs (a pallet) and the pallet holding it. */
  container (sscc: string): { level: 'box' | 'pallet', jobId: number, state: string, units: number[], boxes: string[], pallet: string | null } | null {
    const c = this.#db.prepare('SELECT id, level, job_id AS jobId, state, parent_id AS parentId FROM containers WHERE sscc = ?').get(sscc) as { id: number, level: 'box' | 'pallet', jobId: number, state: string, parentId: number | null } | undefined
    if (c === undefined) return null
    const units = this.#st.items.all(c.id) as Array<number | null>
    const boxes = c.level === 'pallet' ? this.#st.children.all(c.id) as string[] : []
    const pallet = c.parentId === null ? null : (this.#db.prepare("SELECT sscc FROM containers WHERE id = ? AND state = 'closed'").pluck().get(c.parentId) as string | undefined) ?? null
    return { level: c.level, jobId: c.jobId, state: c.state, units: units.filter((x): x is number => x !== null), boxes, pallet }
  }

  /**
   * Rework closed boxes GIS MT holds (docs/rework.md): take units out (dropped with a reason, or returned), or all of
   * them (`scrap`), and put the rest of each box into a new box with a new SSCC; a pallet GIS MT holds a box in is taken
   * apart too, once, and its boxes, the new ones included, go onto a new pallet. One commit: the old boxes (and
   * pallets) become 'disaggregated', the taken units DEFECT or loose, the rest in the new boxes, and — through
   * `hooks.report` — one disaggregation report. Labels are printed after the commit; 'closed' is emitted for the new
   * boxes and pallets, whose aggregation the report planner holds until GIS MT accepted the disaggregation.
   */
  reworkBoxes (work: ReadonlyArray<{ sscc: string, take: readonly TakeOut[] }>, o: { scrap?: boolean }, hooks: ReworkHooks): Promise<ReworkPlan | ReworkRefusal> {
    return this.#serial(async () => {
      const r = await this.#o.pool.commit.submit(db => {
        type BoxRow = { id: number, level: string, jobId: number, capacity: number, parentId: number | null, sscc: string }
        const unitsOf = (id: number): number[] => (this.#st.items.all(id) as Array<number | null>).filter((x): x is number => x !== null)
        const boxes: Array<BoxRow & { units: number[], take: readonly TakeOut[] }> = []
        for (const w of work) {
          const box = db.prepare("SELECT id, level, job_id AS jobId, capacity, parent_id AS parentId, sscc FROM containers WHERE sscc = ? AND state = 'closed'").get(w.sscc) as BoxRow | undefined
          if (box === undefined) return 'unknown' as const
          if (box.level !== 'box') return 'is-pallet' as const
          const units = unitsOf(box.id)
          if (w.take.some(t => !units.includes(t.codeId))) return 'not-in-box' as const
          const held = hooks.held(units)
          if (!held.box) return held.inFlight ? 'in-flight' as const : 'not-reported' as const
          boxes.push({ ...box, units, take: w.take })
        }
        if (boxes.length === 0) return 'unknown' as const
        const jobId = (boxes[0] as BoxRow).jobId
        // the pallets the boxes are on: taken apart when GIS MT holds them, else the new box takes the old one's place
        const pallets = new Map<number, { id: number, capacity: number, sscc: string, held: boolean, others: Array<{ id: number }> }>()
        for (const b of boxes) {
          if (b.parentId === null || pallets.has(b.parentId)) continue
          const p = db.prepare('SELECT id, capacity, state, sscc FROM containers WHERE id = ?').get(b.parentId) as { id: number, capacity: number, state: string, sscc: string | null }
          const onIt = p.state === 'closed' ? db.prepare("SELECT id FROM containers WHERE parent_id = ? AND state = 'closed' ORDER BY id").all(p.id) as Array<{ id: number }> : []
          const held = p.state === 'closed' && onIt.length > 0 && hooks.held(unitsOf((onIt[0] as { id: number }).id)).pallet
          if (p.state === 'closed' && !held && hooks.held(b.units).palletInFlight) return 'pallet-in-flight' as const
          pallets.set(p.id, { id: p.id, capacity: p.capacity, sscc: p.sscc ?? '', held, others: onIt.filter(x => !boxes.some(b => b.id === x.id)) })
        }
        const now = this.#o.clock.now()
        const nextSscc = (): string => buildSscc(this.#o.extensionDigit, this.#o.companyPrefix, this.#st.sscc.get() as number).digits
        const newContainer = (level: 'box' | 'pallet', capacity: number): { id: number, sscc: string } => {
          const c = { id: this.#nextId++, sscc: nextSscc() }
          db.prepare("INSERT INTO containers (id, level, job_id, sscc, state, capacity, opened_at, closed_at) VALUES (?, ?, ?, ?, 'closed', ?, ?, ?)").run(c.id, level, jobId, c.sscc, capacity, now, now)
          return c
        }
        const plan: ReworkPlan = { jobId, units: [], codeIds: [], release: { aggregation: [], pallet: [] }, dropped: [], returned: [], newBoxes: [], newPallets: [] }
        // pallets GIS MT holds: listed first (a pallet before the boxes it held), a new pallet where boxes are left
        const newPalletOf = new Map<number, number | null>()
        for (const p of pallets.values()) {
          if (!p.held) continue
          plan.units.push(`00${p.sscc}`)
          const left = p.others.length > 0 || boxes.some(b => b.parentId === p.id && o.scrap !== true && b.units.length > b.take.length)
          const np = left ? newContainer('pallet', p.capacity) : null
          if (np !== null) plan.newPallets.push(np.sscc)
          newPalletOf.set(p.id, np?.id ?? null)
          db.prepare("UPDATE containers SET state = 'disaggregated', replaced_by = ? WHERE id = ?").run(np?.id ?? null, p.id)
          for (const x of p.others) {
            const units = unitsOf(x.id)
            plan.codeIds.push(...units)
            plan.release.pallet.push(...units)
            db.prepare('DELETE FROM container_items WHERE container_id = ? AND child_id = ?').run(p.id, x.id)
            this.#st.setParent.run(np?.id ?? null, x.id)
            if (np !== null) this.#st.insertChild.run(np.id, x.id)
          }
        }
        for (const b of boxes) {
          plan.units.push(`00${b.sscc}`)
          plan.codeIds.push(...b.units)
          plan.release.aggregation.push(...b.units)
          const pallet = b.parentId === null ? undefined : pallets.get(b.parentId)
          if (pallet?.held === true) plan.release.pallet.push(...b.units)
          const out = o.scrap === true ? b.units.map(id => ({ codeId: id, fate: 'drop' as const, reason: 'SCRAPPED' })) : b.take
          for (const t of out) {
            db.prepare('DELETE FROM container_items WHERE container_id = ? AND code_id = ?').run(b.id, t.codeId)
            if (t.fate === 'drop') {
              const reason = t.reason ?? 'REMOVED'
              // the unit keeps its old box as parent until GIS MT undid that box: its dropout waits for that
              this.#o.pool.transitionSync({ ids: [t.codeId], to: 'DEFECT', reason })
              plan.dropped.push({ codeId: t.codeId, reason })
            } else {
              this.#o.pool.reboxSync([t.codeId], null)
              plan.returned.push(t.codeId)
            }
          }
          const left = b.units.filter(id => !out.some(t => t.codeId === id))
          let nb: { id: number, sscc: string } | null = null
          if (left.length > 0) {
            nb = newContainer('box', b.capacity)
            plan.newBoxes.push(nb.sscc)
            for (const id of left) {
              db.prepare('DELETE FROM container_items WHERE container_id = ? AND code_id = ?').run(b.id, id)
              this.#insertItem.run(nb.id, id)
            }
            this.#o.pool.reboxSync(left, `00${nb.sscc}`)
          }
          db.prepare("UPDATE containers SET state = 'disaggregated', replaced_by = ? WHERE id = ?").run(nb?.id ?? null, b.id)
          if (b.parentId !== null) {
            db.prepare('DELETE FROM container_items WHERE container_id = ? AND child_id = ?').run(b.parentId, b.id)
            // onto the pallet made for the held one; or, for a pallet GIS MT does not hold (still open, or pallets not
            // reported on this line), in the old box's place
            const onto = pallet?.held === true ? newPalletOf.get(b.parentId) ?? null : b.parentId
            if (nb !== null && onto !== null) { this.#st.setParent.run(onto, nb.id); this.#st.insertChild.run(onto, nb.id) }
          }
        }
        hooks.report(plan)
        return plan
      }, { statements: 100 + 4 * work.reduce((n, w) => n + w.take.length, 0) })
      if (typeof r === 'string') return r
      await this.#announceRework(r)
      return r
    })
  }

  /**
   * Take apart a pallet GIS MT holds (docs/rework.md): its boxes stay boxes; with `rebuild` they go onto a new pallet
   * with a new SSCC (without `drop`, boxes named there: they stay loose). One commit with the disaggregation report.
   */
  reworkPallet (sscc: string, o: { rebuild: boolean, drop?: readonly string[] }, hooks: ReworkHooks): Promise<ReworkPlan | ReworkRefusal> {
    return this.#serial(async () => {
      const r = await this.#o.pool.commit.submit(db => {
        const pallet = db.prepare("SELECT id, level, job_id AS jobId, capacity FROM containers WHERE sscc = ? AND state = 'closed'").get(sscc) as { id: number, level: string, jobId: number, capacity: number } | undefined
        if (pallet === undefined) return 'unknown' as const
        if (pallet.level !== 'pallet') return 'not-in-box' as const
        const boxes = db.prepare("SELECT id, sscc FROM containers WHERE parent_id = ? AND state = 'closed' ORDER BY id").all(pallet.id) as Array<{ id: number, sscc: string }>
        const units = boxes.flatMap(b => (this.#st.items.all(b.id) as Array<number | null>).filter((x): x is number => x !== null))
        const held = hooks.held(units)
        if (!held.pallet) return held.palletInFlight ? 'pallet-in-flight' as const : 'not-reported' as const
        const now = this.#o.clock.now()
        const keep = boxes.filter(b => !(o.drop ?? []).includes(b.sscc))
        let newPalletId: number | null = null
        let newPallet: string | null = null
        if (o.rebuild && keep.length > 0) {
          newPalletId = this.#nextId++
          newPallet = buildSscc(this.#o.extensionDigit, this.#o.companyPrefix, this.#st.sscc.get() as number).digits
          db.prepare("INSERT INTO containers (id, level, job_id, sscc, state, capacity, opened_at, closed_at) VALUES (?, 'pallet', ?, ?, 'closed', ?, ?, ?)").run(newPalletId, pallet.jobId, newPallet, pallet.capacity, now, now)
        }
        for (const b of boxes) {
          db.prepare('DELETE FROM container_items WHERE container_id = ? AND child_id = ?').run(pallet.id, b.id)
          const onto = keep.includes(b) ? newPalletId : null
          this.#st.setParent.run(onto, b.id)
          if (onto !== null) this.#st.insertChild.run(onto, b.id)
        }
        db.prepare("UPDATE containers SET state = 'disaggregated', replaced_by = ? WHERE id = ?").run(newPalletId, pallet.id)
        const plan: ReworkPlan = { jobId: pallet.jobId, units: [`00${sscc}`], codeIds: units, release: { aggregation: [], pallet: units }, dropped: [], returned: [], newBoxes: [], newPallets: newPallet === null ? [] : [newPallet] }
        hooks.report(plan)
        return plan
      }, { statements: 20 + 3 * 64 })
      if (typeof r === 'string') return r
      await this.#announceRework(r)
      return r
    })
  }

  /** After a rework's commit: the new boxes' and pallets' labels printed, each announced as closed, then the rework. */
  async #announceRework (r: ReworkPlan): Promise<void> {
    for (const sscc of r.newBoxes) {
      const c = this.container(sscc)
      await this.#label(sscc, 'box', c?.units.length ?? 0)
      this.emit('closed', { level: 'box', sscc, jobId: r.jobId, codeIds: c?.units ?? [], children: [], rework: true } satisfies ClosedContainer)
    }
    for (const sscc of r.newPallets) {
      const boxes = this.container(sscc)?.boxes ?? []
      await this.#label(sscc, 'pallet', boxes.length)
      this.emit('closed', { level: 'pallet', sscc, jobId: r.jobId, codeIds: [], children: boxes, rework: true } satisfies ClosedContainer)
    }
    this.emit('reworked', { jobId: r.jobId })
    this.emit('change')
  }

  /** A job's closed boxes and pallets in closing order: SSCC, units (box) or boxes (pallet), the pallet holding a box. */
  containersOf (jobId: number): Array<{ level: 'box' | 'pallet', sscc: string, items: number, parent: string | null, closedAt: number }> {
    return this.#db.prepare(`SELECT c.level, c.sscc, p.sscc AS parent, c.closed_at AS closedAt,
      (SELECT count(*) FROM container_items i WHERE i.container_id = c.id) AS items
      FROM containers c LEFT JOIN containers p ON p.id = c.parent_id AND p.state = 'closed'
      WHERE c.job_id = ? AND c.state = 'closed' ORDER BY c.id`).all(jobId) as Array<{ level: 'box' | 'pallet', sscc: string, items: number, parent: string | null, closedAt: number }>
  }

  counts (jobId: number): { boxes: number, pallets: number } {
    const rows = this.#db.prepare("SELECT level, count(*) AS n FROM containers WHERE job_id = ? AND state = 'closed' GROUP BY level").all(jobId) as Array<{ level: string, n: number }>
    return { boxes: rows.find(r => r.level === 'box')?.n ?? 0, pallets: rows.find(r => r.level === 'pallet')?.n ?? 0 }
  }

  // ---- the manual aggregation station (line/station, docs/station.md): its own open box per job, filled by scans.
  // The station decides what may go in; this module owns the rows and the close, the same close as the line's.

  /** The station's open box of a job, if any, with its units in scan order and its SSCC once its label is printed. */
  stationBox (jobId: number): StationBox | null {
    const r = this.#db.prepare("SELECT id, capacity, sscc FROM containers WHERE job_id = ? AND level = 'box' AND state = 'open' AND origin = 'station' ORDER BY id DESC LIMIT 1").get(jobId) as { id: number, capacity: number, sscc: string | null } | undefined
    if (r === undefined) return null
    return { id: r.id, jobId, capacity: r.capacity, sscc: r.sscc, codeIds: this.#st.items.all(r.id) as number[] }
  }

  /** Every open station box, of any job (a box left open when its job ended is still to be closed). */
  openStationBoxes (): StationBox[] {
    const rows = this.#db.prepare("SELECT id, job_id AS jobId, capacity, sscc FROM containers WHERE level = 'box' AND state = 'open' AND origin = 'station' ORDER BY id").all() as Array<{ id: number, jobId: number, capacity: number, sscc: string | null }>
    return rows.map(r => ({ ...r, codeIds: this.#st.items.all(r.id) as number[] }))
  }

  /** Where a unit is boxed: its container (open or closed, line or station), or null when in none. */
  containerOf (codeId: number): { id: number, state: 'open' | 'closed' | 'scrapped', origin: 'line' | 'station', sscc: string | null } | null {
    return (this.#db.prepare('SELECT c.id, c.state, c.origin, c.sscc FROM container_items i JOIN containers c ON c.id = i.container_id WHERE i.code_id = ?')
      .get(codeId) as { id: number, state: 'open' | 'closed' | 'scrapped', origin: 'line' | 'station', sscc: string | null } | undefined) ?? null
  }

  /** Open the station's box for a job, committed before it is returned. */
  openStationBox (jobId: number, capacity: number): Promise<StationBox> {
    return this.#serial(async () => {
      const existing = this.stationBox(jobId)
      if (existing !== null) return existing
      const id = this.#nextId++
      await this.#o.pool.commit.submit(db => {
        db.prepare("INSERT INTO containers (id, level, job_id, state, capacity, opened_at, origin) VALUES (?, 'box', ?, 'open', ?, ?, 'station')").run(id, jobId, capacity, this.#o.clock.now())
      })
      return { id, jobId, capacity, sscc: null, codeIds: [] }
    })
  }

  /**
   * Put a scanned unit in the station's box, committed before it resolves. The unique index on container_items
   * (code_id) is the last word: a unit already in any box is refused here even if the caller's check raced.
   */
  addToStationBox (boxId: number, codeId: number): Promise<'added' | 'boxed' | 'closed'> {
    return this.#serial(() => this.#o.pool.commit.submit(db => {
      const box = db.prepare("SELECT state, sscc FROM containers WHERE id = ? AND origin = 'station'").get(boxId) as { state: string, sscc: string | null } | undefined
      if (box === undefined || box.state !== 'open' || box.sscc !== null) return 'closed' as const
      if (this.#inAContainer.get(codeId) !== undefined) return 'boxed' as const
      this.#insertItem.run(boxId, codeId)
      return 'added' as const
    }))
  }

  /**
   * The station's box is complete: give it its SSCC (stored on the open box, so a restart or a reprint keeps it)
   * and print its label. The box closes only when the operator scans that label (closeStationBox).
   */
  labelStationBox (boxId: number, contents?: { gtin: string, batch: string }): Promise<{ sscc: string, count: number, printed: boolean }> {
    return this.#serial(async () => {
      const row = this.#db.prepare("SELECT sscc, state FROM containers WHERE id = ? AND origin = 'station'").get(boxId) as { sscc: string | null, state: string } | undefined
      if (row === undefined || row.state !== 'open') throw new StationBoxError('the station box is not open', { boxId, state: row?.state ?? null })
      const count = (this.#st.items.all(boxId) as number[]).length
      let sscc = row.sscc
      if (sscc === null) {
        sscc = await this.#o.pool.commit.submit(db => {
          const n = this.#st.sscc.get() as number
          const digits = buildSscc(this.#o.extensionDigit, this.#o.companyPrefix, n).digits
          db.prepare('UPDATE containers SET sscc = ? WHERE id = ?').run(digits, boxId)
          return digits
        })
      }
      const printed = await this.#label(sscc, 'box', count, 'station', contents)
      return { sscc, count, printed }
    })
  }

  /** Close the station's box under the SSCC its label carries: units AGGREGATED, 'closed' emitted (reports follow). */
  closeStationBox (boxId: number): Promise<ClosedContainer> {
    return this.#serial(async () => {
      const r = await this.#o.pool.commit.submit(db => {
        const row = db.prepare("SELECT job_id AS jobId, sscc, state FROM containers WHERE id = ? AND origin = 'station'").get(boxId) as { jobId: number, sscc: string | null, state: string } | undefined
        if (row === undefined || row.state !== 'open' || row.sscc === null) throw new StationBoxError('the station box has no label yet or is not open', { boxId, state: row?.state ?? null, sscc: row?.sscc ?? null })
        const codeIds = this.#st.items.all(boxId) as number[]
        this.#st.close.run(row.sscc, this.#o.clock.now(), boxId)
        this.#o.pool.transitionSync({ ids: codeIds, to: 'AGGREGATED', parent: `00${row.sscc}` })
        return { level: 'box' as const, sscc: row.sscc, jobId: row.jobId, codeIds, children: [], origin: 'station' as const }
      })
      this.emit('closed', r)
      this.emit('change')
      return r
    })
  }

  // ---- label checks by a box/pallet camera (line/aggregation/label-check.ts): the state is kept on the container

  /** What a closed container's label must say: level, units (box) or boxes (pallet), its job. */
  labelFacts (sscc: string): { level: 'box' | 'pallet', count: number, jobId: number, check: 'pending' | 'ok' | 'failed' | null } | null {
    return (this.#db.prepare(`SELECT level, job_id AS jobId, label_check AS "check",
      (SELECT count(*) FROM container_items i WHERE i.container_id = containers.id) AS count
      FROM containers WHERE sscc = ? AND state = 'closed'`).get(sscc) as { level: 'box' | 'pallet', count: number, jobId: number, check: 'pending' | 'ok' | 'failed' | null } | undefined) ?? null
  }

  /** Record a label check's state for a closed container; committed before it resolves. */
  setLabelCheck (sscc: string, check: 'pending' | 'ok' | 'failed', reason: string | null = null): Promise<void> {
    return this.#o.pool.commit.submit(db => {
      if (check === 'pending') {
        // a reprinted label goes through the reader after the labels already awaited, not in its box's closing order
        db.prepare('UPDATE containers SET label_check = ?, label_reason = NULL, label_seq = (SELECT coalesce(max(label_seq), 0) + 1 FROM containers) WHERE sscc = ?').run(check, sscc)
      } else {
        db.prepare('UPDATE containers SET label_check = ?, label_reason = ? WHERE sscc = ?').run(check, reason, sscc)
      }
    })
  }

  /** Closed containers of a level whose label was printed and not read yet, in the order their labels came out. */
  pendingLabelChecks (level: 'box' | 'pallet'): string[] {
    return this.#db.prepare("SELECT sscc FROM containers WHERE level = ? AND state = 'closed' AND label_check = 'pending' ORDER BY label_seq, id").pluck().all(level) as string[]
  }

  /** Containers whose label check failed and is not resolved: what the panel lists. */
  failedLabelChecks (): Array<{ level: 'box' | 'pallet', sscc: string, reason: string | null, closedAt: number }> {
    return this.#db.prepare("SELECT level, sscc, label_reason AS reason, closed_at AS closedAt FROM containers WHERE label_check = 'failed' AND state = 'closed' ORDER BY id").all() as Array<{ level: 'box' | 'pallet', sscc: string, reason: string | null, closedAt: number }>
  }

  /** Resolves when every unit added so far is committed and every box close started so far has finished. */
  async settled (): Promise<void> {
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight])
    await this.#chain
  }
}
