// One handler per OMS v3 operation, over the emulator's state. Each returns [status, body]. Refusals use the
// guide's error format (§6.2.1, Tables 255–257) and only its statuses (§6.2.2, Table 258): 400 bad input, 404 no
// such object, 413 attached signature, 500 internal error.

import { z } from 'zod'
import { LIMITS } from './groups.ts'
import { orderReceiptOf, resultsDocument, receiptOf, searchReceipts } from './receipts.ts'
import {
  aggregationBody, aggregationFieldErrors, dropoutBody, dropoutFieldErrors, groupFor, orderBody, orderFieldErrors,
  receiptSearchBody, utilisationBody, utilisationFieldErrors, zodFields, type FieldError,
} from './schemas.ts'
import type { CodeResult, EmuBuffer, EmuOrder, EmuReport, OmsState } from './state.ts'

export type Reply = [number, unknown]

/** §6.2.1: `{success:false, globalErrors:[{error, errorCode}], fieldErrors:[{fieldName, fieldError, errorCode}]}`. */
export function errorBody (globalErrors: string[], fieldErrors: FieldError[] = [], errorCode = 0): { success: false, globalErrors: Array<{ error: string, errorCode: number }>, fieldErrors: Array<FieldError & { errorCode: number }> } {
  return {
    success: false,
    globalErrors: globalErrors.map(error => ({ error, errorCode })),
    fieldErrors: fieldErrors.map(f => ({ ...f, errorCode })),
  }
}

// errorCode carries the HTTP status: the guide's example shows a number (1010) without a list of them (Figure 200)
const bad = (msg: string, fields: FieldError[] = [], code = 400): Reply => [code, errorBody(msg === '' ? [] : [msg], fields, code)]

export class OmsHandlers {
  constructor (readonly s: OmsState, readonly omsId: string) {}

  #order (orderId: string | null): EmuOrder | Reply {
    const o = orderId === null ? undefined : this.s.orders.get(orderId)
    if (o === undefined) return bad(`Заказ не найден / order ${orderId ?? '(none)'} not found`, [], 404)
    this.s.refresh(o)
    return o
  }

  createOrder (body: unknown): Reply {
    const p = orderBody.safeParse(body)
    if (!p.success) return bad('Неверный формат запроса / invalid request', zodFields(p.error))
    const req = p.data
    const g = this.s.groupOf(req.productGroup)
    if (g === undefined) return bad(`Товарная группа ${req.productGroup} не поддерживается / unknown product group`, [{ fieldName: 'productGroup', fieldError: 'Table 251' }])
    const gtins = req.products.map(x => x.gtin)
    if (new Set(gtins).size !== gtins.length) return bad('Дублирование GTIN в заказе / duplicate GTIN in the order')
    const fields = orderFieldErrors(g, req)
    const buffers = new Map<string, EmuBuffer>()
    req.products.forEach((x, i) => {
      const t = g.templates[x.templateId]
      if (t === undefined) return // reported by orderFieldErrors
      if (!this.s.gtinKnown(x.gtin, g.productGroup)) { fields.push({ fieldName: `products[${i}].gtin`, fieldError: `Товар с GTIN ${x.gtin} не найден в каталоге / GTIN not registered` }); return }
      const cap = req.products.length > 1 ? LIMITS.codesPerRequest : LIMITS.codesPerGtin
      if (x.quantity > cap) { fields.push({ fieldName: `products[${i}].quantity`, fieldError: `не более ${cap} кодов` }); return }
      buffers.set(x.gtin, { gtin: x.gtin, group: g, templateId: x.templateId, layout: t.layout, quantity: x.quantity, cisType: x.cisType, codes: null, passed: 0, expiredDate: -1, closed: false })
    })
    if (fields.length > 0) return bad('', fields)
    const now = this.s.clock.now()
    const order: EmuOrder = { orderId: this.s.id(), productGroup: req.productGroup, raw: JSON.stringify(body), createdAt: now, activateAt: now + this.s.activationDelayMs, closed: false, buffers }
    const productionOrderId = req.attributes?.productionOrderId
    if (typeof productionOrderId === 'string') order.productionOrderId = productionOrderId
    this.s.orders.set(order.orderId, order)
    return [200, { omsId: this.omsId, orderId: order.orderId, expectedCompleteTimestamp: order.activateAt }]
  }

  orderStatus (q: URLSearchParams): Reply {
    const o = this.#order(q.get('orderId'))
    if (Array.isArray(o)) return o
    const gtin = q.get('gtin')
    const out = []
    for (const b of o.buffers.values()) {
      if (gtin !== null && b.gtin !== gtin) continue
      const status = this.s.status(o, b)
      const known = status !== 'PENDING' && status !== 'REJECTED'
      const left = known ? b.quantity - b.passed : -1
      out.push({
        orderId: o.orderId, gtin: b.gtin,
        availableCodes: status === 'CLOSED' ? 0 : left, leftInBuffer: status === 'CLOSED' ? 0 : left,
        totalCodes: known ? b.quantity : -1, totalPassed: known ? b.passed : -1, unavailableCodes: known ? 0 : -1,
        poolsExhausted: status === 'EXHAUSTED', bufferStatus: status,
        ...(b.rejectionReason !== undefined ? { rejectionReason: b.rejectionReason } : {}),
        ...(known ? { expiredDate: b.expiredDate } : {}),
        templateId: b.templateId, cisType: b.cisType,
        ...(o.productionOrderId !== undefined ? { productionOrderId: o.productionOrderId } : {}),
      })
    }
    if (out.length === 0) return bad(`GTIN ${gtin} не найден в заказе`, [], 404)
    return [200, out]
  }

  #buffer (q: URLSearchParams): [EmuOrder, EmuBuffer] | Reply {
    const o = this.#order(q.get('orderId'))
    if (Array.isArray(o)) return o
    const b = o.buffers.get(q.get('gtin') ?? '')
    if (b === undefined) return bad(`GTIN ${q.get('gtin')} не найден в заказе ${o.orderId}`, [], 404)
    return [o, b]
  }

  getCodes (q: URLSearchParams): Reply {
    const ob = this.#buffer(q)
    if (typeof ob[0] === 'number') return ob as Reply
    const [o, b] = ob as [EmuOrder, EmuBuffer]
    const quantity = Number(q.get('quantity'))
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > LIMITS.codesPerRequest) {
      return bad('', [{ fieldName: 'quantity', fieldError: `от 1 до ${LIMITS.codesPerRequest}` }])
    }
    const status = this.s.status(o, b)
    if (status !== 'ACTIVE') return bad(`Буфер в статусе ${status}: коды недоступны / buffer is ${status}`)
    const n = Math.min(quantity, b.quantity - b.passed)
    const codes = (b.codes as string[]).slice(b.passed, b.passed + n)
    b.passed += n
    const blockId = this.s.id()
    this.s.blocks.set(blockId, { blockId, orderId: o.orderId, gtin: b.gtin, codes, at: this.s.clock.now() })
    return [200, { omsId: this.omsId, codes, blockId }]
  }

  listBlocks (q: URLSearchParams): Reply {
    const ob = this.#buffer(q)
    if (typeof ob[0] === 'number') return ob as Reply
    const [o, b] = ob as [EmuOrder, EmuBuffer]
    const blocks = [...this.s.blocks.values()].filter(x => x.orderId === o.orderId && x.gtin === b.gtin).map(x => ({ blockId: x.blockId, blockDateTime: x.at, quantity: x.codes.length }))
    return [200, { orderId: o.orderId, gtin: b.gtin, blocks }]
  }

  retryBlock (q: URLSearchParams): Reply {
    const blk = this.s.blocks.get(q.get('blockId') ?? '')
    if (blk === undefined) return bad(`Блок ${q.get('blockId')} не найден / block not found`, [], 404)
    const o = this.#order(blk.orderId)
    if (Array.isArray(o)) return o
    if (o.closed || o.buffers.get(blk.gtin)?.closed === true) return bad('Заказ закрыт: повторная выгрузка невозможна / order closed')
    return [200, { omsId: this.omsId, codes: blk.codes, blockId: blk.blockId }]
  }

  closeOrder (body: unknown): Reply {
    const p = z.object({ orderId: z.string(), gtin: z.string().optional() }).safeParse(body)
    if (!p.success) return bad('Неверный формат запроса', zodFields(p.error))
    const o = this.#order(p.data.orderId)
    if (Array.isArray(o)) return o
    this.s.close(o, p.data.gtin)
    return [200, { omsId: this.omsId }]
  }

  // ---- reports: taken at once, processed later (docs/oms.md) -------------------------------------------------

  #take (r: Parameters<OmsState['accept']>[0]): Reply {
    return [200, { omsId: this.omsId, reportId: this.s.accept(r).reportId }]
  }

  #count (n: number): Reply | null {
    if (n > LIMITS.codesPerReport) return bad(`Превышено максимальное количество кодов в отчёте: ${n} > ${LIMITS.codesPerReport}`, [{ fieldName: 'sntins', fieldError: `max ${LIMITS.codesPerReport}` }])
    return null
  }

  utilisation (body: unknown, raw: string): Reply {
    const p = utilisationBody.safeParse(body)
    if (!p.success) return bad('Неверный формат запроса / invalid request', zodFields(p.error))
    const g = groupFor(p.data.productGroup, 'utilisation')
    if (typeof g === 'string') return bad(g, [{ fieldName: 'productGroup', fieldError: g }])
    const over = this.#count(p.data.sntins.length)
    if (over !== null) return over
    // group packs carry no dates (Tables 122–130): the unit attributes are needed only when a UNIT code is in it
    const hasUnits = p.data.sntins.some(c => (this.s.issued.get(c)?.cisType ?? 'UNIT') === 'UNIT')
    const fields = utilisationFieldErrors(g, p.data, hasUnits, this.s.clock.now())
    if (fields.length > 0) return bad('Неверные атрибуты отчёта о нанесении / invalid attributes', fields)
    const a = p.data.attributes ?? {}
    return this.#take({
      kind: 'utilisation', productGroup: p.data.productGroup, participantInn: typeof a.participantId === 'string' ? a.participantId : this.s.participantInn,
      raw, sntins: p.data.sntins, utilisationType: p.data.utilisationType ?? 'UTILISATION',
    })
  }

  dropout (body: unknown, raw: string): Reply {
    const p = dropoutBody.safeParse(body)
    if (!p.success) return bad('Неверный формат запроса / invalid request', zodFields(p.error))
    const g = groupFor(p.data.productGroup, 'dropout')
    if (typeof g === 'string') return bad(g, [{ fieldName: 'productGroup', fieldError: g }])
    const over = this.#count(p.data.sntins.length)
    if (over !== null) return over
    const fields = dropoutFieldErrors(g, p.data)
    if (fields.length > 0) return bad('', fields)
    const a = p.data.attributes ?? {}
    return this.#take({
      kind: 'dropout', productGroup: p.data.productGroup, participantInn: typeof a.participantId === 'string' ? a.participantId : this.s.participantInn,
      raw, sntins: p.data.sntins, dropoutReason: p.data.dropoutReason,
    })
  }

  aggregation (body: unknown, raw: string): Reply {
    const p = aggregationBody.safeParse(body)
    if (!p.success) return bad('Неверный формат запроса / invalid request', zodFields(p.error))
    const g = groupFor(p.data.productGroup, 'aggregation')
    if (typeof g === 'string') return bad(g, [{ fieldName: 'productGroup', fieldError: g }])
    const over = this.#count(p.data.aggregationUnits.reduce((n, u) => n + u.sntins.length, 0))
    if (over !== null) return over
    const fields = aggregationFieldErrors(g, p.data)
    if (fields.length > 0) return bad('Отчёт об агрегации отклонён / aggregation refused', fields.slice(0, 100))
    return this.#take({
      kind: 'aggregation', productGroup: p.data.productGroup, participantInn: p.data.participantId, raw, sntins: [],
      units: p.data.aggregationUnits.map(u => ({ unitSerialNumber: u.unitSerialNumber, sntins: u.sntins })),
    })
  }

  /** §4.4.25 (Tables 220–223): the OMS is reachable; its id and versions (those of the guide this emulator follows). */
  ping (): Reply {
    return [200, { omsId: this.omsId, apiVersion: '3.0.27', omsVersion: '4.55' }]
  }

  /** §4.4.13: `{omsId, reportId, reportStatus}` (Table 166, statuses Table 242); details are in the receipt. */
  reportInfo (q: URLSearchParams): Reply {
    const r = this.s.reports.get(q.get('reportId') ?? '')
    if (r === undefined) return bad(`Отчёт ${q.get('reportId')} не найден / report not found`, [], 404)
    return [200, { omsId: this.omsId, reportId: r.reportId, reportStatus: r.status }]
  }

  // ---- receipts (§4.4.18–4.4.20) --------------------------------------------------------------------------

  receipt (q: URLSearchParams): Reply {
    const r = this.s.reports.get(q.get('resultDocId') ?? '')
    // §4.4.18.2: the receipts of the document — none is an empty list, not an error
    return [200, { results: r === undefined ? [] : [receiptOf(r, this.omsId)] }]
  }

  receiptSearch (body: unknown): Reply {
    const p = receiptSearchBody.safeParse(body)
    if (!p.success) return bad('Неверный формат запроса / invalid request', zodFields(p.error))
    const found = searchReceipts(this.s, this.omsId, p.data)
    return typeof found === 'string' ? bad(found) : [200, found]
  }

  receiptDocument (q: URLSearchParams): Reply {
    const r = this.s.reports.get(q.get('resultDocId') ?? '')
    const docId = q.get('docId')
    // an order's receipt: its source document is the order as it was sent
    const order = docId === null ? undefined : this.s.orders.get(docId)
    if (r === undefined && order !== undefined && orderReceiptOf(order, this.omsId, this.s.participantInn, this.s.clock.now()).resultDocId === q.get('resultDocId')) return [200, { content: order.raw }]
    if (r === undefined || docId === null) return bad('Квитанция не найдена / receipt not found', [], 404)
    // §4.4.20 item 1: the source document as the participant sent it; item 3: the per-code results
    if (docId === r.sourceDocId) return [200, { content: r.raw }]
    if (docId === r.resultsDocId) return [200, { content: resultsDocument(r) }]
    return bad('Документ не найден / document not found', [], 404)
  }
}
