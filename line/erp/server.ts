// The ERP / 1C HTTP API (docs/erp-api.md): jobs queued for the operator, their status, the end-of-batch report, and
// the OpenAPI document. Every request is authenticated by a client key, rate-limited per client and audited; every
// POST carries an Idempotency-Key whose first answer is stored with the job in one transaction and replayed.
import { createHash } from 'node:crypto'
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify'
import type { Clock } from '../clock.ts'
import type { ErrorCode } from '../domain/catalogue.ts'
import { issueList } from '../domain/validation.ts'
import type { JobStore } from '../jobs/jobs.ts'
import { JobError } from '../jobs/jobs.ts'
import type { JobView } from '../control.ts'
import type { Logger } from '../log.ts'
import type { Db } from '../store/open.ts'
import { batchReportCsv, batchReportHtml, type BatchReport } from './batch-report.ts'
import { ErpError, fieldsOf } from './errors.ts'
import { clientOf, hashKey, type ErpClientKey } from './keys.ts'
import { openApiDocument } from './openapi.ts'
import { erpJobSchema, idParamSchema, IDEMPOTENCY_KEY, jobOf, listQuerySchema, type ErpStatus, type JobDefaults } from './schemas.ts'
import { ErpStore, type QueuedJob } from './store.ts'

export interface ErpClientConfig { id: string, keyHash?: string | undefined, key?: string | undefined, requestsPerMinute: number }

export interface ErpConfig {
  host: string
  port: number
  clients: readonly ErpClientConfig[]
  idempotencyTtl: number
  auditTtl: number
}

export interface ErpServerOptions {
  config: ErpConfig
  db: Db
  /** The queue's store (default: one on `db`). */
  store?: ErpStore
  /** The job store: every job is validated by it (the group table included) before it is queued. */
  jobs: Pick<JobStore, 'validate' | 'get'>
  jobDefaults: JobDefaults
  /** The end-of-batch report of a line job (null: no such job). */
  report: (lineJobId: number) => BatchReport | null
  clock: Clock
  log: Logger
  /** Largest request body, bytes (64 KiB). */
  bodyLimit?: number
  /** Failed key checks one address may make a minute before it is refused unread (20). */
  authFailuresPerMinute?: number
  /** Monotonic ms for the rate limits (real time: they protect this process, whatever clock the line runs on). */
  now?: () => number
}

export interface ErpServer {
  listen(): Promise<string>
  close(): Promise<void>
  readonly store: ErpStore
  /** Every route the server registered (`METHOD /path/:param`), for the OpenAPI check. */
  readonly routes: ReadonlyArray<{ method: string, url: string }>
}

export const API_PREFIX = '/erp/v1'

/** Token buckets per key, bounded: the least recently used are forgotten first. */
class Buckets {
  readonly #b = new Map<string, { tokens: number, at: number }>()
  constructor (readonly max = 10_000) {}
  /** Take one token from `key`'s bucket of `perMinute`; the ms to wait when empty, else 0. */
  take (key: string, perMinute: number, now: number): number {
    const b = this.#b.get(key) ?? { tokens: perMinute, at: now }
    b.tokens = Math.min(perMinute, b.tokens + (now - b.at) * perMinute / 60_000)
    b.at = now
    this.#b.delete(key)
    this.#b.set(key, b)
    while (this.#b.size > this.max) this.#b.delete(this.#b.keys().next().value as string)
    if (b.tokens < 1) return Math.ceil((1 - b.tokens) * 60_000 / perMinute)
    b.tokens -= 1
    return 0
  }

  peek (key: string, perMinute: number, now: number): boolean {
    const b = this.#b.get(key)
    return b === undefined || Math.min(perMinute, b.tokens + (now - b.at) * perMinute / 60_000) >= 1
  }
}

/** JSON with sorted keys: the same body written differently has the same fingerprint. */
function stable (v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`
  if (v !== null && typeof v === 'object') return `{${Object.keys(v).sort().map(k => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`).join(',')}}`
  return JSON.stringify(v) ?? 'null'
}

function presentedKey (req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization
  if (typeof auth === 'string') {
    const m = /^Bearer +(\S+)$/i.exec(auth.trim())
    return m === null ? undefined : m[1]
  }
  const key = req.headers['x-api-key']
  return typeof key === 'string' ? key.trim() : undefined
}

const pathOf = (req: FastifyRequest): string => req.url.split('?')[0] ?? req.url

export function createErpServer (o: ErpServerOptions): ErpServer {
  const { clock, config } = o
  const log = o.log.child({ module: 'erp' })
  const store = o.store ?? new ErpStore(o.db)
  const now = o.now ?? (() => performance.now())
  const keys: ErpClientKey[] = config.clients.map(c => ({ id: c.id, keyHash: c.keyHash ?? hashKey(c.key as string) }))
  const perMinute = new Map(config.clients.map(c => [c.id, c.requestsPerMinute]))
  const failuresPerMinute = o.authFailuresPerMinute ?? 20
  const rates = new Buckets()
  const failures = new Buckets()
  /** Per request: the client it authenticated as, the error code answered, the idempotency key. */
  const seen = new WeakMap<FastifyRequest, { client: string | null, code: string | null, key: string | null }>()
  /** Refusals for rate are audited once a second per address, not once per request: a flood must not flood the store. */
  const rateAudited = new Map<string, number>()
  const routes: Array<{ method: string, url: string }> = []

  const app = Fastify({ logger: false, bodyLimit: o.bodyLimit ?? 64 * 1024, forceCloseConnections: true, return503OnClosing: true })
  // JSON only: fastify's text/plain parser would hand a string to the schema instead of refusing the request (415)
  app.removeContentTypeParser('text/plain')
  app.addHook('onRoute', r => {
    for (const m of Array.isArray(r.method) ? r.method : [r.method]) if (m !== 'HEAD') routes.push({ method: m, url: r.url })
  })

  const pruned = store.prune(clock.now() - config.idempotencyTtl, clock.now() - config.auditTtl)
  if (pruned.answers + pruned.audit > 0) log.info(pruned, 'ERP: old idempotency answers and audit rows removed')

  const send = (req: FastifyRequest, reply: FastifyReply, e: ErpError): FastifyReply => {
    const s = seen.get(req)
    if (s !== undefined) s.code = e.code
    else seen.set(req, { client: null, code: e.code, key: null })
    return reply.status(e.status).type('application/json; charset=utf-8').send(e.body())
  }

  app.setErrorHandler((err: unknown, req, reply) => {
    if (err instanceof ErpError) return send(req, reply, err)
    const status = typeof (err as { statusCode?: unknown }).statusCode === 'number' ? (err as { statusCode: number }).statusCode : 500
    if (status === 413) return send(req, reply, new ErpError('LC_ERR_ERP_TOO_LARGE', 413, { detail: `body over ${o.bodyLimit ?? 64 * 1024} bytes` }))
    if (status >= 400 && status < 500) {
      // fastify's own refusals: malformed JSON, an empty JSON body, a content type other than JSON
      const detail = err instanceof Error ? err.message : String(err)
      return send(req, reply, new ErpError('LC_ERR_ERP_INPUT', status === 415 ? 415 : 400, { detail }))
    }
    log.error({ err, url: req.url }, 'ERP API internal error')
    return send(req, reply, new ErpError('LC_ERR_ERP_INTERNAL', 500))
  })
  app.setNotFoundHandler((req, reply) => send(req, reply, new ErpError('LC_ERR_ERP_NOT_FOUND', 404, { detail: `${req.method} ${pathOf(req)}` })))

  // Authentication and the rate limits come before anything is read of the request.
  app.addHook('onRequest', async (req, reply) => {
    const s = { client: null as string | null, code: null as string | null, key: null as string | null }
    seen.set(req, s)
    if (req.method === 'GET' && pathOf(req) === `${API_PREFIX}/openapi.json`) return
    const t = now()
    if (!failures.peek(req.ip, failuresPerMinute, t)) {
      reply.header('retry-after', '60')
      return send(req, reply, new ErpError('LC_ERR_ERP_RATE', 429, { detail: 'too many requests with a wrong key from this address' }))
    }
    const client = clientOf(presentedKey(req), keys)
    if (client === null) {
      failures.take(req.ip, failuresPerMinute, t)
      reply.header('www-authenticate', 'Bearer realm="erp"')
      return send(req, reply, new ErpError('LC_ERR_ERP_AUTH', 401))
    }
    s.client = client
    const wait = rates.take(client, perMinute.get(client) ?? 120, t)
    if (wait > 0) {
      reply.header('retry-after', String(Math.ceil(wait / 1000)))
      return send(req, reply, new ErpError('LC_ERR_ERP_RATE', 429))
    }
  })

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('cache-control', 'no-store')
    reply.header('x-content-type-options', 'nosniff')
    reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
    return payload
  })

  // Every request is one audit row (refusals for rate: one a second per address).
  app.addHook('onResponse', async (req, reply) => {
    const s = seen.get(req) ?? { client: null, code: null, key: null }
    if (reply.statusCode === 429) {
      const last = rateAudited.get(req.ip) ?? -Infinity
      if (now() - last < 1000) return
      rateAudited.set(req.ip, now())
      if (rateAudited.size > 10_000) rateAudited.delete(rateAudited.keys().next().value as string)
    }
    try {
      store.audit({ at: clock.now(), client: s.client, address: req.ip, method: req.method, path: pathOf(req).slice(0, 512), status: reply.statusCode, code: s.code, idempotency: s.key })
    } catch (err) {
      log.error({ err }, 'cannot write the ERP audit trail')
    }
    if (reply.statusCode >= 400) log.info({ client: s.client, method: req.method, path: pathOf(req), status: reply.statusCode, code: s.code }, 'ERP request refused')
  })

  const clientOfReq = (req: FastifyRequest): string => seen.get(req)?.client as string

  /**
   * An idempotent POST: the stored answer for this client's key is replayed when the request is the same (method,
   * path, body); the first answer is stored in the same transaction as what the request changed, so a 201 is only
   * sent once both are committed. Refusals of the request itself (404, 409, 422) are stored too: a retry with the
   * same key gets the same answer. Nothing is stored for a failure of the server (5xx).
   */
  const idempotent = (req: FastifyRequest, reply: FastifyReply, handle: () => { status: number, body: unknown }): FastifyReply => {
    const client = clientOfReq(req)
    const key = req.headers['idempotency-key']
    if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) throw new ErpError('LC_ERR_ERP_IDEMPOTENCY_KEY', 400)
    const s = seen.get(req)
    if (s !== undefined) s.key = key
    const fingerprint = createHash('sha256').update(`${req.method} ${pathOf(req)}\n${stable(req.body ?? null)}`).digest('hex')
    const answer = store.atomically(() => {
      const stored = store.answer(client, key)
      if (stored !== null) {
        if (stored.fingerprint !== fingerprint) throw new ErpError('LC_ERR_ERP_IDEMPOTENCY_MISMATCH', 422, { detail: `Idempotency-Key "${key}" was first used with another request; use a new key for a new request` })
        return { ...stored, replayed: true }
      }
      let r: { status: number, body: unknown }
      try {
        r = handle()
      } catch (err) {
        if (!(err instanceof ErpError) || ![404, 409, 422].includes(err.status)) throw err
        r = { status: err.status, body: err.body() }
        if (s !== undefined) s.code = err.code
      }
      store.remember(client, key, { fingerprint, ...r }, clock.now())
      return { fingerprint, ...r, replayed: false }
    })
    if (answer.replayed) {
      reply.header('idempotent-replayed', 'true')
      const code = (answer.body as { error?: { code?: string } } | null)?.error?.code
      if (s !== undefined && typeof code === 'string') s.code = code
    }
    return reply.status(answer.status).type('application/json; charset=utf-8').send(answer.body)
  }

  const parse = <T>(schema: { safeParse(v: unknown): { success: true, data: T } | { success: false, error: { issues: Parameters<typeof issueList>[0] } } }, value: unknown, status = 400): T => {
    const r = schema.safeParse(value)
    if (!r.success) {
      const fields = issueList(r.error.issues)
      throw new ErpError(status === 422 ? 'LC_ERR_JOB' : 'LC_ERR_ERP_INPUT', status, { fields, detail: fields.map(f => `${f.path}: ${f.message}`).join('; ') })
    }
    return r.data
  }

  const statusOf = (q: QueuedJob, line: JobView | null): ErpStatus => q.status === 'started' ? line?.status ?? 'active' : q.status
  const view = (q: QueuedJob): Record<string, unknown> => {
    const line = q.lineJobId === null ? null : o.jobs.get(q.lineJobId)
    const iso = (ms: number | null | undefined): string | null => ms === null || ms === undefined ? null : new Date(ms).toISOString()
    return {
      id: q.id, reference: q.reference, status: statusOf(q, line), client: q.client, job: q.job,
      createdAt: iso(q.createdAt), cancelledAt: iso(q.cancelledAt), startedAt: iso(q.startedAt), startedBy: q.startedBy,
      lineJobId: q.lineJobId, endedAt: iso(line?.endedAt),
      links: { self: `${API_PREFIX}/jobs/${q.id}`, ...(q.lineJobId === null ? {} : { report: `${API_PREFIX}/jobs/${q.id}/report` }) },
    }
  }
  const entry = (req: FastifyRequest): QueuedJob => {
    const { id } = parse(idParamSchema, req.params)
    const q = store.get(id)
    if (q === null) throw new ErpError('LC_ERR_ERP_NOT_FOUND', 404, { detail: `no ERP job ${id}` })
    return q
  }

  app.get(`${API_PREFIX}/openapi.json`, async (_req, reply) => reply.type('application/json; charset=utf-8').send(openApiDocument()))

  app.post(`${API_PREFIX}/jobs`, async (req, reply) => idempotent(req, reply, () => {
    const body = parse(erpJobSchema, req.body, 422)
    const client = clientOfReq(req)
    if (body.reference !== undefined && store.byReference(client, body.reference) !== null) {
      throw new ErpError('LC_ERR_ERP_CONFLICT', 409, { detail: `reference "${body.reference}" was already sent as ERP job ${store.byReference(client, body.reference)?.id}`, fields: [{ path: 'reference', message: 'already used by this client' }] })
    }
    let job
    try {
      job = o.jobs.validate(jobOf(body, o.jobDefaults))
    } catch (err) {
      if (err instanceof JobError) throw new ErpError(err.code as ErrorCode, 422, { detail: err.message, fields: fieldsOf(err.problems) })
      throw err
    }
    const q = store.enqueue(client, body.reference ?? null, job, clock.now())
    log.info({ client, id: q.id, reference: q.reference, gtin: job.gtin, batch: job.batch }, 'ERP job queued for the operator')
    return { status: 201, body: view(q) }
  }))

  app.get(`${API_PREFIX}/jobs`, async req => {
    const q = parse(listQuerySchema, req.query)
    const rows = q.status === 'queued' || q.status === undefined
      ? store.list(q.status === undefined ? null : 'queued', q.status === undefined ? q.limit : q.limit)
      : store.list(null, 1000)
    const views = rows.map(view).filter(v => q.status === undefined || v.status === q.status).slice(0, q.limit)
    return { jobs: views }
  })

  app.get(`${API_PREFIX}/jobs/:id`, async req => view(entry(req)))

  app.post(`${API_PREFIX}/jobs/:id/cancel`, async (req, reply) => idempotent(req, reply, () => {
    const q = entry(req)
    if (!store.cancel(q.id, clock.now())) {
      throw new ErpError('LC_ERR_ERP_CONFLICT', 409, { detail: `ERP job ${q.id} is ${statusOf(q, q.lineJobId === null ? null : o.jobs.get(q.lineJobId))}: only a queued job can be cancelled; a started job is ended by the operator at the line` })
    }
    log.info({ client: clientOfReq(req), id: q.id }, 'ERP job cancelled before it started')
    return { status: 200, body: view(store.get(q.id) as QueuedJob) }
  }))

  // --- end-of-batch reports: of an ERP job once started, or of any line job
  const reportOfEntry = (req: FastifyRequest): BatchReport => {
    const q = entry(req)
    if (q.lineJobId === null) throw new ErpError('LC_ERR_ERP_CONFLICT', 409, { detail: `ERP job ${q.id} is ${q.status}: a report exists once the operator has started it` })
    return reportOf(q.lineJobId)
  }
  const reportOfLineJob = (req: FastifyRequest): BatchReport => reportOf(parse(idParamSchema, req.params).id)
  const reportOf = (lineJobId: number): BatchReport => {
    const r = o.report(lineJobId)
    if (r === null) throw new ErpError('LC_ERR_ERP_NOT_FOUND', 404, { detail: `no line job ${lineJobId}` })
    return r
  }
  const langOf = (req: FastifyRequest): 'ru' | 'en' => (req.query as { lang?: unknown } | undefined)?.lang === 'en' ? 'en' : 'ru'
  const csv = (req: FastifyRequest, reply: FastifyReply, r: BatchReport): FastifyReply => reply.type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="batch-${r.job.id}.csv"`).send(batchReportCsv(r, langOf(req)))
  const html = (reply: FastifyReply, r: BatchReport): FastifyReply => reply.type('text/html; charset=utf-8').send(batchReportHtml(r))
  for (const [base, get] of [[`${API_PREFIX}/jobs/:id`, reportOfEntry], [`${API_PREFIX}/line-jobs/:id`, reportOfLineJob]] as const) {
    app.get(`${base}/report`, async req => get(req))
    app.get(`${base}/report.csv`, async (req, reply) => csv(req, reply, get(req)))
    app.get(`${base}/report.html`, async (req, reply) => html(reply, get(req)))
  }

  return {
    store,
    routes,
    async listen () {
      const address = await app.listen({ host: config.host, port: config.port })
      const url = address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1')
      log.info({ url, clients: keys.map(k => k.id) }, 'ERP API listening')
      return url
    },
    async close () { await app.close() },
  }
}
