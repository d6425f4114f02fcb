// Request bodies of the OMS v3 methods as the guide defines them (zod), and the per-group rules on top: mandatory
// attributes (utilisation Tables 117–130, dropout Table 103, aggregation Table 112, orders Tables 7, 10, 11), the
// methods a group has at all (§4.4.9–4.4.11 notes), dropout reasons (Table 244), templates and code types (Table 245).

import { z } from 'zod'
import { DROPOUT_REASONS, LIMITS, omsGroup, type OmsGroup } from './groups.ts'

export interface FieldError { fieldName: string, fieldError: string }

/** Table 7 (order), Table 8 (products). */
export const orderBody = z.object({
  productGroup: z.string().min(1),
  products: z.array(z.object({
    gtin: z.string(),
    quantity: z.int().positive(),
    serialNumberType: z.enum(['OPERATOR', 'SELF_MADE']),
    serialNumbers: z.array(z.string()).optional(),
    templateId: z.int(),
    cisType: z.enum(['UNIT', 'GROUP', 'SET', 'BUNDLE']),
    attributes: z.record(z.string(), z.unknown()).optional(),
  })).min(1).max(LIMITS.gtinsPerOrder),
  serviceProviderId: z.string().optional(),
  attributes: z.record(z.string(), z.unknown()).optional(),
})
export type OrderBody = z.infer<typeof orderBody>

/** Table 119 (UtilisationReport). */
export const utilisationBody = z.object({
  productGroup: z.string().min(1),
  utilisationType: z.enum(['UTILISATION', 'RESORT']).optional(),
  sntins: z.array(z.string()).min(1),
  attributes: z.record(z.string(), z.unknown()).optional(),
})
export type UtilisationBody = z.infer<typeof utilisationBody>

/** Table 101 (DropoutReport); reasons Table 244. */
export const dropoutBody = z.object({
  productGroup: z.string().min(1),
  dropoutReason: z.enum(DROPOUT_REASONS),
  sntins: z.array(z.string()).min(1),
  attributes: z.record(z.string(), z.unknown()).optional(),
}).loose()
export type DropoutBody = z.infer<typeof dropoutBody>

/** Tables 110 (AggregationReport), 111 (AggregationUnit). */
export const aggregationBody = z.object({
  productGroup: z.string().min(1),
  participantId: z.string().regex(/^\d{10}(\d{2})?$/),
  attributes: z.record(z.string(), z.unknown()).optional(),
  aggregationUnits: z.array(z.object({
    unitSerialNumber: z.string().min(18).max(74),
    aggregationType: z.literal('AGGREGATION'),
    aggregationUnitCapacity: z.int().nonnegative(),
    aggregatedItemsCount: z.int().nonnegative(),
    sntins: z.array(z.string()).min(1),
  })).min(1),
})
export type AggregationBody = z.infer<typeof aggregationBody>

/** §4.4.19.2, Tables 193, 194. */
export const receiptSearchBody = z.object({
  filter: z.object({
    startCreateDocDate: z.number().optional(),
    endCreateDocDate: z.number().optional(),
    startStartDocDate: z.number().optional(),
    endStartDocDate: z.number().optional(),
    resultDocIds: z.array(z.string()).max(100).optional(),
    sourceDocIds: z.array(z.string()).max(100).optional(),
    orderIds: z.array(z.string()).max(100).optional(),
    serviceProviderIds: z.array(z.string()).max(100).optional(),
    resultCodes: z.array(z.int()).optional(),
    productGroups: z.array(z.string()).optional(),
    workflowTypes: z.array(z.string()).optional(),
    productionOrderIds: z.array(z.string()).max(100).optional(),
  }),
  limit: z.int().positive().max(100).optional(),
  skip: z.int().positive().optional(),
})
export type ReceiptSearchBody = z.infer<typeof receiptSearchBody>

export function zodFields (err: z.ZodError): FieldError[] {
  return err.issues.slice(0, 10).map(i => ({ fieldName: i.path.join('.'), fieldError: i.message }))
}

const present = (v: unknown): boolean => v !== undefined && v !== null && v !== ''
const missing = (fieldName: string, table: string): FieldError => ({ fieldName, fieldError: `обязательный атрибут (${table}) / mandatory` })

/** The group of a report, or the error for a group the method does not exist for. */
export function groupFor (productGroup: string, method: 'utilisation' | 'dropout' | 'aggregation'): OmsGroup | string {
  const g = omsGroup(productGroup)
  if (g === undefined) return `Товарная группа ${productGroup} не поддерживается / unknown product group`
  if (g[method] === false) {
    const where = { utilisation: '§4.4.11', dropout: '§4.4.9', aggregation: '§4.4.10' }[method]
    return `Метод недоступен для товарной группы ${productGroup} (${where}) / method not available for this product group`
  }
  return g
}

/** Table 7 / Table 10 / Table 11 attributes of an order, and Table 245 templates and code types. */
export function orderFieldErrors (g: OmsGroup, body: OrderBody): FieldError[] {
  const out: FieldError[] = []
  const attrs = body.attributes ?? {}
  for (const a of g.order.attributes) if (!present(attrs[a])) out.push(missing(`attributes.${a}`, g.productGroup === 'tobacco' ? 'Table 10' : 'Table 7'))
  body.products.forEach((p, i) => {
    const t = g.templates[p.templateId]
    if (t === undefined) out.push({ fieldName: `products[${i}].templateId`, fieldError: `Шаблон ${p.templateId} не допустим для товарной группы ${g.productGroup} (Table 245)` })
    else if (!t.cisTypes.includes(p.cisType)) out.push({ fieldName: `products[${i}].cisType`, fieldError: `Шаблон ${p.templateId} принимает только ${t.cisTypes.join(', ')} (Table 245)` })
    for (const a of g.order.productAttributes) if (!present(p.attributes?.[a])) out.push(missing(`products[${i}].attributes.${a}`, 'Table 11'))
  })
  return out
}

/** Tables 117–130: attributes of a utilisation report; `hasUnits` = the report holds UNIT codes (group packs carry no dates). */
export function utilisationFieldErrors (g: OmsGroup, body: UtilisationBody, hasUnits: boolean, now: number): FieldError[] {
  const rule = g.utilisation
  if (rule === false) return []
  const a = body.attributes ?? {}
  const table = `Tables 117–130, ${g.productGroup}`
  const out: FieldError[] = []
  for (const k of rule.always) if (!present(a[k])) out.push(missing(`attributes.${k}`, table))
  if (hasUnits) {
    for (const k of rule.units) if (!present(a[k])) out.push(missing(`attributes.${k}`, table))
    if (rule.unitsOneOf !== undefined && !rule.unitsOneOf.some(k => present(a[k]))) out.push({ fieldName: 'attributes', fieldError: `нужен один из ${rule.unitsOneOf.join(', ')} (${table}) / one of them is mandatory` })
    // Table 126 notes 4, 5: from 2025-05-01
    if (rule.unitsFrom2025 !== undefined && now >= Date.UTC(2025, 4, 1)) for (const k of rule.unitsFrom2025) if (!present(a[k])) out.push(missing(`attributes.${k}`, table))
    if (present(a.alcoholVolume) && !/^([0-9]{1,2}|[0-9]{1,2}\.[0-9]{1})$/.test(String(a.alcoholVolume))) out.push({ fieldName: 'attributes.alcoholVolume', fieldError: 'формат ^([0-9]{1,2}|[0-9]{1,2}\\.[0-9]{1})$ (Table 126)' })
  }
  if (rule.kppOrFias) {
    const inn = typeof a.participantId === 'string' ? a.participantId : undefined
    // kpp for an organisation (10-digit INN), fiasId for an individual (12 digits)
    if (inn?.length === 10 && !present(a.kpp)) out.push(missing('attributes.kpp', table))
    else if (inn?.length === 12 && !present(a.fiasId)) out.push(missing('attributes.fiasId', table))
    else if (inn === undefined && !present(a.kpp) && !present(a.fiasId)) out.push({ fieldName: 'attributes', fieldError: `нужен kpp или fiasId (${table}) / kpp or fiasId is mandatory` })
  }
  return out
}

/** Table 244 (reasons per group) and Table 103 (tobacco attributes). */
export function dropoutFieldErrors (g: OmsGroup, body: DropoutBody): FieldError[] {
  const rule = g.dropout
  if (rule === false) return []
  const out: FieldError[] = []
  if (!rule.reasons.includes(body.dropoutReason)) out.push({ fieldName: 'dropoutReason', fieldError: `для товарной группы ${g.productGroup} допустимы ${rule.reasons.join(', ')} (Table 244)` })
  const a = body.attributes ?? {}
  for (const k of rule.attributes) if (!present(a[k])) out.push(missing(`attributes.${k}`, 'Table 103'))
  return out
}

/**
 * Table 111: `aggregatedItemsCount` is the number of items in the unit. §4.4.10.1.2: a partly filled milk box is
 * sent with capacity = count = 1 whatever it holds (the guide's Figure 77 sends four codes so). Table 112: tobacco
 * needs productionLineId.
 */
export function aggregationFieldErrors (g: OmsGroup, body: AggregationBody): FieldError[] {
  const rule = g.aggregation
  if (rule === false) return []
  const out: FieldError[] = []
  const a = body.attributes ?? {}
  for (const k of rule.attributes) if (!present(a[k])) out.push(missing(`attributes.${k}`, 'Table 112'))
  body.aggregationUnits.forEach((u, i) => {
    const partialAsOne = rule.partialBoxAsOne && u.aggregationUnitCapacity === 1 && u.aggregatedItemsCount === 1
    if (!partialAsOne && u.aggregatedItemsCount !== u.sntins.length) out.push({ fieldName: `aggregationUnits[${i}].aggregatedItemsCount`, fieldError: `${u.aggregatedItemsCount} ≠ ${u.sntins.length} (Table 111)` })
    if (u.unitSerialNumber.startsWith('00') && /^\d+$/.test(u.unitSerialNumber) && !/^00\d{18}$/.test(u.unitSerialNumber)) out.push({ fieldName: `aggregationUnits[${i}].unitSerialNumber`, fieldError: 'SSCC: "00" + 18 цифр (§4.4.10.1.2 note 1)' })
  })
  return out
}
