// The OMS emulator's own store: orders, buffers, blocks, issued codes, reports and their processing, evaluated
// against the injected clock. Reports are taken at once (a reportId) and processed later, in the order they came
// (§4.4.11: "получить статус обработки отчета … после получения ответа … квитанцию"): each code gets a result
// (Tables 253, 254), the report SUCCESS, PARTIALLY or FAILED (Table 242), and a receipt tells it all (§10).

import { randomUUID } from 'node:crypto'
import type { Clock } from '../shared/clock.ts'
import { CodeIssuer, validGtin } from './codes.ts'
import { omsGroup, type CisType, type CodeLayout, type OmsGroup } from './groups.ts'

export const DAY = 86_400_000

/** Table 241. */
export type BufferStatus = 'PENDING' | 'ACTIVE' | 'EXHAUSTED' | 'REJECTED' | 'CLOSED'
/** Table 242. */
export type ReportStatus = 'DRAFT' | 'PENDING' | 'READY_TO_SEND' | 'REJECTED' | 'SENT' | 'CHECK' | 'SUCCESS' | 'FAILED' | 'PARTIALLY'

export interface EmuBuffer {
  gtin: string
  group: OmsGroup
  templateId: number
  layout: CodeLayout
  quantity: number
  cisType: CisType
  /** Generated on activation: the OMS has them ready once the buffer is ACTIVE. */
  codes: string[] | null
  passed: number
  expiredDate: number
  rejectionReason?: string
  closed: boolean
}

export interface EmuOrder {
  orderId: string
  productGroup: string
  productionOrderId?: string
  /** The order as the participant sent it (the receipt's source document, §4.4.20). */
  raw: string
  createdAt: number
  activateAt: number
  closed: boolean
  buffers: Map<string, EmuBuffer>
}

export interface EmuBlock { blockId: string, orderId: string, gtin: string, codes: string[], at: number }
export type CodeFate = 'ISSUED' | 'UTILISED' | 'DROPPED'
export interface IssuedCode { code: string, identity: string, group: string, cisType: CisType, layout: CodeLayout, fate: CodeFate, aggregatedIn?: string }

/** One code's result in a processed report (Table 201): `cis` without crypto part, `code` from Table 253 / 254. */
export interface CodeResult {
  cis: string
  code: number
  description: string
  /** Where in the request (`sntins[3]`, `aggregationUnits[0].sntins[2]`). */
  fieldName: string
}

export type ReportKind = 'utilisation' | 'dropout' | 'aggregation'
export interface AggregationUnitSent { unitSerialNumber: string, sntins: string[] }

export interface EmuReport {
  reportId: string
  kind: ReportKind
  productGroup: string
  participantInn: string
  acceptedAt: number
  processedAt?: number
  status: ReportStatus
  /** The request body as sent (what GET /receipts/document gives back for the source document). */
  raw: string
  sourceDocId: string
  /** The document with the per-code results (§4.4.20 item 3), when one was made. */
  resultsDocId?: string
  /** What the report asks: full codes (utilisation, dropout) or the units with their members as sent (aggregation). */
  sntins: string[]
  units?: AggregationUnitSent[]
  dropoutReason?: string
  utilisationType?: string
  results?: CodeResult[]
  /** After processing: the full codes and units that took effect. */
  codes: string[]
  acceptedUnits: AggregationUnitSent[]
  rejectWhenDone: boolean
}

export interface OmsStateOptions {
  clock: Clock
  seed?: number
  activationDelayMs?: number
  autoCloseMs?: number
  reportProcessingMs?: number
  /** GTINs the participant has registered, with their productGroup; undefined = every valid GTIN is known. */
  catalog?: Record<string, string>
  /** The participant's INN, for receipts of reports that do not carry one. */
  participantInn?: string
}

const isTobaccoLike = (g: string): boolean => g === 'tobacco' || g === 'ncp' || g === 'otp'

export class OmsState {
  readonly clock: Clock
  readonly issuer: CodeIssuer
  activationDelayMs: number
  autoCloseMs: number
  reportProcessingMs: number
  catalog: Record<string, string> | undefined
  participantInn: string
  readonly orders = new Map<string, EmuOrder>()
  readonly blocks = new Map<string, EmuBlock>()
  /** Every code ever issued, by its full text. */
  readonly issued = new Map<string, IssuedCode>()
  /** Identity (code without crypto part) → full code, for aggregation reports. */
  readonly byIdentity = new Map<string, string>()
  readonly reports = new Map<string, EmuReport>()
  /** Aggregates that took effect (`unitSerialNumber`), with the aggregate they were put in at the next level. */
  readonly aggregates = new Map<string, { in?: string }>()
  /** Reports still to be refused when processed (fault injection). */
  rejectReports = 0
  /**
   * Whether an order's receipt names the order and production order in its details (Table 351 lists both as
   * optional; the guide's example receipts, Figures 220–222, show neither).
   */
  orderReceiptIds = true
  /** Buffers of these GTINs become REJECTED instead of ACTIVE (fault injection). */
  readonly rejectGtins = new Set<string>()
  /** Called once per report that took effect, with what took effect (GIS MT learns it, sim/gismt/from-oms.ts). */
  readonly processedListeners: Array<(r: EmuReport) => void> = []

  constructor (o: OmsStateOptions) {
    this.clock = o.clock
    this.issuer = new CodeIssuer(o.seed ?? 7)
    this.activationDelayMs = o.activationDelayMs ?? 2_000
    this.autoCloseMs = o.autoCloseMs ?? 48 * 3_600_000
    this.reportProcessingMs = o.reportProcessingMs ?? 1_000
    this.catalog = o.catalog
    this.participantInn = o.participantInn ?? '7700000000'
  }

  /**
   * Identifiers have the UUID shape of the guide's tables (ISO/IEC 9834-8 pattern); the first group counts up, so
   * ids sort in the order they were made (clients and tests list blocks in id order).
   */
  id (): string { return `${(++this.#seq).toString(16).padStart(8, '0')}${randomUUID().slice(8)}` }
  #seq = 0

  gtinKnown (gtin: string, productGroup: string): boolean {
    if (!validGtin(gtin)) return false
    if (this.catalog === undefined) return true
    const g = this.catalog[gtin]
    return g !== undefined && (g === productGroup || g.startsWith(productGroup + '-'))
  }

  // ---- orders --------------------------------------------------------------------------------------------

  /** Bring an order up to date with the clock: auto-close (48 h), activation (codes generated then), rejection. */
  refresh (order: EmuOrder): void {
    const now = this.clock.now()
    if (!order.closed && now >= order.createdAt + this.autoCloseMs) this.close(order)
    if (order.closed || now < order.activateAt) return
    for (const b of order.buffers.values()) {
      if (b.codes !== null || b.rejectionReason !== undefined) continue
      if (this.rejectGtins.has(b.gtin)) { b.rejectionReason = 'Заказ отклонён: GTIN не прошёл проверку (emulator fault)'; continue }
      b.codes = new Array<string>(b.quantity)
      for (let i = 0; i < b.quantity; i++) {
        const c = this.issuer.next(b.layout, b.gtin)
        b.codes[i] = c.code
        this.issued.set(c.code, { code: c.code, identity: c.identity, group: b.group.productGroup, cisType: b.cisType, layout: b.layout, fate: 'ISSUED' })
        this.byIdentity.set(c.identity, c.code)
      }
      b.expiredDate = now + b.group.expiryDays * DAY
    }
  }

  status (order: EmuOrder, b: EmuBuffer): BufferStatus {
    if (b.rejectionReason !== undefined) return 'REJECTED'
    if (order.closed || b.closed) return 'CLOSED'
    if (b.codes === null) return 'PENDING'
    return b.passed >= b.quantity ? 'EXHAUSTED' : 'ACTIVE'
  }

  close (order: EmuOrder, gtin?: string): void {
    for (const b of order.buffers.values()) if (gtin === undefined || b.gtin === gtin) b.closed = true
    if (gtin === undefined || [...order.buffers.values()].every(b => b.closed)) order.closed = true
  }

  // ---- reports -------------------------------------------------------------------------------------------

  /** Take a report: its codes are checked when it is processed, and their results go into its receipt (§4.4.18). */
  accept (r: Omit<EmuReport, 'reportId' | 'acceptedAt' | 'status' | 'sourceDocId' | 'codes' | 'acceptedUnits' | 'rejectWhenDone'>): EmuReport {
    const report: EmuReport = { ...r, reportId: this.id(), sourceDocId: this.id(), acceptedAt: this.clock.now(), status: 'PENDING', codes: [], acceptedUnits: [], rejectWhenDone: false }
    report.rejectWhenDone = this.rejectReports > 0
    if (report.rejectWhenDone) this.rejectReports--
    this.reports.set(report.reportId, report)
    return report
  }

  /** Process every report whose time has come, oldest first. */
  processDue (): void {
    const now = this.clock.now()
    for (const r of this.reports.values()) {
      if (r.status !== 'PENDING') continue
      if (now < r.acceptedAt + this.reportProcessingMs) break
      this.#process(r, now)
    }
  }

  #process (r: EmuReport, now: number): void {
    r.processedAt = now
    if (r.rejectWhenDone) {
      // the fault: the report is refused whole, nothing of it takes effect
      r.status = 'REJECTED'
      return
    }
    const results = this.evaluate(r)
    r.results = results
    this.apply(r, results)
    // an aggregation counts by units (a unit takes effect whole), the others by codes
    const [ok, total] = r.kind === 'aggregation' ? [r.acceptedUnits.length, r.units?.length ?? 0] : [results.filter(x => x.code === 0).length, results.length]
    r.status = ok === total ? 'SUCCESS' : ok === 0 ? 'FAILED' : 'PARTIALLY'
    // §4.4.20 item 3: aggregation and tobacco dropout results list only the failed codes, so none → no document
    const onlyFailures = r.kind === 'aggregation' || (r.kind === 'dropout' && isTobaccoLike(r.productGroup))
    if (!onlyFailures || ok < total) r.resultsDocId = this.id()
    if (r.codes.length > 0 || r.acceptedUnits.length > 0) for (const fn of this.processedListeners) fn(r)
  }

  /** Each code's result against the current state (Table 253 for utilisation and dropout, Table 254 for aggregation). */
  evaluate (r: EmuReport): CodeResult[] {
    const out: CodeResult[] = []
    const seen = new Set<string>()
    const tobacco = isTobaccoLike(r.productGroup)
    if (r.kind === 'utilisation' || r.kind === 'dropout') {
      r.sntins.forEach((c, i) => {
        const info = this.issued.get(c)
        const fieldName = `sntins[${i}]`
        const cis = info?.identity ?? c
        const res = (code: number, description: string): void => { out.push({ cis, code, description, fieldName }) }
        if (info === undefined) res(tobacco && r.kind === 'dropout' ? 22 : 2, 'Not exists KM')
        else if (info.group !== r.productGroup) res(2, 'Not exists KM (product group)')
        else if (r.kind === 'utilisation') {
          if (info.fate === 'UTILISED' || seen.has(c)) res(1, 'Code has already been utilised')
          else if (info.fate === 'DROPPED') res(4, 'Written off KM')
          else res(0, 'Ok')
        } else {
          if (info.fate === 'DROPPED' || seen.has(c)) res(tobacco ? 24 : 1, 'CIS has already been dropped_out')
          else res(0, 'Ok')
        }
        seen.add(c)
      })
      return out
    }
    (r.units ?? []).forEach((u, ui) => {
      u.sntins.forEach((c, i) => {
        const fieldName = `aggregationUnits[${ui}].sntins[${i}]`
        const res = (code: number, description: string): void => { out.push({ cis: c, code, description, fieldName }) }
        const agg = this.aggregates.get(c)
        const full = this.byIdentity.get(c)
        const info = full === undefined ? undefined : this.issued.get(full)
        if (agg !== undefined) {
          // a higher level holds aggregates that took effect before (boxes in a pallet)
          if (agg.in !== undefined || seen.has(c)) res(21, `Код Маркировки ${c} с родителем ${agg.in ?? u.unitSerialNumber} нельзя агрегировать в ${u.unitSerialNumber}`)
          else res(0, 'Ok')
        } else if (info === undefined) {
          if (this.issued.has(c)) res(79, `Неверный код маркировки ${c}`)
          else res(22, `Коды Маркировки ${c} не найден(ы)`)
        } else if (info.group !== r.productGroup) res(22, `Коды Маркировки ${c} не найден(ы) в товарной группе ${r.productGroup}`)
        else if (info.fate === 'DROPPED') res(24, `Статус WRITTEN_OFF Кода Маркировки ${c} не соответствует выполняемой операции`)
        else if (info.aggregatedIn !== undefined || seen.has(c)) {
          const parent = info.aggregatedIn ?? u.unitSerialNumber
          res(21, `Код Маркировки ${c} с родителем ${parent} нельзя агрегировать в ${u.unitSerialNumber}`)
        } else if (info.fate !== 'UTILISED') {
          // a code must be applied (utilisation processed) before it is aggregated
          res(24, `Статус EMITTED Кода Маркировки ${c} не соответствует выполняемой операции (нет отчёта о нанесении)`)
        } else res(0, 'Ok')
        seen.add(c)
      })
    })
    return out
  }

  /** The effects of the codes that passed; an aggregation unit takes effect only whole (Table 254 code 84). */
  apply (r: EmuReport, results: CodeResult[]): void {
    if (r.kind === 'utilisation' || r.kind === 'dropout') {
      r.sntins.forEach((c, i) => {
        if (results[i]?.code !== 0) return
        const info = this.issued.get(c) as IssuedCode
        info.fate = r.kind === 'utilisation' ? 'UTILISED' : 'DROPPED'
        r.codes.push(c)
      })
    } else {
      let k = 0
      for (const u of r.units ?? []) {
        const mine = results.slice(k, k + u.sntins.length)
        k += u.sntins.length
        if (mine.some(x => x.code !== 0)) continue
        for (const c of u.sntins) {
          const agg = this.aggregates.get(c)
          if (agg !== undefined) { agg.in = u.unitSerialNumber; continue }
          const info = this.issued.get(this.byIdentity.get(c) as string) as IssuedCode
          info.aggregatedIn = u.unitSerialNumber
          r.codes.push(info.code)
        }
        this.aggregates.set(u.unitSerialNumber, {})
        r.acceptedUnits.push(u)
      }
    }
  }

  /**
   * GIS MT disaggregated `unit` (a True API DISAGGREGATION_DOCUMENT, passed on by sim/gismt/from-oms.ts): its members
   * are free again, so a later OMS aggregation may put them into another unit.
   */
  forgetAggregate (unit: string): void {
    for (const info of this.issued.values()) if (info.aggregatedIn === unit) delete info.aggregatedIn
    for (const a of this.aggregates.values()) if (a.in === unit) delete a.in
    this.aggregates.delete(unit)
  }

  groupOf (productGroup: string): OmsGroup | undefined { return omsGroup(productGroup) }
}
