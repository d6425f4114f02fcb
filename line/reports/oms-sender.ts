// Utilisation, dropout and (optionally) aggregation reports to the OMS (СУЗ API v3), as an outbox sender.
// A report whose answer was lost is looked up among the OMS's receipts by its codes (`reconcile`); only when the
// OMS holds none is it sent again, and a code an earlier copy already did then shows per code as a duplicate.

import { createHash } from 'node:crypto'
import type { OmsClient } from '../emission/client.ts'
import type { ReceiptFilter } from '../emission/api.ts'
import type { DropoutReason } from '../emission/api.ts'
import { boxCounts, dropoutReasonFor, productGroupOf } from '../domain/groups.ts'
import { OmsHttpError } from '../emission/errors.ts'
import { PER_CODE_DUPLICATE, PER_CODE_OK } from '../emission/api.ts'
import { type OutboxReport, type Prepared, type RemoteStatus, type ReportCode, type ReportSender } from './sender.ts'

/** Line group → the OMS productGroup, from the product-group table (tobacco blocks and packs are both "tobacco"). */
export function omsProductGroup (group: string): string {
  return productGroupOf(group)
}

/** The controller's defect reasons → an OMS dropout reason the group accepts (Table 244; milk: only DEFECT, QA_SAMPLES). */
export function dropoutReason (reason: string | null, group: string): DropoutReason {
  return dropoutReasonFor(group, reason)
}

/** The report's attributes without the planner's own keys: what goes into the body's `attributes`, if anything. */
function bodyAttributes (attributes: Record<string, unknown>, own: readonly string[]): { attributes?: Record<string, unknown> } {
  const out = Object.fromEntries(Object.entries(attributes).filter(([k]) => !own.includes(k)))
  return Object.keys(out).length === 0 ? {} : { attributes: out }
}

/** The boxes (`00`+SSCC) the codes of a pallet report sit in, in code order. */
export function distinctParents (codes: readonly ReportCode[]): string[] {
  const out = new Set<string>()
  for (const c of codes) {
    if (c.parent === null) throw new Error(`code ${c.id} has no box`)
    out.add(c.parent)
  }
  return [...out]
}

/** Table 249: the workflow of the receipts of each report kind. */
const WORKFLOW: Partial<Record<string, string>> = { utilisation: 'REPORT_UTILIZE', dropout: 'REPORT_DROPOUT', aggregation: 'REPORT_AGGREGATION', pallet: 'REPORT_AGGREGATION' }

/**
 * What a report document says, order aside: its codes (utilisation, dropout), or its units and the codes of each
 * (aggregation); null for anything else. Two documents with the same key do the same thing.
 */
export function contentKey (doc: unknown): { key: string, count: number } | null {
  if (typeof doc !== 'object' || doc === null) return null
  const d = doc as { sntins?: unknown, aggregationUnits?: unknown }
  const strings = (x: unknown): string[] | null => Array.isArray(x) && x.every(v => typeof v === 'string') ? [...x as string[]].sort() : null
  if (Array.isArray(d.aggregationUnits)) {
    const units: string[] = []
    let count = 0
    for (const u of d.aggregationUnits as Array<{ unitSerialNumber?: unknown, sntins?: unknown }>) {
      const list = strings(u?.sntins)
      if (typeof u?.unitSerialNumber !== 'string' || list === null) return null
      units.push(`${u.unitSerialNumber}:${list.join(',')}`)
      count += list.length
    }
    return { key: `A|${units.sort().join('|')}`, count }
  }
  const list = strings(d.sntins)
  return list === null ? null : { key: `S|${list.join(',')}`, count: list.length }
}

export class OmsReportSender implements ReportSender {
  readonly channel = 'oms'
  readonly #client: OmsClient
  readonly #participantInn: string
  readonly #reconcileSlackMs: number

  /** `reconcileSlackMs`: how far around the recorded send time a lost report is looked for (clocks, timeouts). */
  constructor (options: { client: OmsClient, participantInn: string, reconcileSlackMs?: number }) {
    this.#client = options.client
    this.#participantInn = options.participantInn
    this.#reconcileSlackMs = options.reconcileSlackMs ?? 600_000
  }

  async prepare (report: OutboxReport, codes: readonly ReportCode[]): Promise<Prepared> {
    const productGroup = omsProductGroup(report.group)
    let payload: unknown
    switch (report.kind) {
      case 'utilisation':
        payload = { productGroup, utilisationType: 'UTILISATION', sntins: codes.map(c => c.code), attributes: report.attributes }
        break
      case 'dropout':
        // the group's attributes (tobacco: address, withChild, participantId — Table 103); none for milk, water, beer
        payload = { productGroup, dropoutReason: dropoutReason(String(report.attributes.reason ?? 'DEFECT'), report.group), sntins: codes.map(c => c.code), ...bodyAttributes(report.attributes, ['reason']) }
        break
      case 'aggregation': {
        // one aggregation unit per box, codes without their crypto part (oms-api.md)
        const units = new Map<string, string[]>()
        for (const c of codes) {
          if (c.parent === null) throw new Error(`code ${c.id} has no box`)
          const list = units.get(c.parent) ?? []
          list.push(c.identity)
          units.set(c.parent, list)
        }
        const capacity = Number(report.attributes.capacity ?? 0)
        payload = {
          productGroup,
          participantId: this.#participantInn,
          // tobacco: productionLineId (Table 112)
          ...bodyAttributes(report.attributes, ['capacity']),
          // a partly filled milk box: capacity = count = 1 (§4.4.10.1.2)
          aggregationUnits: [...units].map(([unit, sntins]) => ({ unitSerialNumber: unit, aggregationType: 'AGGREGATION', ...boxCounts(report.group, capacity, sntins.length), sntins })),
        }
        break
      }
      case 'pallet': {
        // the second level: the pallet holds boxes, named by their `00`+SSCC (oms-api.md: up to 3 levels)
        const pallet = String(report.attributes.pallet ?? '')
        const boxes = distinctParents(codes)
        const capacity = Number(report.attributes.capacity ?? 0)
        payload = {
          productGroup,
          participantId: this.#participantInn,
          aggregationUnits: [{ unitSerialNumber: pallet, aggregationType: 'AGGREGATION', aggregationUnitCapacity: capacity || boxes.length, aggregatedItemsCount: boxes.length, sntins: boxes }],
        }
        break
      }
      default:
        throw new Error(`the OMS sender does not send ${report.kind} reports`)
    }
    return { hash: createHash('sha256').update(JSON.stringify(payload)).digest('hex'), payload }
  }

  async submit (report: OutboxReport, prepared: Prepared): Promise<string> {
    const body = prepared.payload as never
    const r = report.kind === 'utilisation'
      ? await this.#client.utilisation(body)
      : report.kind === 'dropout' ? await this.#client.dropout(body) : await this.#client.aggregation(body) // aggregation, pallet
    return r.reportId
  }

  async status (report: OutboxReport & { remoteId: string }): Promise<RemoteStatus> {
    const info = await this.#client.reportInfo(report.remoteId)
    switch (info.reportStatus) {
      case 'SUCCESS': return { state: 'accepted' }
      case 'FAILED': case 'PARTIALLY': {
        // Processed with per-code problems: the receipt says which (§4.4.18–4.4.20, Table 253). A code the OMS
        // finds already where this report would put it ("Duplicate", code 1) was done by an earlier copy whose
        // answer was lost: only the other codes are refused.
        const results = await this.#client.perCodeResults(report.remoteId)
        if (results === null) return { state: 'rejected', reason: `OMS report ${info.reportStatus}` }
        const refused = results.filter(r => r.code !== PER_CODE_OK && r.code !== PER_CODE_DUPLICATE && !alreadyInThatUnit(r))
        if (refused.length === 0) return { state: 'accepted' }
        const shown = refused.slice(0, 3).map(r => `${r.cis.slice(0, 31)}: ${r.code} ${r.description ?? ''}`.trim()).join('; ')
        const reason = `OMS report ${info.reportStatus}: ${refused.length} code(s) refused (${shown}${refused.length > 3 ? '; …' : ''})`
        // A utilisation or dropout names each code on its own: the others took effect, and only the refused ones
        // are held back. An aggregation's units stand or fall together: refused whole.
        if ((report.kind === 'utilisation' || report.kind === 'dropout') && refused.length < report.codes) {
          return { state: 'partial', reason, refused: refused.map(r => ({ cis: r.cis, code: r.code, ...(r.description !== undefined ? { description: r.description } : {}) })) }
        }
        return { state: 'rejected', reason }
      }
      case 'REJECTED': return { state: 'rejected', reason: 'OMS report REJECTED' }
      default: return { state: 'pending' }
    }
  }

  /**
   * After a send whose answer was lost: ask the OMS what it received (Квитирование 2.0). Receipts of this report's
   * workflow and group created around the send (§4.4.19, Tables 193, 194; workflows Table 249) whose first event
   * counts as many codes as this report are candidates; the source document of each (§4.4.20) is compared code for
   * code with what this report sends. Found: its id — the receipt's `resultDocId`, the id the report is asked by
   * (§4.4.18) — and nothing is sent again. Not found: undefined, and the outbox sends it (a code the OMS already
   * holds then comes back per code as a duplicate, which `status` counts as done).
   */
  async reconcile (report: OutboxReport, codes: readonly ReportCode[]): Promise<string | undefined> {
    if (report.sendingAt === null || codes.length === 0) return undefined
    const { payload } = await this.prepare(report, codes)
    const want = contentKey(payload)
    if (want === null) return undefined
    const slack = this.#reconcileSlackMs
    const filter: ReceiptFilter = {
      startCreateDocDate: report.sendingAt - slack,
      endCreateDocDate: report.sendingAt + slack,
      productGroups: [omsProductGroup(report.group)],
      workflowTypes: [WORKFLOW[report.kind] ?? 'REPORT_UTILIZE'],
    }
    // §4.4.19.1: at most 100 a page, skip × limit ≤ 10000
    for (let page = 1; page <= 100; page++) {
      const found = await this.#client.searchReceipts(filter, page, 100)
      for (const receipt of found.results) {
        const first = receipt.operations?.[0]
        const quantity = first?.details?.quantity
        if (quantity !== undefined && quantity !== want.count) continue
        const docId = receipt.sourceDocId ?? first?.docId
        if (receipt.resultDocId === undefined || docId === undefined) continue
        let sent: unknown
        try { sent = JSON.parse(await this.#client.receiptDocument(receipt.resultDocId, docId)) } catch (err) {
          if (err instanceof SyntaxError) continue // not a report document this controller wrote
          throw err
        }
        if (contentKey(sent)?.key === want.key) return receipt.resultDocId
      }
      if (found.results.length < 100) return undefined
    }
    return undefined
  }
}

/**
 * Table 254 code 21 for an aggregation: the code already has a parent. When that parent is the very unit the report
 * puts it in ("… с родителем P нельзя агрегировать в P"), an earlier copy of the report did it: not a refusal.
 */
function alreadyInThatUnit (r: { code: number, description?: string | undefined }): boolean {
  if (r.code !== 21 || r.description === undefined) return false
  const m = /с родителем (\S+) нельзя агрегировать в (\S+)/.exec(r.description)
  return m !== null && m[1] === m[2]
}
