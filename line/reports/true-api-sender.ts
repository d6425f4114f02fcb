// Sends aggregation and introduction reports as True API documents (domain/true-api.md): builds the body from the
// report's codes, signs it detached, creates the document, polls its status, and finds it again by content hash.
import { codesIn, FINAL_OK, FINAL_STATUSES, type TrueApiClient } from '../gismt/client.ts'
import { aggregationDocument, disaggregationDocument, introduceGoodsDocument, type DocumentType, type PermitDocument } from '../gismt/documents.ts'
import { groupRule } from '../domain/groups.ts'
import { OutboxError } from './errors.ts'
import { distinctParents } from './oms-sender.ts'
import type { OutboxReport, Prepared, RemoteStatus, ReportCode, ReportSender } from './sender.ts'

export interface TrueApiSenderOptions {
  client: TrueApiClient
  participantInn: string
  /** How far before the recorded send time to look for a document whose answer was lost (clock skew). */
  reconcileSlackMs?: number
}

const TYPES: Partial<Record<string, DocumentType>> = { aggregation: 'AGGREGATION_DOCUMENT', pallet: 'AGGREGATION_DOCUMENT', introduction: 'LP_INTRODUCE_GOODS', disaggregation: 'DISAGGREGATION_DOCUMENT' }

export class TrueApiDocumentSender implements ReportSender {
  readonly channel = 'true-api'
  readonly #o: TrueApiSenderOptions
  constructor (options: TrueApiSenderOptions) { this.#o = options }

  #type (r: OutboxReport): DocumentType {
    const t = TYPES[r.kind]
    if (t === undefined) throw new OutboxError(`the True API takes no ${r.kind} reports`, { kind: r.kind })
    return t
  }

  /** The document body; deterministic for the same codes and attributes, so its hash is stable across restarts. */
  body (r: OutboxReport, codes: readonly ReportCode[]): unknown {
    if (r.kind === 'aggregation') {
      const units = new Map<string, string[]>()
      for (const c of codes) {
        if (c.parent === null) throw new OutboxError('a code in an aggregation report has no box', { codeId: c.id })
        let u = units.get(c.parent)
        if (u === undefined) { u = []; units.set(c.parent, u) }
        u.push(c.identity)
      }
      return aggregationDocument(this.#o.participantInn, [...units].map(([unit, list]) => ({ unit, codes: list })))
    }
    if (r.kind === 'disaggregation') {
      // the aggregates come from the report (the units' boxes have changed since): TA §4.1.2.3
      const units = r.attributes.units
      if (!Array.isArray(units) || units.some(u => typeof u !== 'string')) throw new OutboxError('a disaggregation report needs its units attribute', { reportId: r.id })
      return disaggregationDocument(this.#o.participantInn, units as string[])
    }
    if (r.kind === 'pallet') {
      // the pallet's units are the boxes (`00`+SSCC), all of one length
      const pallet = r.attributes.pallet
      if (typeof pallet !== 'string') throw new OutboxError('a pallet report needs its pallet attribute', { reportId: r.id })
      return aggregationDocument(this.#o.participantInn, [{ unit: pallet, codes: distinctParents(codes) }])
    }
    const a = r.attributes as { productionDate?: string, tnvedCode?: string, producerInn?: string, ownerInn?: string, vsdNumber?: string, byAggregate?: boolean, certificate?: PermitDocument }
    if (a.productionDate === undefined || a.tnvedCode === undefined) throw new OutboxError('an introduction report needs productionDate and tnvedCode attributes', { reportId: r.id })
    // After aggregation the introduction lists the aggregates, else GIS MT disaggregates them (domain/true-api.md);
    // milk lists each aggregate with the units inside it (the product-group table, TA §4.1.4.1).
    const byAggregate = a.byAggregate === true
    const withUnits = byAggregate && groupRule(r.group)?.introduction?.lists === 'aggregate-and-units'
    const list = byAggregate ? [...new Set(codes.map(c => c.parent ?? c.identity))] : codes.map(c => c.identity)
    const aggregates = (): Array<{ aggregate: string, units: string[] }> => {
      const inside = new Map<string, string[]>()
      for (const c of codes) {
        if (c.parent === null) throw new OutboxError('an introduction by aggregate names a code in no aggregate', { reportId: r.id, code: c.identity })
        const units = inside.get(c.parent) ?? []
        units.push(c.identity)
        inside.set(c.parent, units)
      }
      return [...inside].map(([aggregate, units]) => ({ aggregate, units }))
    }
    return introduceGoodsDocument({
      participantInn: this.#o.participantInn, productionDate: a.productionDate, tnvedCode: a.tnvedCode,
      ...(a.producerInn === undefined ? {} : { producerInn: a.producerInn }),
      ...(a.ownerInn === undefined ? {} : { ownerInn: a.ownerInn }),
      ...(a.vsdNumber === undefined ? {} : { vsdNumber: a.vsdNumber }),
      ...(a.certificate === undefined ? {} : { certificate: a.certificate }),
      ...(withUnits ? { aggregatesWithUnits: aggregates() } : byAggregate ? { uituCodes: list } : { uitCodes: list }),
    })
  }

  async prepare (r: OutboxReport, codes: readonly ReportCode[]): Promise<Prepared> {
    // Sign in first: a signer or network failure here holds the report before it is marked SENDING.
    await this.#o.client.auth.getToken()
    const doc = await this.#o.client.prepareDocument(this.#type(r), r.group, this.body(r, codes))
    return { hash: doc.hash, payload: doc }
  }

  submit (_r: OutboxReport, p: Prepared): Promise<string> {
    return this.#o.client.submitDocument(p.payload as Parameters<TrueApiClient['submitDocument']>[0])
  }

  async status (r: OutboxReport & { remoteId: string }): Promise<RemoteStatus> {
    const info = await this.#o.client.documentInfo(r.remoteId, r.group)
    if (info.status === FINAL_OK) return { state: 'accepted' }
    if (FINAL_STATUSES.has(info.status)) {
      const first = info.errors.slice(0, 3).join('; ')
      return { state: 'rejected', reason: `${info.status}${first === '' ? '' : `: ${first}`}${info.errors.length > 3 ? ` (+${info.errors.length - 3})` : ''}`, errors: info.errors }
    }
    return { state: 'pending' }
  }

  /** The document this report would send, looked for among those the participant sent (by the codes it lists). */
  reconcile (r: OutboxReport, codes: readonly ReportCode[]): Promise<string | undefined> {
    if (r.bodyHash === null || r.sendingAt === null) return Promise.resolve(undefined)
    const listed = codesIn(this.body(r, codes))
    return this.#o.client.findDocument({ type: this.#type(r), group: r.group, codes: listed, senderInn: this.#o.participantInn }, r.sendingAt - (this.#o.reconcileSlackMs ?? 600_000))
  }
}
