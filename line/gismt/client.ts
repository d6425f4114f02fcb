// The True API client: participant sign-in, OMS clientToken providers, documents (create, status, find).
// Document creation is split into prepare (build + sign) and submit, so the outbox can persist between the two.
import { createHash } from 'node:crypto'
import { z } from 'zod'
import type { Clock } from '../clock.ts'
import type { Logger } from '../log.ts'
import type { Signer } from '../signer/signer.ts'
import type { TokenStore } from './token-store.ts'
import { TrueApiAuth } from './auth.ts'
import type { DocumentType } from './documents.ts'
import { TrueApiDocumentError, TrueApiHttpError, TrueApiResponseError } from './errors.ts'
import { TrueApiHttp, type CallOptions, type HttpAnswer } from './http.ts'

export interface TrueApiClientOptions {
  url: string
  signer: Signer
  clock: Clock
  timeoutMs?: number
  maxRequestsPerSecond?: number
  retries?: number
  retryBaseMs?: number
  /** Cap of the growing retry delay (30 s). */
  retryMaxMs?: number
  /** Answers above this are refused with LC_ERR_HTTP_TOO_LARGE (4 MiB). */
  maxResponseBytes?: number
  tokenRefreshBeforeMs?: number
  /** Tokens kept across restarts (the line's store); absent: each process signs in afresh. */
  tokenStore?: TokenStore
  /** What the detached signature covers (domain/true-api.md leaves it open): the JSON bytes or the base64 text. */
  signatureOver?: 'json' | 'base64'
  log?: Logger
}

export interface PreparedDocument {
  type: DocumentType
  group: string
  /** base64 of the JSON body, as sent. */
  productDocument: string
  signature: string
  /** sha256 (hex) of productDocument: how a document is recognised when its create answer was lost. */
  hash: string
}

export type DocumentStatus = 'IN_PROGRESS' | 'CHECKED_OK' | 'CHECKED_NOT_OK' | 'PROCESSING_ERROR' | 'PARSE_ERROR' | string

export interface DocumentInfo {
  id: string
  status: DocumentStatus
  errors: string[]
  /** The document's content, asked for with `content=true` (True API v553 §6.4): its JSON, parsed. */
  content?: unknown
}

const Info = z.object({
  number: z.string().optional(),
  docId: z.string().optional(),
  status: z.string(),
  errors: z.array(z.unknown()).optional(),
  content: z.unknown().optional(),
}).loose()
const ListAnswer = z.object({ results: z.array(z.object({ number: z.string(), type: z.string().optional(), docDate: z.string().optional() }).loose()) }).loose()

/**
 * True API v553 §5.1.2 «Метод получения общедоступной информации о КИ по списку», POST /api/v3/true-api/cises/info:
 * the answer is an array of `{cisInfo, errorMessage?, errorCode?}`; `cisInfo` carries requestedCis and cis (required),
 * status and statusEx («Справочник «Статусы КИ»»), packageType («Справочник «Типы упаковки»»), ownerInn/ownerName,
 * producerInn, the aggregate it is in (`parent`) and what it holds (`child`). An unknown code comes back with
 * errorCode "404" «КИ не найден»; when every code is unknown the HTTP status is 404 with the same array.
 */
const CisInfoAnswer = z.array(z.object({
  cisInfo: z.object({
    requestedCis: z.string(),
    cis: z.string().optional(),
    gtin: z.string().nullable().optional(),
    productGroup: z.string().nullable().optional(),
    packageType: z.string().nullable().optional(),
    generalPackageType: z.string().nullable().optional(),
    status: z.string().nullable().optional(),
    statusEx: z.string().nullable().optional(),
    ownerInn: z.string().nullable().optional(),
    ownerName: z.string().nullable().optional(),
    producerInn: z.string().nullable().optional(),
    emissionDate: z.string().nullable().optional(),
    applicationDate: z.string().nullable().optional(),
    introducedDate: z.string().nullable().optional(),
    parent: z.string().nullable().optional(),
    child: z.array(z.string()).nullable().optional(),
  }).loose(),
  errorMessage: z.string().optional(),
  errorCode: z.string().optional(),
}).loose())

/** One code's public information in GIS MT (§5.1.2), or why there is none (`errorCode` "404": not found). */
export interface CisInfo {
  requestedCis: string
  cis: string | null
  gtin: string | null
  status: string | null
  statusEx: string | null
  packageType: string | null
  ownerInn: string | null
  producerInn: string | null
  parent: string | null
  child: string[]
  applicationDate: string | null
  introducedDate: string | null
  errorCode: string | null
  errorMessage: string | null
}

/** §5.1.2: at most 1000 codes a request, each 18 to 74 characters, normalised (no brackets around the AIs). */
export const CISES_INFO_MAX = 1000

export const FINAL_OK = 'CHECKED_OK'
export const FINAL_STATUSES = new Set(['CHECKED_OK', 'CHECKED_NOT_OK', 'PROCESSING_ERROR', 'PARSE_ERROR', 'CANCELLED'])

function errorText (e: unknown): string {
  if (typeof e === 'string') return e
  if (typeof e === 'object' && e !== null) {
    const o = e as Record<string, unknown>
    const msg = o.message ?? o.text ?? o.error ?? JSON.stringify(o)
    const code = o.cis ?? o.code ?? o.uit
    return code === undefined ? String(msg) : `${String(code)}: ${String(msg)}`
  }
  return String(e)
}

export class TrueApiClient {
  readonly http: TrueApiHttp
  /** The participant's own token (documents). */
  readonly auth: TrueApiAuth
  readonly #o: TrueApiClientOptions
  readonly #oms = new Map<string, TrueApiAuth>()

  constructor (options: TrueApiClientOptions) {
    this.#o = options
    this.http = new TrueApiHttp({
      baseUrl: options.url,
      timeoutMs: options.timeoutMs ?? 15_000,
      maxRequestsPerSecond: options.maxRequestsPerSecond ?? 50,
      retries: options.retries ?? 3,
      retryBaseMs: options.retryBaseMs ?? 500,
      ...(options.retryMaxMs !== undefined ? { retryMaxMs: options.retryMaxMs } : {}),
      ...(options.maxResponseBytes !== undefined ? { maxResponseBytes: options.maxResponseBytes } : {}),
      // Retry-After dates are read on the line's clock, the time base the emulators answer in too.
      clock: options.clock,
      log: options.log,
    })
    this.auth = this.#newAuth(undefined)
  }

  #newAuth (omsConnection: string | undefined): TrueApiAuth {
    return new TrueApiAuth({ http: this.http, signer: this.#o.signer, clock: this.#o.clock, omsConnection, refreshBeforeMs: this.#o.tokenRefreshBeforeMs ?? 1_800_000, ...(this.#o.tokenStore === undefined ? {} : { store: this.#o.tokenStore }) })
  }

  /** The OMS clientToken for a registered OMS connection, as a provider the OMS client asks before each call. */
  omsTokenProvider (omsConnection: string): TrueApiAuth {
    let a = this.#oms.get(omsConnection)
    if (a === undefined) { a = this.#newAuth(omsConnection); this.#oms.set(omsConnection, a) }
    return a
  }

  /** An authorised call; a 401 means the token was revoked or replaced: sign in again once. */
  async #authed (method: 'GET' | 'POST', path: string, options: CallOptions): Promise<HttpAnswer> {
    try {
      return await this.http.call(method, path, { ...options, token: await this.auth.getToken() })
    } catch (err) {
      if (!(err instanceof TrueApiHttpError) || err.status !== 401) throw err
      this.auth.invalidate()
      return await this.http.call(method, path, { ...options, token: await this.auth.getToken() })
    }
  }

  /** Encode and sign a document body. Throws SignerError when signing fails (nothing was sent). */
  async prepareDocument (type: DocumentType, group: string, body: unknown): Promise<PreparedDocument> {
    const json = Buffer.from(JSON.stringify(body), 'utf8')
    const productDocument = json.toString('base64')
    const signed = this.#o.signatureOver === 'base64' ? Buffer.from(productDocument, 'ascii') : json
    const signature = await this.#o.signer.sign(signed, { detached: true })
    return { type, group, productDocument, signature, hash: createHash('sha256').update(productDocument).digest('hex') }
  }

  /**
   * Create the document; resolves to its id. Not retried here: a lost answer must be reconciled (findDocument)
   * before any second attempt, which is the outbox's job.
   */
  async submitDocument (doc: PreparedDocument): Promise<string> {
    const res = await this.#authed('POST', '/api/v3/true-api/lk/documents/create', {
      query: { pg: doc.group },
      body: { document_format: 'MANUAL', product_document: doc.productDocument, type: doc.type, signature: doc.signature },
      noRetry: true,
    })
    // The API answers the id as plain text; some gateways wrap it as JSON {value} or a JSON string.
    const b = res.body
    const id = typeof b === 'string' ? b.trim() : typeof b === 'object' && b !== null ? (b as { value?: unknown }).value : undefined
    if (typeof id !== 'string' || id === '') throw new TrueApiResponseError('document create answered without an id', { body: b })
    return id
  }

  /** §6.4 `doc/{docId}/info`; `content`: ask for the document's content too (only then is it returned). */
  async documentInfo (id: string, group: string, options: { content?: boolean } = {}): Promise<DocumentInfo> {
    const res = await this.#authed('GET', `/api/v4/true-api/doc/${encodeURIComponent(id)}/info`, { query: { pg: group, ...(options.content === true ? { content: 'true' } : {}) } })
    const raw = Array.isArray(res.body) ? res.body[0] : res.body
    const info = Info.safeParse(raw)
    if (!info.success) throw new TrueApiResponseError('document info has no status', { id, body: res.body })
    return { id, status: info.data.status, errors: (info.data.errors ?? []).map(errorText), content: documentJson(info.data.content) }
  }

  /**
   * Look for a document this participant sent since `since` (ms) with exactly these codes: the answer to "did my
   * create reach the server before the line lost its answer?". §6.1 `doc/list` needs `senderInn` (or
   * `receiverInn`); §6.4 returns a document's content only with `content=true`, as the document's JSON, so documents
   * are compared by the codes they list, not by the bytes sent. Resolves to the id, or undefined when none matches.
   */
  async findDocument (doc: { type: DocumentType, group: string, codes: readonly string[], senderInn: string }, since: number): Promise<string | undefined> {
    const res = await this.#authed('GET', '/api/v4/true-api/doc/list', {
      query: { pg: doc.group, senderInn: doc.senderInn, documentType: doc.type, dateFrom: new Date(since).toISOString(), limit: '1000' },
    })
    const list = ListAnswer.safeParse(res.body)
    if (!list.success) throw new TrueApiResponseError('doc/list answered without results', { body: res.body })
    const want = codeSet(doc.codes)
    for (const d of list.data.results) {
      if (d.type !== undefined && d.type !== doc.type) continue
      const info = await this.documentInfo(d.number, doc.group, { content: true })
      if (info.content !== undefined && sameSet(codeSet(codesIn(info.content)), want)) return d.number
    }
    return undefined
  }

  /**
   * §5.1.2 `cises/info`: GIS MT's public information about codes (status, owner, aggregate). `group` is sent as `pg`
   * when given. A code GIS MT does not know comes back with `errorCode: "404"`, not as a failure of the call.
   */
  async cisesInfo (cises: readonly string[], group?: string): Promise<CisInfo[]> {
    if (cises.length === 0 || cises.length > CISES_INFO_MAX) throw new TrueApiDocumentError(`cises/info takes 1 to ${CISES_INFO_MAX} codes, not ${cises.length}`, { count: cises.length })
    const bad = cises.find(c => c.length < 18 || c.length > 74 || c.startsWith('('))
    if (bad !== undefined) throw new TrueApiDocumentError('cises/info takes codes of 18 to 74 characters without brackets', { cis: bad })
    let body: unknown
    try {
      body = (await this.#authed('POST', '/api/v3/true-api/cises/info', { ...(group === undefined ? {} : { query: { pg: group } }), body: [...cises] })).body
    } catch (err) {
      // every code unknown: 404 with the per-code array (§5.1.2 «Код 404 при неизвестных КИ»)
      if (!(err instanceof TrueApiHttpError) || err.status !== 404 || !Array.isArray(err.body)) throw err
      body = err.body
    }
    const a = CisInfoAnswer.safeParse(body)
    if (!a.success) throw new TrueApiResponseError('cises/info answered in an unknown shape', { body, issues: a.error.issues.slice(0, 3) })
    return a.data.map(({ cisInfo: i, errorCode, errorMessage }) => ({
      requestedCis: i.requestedCis, cis: i.cis ?? null, gtin: i.gtin ?? null, status: i.status ?? null, statusEx: i.statusEx ?? null,
      packageType: i.generalPackageType ?? i.packageType ?? null, ownerInn: i.ownerInn ?? null, producerInn: i.producerInn ?? null,
      parent: i.parent ?? null, child: i.child ?? [], applicationDate: i.applicationDate ?? null, introducedDate: i.introducedDate ?? null,
      errorCode: errorCode ?? null, errorMessage: errorMessage?.trim() ?? null,
    }))
  }

  async close (): Promise<void> { await this.http.close() }
}

/** A document's content as returned: its JSON (an object, or JSON text; some stands return the base64 sent). */
function documentJson (content: unknown): unknown {
  if (typeof content !== 'string') return content
  try { return JSON.parse(content) } catch {}
  try { return JSON.parse(Buffer.from(content, 'base64').toString('utf8')) } catch { return undefined }
}

/** Every code a document lists: unit codes (`01…21…`, crypto part dropped) and SSCCs (`00` + 18 digits). */
export function codesIn (doc: unknown, out: string[] = []): string[] {
  if (typeof doc === 'string') {
    if (/^01\d{14}21/.test(doc) || /^(00)?\d{18}$/.test(doc)) out.push(doc)
  } else if (Array.isArray(doc)) {
    for (const x of doc) codesIn(x, out)
  } else if (typeof doc === 'object' && doc !== null) {
    for (const v of Object.values(doc)) codesIn(v, out)
  }
  return out
}

function codeSet (codes: readonly string[]): Set<string> {
  return new Set(codes.map(c => {
    const unit = c.split('\u001d')[0] as string
    return /^\d{18}$/.test(unit) ? `00${unit}` : unit
  }))
}

function sameSet (a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every(x => b.has(x))
}
