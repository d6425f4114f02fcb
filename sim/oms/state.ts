// The OMS emulator's own store: orders, buffers, blocks, issued codes and reports, with the buffer lifecycle
// (PENDING → ACTIVE → EXHAUSTED / CLOSED) evaluated against the injected clock.

import { checkGtin14, parseCode, type GroupProfile, type ProfileRegistry } from '../../line/codes/index.ts'
import type { Clock } from '../../line/clock.ts'
import type { BufferStatus, ReportStatus } from '../../line/emission/api.ts'
import { CodeFactory } from '../codes/factory.ts'

export const DAY = 86_400_000

/** Unused codes expire this many days after emission (oms-api.md "Limits"). */
const EXPIRY_DAYS: Record<string, number> = { milk: 30, water: 30, softdrinks: 30, 'tobacco-block': 30, 'tobacco-pack': 30, beer: 60, nabeer: 60, lp: 90, shoes: 90, pharma: 90 }

export interface EmuBuffer {
  gtin: string
  profile: GroupProfile
  quantity: number
  cisType: string
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
  createdAt: number
  activateAt: number
  closed: boolean
  buffers: Map<string, EmuBuffer>
}

export interface EmuBlock { blockId: string, orderId: string, gtin: string, codes: string[], at: number }
export type CodeFate = 'ISSUED' | 'UTILISED' | 'DROPPED'
export interface IssuedCode { code: string, group: string, fate: CodeFate, aggregatedIn?: string }
export interface EmuReport {
  reportId: string
  kind: 'utilisation' | 'dropout' | 'aggregation'
  acceptedAt: number
  codes: string[]
  status: ReportStatus
  rejectWhenDone: boolean
  /** Each code's fate before this report, restored if the report is rejected. */
  prior?: CodeFate[]
  dropoutReason?: string
  units?: Array<{ unitSerialNumber: string, sntins: string[] }>
}

export interface OmsStateOptions {
  clock: Clock
  profiles: ProfileRegistry
  seed?: number
  activationDelayMs?: number
  autoCloseMs?: number
  reportProcessingMs?: number
  /** GTINs the participant has registered, with their group; undefined = every valid GTIN is known. */
  catalog?: Record<string, string>
}

export class OmsState {
  readonly clock: Clock
  readonly profiles: ProfileRegistry
  readonly factory: CodeFactory
  activationDelayMs: number
  autoCloseMs: number
  reportProcessingMs: number
  catalog: Record<string, string> | undefined
  readonly orders = new Map<string, EmuOrder>()
  readonly blocks = new Map<string, EmuBlock>()
  /** Every code ever issued, by its full text. */
  readonly issued = new Map<string, IssuedCode>()
  /** Identity (code without crypto part) → full code, for aggregation reports. */
  readonly byIdentity = new Map<string, string>()
  readonly reports = new Map<string, EmuReport>()
  /** Aggregates reported so far (`unitSerialNumber`), with the aggregate they were put in at the next level. */
  readonly aggregates = new Map<string, { in?: string }>()
  /** Reports still to be refused when processed (fault injection). */
  rejectReports = 0
  /** Buffers of these GTINs become REJECTED instead of ACTIVE (fault injection). */
  readonly rejectGtins = new Set<string>()
  #seq = 0

  constructor (o: OmsStateOptions) {
    this.clock = o.clock
    this.profiles = o.profiles
    this.factory = new CodeFactory(o.seed ?? 7)
    this.activationDelayMs = o.activationDelayMs ?? 2_000
    this.autoCloseMs = o.autoCloseMs ?? 48 * 3_600_000
    this.reportProcessingMs = o.reportProcessingMs ?? 1_000
    this.catalog = o.catalog
  }

  id (prefix: string): string {
    const n = (++this.#seq).toString(16).padStart(8, '0')
    return `${prefix}-${n.slice(0, 4)}-${n.slice(4)}-${Math.floor(this.clock.now()).toString(16)}`
  }

  /** The group profile an order names: `productGroup` itself, or e.g. tobacco + templateId 4 → tobacco-pack. */
  profileFor (productGroup: string, templateId: number): GroupProfile | undefined {
    for (const g of [productGroup, `${productGroup}-block`, `${productGroup}-pack`]) {
      try {
        const p = this.profiles.get(g)
        if (p.templateId === templateId) return p
      } catch { /* not this one */ }
    }
    return undefined
  }

  gtinKnown (gtin: string, group: string): boolean {
    try { checkGtin14(gtin) } catch { return false }
    if (this.catalog === undefined) return true
    const g = this.catalog[gtin]
    return g !== undefined && (g === group || g.startsWith(group + '-') || group.startsWith(g))
  }

  /** Bring an order up to date with the clock: auto-close, activation (codes generated then), rejection. */
  refresh (order: EmuOrder): void {
    const now = this.clock.now()
    if (!order.closed && now >= order.createdAt + this.autoCloseMs) this.close(order)
    if (order.closed || now < order.activateAt) return
    for (const b of order.buffers.values()) {
      if (b.codes !== null || b.rejectionReason !== undefined) continue
      if (this.rejectGtins.has(b.gtin)) { b.rejectionReason = 'Заказ отклонён: GTIN не прошёл проверку (emulator fault)'; continue }
      b.codes = this.factory.raw(b.profile, b.gtin, b.quantity)
      for (const code of b.codes) {
        this.issued.set(code, { code, group: b.profile.group, fate: 'ISSUED' })
        this.byIdentity.set(parseCode(b.profile, code).identity, code)
      }
      b.expiredDate = now + (EXPIRY_DAYS[b.profile.group] ?? 30) * DAY
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

  /** Called once per report that ends SUCCESS (the emulators of GIS MT learn what the OMS passed on). */
  readonly processedListeners: Array<(r: EmuReport) => void> = []

  /** Report status moves on with the clock; a refused report gives its codes back. */
  refreshReport (r: EmuReport): void {
    if (r.status !== 'PENDING' || this.clock.now() < r.acceptedAt + this.reportProcessingMs) return
    if (!r.rejectWhenDone) {
      r.status = 'SUCCESS'
      for (const fn of this.processedListeners) fn(r)
      return
    }
    r.status = 'REJECTED'
    // a refused aggregation leaves its aggregates unknown and their contents free again
    for (const u of r.units ?? []) {
      this.aggregates.delete(u.unitSerialNumber)
      for (const c of u.sntins) { const a = this.aggregates.get(c); if (a !== undefined) delete a.in }
    }
    r.codes.forEach((c, i) => {
      const info = this.issued.get(c)
      if (info === undefined) return
      if (r.kind === 'aggregation') delete info.aggregatedIn
      else info.fate = r.prior?.[i] ?? 'ISSUED'
    })
  }
}
