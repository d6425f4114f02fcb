// The OMS API v3 payloads (oms-api.md), as zod schemas for what we read and types for what we send.
import { z } from 'zod'

export const BUFFER_STATUSES = ['PENDING', 'ACTIVE', 'EXHAUSTED', 'REJECTED', 'CLOSED'] as const
export type BufferStatus = typeof BUFFER_STATUSES[number]
export const REPORT_STATUSES = ['DRAFT', 'PENDING', 'READY_TO_SEND', 'REJECTED', 'SENT', 'CHECK', 'SUCCESS', 'FAILED', 'PARTIALLY'] as const
export type ReportStatus = typeof REPORT_STATUSES[number]
// Table 244; the per-group subsets are in the product-group table (line/domain/groups.ts)
export { DROPOUT_REASONS, type DropoutReason } from '../domain/groups.ts'
import type { CisType, DropoutReason } from '../domain/groups.ts'

/** Limits of the API (oms-api.md "Limits"). */
export const OMS_LIMITS = { gtinsPerOrder: 10, codesPerRequest: 150_000, codesPerReport: 30_000 } as const

export interface OrderProduct {
  gtin: string
  quantity: number
  serialNumberType: 'OPERATOR' | 'SELF_MADE'
  serialNumbers?: string[]
  templateId: number
  cisType: CisType
  attributes?: Record<string, unknown>
}

export interface CreateOrderRequest {
  productGroup: string
  products: OrderProduct[]
  serviceProviderId?: string
  attributes: {
    releaseMethodType: 'PRODUCTION' | 'IMPORT' | 'REMAINS' | 'COMMISSIONING' | 'CROSSBORDER' | 'REMARK'
    createMethodType: 'SELF_MADE' | 'CEM'
    productionOrderId?: string
    contactPerson?: string
    paymentType?: 1 | 2
    [k: string]: unknown
  }
}

export const createOrderResponse = z.looseObject({
  omsId: z.string(),
  orderId: z.string().min(1),
  expectedCompleteTimestamp: z.number().optional(),
})
export type CreateOrderResponse = z.infer<typeof createOrderResponse>

export const bufferInfo = z.looseObject({
  orderId: z.string().optional(),
  gtin: z.string().optional(),
  availableCodes: z.number(),
  leftInBuffer: z.number(),
  totalCodes: z.number(),
  totalPassed: z.number(),
  unavailableCodes: z.number(),
  poolsExhausted: z.boolean(),
  bufferStatus: z.enum(BUFFER_STATUSES),
  rejectionReason: z.string().optional(),
  expiredDate: z.number().optional(),
  templateId: z.number().optional(),
  cisType: z.string().optional(),
  productionOrderId: z.string().optional(),
})
export type BufferInfo = z.infer<typeof bufferInfo>
export const orderStatusResponse = z.array(bufferInfo)

export interface CodesBlock {
  omsId: string
  blockId: string
  codes: string[]
}

export const blockInfo = z.looseObject({
  blockId: z.string(),
  blockDateTime: z.number().optional(),
  quantity: z.number(),
})
export type BlockInfo = z.infer<typeof blockInfo>
export const blocksResponse = z.looseObject({ orderId: z.string().optional(), gtin: z.string().optional(), blocks: z.array(blockInfo) })

export interface UtilisationRequest {
  productGroup: string
  utilisationType?: 'UTILISATION' | 'RESORT'
  sntins: string[]
  attributes?: Record<string, unknown>
}
export interface DropoutRequest {
  productGroup: string
  dropoutReason: DropoutReason
  sntins: string[]
  [k: string]: unknown
}
export interface AggregationUnit {
  unitSerialNumber: string
  aggregationType: 'AGGREGATION'
  aggregationUnitCapacity: number
  aggregatedItemsCount: number
  sntins: string[]
}
export interface AggregationRequest {
  productGroup: string
  participantId: string
  aggregationUnits: AggregationUnit[]
}

export const reportResponse = z.looseObject({ omsId: z.string().optional(), reportId: z.string().min(1) })
export type ReportResponse = z.infer<typeof reportResponse>
/** §4.4.25, Table 223: the OMS answers its id and its versions. */
export const pingResponse = z.looseObject({ omsId: z.string(), apiVersion: z.string().optional(), omsVersion: z.string().optional() })
export type PingAnswer = z.infer<typeof pingResponse>

export const reportInfoResponse = z.looseObject({ omsId: z.string().optional(), reportId: z.string().optional(), reportStatus: z.enum(REPORT_STATUSES) })
export type ReportInfo = z.infer<typeof reportInfoResponse>

/**
 * A receipt (Квитирование 2.0, guide §4.4.18, Tables 350–352): the report's processing events; the last one names
 * the per-code results document (`docId`) once the report was processed.
 */
export const receiptResponse = z.looseObject({
  results: z.array(z.looseObject({
    resultDocId: z.string().optional(),
    sourceDocId: z.string().optional(),
    state: z.string().optional(),
    description: z.string().optional(),
    workflow: z.string().optional(),
    /** Table 351: an order's receipt names the order and the production order it was sent with. */
    details: z.looseObject({ orderId: z.string().optional(), productionOrderId: z.string().optional() }).optional(),
    operations: z.array(z.looseObject({
      operationType: z.string().optional(),
      docId: z.string().optional(),
      details: z.looseObject({ quantity: z.number().optional() }).optional(),
    })).max(100).optional(),
  })).max(100),
})
export type ReceiptAnswer = z.infer<typeof receiptResponse>

/** §4.4.19, Tables 193, 194: what a receipt search filters on (at least one; date ranges of at most 7 days). */
export interface ReceiptFilter {
  startCreateDocDate?: number
  endCreateDocDate?: number
  resultDocIds?: string[]
  sourceDocIds?: string[]
  productGroups?: string[]
  /** Table 249: REPORT_UTILIZE, REPORT_DROPOUT, REPORT_AGGREGATION, CREATE_ORDER, … */
  workflowTypes?: string[]
  orderIds?: string[]
  /** The `attributes.productionOrderId` an order was sent with (Table 7). */
  productionOrderIds?: string[]
}

/** §4.4.20: a document of a receipt, as text (the per-code results: Tables 200, 201 — `cisList`). */
export const receiptDocumentResponse = z.looseObject({ content: z.string() })
export const perCodeResults = z.looseObject({
  cisList: z.array(z.looseObject({ cis: z.string(), code: z.number().int(), description: z.string().optional() })).max(OMS_LIMITS.codesPerReport),
})
/** Table 253: code 1 "Duplicate" — the code is already in the state the report asks for (an earlier copy did it). */
export const PER_CODE_OK = 0
export const PER_CODE_DUPLICATE = 1
