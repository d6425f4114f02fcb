// OMS (СУЗ) API v3 client: the one file that owns the HTTP transport (undici). Paces requests, times out each
// one, retries transient failures with backoff + jitter, and turns every failure into a typed error.

import { Agent, request, type Dispatcher } from 'undici'
import type { z } from 'zod'
import type { Logger } from '../log.ts'
import { silentLogger } from '../log.ts'
import {
  OMS_LIMITS, blocksResponse, createOrderResponse, orderStatusResponse, reportInfoResponse, reportResponse,
  type AggregationRequest, type BlockInfo, type BufferInfo, type CodesBlock, type CreateOrderRequest,
  type CreateOrderResponse, type DropoutRequest, type ReportInfo, type ReportResponse, type UtilisationRequest,
} from './api.ts'
import { backoffDelay } from './backoff.ts'
import { OmsHttpError, OmsNetworkError, OmsRequestError, OmsResponseError, OmsTimeoutError, isRetryable, type OmsErrorBody } from './errors.ts'
import { RateLimiter } from './rate-limit.ts'
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
  log?: Logger
  random?: () => number
}

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
}

export class OmsClient {
  readonly #o: Required<Omit<OmsClientOptions, 'signer' | 'log' | 'random'>> & { signer?: RequestSigner, random: () => number }
  readonly #log: Logger
  readonly #limiter: RateLimiter
  readonly #agent: Dispatcher
  #closed = false

  constructor (options: OmsClientOptions) {
    this.#o = {
      url: options.url.replace(/\/+$/, ''),
      omsId: options.omsId,
      tokens: options.tokens,
      timeoutMs: options.timeoutMs ?? 15_000,
      maxRequestsPerSecond: options.maxRequestsPerSecond ?? 10,
      attempts: options.attempts ?? 4,
      // oms-api.md: "after a 500 retry in 30 s" — the cap; the first retries come sooner.
      backoffBaseMs: options.backoffBaseMs ?? 1_000,
      backoffMaxMs: options.backoffMaxMs ?? 30_000,
      random: options.random ?? Math.random,
      ...(options.signer !== undefined ? { signer: options.signer } : {}),
    }
    this.#log = options.log ?? silentLogger()
    this.#limiter = new RateLimiter({ perSecond: this.#o.maxRequestsPerSecond })
    this.#agent = new Agent({ keepAliveTimeout: 10_000, connections: 4 })
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
    return this.#codes(await this.#raw({ method: 'GET', path: '/api/v3/codes', query: { orderId, gtin, quantity }, idempotent: false }), '/api/v3/codes')
  }

  listBlocks (orderId: string, gtin: string): Promise<BlockInfo[]> {
    return this.#call({ method: 'GET', path: '/api/v3/order/codes/blocks', query: { orderId, gtin }, idempotent: true }, blocksResponse).then(r => r.blocks)
  }

  /** Download a block again (only blocks first fetched through the API, order not closed). */
  async retryBlock (blockId: string): Promise<CodesBlock> {
    const block = this.#codes(await this.#raw({ method: 'GET', path: '/api/v3/order/codes/retry', query: { blockId }, idempotent: true }), '/api/v3/order/codes/retry')
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

  reportInfo (reportId: string): Promise<ReportInfo> {
    return this.#call({ method: 'GET', path: '/api/v3/report/info', query: { reportId }, idempotent: true }, reportInfoResponse)
  }

  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#agent.close()
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

  /** One logical call: retries only what is safe to retry, sleeping with backoff + jitter in between. */
  async #raw (call: Call): Promise<unknown> {
    let reauthenticated = false
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#once(call, attempt)
      } catch (err) {
        // A provider that can refresh (True-API sign-in) gets one chance after a 401: the OMS did not act on it.
        if (err instanceof OmsHttpError && err.status === 401 && this.#o.tokens.invalidate !== undefined && !reauthenticated) {
          reauthenticated = true
          attempt--
          continue
        }
        const safe = call.idempotent || isCertainlyNotProcessed(err)
        if (!isRetryable(err) || !safe || attempt >= this.#o.attempts || this.#closed) throw err
        const hinted = err instanceof OmsHttpError ? err.retryAfterMs : undefined
        const delay = Math.max(hinted ?? 0, backoffDelay(attempt, { baseMs: this.#o.backoffBaseMs, maxMs: this.#o.backoffMaxMs, random: this.#o.random }))
        this.#log.warn({ err, attempt, delayMs: delay, path: call.path }, 'OMS request failed, retrying')
        await new Promise(resolve => setTimeout(resolve, delay))
      }
    }
  }

  async #once (call: Call, attempt: number): Promise<unknown> {
    await this.#limiter.acquire()
    const qs = new URLSearchParams({ omsId: this.#o.omsId })
    for (const [k, v] of Object.entries(call.query ?? {})) if (v !== undefined) qs.set(k, String(v))
    const pathAndQuery = `${call.path}?${qs.toString()}`
    const body = call.body === undefined ? undefined : Buffer.from(JSON.stringify(call.body))
    const token = await this.#o.tokens.token()
    const headers: Record<string, string> = { accept: 'application/json', clientToken: token }
    if (body !== undefined) headers['content-type'] = 'application/json'
    if (this.#o.signer !== undefined) headers['X-Signature'] = await this.#o.signer.signDetached(body ?? Buffer.from(pathAndQuery))
    const ctx = { method: call.method, path: call.path, attempt }

    const ac = new AbortController()
    const timer = setTimeout(() => ac.abort(), this.#o.timeoutMs)
    let status: number
    let text: string
    let retryAfter: string | string[] | undefined
    try {
      const res = await request(this.#o.url + pathAndQuery, { method: call.method, headers, body, dispatcher: this.#agent, signal: ac.signal })
      status = res.statusCode
      retryAfter = res.headers['retry-after']
      text = await res.body.text()
    } catch (err) {
      if (ac.signal.aborted) throw new OmsTimeoutError({ ...ctx, timeoutMs: this.#o.timeoutMs })
      const code = (err as { code?: string }).code
      throw new OmsNetworkError(`OMS ${call.method} ${call.path}: ${(err as Error).message}`, { ...ctx, errno: code }, { cause: err })
    } finally {
      clearTimeout(timer)
    }

    if (status < 200 || status > 299) {
      if (status === 401) this.#o.tokens.invalidate?.(token)
      throw new OmsHttpError(status, parseErrorBody(text), { ...ctx, ...retryAfterMs(retryAfter) })
    }
    if (text === '') return {}
    try {
      return JSON.parse(text)
    } catch {
      throw new OmsResponseError(`OMS ${call.method} ${call.path}: answer is not JSON (${text.length} bytes)`, { ...ctx, excerpt: text.slice(0, 120) })
    }
  }
}

/** Connection refused or a 429: the OMS certainly did not act on the request, so even a POST may be re-sent. */
function isCertainlyNotProcessed (err: unknown): boolean {
  if (err instanceof OmsHttpError) return err.status === 429
  if (err instanceof OmsNetworkError) return err.context.errno === 'ECONNREFUSED'
  return false
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

function retryAfterMs (h: string | string[] | undefined): { retryAfterMs?: number } {
  const v = Array.isArray(h) ? h[0] : h
  const s = v === undefined ? NaN : Number(v)
  return Number.isFinite(s) && s >= 0 ? { retryAfterMs: Math.min(s * 1000, 60_000) } : {}
}
