// Receipts (Квитирование 2.0, §10): one per report, built from the report as processed. Structure Table 350,
// details Table 351, events Table 352 with the event types of Table 250; states and codes Table 252.
import { createHash } from 'node:crypto'
import type { ReceiptSearchBody } from './schemas.ts'
import type { EmuOrder, EmuReport, OmsState } from './state.ts'
import { omsGroup } from './groups.ts'

/** Table 249 workflow per report kind, and the event types of Table 250 in the order they happen. */
const WORKFLOW = {
  utilisation: { workflow: 'REPORT_UTILIZE', events: ['REPORT_UTILIZE_RECEIVED', 'REPORT_UTILIZE_EMISSION_SEND', 'RNMS_GIS_ROUTED', 'RNMS_GIS_PROCESSED'] },
  dropout: { workflow: 'REPORT_DROPOUT', events: ['REPORT_DROPOUT_RECEIVED', 'REPORT_DROPOUT_EMISSION_SEND', 'REPORT_DROPOUT_GIS_ROUTED', 'REPORT_DROPOUT_GIS_PROCESSED'] },
  aggregation: { workflow: 'REPORT_AGGREGATION', events: ['REPORT_AGGREGATION_RECEIVED', 'REPORT_AGGREGATION_GIS_SEND', 'REPORT_AGGREGATION_GIS_ROUTED', 'REPORT_AGGREGATION_GIS_PROCESSED'] },
} as const

/** Table 252; descriptions as in the guide's examples (Figures 224–226). */
function receiptState (r: EmuReport): { state: string, code: number, description: string } {
  switch (r.status) {
    case 'SUCCESS': return { state: 'SUCCESS', code: 0, description: 'Document was successfully processed' }
    case 'PARTIALLY': return { state: 'PARTIALLY', code: 3, description: 'The document was partially processed' }
    case 'FAILED': case 'REJECTED': return { state: 'FAILED', code: 1, description: 'Document processing was failed' }
    default: return { state: 'IN_PROGRESS', code: 2, description: 'Document is being processed' }
  }
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex')

/** The per-code results document (Tables 200, 201; `cisList`, codes without crypto part). */
export function resultsDocument (r: EmuReport): string {
  const onlyFailures = r.kind === 'aggregation' || (r.kind === 'dropout' && ['tobacco', 'ncp', 'otp'].includes(r.productGroup))
  const list = (r.results ?? []).filter(x => !onlyFailures || x.code !== 0).map(x => ({ cis: x.cis, code: x.code, description: x.description }))
  return JSON.stringify({ cisList: list })
}

export function receiptOf (r: EmuReport, omsId: string): Record<string, unknown> {
  const w = WORKFLOW[r.kind]
  const groupId = omsGroup(r.productGroup)?.id
  const productGroupIds = groupId === undefined ? [] : [groupId]
  const s = receiptState(r)
  const total = r.kind === 'aggregation' ? (r.units ?? []).reduce((n, u) => n + u.sntins.length, 0) : r.sntins.length
  const operations: Array<Record<string, unknown>> = [{
    operationId: `${r.sourceDocId.slice(0, 24)}000000000001`,
    operationType: w.events[0],
    operationDate: r.acceptedAt,
    docId: r.sourceDocId,
    docDate: r.acceptedAt,
    docHash: sha256(r.raw),
    details: { state: 'SUCCESS', participantId: r.participantInn, omsId, createDocDate: r.acceptedAt, quantity: total },
  }]
  if (r.processedAt !== undefined) {
    const t = r.processedAt
    operations.push({ operationId: `${r.sourceDocId.slice(0, 24)}000000000002`, operationType: w.events[1], operationDate: t, details: { state: 'SUCCESS' } })
    operations.push({ operationId: `${r.sourceDocId.slice(0, 24)}000000000003`, operationType: w.events[2], operationDate: t, details: { state: 'SUCCESS', productGroupIds } })
    const processed = r.status === 'REJECTED' ? 0 : r.codes.length
    const doc = r.resultsDocId === undefined ? {} : { docId: r.resultsDocId, docDate: t, docHash: sha256(resultsDocument(r)) }
    const state = r.status === 'SUCCESS' ? 'SUCCESS' : r.status === 'PARTIALLY' ? 'PARTIALLY' : 'REJECTED'
    operations.push({ operationId: `${r.sourceDocId.slice(0, 24)}000000000004`, operationType: w.events[3], operationDate: t, ...doc, details: { state, productGroupIds, processed, total } })
  }
  return {
    resultDocId: r.reportId,
    resultDocDate: r.processedAt ?? r.acceptedAt,
    sourceDocId: r.sourceDocId,
    sourceDocDate: r.acceptedAt,
    ...s,
    workflow: w.workflow,
    workflowVersion: 1,
    details: {
      participantInn: r.participantInn,
      createDocDate: r.acceptedAt,
      productGroupIds,
      txType: w.workflow,
      startDocDate: r.acceptedAt,
      ...(r.utilisationType !== undefined ? { utilisationType: r.utilisationType } : {}),
    },
    operations,
  }
}

/** A UUID-shaped id derived from another (the emulator keeps no separate id for an order's receipt). */
function derivedId (from: string, salt: string): string {
  const h = sha256(`${salt}:${from}`)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`
}

/**
 * The receipt of an order (§10.1.1, Figure 220): workflow CREATE_ORDER, the order as its source document
 * (CREATE_ORDER_RECEIVED's docId), and the order's and the production order's ids in the details (Table 351).
 * IN_PROGRESS until the order's buffers are active, then SUCCESS with the events of Table 250 up to
 * CREATE_ORDER_SUBORDER_RESULT. Orders the OMS refused at once (400) have none: nothing was created.
 */
export function orderReceiptOf (o: EmuOrder, omsId: string, participantInn: string, now: number, withIds = true): Record<string, unknown> {
  const groupId = omsGroup(o.productGroup)?.id
  const productGroupIds = groupId === undefined ? [] : [groupId]
  const products = [...o.buffers.values()].map(b => ({ gtin: b.gtin, quantity: b.quantity }))
  const done = now >= o.activateAt
  const op = (n: number, operationType: string, at: number, more: Record<string, unknown>): Record<string, unknown> =>
    ({ operationId: derivedId(o.orderId, `op${n}`), operationType, operationDate: at, ...more })
  const operations = [op(1, 'CREATE_ORDER_RECEIVED', o.createdAt, { docId: o.orderId, docDate: o.createdAt, details: { products, state: 'SUCCESS', omsId, createDocDate: o.createdAt } })]
  if (done) {
    const t = o.activateAt
    operations.push(op(2, 'CREATE_ORDER_VALIDATION', t, { details: { state: 'SUCCESS' } }))
    operations.push(op(3, 'CREATE_ORDER_VALIDATION_RESULT', t, { details: { products, state: 'SUCCESS' } }))
    operations.push(op(4, 'CREATE_ORDER_EMISSION_TASK_SEND', t, { details: { products, state: 'SUCCESS' } }))
    operations.push(op(5, 'CREATE_ORDER_SUBORDER_RESULT', t, { details: { products, state: 'SUCCESS' } }))
  }
  return {
    resultDocId: derivedId(o.orderId, 'receipt'),
    resultDocDate: done ? o.activateAt : o.createdAt,
    sourceDocId: o.orderId,
    sourceDocDate: o.createdAt,
    ...(done ? { state: 'SUCCESS', code: 0, description: 'Document was successfully processed' } : { state: 'IN_PROGRESS', code: 2, description: 'Document is being processed' }),
    workflow: 'CREATE_ORDER',
    workflowVersion: 1,
    details: {
      participantInn,
      createDocDate: o.createdAt,
      productGroupIds,
      txType: 'CREATE_ORDER',
      startDocDate: o.createdAt,
      ...(withIds ? { orderId: o.orderId } : {}),
      ...(withIds && o.productionOrderId !== undefined ? { productionOrderId: o.productionOrderId } : {}),
    },
    operations,
  }
}

const WEEK = 7 * 86_400_000

/** §4.4.19: the receipts a filter finds, or the reason it is refused (400). */
export function searchReceipts (s: OmsState, omsId: string, q: ReceiptSearchBody): { totalCount: number, results: unknown[] } | string {
  const f = q.filter
  if (Object.values(f).every(v => v === undefined)) return 'filter: должен быть заполнен хотя бы один параметр (Table 193)'
  for (const [a, b] of [[f.startCreateDocDate, f.endCreateDocDate], [f.startStartDocDate, f.endStartDocDate]] as const) {
    if ((a === undefined) !== (b === undefined)) return 'диапазон дат: нужны начало и конец (§4.4.19.2 примечание)'
    if (a !== undefined && b !== undefined && (b < a || b - a > WEEK)) return 'диапазон дат не больше 7 календарных дней (§4.4.19.2 примечание)'
  }
  const limit = q.limit ?? 10
  const skip = q.skip ?? 1
  if (skip * limit > 10_000) return 'skip × limit не больше 10000 (§4.4.19.1)'
  s.processDue()
  const inRange = (at: number): boolean =>
    (f.startCreateDocDate === undefined || (at >= f.startCreateDocDate && at <= (f.endCreateDocDate as number))) &&
    (f.startStartDocDate === undefined || (at >= f.startStartDocDate && at <= (f.endStartDocDate as number)))
  const now = s.clock.now()
  // orders (§10.1.1): found by their own ids, their production order's id, group, workflow, dates; no service provider
  const orders = f.serviceProviderIds !== undefined ? [] : [...s.orders.values()].filter(o => {
    const receipt = orderReceiptOf(o, omsId, s.participantInn, now)
    return (f.resultDocIds === undefined || f.resultDocIds.includes(receipt.resultDocId as string)) &&
      (f.sourceDocIds === undefined || f.sourceDocIds.includes(o.orderId)) &&
      (f.orderIds === undefined || f.orderIds.includes(o.orderId)) &&
      (f.productionOrderIds === undefined || (o.productionOrderId !== undefined && f.productionOrderIds.includes(o.productionOrderId))) &&
      (f.resultCodes === undefined || f.resultCodes.includes(receipt.code as number)) &&
      (f.productGroups === undefined || f.productGroups.includes(o.productGroup)) &&
      (f.workflowTypes === undefined || f.workflowTypes.includes('CREATE_ORDER')) &&
      inRange(o.createdAt)
  }).map(o => orderReceiptOf(o, omsId, s.participantInn, now, s.orderReceiptIds))
  // reports carry no order, provider or production order: those filters find none of them
  const reportsFiltered = f.orderIds !== undefined || f.serviceProviderIds !== undefined || f.productionOrderIds !== undefined
  const reports = reportsFiltered ? [] : [...s.reports.values()].filter(r => {
    const rc = receiptState(r).code
    return (f.resultDocIds === undefined || f.resultDocIds.includes(r.reportId)) &&
      (f.sourceDocIds === undefined || f.sourceDocIds.includes(r.sourceDocId)) &&
      (f.resultCodes === undefined || f.resultCodes.includes(rc)) &&
      (f.productGroups === undefined || f.productGroups.includes(r.productGroup)) &&
      (f.workflowTypes === undefined || f.workflowTypes.includes(WORKFLOW[r.kind].workflow)) &&
      inRange(r.acceptedAt)
  }).map(r => receiptOf(r, omsId))
  const found = [...orders, ...reports]
  // skip is a page number, from 1 (Table 193)
  return { totalCount: found.length, results: found.slice((skip - 1) * limit, skip * limit) }
}
