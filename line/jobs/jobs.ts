// Production jobs: one active per line, persisted; a job's counters come from the store, not from memory.

import { z } from 'zod'
import { checkGtin14 } from '../codes/index.ts'
import type { ProfileRegistry } from '../codes/profiles.ts'
import type { Clock } from '../clock.ts'
import type { JobInput, JobView } from '../control.ts'
import type { ErrorCode } from '../domain/catalogue.ts'
import { LineError } from '../domain/errors.ts'
import { checkJobForGroup, groupRule } from '../domain/groups.ts'
import { MIN_GRADES } from '../domain/grades.ts'
import { issueLines } from '../domain/validation.ts'
import { migrate, type Db } from '../store/open.ts'
import { jobGroupFields, jobModeField, type JobMode } from './fields.ts'

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
  ...jobGroupFields(),
  ...jobModeField(),
})

/** Where the line sends aggregation reports (null: it sends none), and the group of a GTIN's codes in the pool. */
export interface JobContext {
  aggregationVia?: 'oms' | 'true-api' | null
  groupOf?: (gtin: string) => string | null
  /** The marking modes this line is equipped for (its unit printers), the first being its own. */
  modes?: readonly JobMode[]
  /**
   * The product card of a GTIN (line/products): when given, a job needs its product's card and the card's group
   * ("every product must have its card before codes are ordered", docs/catalogue.md).
   */
  productOf?: (gtin: string) => { group: string } | null
}

const MODE_NEEDS: Record<JobMode, { ru: string, en: string }> = {
  direct: { ru: 'печатающая головка (modbus-head, videojet-ztcp, panasonic-lp)', en: 'a print head (modbus-head, videojet-ztcp, panasonic-lp)' },
  label: { ru: 'аппликатор этикеток (zpl-label, role: unit, applicator: true)', en: 'a label applicator (zpl-label, role: unit, applicator: true)' },
  preapplied: { ru: 'камера кодов на изделиях (cameras, role: unit)', en: 'a unit camera (cameras, role: unit)' },
}

export class JobError extends LineError {
  readonly problems: string[]
  constructor (problems: string[], code: ErrorCode = 'LC_ERR_JOB') {
    super(code, problems.join('; '), { problems })
    this.problems = problems
  }

  /** The problems in one language each: a problem is written "English / Русский"; one without a Russian half stays as it is in both. */
  get text (): { ru: string, en: string } {
    const halves = this.problems.map(p => {
      const cut = p.lastIndexOf(' / ')
      if (cut < 0 || !/[А-Яа-яЁё]/.test(p.slice(cut + 3))) return { ru: p, en: p }
      return { en: p.slice(0, cut), ru: p.slice(cut + 3) }
    })
    return { ru: halves.map(h => h.ru).join('; '), en: halves.map(h => h.en).join('; ') }
  }
}

export class JobStore {
  readonly #db: Db
  readonly #clock: Clock
  readonly #profiles: ProfileRegistry
  readonly #context: JobContext

  constructor (db: Db, options: { clock: Clock, profiles: ProfileRegistry } & JobContext) {
    this.#db = db
    this.#clock = options.clock
    this.#profiles = options.profiles
    this.#context = {
      ...(options.aggregationVia === undefined ? {} : { aggregationVia: options.aggregationVia }), ...(options.groupOf === undefined ? {} : { groupOf: options.groupOf }),
      ...(options.productOf === undefined ? {} : { productOf: options.productOf }), ...(options.modes === undefined ? {} : { modes: options.modes }),
    }
    migrate(db, 'jobs', MIGRATIONS)
  }

  /**
   * Validate a job: schema, GTIN check digit, dates in order, and what its product group needs (the group table:
   * known, not refused, its mandatory attributes, aggregation possible where the line sends it, the same group as
   * the GTIN's codes already in the pool). Throws JobError listing problems, coded by the kind of refusal.
   */
  validate (input: unknown): JobInput {
    const r = jobInputSchema.safeParse(input)
    if (!r.success) throw new JobError(issueLines(r.error.issues))
    const job = r.data as JobInput
    const problems: string[] = []
    try { checkGtin14(job.gtin) } catch (err) { problems.push(`gtin: ${(err as Error).message}`) }
    const rule = groupRule(job.group)
    if (rule === undefined || !this.#profiles.has(job.group)) problems.push(`group: unknown product group "${job.group}" / неизвестная товарная группа`)
    if (job.expiryDate !== undefined && job.expiryDate <= job.productionDate) problems.push('expiryDate: must be after productionDate / срок годности должен быть позже даты производства')
    if (problems.length > 0 || rule === undefined) throw new JobError(problems)
    const modes = this.#context.modes
    if (job.mode !== undefined && modes !== undefined && !modes.includes(job.mode)) {
      const need = MODE_NEEDS[job.mode]
      throw new JobError([`mode: this line cannot run "${job.mode}": it needs ${need.en}; it runs ${modes.join(', ') || 'no mode'} / эта линия не может работать в режиме «${job.mode}»: нужен ${need.ru}`], 'LC_ERR_JOB_MODE')
    }
    const group = checkJobForGroup(job).map(p => `${p.field}: ${p.message.en} / ${p.message.ru}`)
    if (rule.refused !== undefined) throw new JobError(group, 'LC_ERR_JOB_GROUP_REFUSED')
    // §4.4.10 note 1: the OMS takes no aggregation for some groups; their boxes go to the True API
    if (job.unitsPerBox > 0 && this.#context.aggregationVia === 'oms' && !rule.aggregation.oms) {
      group.push(`unitsPerBox: the OMS takes no aggregation reports for ${job.group} (${rule.aggregation.source}); this line sends aggregation to the OMS — set reports.aggregationVia: true-api or run without boxes / СУЗ не принимает отчёты об агрегации для группы ${job.group}; эта линия отправляет агрегацию в СУЗ — укажите reports.aggregationVia: true-api или работайте без коробов`)
    }
    if (group.length > 0) throw new JobError(group, 'LC_ERR_JOB_GROUP')
    if (this.#context.productOf !== undefined) {
      const card = this.#context.productOf(job.gtin)
      if (card === null) {
        throw new JobError([`gtin: GTIN ${job.gtin} has no product card: sync it from the National Catalogue or enter it on the panel (Products) first / у GTIN ${job.gtin} нет карточки товара: загрузите её из Национального каталога или заведите на панели («Товары»)`], 'LC_ERR_JOB_NO_PRODUCT')
      }
      if (card.group !== job.group) {
        throw new JobError([`group: the product card of GTIN ${job.gtin} says ${card.group}, not ${job.group} / в карточке товара GTIN ${job.gtin} группа ${card.group}, а не ${job.group}`], 'LC_ERR_JOB_GROUP_MISMATCH')
      }
    }
    const pooled = this.#context.groupOf?.(job.gtin) ?? null
    if (pooled !== null && pooled !== job.group) {
      throw new JobError([`group: the pool holds codes of GTIN ${job.gtin} for group ${pooled}, not ${job.group} / в пуле коды GTIN ${job.gtin} группы ${pooled}, а не ${job.group}`], 'LC_ERR_JOB_GROUP_MISMATCH')
    }
    return job
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
