// Production jobs: one active per line, persisted; a job's counters come from the store, not from memory.

import { z } from 'zod'
import { checkGtin14 } from '../codes/index.ts'
import type { ProfileRegistry } from '../codes/profiles.ts'
import type { Clock } from '../clock.ts'
import type { JobInput, JobView } from '../control.ts'
import { LineError } from '../domain/errors.ts'
import { MIN_GRADES } from '../domain/grades.ts'
import { issueLines } from '../domain/validation.ts'
import { migrate, type Db } from '../store/open.ts'

const MIGRATIONS = [`
  CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    spec TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    started_by TEXT NOT NULL
  );
`]

const date = z.iso.date({ error: 'expected a date yyyy-MM-dd / ожидается дата ГГГГ-ММ-ДД' })
export const jobInputSchema = z.strictObject({
  group: z.string().min(1),
  gtin: z.string().regex(/^\d{14}$/, 'GTIN: 14 digits / 14 цифр'),
  // letters, digits and . _ - / only: a batch travels into CSV exports, reports and the panel (no formulas, no markup)
  batch: z.string().min(1, 'batch required / укажите партию').max(40).regex(/^[\p{L}\p{N}._\-/]+$/u, 'batch: letters, digits, . _ - / / партия: буквы, цифры, . _ - /'),
  productionDate: date,
  expiryDate: date.optional(),
  quantity: z.int().min(1).max(10_000_000),
  unitsPerBox: z.int().min(0).max(10_000),
  boxesPerPallet: z.int().min(0).max(10_000),
  minGrade: z.enum(MIN_GRADES),
  unitsPerMinute: z.number().positive().max(100_000),
  tnvedCode: z.string().regex(/^\d{4,10}$/, 'TN VED: 4–10 digits / ТН ВЭД: 4–10 цифр').optional(),
})

export class JobError extends LineError {
  readonly problems: string[]
  constructor (problems: string[]) {
    super('LC_ERR_JOB', problems.join('; '), { problems })
    this.problems = problems
  }
}

export class JobStore {
  readonly #db: Db
  readonly #clock: Clock
  readonly #profiles: ProfileRegistry

  constructor (db: Db, options: { clock: Clock, profiles: ProfileRegistry }) {
    this.#db = db
    this.#clock = options.clock
    this.#profiles = options.profiles
    migrate(db, 'jobs', MIGRATIONS)
  }

  /** Validate a job: schema, GTIN check digit, known group, dates in order. Throws JobError listing problems. */
  validate (input: unknown): JobInput {
    const r = jobInputSchema.safeParse(input)
    if (!r.success) throw new JobError(issueLines(r.error.issues))
    const job = r.data
    const problems: string[] = []
    try { checkGtin14(job.gtin) } catch (err) { problems.push(`gtin: ${(err as Error).message}`) }
    if (!this.#profiles.has(job.group)) problems.push(`group: unknown product group "${job.group}" / неизвестная товарная группа`)
    if (job.expiryDate !== undefined && job.expiryDate <= job.productionDate) problems.push('expiryDate: must be after productionDate / срок годности должен быть позже даты производства')
    if (problems.length > 0) throw new JobError(problems)
    return job as JobInput
  }

  active (): JobView | null {
    const r = this.#db.prepare("SELECT * FROM jobs WHERE status = 'active' ORDER BY id DESC LIMIT 1").get() as JobRow | undefined
    return r === undefined ? null : toView(r)
  }

  get (id: number): JobView | null {
    const r = this.#db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined
    return r === undefined ? null : toView(r)
  }

  /** Start a job; refused while another is active. */
  start (input: JobInput, actor: string): JobView {
    return this.#db.transaction(() => {
      if (this.active() !== null) throw new JobError(['another job is active / уже есть активное задание'])
      const id = Number(this.#db.prepare("INSERT INTO jobs (spec, status, started_at, started_by) VALUES (?, 'active', ?, ?)").run(JSON.stringify(input), this.#clock.now(), actor).lastInsertRowid)
      return this.get(id) as JobView
    })()
  }

  end (id: number, status: 'complete' | 'cancelled'): void {
    this.#db.prepare("UPDATE jobs SET status = ?, ended_at = ? WHERE id = ? AND status = 'active'").run(status, this.#clock.now(), id)
  }

  between (fromMs: number, toMs: number): JobView[] {
    return (this.#db.prepare('SELECT * FROM jobs WHERE started_at <= ? AND (ended_at IS NULL OR ended_at >= ?) ORDER BY id').all(toMs, fromMs) as JobRow[]).map(toView)
  }
}

interface JobRow { id: number, spec: string, status: JobView['status'], started_at: number, ended_at: number | null }
function toView (r: JobRow): JobView {
  return { ...(JSON.parse(r.spec) as JobInput), id: r.id, status: r.status, startedAt: r.started_at, endedAt: r.ended_at }
}
