// OMS (СУЗ) API v3 client: builds the calls and reads the answers; pacing, deadlines, the size cap and retries
// are the HTTP channel's (line/http). Every failure reaches the caller as one of the emission module's typed errors.

import type { z } from 'zod'
import type { Clock } from '../clock.ts'
import { HttpChannel, HttpNetworkError, HttpStatusError, HttpTimeoutError, type HttpRequest, type HttpResponse } from '../http/index.ts'
import type { Logger } from '../log.ts'
import { silentLogger } from '../log.ts'
import {
  OMS_LIMITS, blocksResponse, pingResponse, createOrderResponse, orderStatusResponse, perCodeResults, receiptDocumentResponse, receiptResponse, reportInfoResponse, reportResponse,
  type AggregationRequest, type BlockInfo, type BufferInfo, type CodesBlock, type CreateOrderRequest,
  type CreateOrderResponse, type DropoutRequest, type PingAnswer, type ReceiptAnswer, type ReceiptFilter, type ReportInfo, type ReportResponse, type UtilisationRequest,
} from './api.ts'
import { OmsHttpError, OmsNetworkError, OmsRequestError, OmsResponseError, OmsTimeoutError, type OmsErrorBody } from './errors.ts'
import type { RequestSigner, TokenProvider } from './token.ts'

export interface OmsClientOptions {
  /** Base URL, e.g. https://suzgrid.crpt.ru (config, never hard-coded). */
  url: string
  omsId: string
  tokens: TokenProvider
  /** Adds the detached `X-Signature` when the participant's settings demand it. */
  signer?: RequestSigner
  timeoutMs?: number
  maxRequestsPerSecond?: number
  /** Attempts in total for a retryable failure (1 = no retry). */
  attempts?: number
  backoffBaseMs?: number
  backoffMaxMs?: number
  /**
   * Cap on an answer without codes (4 MiB). A codes answer is capped by what it asked for instead:
   * CODE_ANSWER_BYTES per code (150,000 codes ≈ 37 MiB), so a hostile or broken upstream cannot grow the process.
   */
  maxResponseBytes?: number
  /** Reads Retry-After dates. */
  clock?: Clock
  log?: Logger
  random?: () => number
}

/**
 * Bytes one code may take in a codes answer: a shoes code is ~130 characters, JSON escaping (GS as \u001d, `"`
 * and `\` doubled) can almost double the crypto tail; 256 leaves room for all of it plus separators.
 */
export const CODE_ANSWER_BYTES = 256
const CODES_ANSWER_OVERHEAD = 64 * 1024

interface Call {
  method: 'GET' | 'POST'
  path: string
  query?: Record<string, string | number | undefined>
  body?: unknown
  /**
   * Whether a failure after the request may have reached the OMS (timeout, dropped connection, 5xx) may be
   * retried. Creating an order or a report, and taking codes, are not idempotent: retrying them blindly would
   * create a second order or take a second block, so the caller recovers at its own level instead.
   */
  idempotent: boolean
  maxResponseBytes?: number
}

export class OmsClient {
  readonly #o: { omsId: string, tokens: TokenProvider, signer?: RequestSigner }
  readonly #http: HttpChannel

  constructor (options: OmsClientOptions) {
    this.#o = {
      omsId: options.omsId,
      tokens: options.tokens,
      ...(options.signer !== undefined ? { signer: options.signer } : {}),
    }
    this.#http = new HttpChannel({
      upstream: 'OMS',
      baseUrl: options.url,
      timeoutMs: options.timeoutMs ?? 15_000,
      maxRequestsPerSecond: options.maxRequestsPerSecond ?? 10,
      attempts: options.attempts ?? 4,
      // oms-api.md: "after a 500 retry in 30 s" — the cap; the first retries come sooner.
      backoffBaseMs: options.backoffBaseMs ?? 1_000,
      backoffMaxMs: options.backoffMaxMs ?? 30_000,
      ...(options.maxResponseBytes !== undefined ? { maxResponseBytes: options.maxResponseBytes } : {}),
      ...(options.clock !== undefined ? { clock: options.clock } : {}),
      ...(options.random !== undefined ? { random: options.random } : {}),
      log: options.log ?? silentLogger(),
      connections: 4,
    })
  }

  // ---- orders -------------------------------------------------------------------------------------------

  async createOrder (order: CreateOrderRequest): Promise<CreateOrderResponse> {
    const gtins = order.products.map(p => p.gtin)
    if (gtins.length === 0 || gtins.length > OMS_LIMITS.gtinsPerOrder) throw new OmsRequestError(`an order holds 1–${OMS_LIMITS.gtinsPerOrder} GTINs, got ${gtins.length}`, { gtins })
    if (new Set(gtins).size !== gtins.length) throw new OmsRequestError('an order must not name a GTIN twice', { gtins })
    for (const p of order.products) {
      if (!Number.isInteger(p.quantity) || p.quantity < 1) throw new OmsRequestError(`quantity for ${p.gtin} must be a positive integer`, { gtin: p.gtin, quantity: p.quantity })
    }
    return this.#call({ method: 'POST', path: '/api/v3/order', body: order, idempotent: false }, createOrderResponse)
  }

  /** Buffer status per GTIN of the order; counters are −1 while PENDING or REJECTED. */
  orderStatus (orderId: string, gtin?: string): Promise<BufferInfo[]> {
    return this.#call({ method: 'GET', path: '/api/v3/order/status', query: { orderId, gtin }, idempotent: true }, orderStatusResponse)
  }

  /** Take up to `quantity` (≤ 150,000) codes from the buffer. Not retried: a lost answer is recovered by block retry. */
  async getCodes (orderId: string, gtin: string, quantity: number): Promise<CodesBlock> {
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > OMS_LIMITS.codesPerRequest) {
      throw new OmsRequestError(`codes per request must be 1–${OMS_LIMITS.codesPerRequest}, got ${quantity}`, { orderId, gtin, quantity })
    }
    const maxResponseBytes = CODES_ANSWER_OVERHEAD + quantity * CODE_ANSWER_BYTES
    return this.#codes(await this.#raw({ method: 'GET', path: '/api/v3/codes', query: { orderId, gtin, quantity }, idempotent: false, maxResponseBytes }), '/api/v3/codes')
  }

  listBlocks (orderId: string, gtin: string): Promise<BlockInfo[]> {
    return this.#call({ method: 'GET', path: '/api/v3/order/codes/blocks', query: { orderId, gtin }, idempotent: true }, blocksResponse).then(r => r.blocks)
  }

  /** Download a block again (only blocks first fetched through the API, order not closed). */
  async retryBlock (blockId: string): Promise<CodesBlock> {
    const maxResponseBytes = CODES_ANSWER_OVERHEAD + OMS_LIMITS.codesPerRequest * CODE_ANSWER_BYTES
    const block = this.#codes(await this.#raw({ method: 'GET', path: '/api/v3/order/codes/retry', query: { blockId }, idempotent: true, maxResponseBytes }), '/api/v3/order/codes/retry')
    if (block.blockId !== blockId) throw new OmsResponseError(`asked for block ${blockId}, got ${block.blockId}`, { method: 'GET', path: '/api/v3/order/codes/retry', blockId })
    return block
  }

  /** Close the order (or one GTIN of it): unused codes are cancelled. Closing twice is harmless. */
  async closeOrder (orderId: string, gtin?: string): Promise<void> {
    await this.#raw({ method: 'POST', path: '/api/v3/order/close', body: gtin === undefined ? { orderId } : { orderId, gtin }, idempotent: true })
  }

  // ---- reports ------------------------------------------------------------------------------------------

  utilisation (report: UtilisationRequest): Promise<ReportResponse> {
    this.#checkReportSize(report.sntins.length, 'utilisation')
    return this.#call({ method: 'POST', path: '/api/v3/utilisation', body: report, idempotent: false }, reportResponse)
  }

  dropout (report: DropoutRequest): Promise<ReportResponse> {
    this.#checkReportSize(report.sntins.length, 'dropout')
    return this.#call({ method: 'POST', path: '/api/v3/dropout', body: report, idempotent: false }, reportResponse)
  }

  aggregation (report: AggregationRequest): Promise<ReportResponse> {
    this.#checkReportSize(report.aggregationUnits.reduce((n, u) => n + u.sntins.length, 0), 'aggregation')
    return this.#call({ method: 'POST', path: '/api/v3/aggregation', body: report, idempotent: false }, reportResponse)
  }

  /** §4.4.25: whether the OMS answers with this token and omsId; its versions. Read-only. */
  ping (): Promise<PingAnswer> {
    return this.#call({ method: 'GET', path: '/api/v3/ping', idempotent: true }, pingResponse)
  }

  reportInfo (reportId: string): Promise<ReportInfo> {
    return this.#call({ method: 'GET', path: '/api/v3/report/info', query: { reportId }, idempotent: true }, reportInfoResponse)
  }

  /** The receipt of a report (§4.4.18): its processing events, the last naming the per-code results document. */
  receipt (reportId: string): Promise<ReceiptAnswer> {
    return this.#call({ method: 'GET', path: '/api/v3/receipts/receipt', query: { resultDocId: reportId }, idempotent: true }, receiptResponse)
  }

  /** §4.4.19: receipts by filter (Tables 193, 194), one page of at most 100; `page` counts from 1 (skip). */
  searchReceipts (filter: ReceiptFilter, page = 1, limit = 100): Promise<ReceiptAnswer> {
    return this.#call({ method: 'POST', path: '/api/v3/receipts/receipt/search', body: { filter, limit, skip: page }, idempotent: true }, receiptResponse)
  }

  /** §4.4.20: one document of a receipt as text: its source document as the participant sent it, or its results. */
  async receiptDocument (resultDocId: string, docId: string): Promise<string> {
    return (await this.#call({ method: 'GET', path: '/api/v3/receipts/document', query: { resultDocId, docId }, idempotent: true }, receiptDocumentResponse)).content
  }

  /**
   * The per-code results of a processed report (§4.4.20, Tables 200, 201): what the OMS did with each code. Null
   * when the receipt names no results document yet.
   */
  async perCodeResults (reportId: string): Promise<Array<{ cis: string, code: number, description?: string | undefined }> | null> {
    const receipt = await this.receipt(reportId)
    const docId = receipt.results.flatMap(r => r.operations ?? []).map(o => o.docId).filter((d): d is string => d !== undefined).at(-1)
    const source = receipt.results[0]?.operations?.[0]?.docId
    if (docId === undefined || docId === source) return null
    const content = await this.receiptDocument(reportId, docId)
    let parsed: unknown
    const path = '/api/v3/receipts/document'
    try { parsed = JSON.parse(content) } catch { throw new OmsResponseError(`the per-code results document ${docId} of report ${reportId} is not JSON`, { method: 'GET', path, excerpt: content.slice(0, 200) }) }
    const r = perCodeResults.safeParse(parsed)
    if (!r.success) throw new OmsResponseError(`unexpected per-code results document ${docId} of report ${reportId}`, { method: 'GET', path, issues: r.error.issues.slice(0, 5) })
    return r.data.cisList
  }

  async close (): Promise<void> {
    await this.#http.close()
  }

  // ---- transport ----------------------------------------------------------------------------------------

  #checkReportSize (n: number, kind: string): void {
    if (n < 1 || n > OMS_LIMITS.codesPerReport) throw new OmsRequestError(`a ${kind} report holds 1–${OMS_LIMITS.codesPerReport} codes, got ${n}`, { kind, codes: n })
  }

  #codes (parsed: unknown, path: string): CodesBlock {
    // A hand check rather than zod: 150,000 strings per block make schema parsing the bottleneck.
    const r = parsed as { omsId?: unknown, blockId?: unknown, codes?: unknown }
    const ok = typeof r === 'object' && r !== null && typeof r.blockId === 'string' && r.blockId !== '' && Array.isArray(r.codes)
    if (!ok) throw new OmsResponseError('codes answer lacks blockId or codes', { method: 'GET', path, excerpt: JSON.stringify(parsed)?.slice(0, 200) })
    const codes = r.codes as unknown[]
    for (let i = 0; i < codes.length; i++) {
      if (typeof codes[i] !== 'string') throw new OmsResponseError(`code ${i} of block ${r.blockId as string} is not text`, { method: 'GET', path, blockId: r.blockId, index: i })
    }
    return { omsId: typeof r.omsId === 'string' ? r.omsId : this.#o.omsId, blockId: r.blockId as string, codes: codes as string[] }
  }

  async #call<S extends z.ZodType> (call: Call, schema: S): Promise<z.infer<S>> {
    const parsed = await this.#raw(call)
    const r = schema.safeParse(parsed)
    if (!r.success) {
      throw new OmsResponseError(`unexpected answer to ${call.method} ${call.path}`, { method: call.method, path: call.path, issues: r.error.issues.slice(0, 5), excerpt: JSON.stringify(parsed)?.slice(0, 200) })
    }
    return r.data
  }

  /**
   * One logical call through the channel (which retries what is safe to retry). A provider that can refresh
   * (True-API sign-in) gets one more call after a 401: the OMS did not act on the refused one.
   */
  async #raw (call: Call): Promise<unknown> {
    try {
      return await this.#send(call)
    } catch (err) {
      if (!(err instanceof OmsHttpError) || err.status !== 401 || this.#o.tokens.invalidate === undefined) throw err
      return await this.#send(call)
    }
  }

  async #send (call: Call): Promise<unknown> {
    let token: string | undefined
    const req: HttpRequest = {
      method: call.method,
      path: call.path,
      query: { omsId: this.#o.omsId, ...call.query },
      json: call.body,
      idempotent: call.idempotent,
      ...(call.maxResponseBytes !== undefined ? { maxResponseBytes: call.maxResponseBytes } : {}),
      prepare: async ({ target, body }) => {
        token = await this.#o.tokens.token()
        const headers: Record<string, string> = { clientToken: token }
        if (this.#o.signer !== undefined) headers['X-Signature'] = await this.#o.signer.signDetached(body ?? Buffer.from(target))
        return headers
      },
    }
    try {
      return await this.#http.send(req, readJson)
    } catch (err) {
      const e = omsError(err)
      if (e instanceof OmsHttpError && e.status === 401 && token !== undefined) this.#o.tokens.invalidate?.(token)
      throw e
    }
  }
}

/** A 2xx answer as JSON; garbage is retryable (OmsResponseError), a proxy or a cut connection being the usual cause. */
function readJson (res: HttpResponse): unknown {
  const text = res.text()
  if (text === '') return {}
  try {
    return JSON.parse(text)
  } catch {
    throw new OmsResponseError(`OMS ${res.method} ${res.path}: answer is not JSON (${text.length} bytes)`, { method: res.method, path: res.path, attempt: res.attempt, excerpt: text.slice(0, 120) })
  }
}

/** The channel's errors as the emission module's, whose codes callers branch on; anything else unchanged. */
function omsError (err: unknown): unknown {
  if (err instanceof HttpStatusError) {
    const { method, path, attempt } = err.context
    return new OmsHttpError(err.status, parseErrorBody(err.body), { method, path, attempt, ...(err.retryAfterMs !== undefined ? { retryAfterMs: Math.min(err.retryAfterMs, 60_000) } : {}) })
  }
  if (err instanceof HttpTimeoutError) {
    const { method, path, attempt, timeoutMs } = err.context as typeof err.context & { timeoutMs: number }
    return new OmsTimeoutError({ method, path, attempt, timeoutMs })
  }
  if (err instanceof HttpNetworkError) {
    const { method, path, attempt, errno } = err.context
    const cause = (err.cause as Error | undefined)?.message ?? err.message
    return new OmsNetworkError(`OMS ${method} ${path}: ${cause}`, { method, path, attempt, errno }, { cause: err })
  }
  return err
}

function parseErrorBody (text: string): OmsErrorBody | string | null {
  if (text === '') return null
  try {
    const v = JSON.parse(text) as unknown
    return typeof v === 'object' && v !== null ? v as OmsErrorBody : text.slice(0, 500)
  } catch {
    return text.slice(0, 500)
  }
}
