// One HTTP channel to one upstream API (OMS, True API, later the National Catalogue): base URL, one rate limiter,
// a per-request deadline over headers and body, a response-size cap, retries with exponential backoff and jitter
// that honour Retry-After, and typed errors. The API clients build requests and read answers; this does the rest.
import type { Clock } from '../clock.ts'
import { systemClock } from '../clock.ts'
import { backoffDelay } from '../domain/backoff.ts'
import type { Logger } from '../log.ts'
import { HttpNetworkError, HttpStatusError, isRetryable, type HttpErrorContext } from './errors.ts'
import { RateLimiter } from './rate-limit.ts'
import { retryAfterMs } from './retry-after.ts'
import { UndiciTransport, type HttpTransport } from './undici.ts'

/** 4 MiB: far above any document, status or sign-in answer, far below what hurts the process. */
export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024

export interface HttpChannelOptions {
  /** Who is called, for messages and logs: `OMS`, `True API`. */
  upstream: string
  /** e.g. https://suzgrid.crpt.ru; request paths are appended to it. */
  baseUrl: string
  /** Deadline of one attempt, headers and body together (15 s). */
  timeoutMs?: number
  /** Request starts per second, retries included (10). */
  maxRequestsPerSecond?: number
  /** Attempts in total for a retryable failure; 1 = no retry (4). */
  attempts?: number
  backoffBaseMs?: number
  backoffMaxMs?: number
  /** Share of each backoff delay taken away at random (0.5), see line/domain/backoff.ts. */
  jitter?: number
  /** A Retry-After longer than this is shortened to it (60 s): one call must not sleep for an hour. */
  retryAfterMaxMs?: number
  /** Answers longer than this are cut and refused with LC_ERR_HTTP_TOO_LARGE (4 MiB); per request too. */
  maxResponseBytes?: number
  /** Reads Retry-After dates; the injected clock where the client has one. */
  clock?: Clock
  random?: () => number
  log?: Logger | undefined
  /** The wire; undici by default. */
  transport?: HttpTransport
  /** Parallel connections to the upstream (8). */
  connections?: number
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  /** Path below the base URL, starting with `/`, already encoded. */
  path: string
  query?: Record<string, string | number | undefined>
  headers?: Record<string, string>
  /** A JSON body: serialised once, sent with content-type application/json. */
  json?: unknown
  /**
   * Whether a failure after which the request may have reached the upstream (timeout, dropped connection, 5xx)
   * may be retried. A 429 or a connection never established is retried either way: the upstream did not act.
   */
  idempotent: boolean
  /** Overrides the channel's attempts (1 = the caller recovers on its own, e.g. a document create). */
  attempts?: number
  timeoutMs?: number
  maxResponseBytes?: number
  /**
   * Headers computed per attempt (a token that may have been renewed, a signature over `body` or, without a body,
   * over `target` = path and query as sent).
   */
  prepare?: (p: { attempt: number, target: string, body: Buffer | undefined }) => Promise<Record<string, string>> | Record<string, string>
}

export interface HttpResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
  /** The attempt that got this answer (1-based). */
  attempt: number
  method: string
  path: string
  text(): string
}

/**
 * Reads an answer into what the caller wants. Throwing an error with `retryable: true` (garbage from a proxy, a
 * truncated JSON) retries the request like a network failure, under the same rules.
 */
export type ReadAnswer<T> = (res: HttpResponse) => T | Promise<T>

export class HttpChannel {
  readonly upstream: string
  readonly #base: string
  readonly #timeoutMs: number
  readonly #attempts: number
  readonly #backoff: { baseMs: number, maxMs: number, jitter: number, random: () => number }
  readonly #retryAfterMaxMs: number
  readonly #maxBytes: number
  readonly #clock: Clock
  readonly #log: Logger | undefined
  readonly #limiter: RateLimiter
  readonly #transport: HttpTransport
  readonly #sleeping = new Set<() => void>()
  #closed = false

  constructor (o: HttpChannelOptions) {
    this.upstream = o.upstream
    this.#base = o.baseUrl.replace(/\/+$/, '')
    this.#timeoutMs = positive(o.timeoutMs ?? 15_000, 'timeoutMs')
    this.#attempts = Math.max(1, Math.floor(o.attempts ?? 4))
    this.#backoff = { baseMs: o.backoffBaseMs ?? 1_000, maxMs: o.backoffMaxMs ?? 30_000, jitter: o.jitter ?? 0.5, random: o.random ?? Math.random }
    this.#retryAfterMaxMs = o.retryAfterMaxMs ?? 60_000
    this.#maxBytes = positive(o.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES, 'maxResponseBytes')
    this.#clock = o.clock ?? systemClock
    this.#log = o.log
    this.#limiter = new RateLimiter({ perSecond: o.maxRequestsPerSecond ?? 10 })
    this.#transport = o.transport ?? new UndiciTransport({ connections: o.connections ?? 8 })
  }

  get closed (): boolean { return this.#closed }

  /** One logical call: attempts, pacing and backoff included. Resolves to `read(answer)` or the answer itself. */
  send (req: HttpRequest): Promise<HttpResponse>
  send<T> (req: HttpRequest, read: ReadAnswer<T>): Promise<T>
  async send<T> (req: HttpRequest, read?: ReadAnswer<T>): Promise<T | HttpResponse> {
    const attempts = Math.max(1, Math.floor(req.attempts ?? this.#attempts))
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.#once(req, attempt)
        return read === undefined ? res : await read(res)
      } catch (err) {
        const safe = req.idempotent || certainlyNotProcessed(err)
        if (!isRetryable(err) || !safe || attempt >= attempts || this.#closed) throw err
        const hinted = err instanceof HttpStatusError && err.retryAfterMs !== undefined ? Math.min(err.retryAfterMs, this.#retryAfterMaxMs) : 0
        // The upstream's Retry-After is a floor; our own backoff still grows when it keeps answering "now".
        const delay = Math.max(hinted, backoffDelay(attempt, this.#backoff))
        this.#log?.warn({ err, upstream: this.upstream, path: req.path, attempt, delayMs: delay }, `${this.upstream} request failed, retrying`)
        await this.#sleep(delay)
        if (this.#closed) throw err
      }
    }
  }

  /** Stops retries in progress and closes the connections. */
  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const wake of [...this.#sleeping]) wake()
    await this.#transport.close()
  }

  async #once (req: HttpRequest, attempt: number): Promise<HttpResponse> {
    const ctx: HttpErrorContext = { upstream: this.upstream, method: req.method, path: req.path, attempt }
    if (this.#closed) throw new HttpNetworkError(`${this.upstream} ${req.method} ${req.path}: the channel is closed`, { ...ctx, errno: 'CLOSED', sent: false })
    await this.#limiter.acquire()
    const qs = new URLSearchParams()
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) qs.set(k, String(v))
    const q = qs.toString()
    const target = q === '' ? req.path : `${req.path}?${q}`
    const body = req.json === undefined ? undefined : Buffer.from(JSON.stringify(req.json))
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers }
    if (body !== undefined) headers['content-type'] = 'application/json'
    if (req.prepare !== undefined) Object.assign(headers, await req.prepare({ attempt, target, body }))
    const res = await this.#transport.send({
      url: this.#base + target,
      method: req.method,
      headers,
      body,
      timeoutMs: req.timeoutMs ?? this.#timeoutMs,
      maxResponseBytes: req.maxResponseBytes ?? this.#maxBytes,
      context: ctx,
    })
    const answer: HttpResponse = { status: res.status, headers: res.headers, body: res.body, attempt, method: req.method, path: req.path, text: () => res.body.toString('utf8') }
    if (res.status < 200 || res.status > 299) {
      const after = retryAfterMs(res.headers['retry-after'], this.#clock.now())
      throw new HttpStatusError({ ...ctx, status: res.status, ...(after !== undefined ? { retryAfterMs: after } : {}) }, answer.text())
    }
    return answer
  }

  #sleep (ms: number): Promise<void> {
    return new Promise(resolve => {
      const wake = (): void => { clearTimeout(timer); this.#sleeping.delete(wake); resolve() }
      const timer = setTimeout(wake, ms)
      this.#sleeping.add(wake)
    })
  }
}

/** A 429, or a connection never established: the upstream certainly did not act, so even a POST may go again. */
export function certainlyNotProcessed (err: unknown): boolean {
  if (err instanceof HttpStatusError) return err.status === 429
  if (err instanceof HttpNetworkError) return err.context.sent === false
  return false
}

function positive (v: number, name: string): number {
  if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`${name} must be a positive number, got ${v}`)
  return v
}
