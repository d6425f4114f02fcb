// One handler per OMS v3 operation, over the emulator's state. Each returns [status, body]; bad requests get the
// real error body shape `{success:false, globalErrors, fieldErrors}` (oms-api.md "Errors").

import { z } from 'zod'
import { DROPOUT_REASONS, OMS_LIMITS } from '../../line/emission/api.ts'
import type { EmuBuffer, EmuOrder, EmuReport, IssuedCode, OmsState } from './state.ts'

export type Reply = [number, unknown]

export function errorBody (globalErrors: string[], fieldErrors: Array<{ fieldName: string, fieldError: string }> = [], errorCode = 0): { success: false, globalErrors: Array<{ error: string, errorCode: number }>, fieldErrors: Array<{ fieldName: string, fieldError: string, errorCode: number }> } {
  return {
    success: false,
    globalErrors: globalErrors.map(error => ({ error, errorCode })),
    fieldErrors: fieldErrors.map(f => ({ ...f, errorCode })),
  }
}

const bad = (msg: string, fields: Array<{ fieldName: string, fieldError: string }> = [], code = 400): Reply => [code, errorBody(msg === '' ? [] : [msg], fields, code)]

const orderBody = z.object({
  productGroup: z.string().min(1),
  products: z.array(z.object({
    gtin: z.string(),
    quantity: z.int().positive(),
    serialNumberType: z.enum(['OPERATOR', 'SELF_MADE']),
    serialNumbers: z.array(z.string()).optional(),
    templateId: z.int(),
    cisType: z.enum(['UNIT', 'GROUP', 'SET', 'BUNDLE']),
    attributes: z.record(z.string(), z.unknown()).optional(),
  })).min(1).max(OMS_LIMITS.gtinsPerOrder),
  serviceProviderId: z.string().optional(),
  attributes: z.object({ releaseMethodType: z.string(), createMethodType: z.string(), productionOrderId: z.string().optional() }).loose(),
})

function zodFields (err: z.ZodError): Array<{ fieldName: string, fieldError: string }> {
  return err.issues.slice(0, 10).map(i => ({ fieldName: i.path.join('.'), fieldError: i.message }))
}

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
    const gtins = req.products.map(x => x.gtin)
    if (new Set(gtins).size !== gtins.length) return bad('Дублирование GTIN в заказе / duplicate GTIN in the order')
    const fields: Array<{ fieldName: string, fieldError: string }> = []
    const buffers = new Map<string, EmuBuffer>()
    req.products.forEach((x, i) => {
      const profile = this.s.profileFor(req.productGroup, x.templateId)
      if (profile === undefined) { fields.push({ fieldName: `products[${i}].templateId`, fieldError: `Шаблон ${x.templateId} не допустим для товарной группы ${req.productGroup}` }); return }
      if (!this.s.gtinKnown(x.gtin, profile.group)) { fields.push({ fieldName: `products[${i}].gtin`, fieldError: `Товар с GTIN ${x.gtin} не найден в каталоге / GTIN not registered` }); return }
      const cap = req.products.length > 1 ? OMS_LIMITS.codesPerRequest : 2_000_000
      if (x.quantity > cap) { fields.push({ fieldName: `products[${i}].quantity`, fieldError: `не более ${cap} кодов` }); return }
      buffers.set(x.gtin, { gtin: x.gtin, profile, quantity: x.quantity, cisType: x.cisType, codes: null, passed: 0, expiredDate: -1, closed: false })
    })
    if (fields.length > 0) return bad('', fields)
    const now = this.s.clock.now()
    const order: EmuOrder = { orderId: this.s.id('order'), productGroup: req.productGroup, createdAt: now, activateAt: now + this.s.activationDelayMs, closed: false, buffers }
    if (req.attributes.productionOrderId !== undefined) order.productionOrderId = req.attributes.productionOrderId
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
        templateId: b.profile.templateId, cisType: b.cisType,
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
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > OMS_LIMITS.codesPerRequest) {
      return bad('', [{ fieldName: 'quantity', fieldError: `от 1 до ${OMS_LIMITS.codesPerRequest}` }])
    }
    const status = this.s.status(o, b)
    if (status !== 'ACTIVE') return bad(`Буфер в статусе ${status}: коды недоступны / buffer is ${status}`)
    const n = Math.min(quantity, b.quantity - b.passed)
    const codes = (b.codes as string[]).slice(b.passed, b.passed + n)
    b.passed += n
    const blockId = this.s.id('block')
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

  // ---- reports ------------------------------------------------------------------------------------------

  #accept (kind: EmuReport['kind'], codes: string[], extra: Partial<EmuReport> = {}): Reply {
    const reportId = this.s.id('report')
    const rejectWhenDone = this.s.rejectReports > 0
    if (rejectWhenDone) this.s.rejectReports--
    this.s.reports.set(reportId, { reportId, kind, acceptedAt: this.s.clock.now(), codes, status: 'PENDING', rejectWhenDone, ...extra })
    return [200, { omsId: this.omsId, reportId }]
  }

  #checkCount (n: number): Reply | null {
    if (n < 1) return bad('Список кодов пуст / no codes')
    if (n > OMS_LIMITS.codesPerReport) return bad(`Превышено максимальное количество кодов в отчёте: ${n} > ${OMS_LIMITS.codesPerReport}`, [{ fieldName: 'sntins', fieldError: `max ${OMS_LIMITS.codesPerReport}` }])
    return null
  }

  utilisation (body: unknown): Reply {
    const p = z.object({ productGroup: z.string(), utilisationType: z.enum(['UTILISATION', 'RESORT']).optional(), sntins: z.array(z.string()), attributes: z.record(z.string(), z.unknown()).optional() }).safeParse(body)
    if (!p.success) return bad('Неверный формат запроса', zodFields(p.error))
    const tooMany = this.#checkCount(p.data.sntins.length)
    if (tooMany !== null) return tooMany
    const fields: Array<{ fieldName: string, fieldError: string }> = []
    const seen = new Set<string>()
    p.data.sntins.forEach((c, i) => {
      const info = this.s.issued.get(c)
      if (info === undefined) fields.push({ fieldName: `sntins[${i}]`, fieldError: 'Код маркировки не был эмитирован / code was never issued' })
      else if (info.fate !== 'ISSUED' || seen.has(c)) fields.push({ fieldName: `sntins[${i}]`, fieldError: `Код маркировки уже в статусе ${seen.has(c) ? 'UTILISED' : info.fate} / already ${seen.has(c) ? 'utilised' : info.fate.toLowerCase()}` })
      else if (!groupMatches(info.group, p.data.productGroup)) fields.push({ fieldName: `sntins[${i}]`, fieldError: `Код другой товарной группы (${info.group})` })
      seen.add(c)
    })
    if (fields.length > 0) return bad('Отчёт о нанесении отклонён / utilisation refused', fields.slice(0, 100))
    const prior = p.data.sntins.map(c => (this.s.issued.get(c) as IssuedCode).fate)
    for (const c of p.data.sntins) (this.s.issued.get(c) as IssuedCode).fate = 'UTILISED'
    return this.#accept('utilisation', p.data.sntins, { prior })
  }

  dropout (body: unknown): Reply {
    const p = z.object({ productGroup: z.string(), dropoutReason: z.enum(DROPOUT_REASONS), sntins: z.array(z.string()) }).loose().safeParse(body)
    if (!p.success) return bad('Неверный формат запроса', zodFields(p.error))
    const tooMany = this.#checkCount(p.data.sntins.length)
    if (tooMany !== null) return tooMany
    if (p.data.productGroup === 'milk' && !['DEFECT', 'QA_SAMPLES'].includes(p.data.dropoutReason)) {
      return bad('', [{ fieldName: 'dropoutReason', fieldError: 'для молочной продукции допустимы DEFECT, QA_SAMPLES' }])
    }
    const fields: Array<{ fieldName: string, fieldError: string }> = []
    p.data.sntins.forEach((c, i) => {
      const info = this.s.issued.get(c)
      if (info === undefined) fields.push({ fieldName: `sntins[${i}]`, fieldError: 'Код маркировки не был эмитирован / code was never issued' })
      else if (info.fate === 'DROPPED') fields.push({ fieldName: `sntins[${i}]`, fieldError: 'Код уже выбыл / already dropped' })
    })
    if (fields.length > 0) return bad('Отчёт о выбытии отклонён / dropout refused', fields.slice(0, 100))
    const prior = p.data.sntins.map(c => (this.s.issued.get(c) as IssuedCode).fate)
    for (const c of p.data.sntins) (this.s.issued.get(c) as IssuedCode).fate = 'DROPPED'
    return this.#accept('dropout', p.data.sntins, { dropoutReason: p.data.dropoutReason, prior })
  }

  aggregation (body: unknown): Reply {
    const unit = z.object({ unitSerialNumber: z.string().min(18).max(74), aggregationType: z.literal('AGGREGATION'), aggregationUnitCapacity: z.int().nonnegative(), aggregatedItemsCount: z.int().nonnegative(), sntins: z.array(z.string()).min(1) })
    const p = z.object({ productGroup: z.string(), participantId: z.string().regex(/^\d{10}(\d{2})?$/), aggregationUnits: z.array(unit).min(1) }).safeParse(body)
    if (!p.success) return bad('Неверный формат запроса', zodFields(p.error))
    const all = p.data.aggregationUnits.flatMap(u => u.sntins)
    const tooMany = this.#checkCount(all.length)
    if (tooMany !== null) return tooMany
    const fields: Array<{ fieldName: string, fieldError: string }> = []
    p.data.aggregationUnits.forEach((u, ui) => {
      if (u.aggregatedItemsCount !== u.sntins.length) fields.push({ fieldName: `aggregationUnits[${ui}].aggregatedItemsCount`, fieldError: `${u.aggregatedItemsCount} ≠ ${u.sntins.length}` })
      if (/^00\d{18}$/.test(u.unitSerialNumber) === false && u.unitSerialNumber.startsWith('00')) fields.push({ fieldName: `aggregationUnits[${ui}].unitSerialNumber`, fieldError: 'SSCC: "00" + 18 цифр' })
      u.sntins.forEach((c, i) => {
        // a higher level holds aggregates reported before (boxes in a pallet)
        const agg = this.s.aggregates.get(c)
        if (agg !== undefined) {
          if (agg.in !== undefined) fields.push({ fieldName: `aggregationUnits[${ui}].sntins[${i}]`, fieldError: `Агрегат уже агрегирован в ${agg.in} / already aggregated in ${agg.in}` })
          return
        }
        const full = this.s.byIdentity.get(c)
        const info = full === undefined ? undefined : this.s.issued.get(full)
        if (info === undefined) fields.push({ fieldName: `aggregationUnits[${ui}].sntins[${i}]`, fieldError: this.s.issued.has(c) ? 'Код передан с криптохвостом / send codes without crypto part' : 'Код маркировки не был эмитирован / code was never issued' })
        else if (info.fate === 'DROPPED') fields.push({ fieldName: `aggregationUnits[${ui}].sntins[${i}]`, fieldError: 'Код выбыл / dropped' })
        else if (info.aggregatedIn !== undefined) fields.push({ fieldName: `aggregationUnits[${ui}].sntins[${i}]`, fieldError: `Код уже агрегирован в ${info.aggregatedIn} / already aggregated in ${info.aggregatedIn}` })
      })
    })
    if (fields.length > 0) return bad('Отчёт об агрегации отклонён / aggregation refused', fields.slice(0, 100))
    const codes: string[] = []
    for (const u of p.data.aggregationUnits) {
      for (const c of u.sntins) {
        const agg = this.s.aggregates.get(c)
        if (agg !== undefined) { agg.in = u.unitSerialNumber; continue }
        const full = this.s.byIdentity.get(c) as string
        ;(this.s.issued.get(full) as { aggregatedIn?: string }).aggregatedIn = u.unitSerialNumber
        codes.push(full)
      }
      this.s.aggregates.set(u.unitSerialNumber, {})
    }
    return this.#accept('aggregation', codes, { units: p.data.aggregationUnits.map(u => ({ unitSerialNumber: u.unitSerialNumber, sntins: u.sntins })) })
  }

  reportInfo (q: URLSearchParams): Reply {
    const r = this.s.reports.get(q.get('reportId') ?? '')
    if (r === undefined) return bad(`Отчёт ${q.get('reportId')} не найден / report not found`, [], 404)
    this.s.refreshReport(r)
    return [200, { omsId: this.omsId, reportId: r.reportId, reportStatus: r.status, ...(r.status === 'REJECTED' ? { errorReason: 'Отклонено ГИС МТ (emulator fault)' } : {}) }]
  }
}

function groupMatches (codeGroup: string, productGroup: string): boolean {
  return codeGroup === productGroup || codeGroup.startsWith(productGroup + '-')
}
