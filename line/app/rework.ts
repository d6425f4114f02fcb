// Rework of boxes and pallets GIS MT already holds (docs/rework.md): disaggregation through the True API
// (DISAGGREGATION_DOCUMENT, TA §4.1.2.3), re-aggregation into a new box and pallet with new SSCCs and labels, units
// taken out (samples, defects, returned), scrap of a reported box. The store change and the disaggregation report are
// one commit; the new box's aggregation and the dropout of the taken units wait in the report planner until GIS MT
// accepted the disaggregation.
import { randomUUID } from 'node:crypto'
import type { Aggregator, ReworkHooks, ReworkPlan, ReworkRefusal, TakeOut } from '../aggregation/aggregator.ts'
import { normalizeScanned, ssccDigits } from '../codes/index.ts'
import type { Bilingual, ControlResult, ReworkControl, ReworkOutcome, ReworkTake } from '../control.ts'
import { CATALOGUE, type ErrorCode } from '../domain/catalogue.ts'
import { disaggregationOf, SAMPLE_REASONS, sampleReasonsOf, type DropoutReason } from '../domain/groups.ts'
import type { LineBus } from '../events.ts'
import type { JobStore } from '../jobs/jobs.ts'
import type { Logger } from '../log.ts'
import type { CodePool } from '../pool/pool.ts'
import type { ReportOutbox } from '../reports/outbox.ts'

export interface ReworkOptions {
  aggregator: Aggregator
  pool: CodePool
  /** null: no outbox (no reports configured): nothing GIS MT holds can be undone from here. */
  outbox: ReportOutbox | null
  jobs: Pick<JobStore, 'get'>
  bus: LineBus
  log: Logger
}

type Refusal = { ok: false, reason: Bilingual, code: ErrorCode }

function refuse (code: ErrorCode, params: Record<string, string> = {}, detail?: Bilingual): Refusal {
  const fill = (t: string): string => t.replace(/\{(\w+)\}/g, (_m, k: string) => params[k] ?? `{${k}}`)
  const text = CATALOGUE[code].text
  return { ok: false, code, reason: { ru: fill(text.ru) + (detail === undefined ? '' : `: ${detail.ru}`), en: fill(text.en) + (detail === undefined ? '' : `: ${detail.en}`) } }
}

const REFUSALS: Record<ReworkRefusal, ErrorCode> = {
  'unknown': 'LC_ERR_REWORK_UNKNOWN',
  'not-in-box': 'LC_ERR_REWORK_UNKNOWN',
  'is-pallet': 'LC_ERR_REWORK_UNKNOWN',
  'not-reported': 'LC_ERR_REWORK_NOT_HELD',
  'in-flight': 'LC_ERR_REWORK_IN_FLIGHT',
  'pallet-in-flight': 'LC_ERR_REWORK_IN_FLIGHT',
}

/** A unit code as scanned (GS between fields, maybe a symbology prefix) or typed in brackets → its identity. */
function identityOf (code: string): string {
  const c = normalizeScanned(code)
  const first = c.split('\u001d')[0] as string
  return first.startsWith('(') ? first.replace(/\((\d{2,4})\)/g, '$1') : first
}

export class ReworkService implements ReworkControl {
  readonly #o: ReworkOptions

  constructor (options: ReworkOptions) { this.#o = options }

  sampleReasons (group: string): readonly string[] { return sampleReasonsOf(group) }

  /** Whether GIS MT holds these units' box and pallet, or a report of them is on its way. */
  #held (units: readonly number[]): ReturnType<ReworkHooks['held']> {
    const q = this.#o.pool.queries
    const outbox = this.#o.outbox
    const n = units.length
    const lingering = outbox !== null && outbox.unqueued('disaggregation', units).length < n
    const box = n > 0 && q.countNotReported('aggregation', units) < n
    const pallet = n > 0 && q.countNotReported('pallet', units) < n
    return {
      // a unit still linked to a disaggregation: the last rework of this box is not through yet (docs/rework.md)
      box: box && !lingering,
      pallet: pallet && !lingering,
      // an introduction on its way names the box by its SSCC as the document is built: not while the box changes
      inFlight: lingering || (outbox !== null && (outbox.pending('aggregation', units).length > 0 || outbox.pending('introduction', units).length > 0)),
      palletInFlight: lingering || (outbox !== null && outbox.takes('pallet') && !pallet),
    }
  }

  #hooks (group: string): ReworkHooks {
    return {
      held: units => this.#held(units),
      report: plan => {
        // one report per rework (its own batch key): a document per operation, the pallet listed before its box
        this.#o.outbox?.addSync({ kind: 'disaggregation', group, codeIds: plan.codeIds, whole: true, attributes: { op: `RW-${randomUUID()}`, units: plan.units, release: plan.release } })
      },
    }
  }

  /** The group of a container's job, and whether it can be reworked from here; a refusal otherwise. */
  #groupOf (jobId: number): { group: string } | Refusal {
    if (this.#o.outbox === null || !this.#o.outbox.takes('disaggregation')) return refuse('LC_ERR_REWORK_NO_TRUE_API')
    const job = this.#o.jobs.get(jobId)
    if (job === null) return refuse('LC_ERR_REWORK_UNKNOWN')
    if (disaggregationOf(job.group) === null) return refuse('LC_ERR_REWORK_GROUP', { group: job.group })
    return { group: job.group }
  }

  #outcome (plan: ReworkPlan): ReworkOutcome {
    return { disaggregated: plan.units, newBoxes: plan.newBoxes, newPallets: plan.newPallets, dropped: plan.dropped.length, returned: plan.returned.length }
  }

  /** Tell the planner about the units dropped out (their dropout waits for the disaggregation). */
  #announce (plan: ReworkPlan): void {
    const byReason = new Map<string, number[]>()
    for (const d of plan.dropped) byReason.set(d.reason, [...(byReason.get(d.reason) ?? []), d.codeId])
    for (const [reason, codeIds] of byReason) this.#o.bus.emit('line:reworkDefect', { jobId: plan.jobId, codeIds, reason })
  }

  async reworkBox (input: { sscc: string, take: readonly ReworkTake[], scrap?: boolean }, actor: string): Promise<ControlResult<ReworkOutcome>> {
    return this.#rework([{ sscc: input.sscc, take: input.take }], input.scrap === true, actor)
  }

  /** One rework of several boxes (of one job): one commit, one disaggregation document. */
  async #rework (work: ReadonlyArray<{ sscc: string, take: readonly ReworkTake[] }>, scrap: boolean, actor: string): Promise<ControlResult<ReworkOutcome>> {
    let group: string | null = null
    const todo: Array<{ sscc: string, take: TakeOut[] }> = []
    for (const w of work) {
      const digits = ssccDigits(w.sscc)
      const c = digits === null ? null : this.#o.aggregator.container(digits)
      if (digits === null || c === null || c.level !== 'box' || c.state !== 'closed') return refuse('LC_ERR_REWORK_UNKNOWN', {}, { ru: `нет закрытого короба ${w.sscc}`, en: `no closed box ${w.sscc}` })
      const g = this.#groupOf(c.jobId)
      if ('ok' in g) return g
      group ??= g.group
      const take: TakeOut[] = []
      const seen = new Set<number>()
      for (const t of w.take) {
        const row = this.#o.pool.findByIdentity(identityOf(t.code))
        if (row === undefined || !c.units.includes(row.id)) return refuse('LC_ERR_REWORK_UNKNOWN', {}, { ru: `код ${t.code.slice(0, 40)} не в коробе ${digits}`, en: `code ${t.code.slice(0, 40)} is not in box ${digits}` })
        // a code scanned twice is taken out once
        if (seen.has(row.id)) continue
        seen.add(row.id)
        if (t.fate === 'drop') {
          const reason = t.reason ?? 'REMOVED'
          // a sample reason must be one the group's dropout takes (Table 244); the line's own reasons map to DEFECT
          if ((SAMPLE_REASONS as readonly string[]).includes(reason) && !sampleReasonsOf(g.group).includes(reason as DropoutReason)) return refuse('LC_ERR_REWORK_REASON', { reason, group: g.group })
          take.push({ codeId: row.id, fate: 'drop', reason })
        } else take.push({ codeId: row.id, fate: 'return' })
      }
      todo.push({ sscc: digits, take })
    }
    if (group === null) return refuse('LC_ERR_REWORK_UNKNOWN')
    const r = await this.#o.aggregator.reworkBoxes(todo, scrap ? { scrap: true } : {}, this.#hooks(group))
    if (typeof r === 'string') return refuse(REFUSALS[r])
    this.#announce(r)
    this.#o.log.info({ actor, boxes: todo.map(w => w.sscc), units: r.units, newBoxes: r.newBoxes, newPallets: r.newPallets, dropped: r.dropped.length }, 'boxes reworked')
    return { ok: true, value: this.#outcome(r) }
  }

  async reworkPallet (input: { sscc: string, rebuild: boolean }, actor: string): Promise<ControlResult<ReworkOutcome>> {
    const digits = ssccDigits(input.sscc)
    const c = digits === null ? null : this.#o.aggregator.container(digits)
    if (digits === null || c === null || c.level !== 'pallet' || c.state !== 'closed') return refuse('LC_ERR_REWORK_UNKNOWN')
    const g = this.#groupOf(c.jobId)
    if ('ok' in g) return g
    const r = await this.#o.aggregator.reworkPallet(digits, { rebuild: input.rebuild }, this.#hooks(g.group))
    if (typeof r === 'string') return refuse(REFUSALS[r])
    this.#o.log.info({ actor, sscc: digits, newPallets: r.newPallets }, 'pallet reworked')
    return { ok: true, value: this.#outcome(r) }
  }

  /**
   * Samples: the sampled units are dropped out under `reason` (a Table 244 reason the group allows) and the rest of
   * their boxes — and pallets — re-aggregated: one rework, one disaggregation document, whatever the boxes.
   */
  async takeSamples (input: { codes: readonly string[], reason: string }, actor: string): Promise<ControlResult<ReworkOutcome>> {
    const boxes = new Map<string, ReworkTake[]>()
    let jobId: number | null = null
    for (const code of input.codes) {
      const row = this.#o.pool.findByIdentity(identityOf(code))
      const box = row === undefined ? null : this.#o.aggregator.boxOf(row.id)
      if (row === undefined || box === null || box.level !== 'box') return refuse('LC_ERR_REWORK_UNKNOWN', {}, { ru: `код ${code.slice(0, 40)} не лежит в закрытом коробе`, en: `code ${code.slice(0, 40)} is in no closed box` })
      if (jobId !== null && box.jobId !== jobId) return refuse('LC_ERR_REWORK_UNKNOWN', {}, { ru: 'образцы одного отбора — из одного задания', en: 'the samples of one take come from one job' })
      jobId = box.jobId
      const job = this.#o.jobs.get(box.jobId)
      if (job === null || !sampleReasonsOf(job.group).includes(input.reason as DropoutReason)) return refuse('LC_ERR_REWORK_REASON', { reason: input.reason, group: job?.group ?? '?' })
      boxes.set(box.sscc, [...(boxes.get(box.sscc) ?? []), { code, fate: 'drop', reason: input.reason }])
    }
    return this.#rework([...boxes].map(([sscc, take]) => ({ sscc, take })), false, actor)
  }
}
