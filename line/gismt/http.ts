// One HTTP call to the True API with timeout, rate limit and bounded retries on 5xx/429/network errors only;
// every failure becomes a typed error carrying the API's body. The only file here that imports undici.
import { Agent, request, errors as undiciErrors } from 'undici'
import type { Logger } from '../log.ts'
import { TrueApiHttpError, TrueApiNetworkError, TrueApiTimeoutError, isRetryable } from './errors.ts'
import { RateLimiter } from './rate-limit.ts'

export interface HttpOptions {
  baseUrl: string
  timeoutMs: number
  maxRequestsPerSecond: number
  retries: number
  retryBaseMs: number
  log?: Logger | undefined
}

export interface CallOptions {
  query?: Record<string, string | undefined>
  body?: unknown
  token?: string | undefined
  /** Do not retry even a retryable failure: the caller reconciles instead (document create). */
  noRetry?: boolean
}

export interface HttpAnswer { status: number, body: unknown }

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

export class TrueApiHttp {
  readonly #o: HttpOptions
  readonly #limiter: RateLimiter
  readonly #agent: Agent
  constructor (options: HttpOptions) {
    this.#o = options
    this.#limiter = new RateLimiter(options.maxRequestsPerSecond)
    this.#agent = new Agent({ connections: 8, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs, connectTimeout: options.timeoutMs })
  }

  async call (method: 'GET' | 'POST', path: string, options: CallOptions = {}): Promise<HttpAnswer> {
    const attempts = options.noRetry === true ? 1 : this.#o.retries + 1
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#once(method, path, options)
      } catch (err) {
        if (attempt >= attempts || !isRetryable(err)) throw err
        const delay = this.#o.retryBaseMs * 2 ** (attempt - 1)
        this.#o.log?.warn({ err, path, attempt, delay }, 'True API call failed, retrying')
        await sleep(delay)
      }
    }
  }

  async #once (method: 'GET' | 'POST', path: string, options: CallOptions): Promise<HttpAnswer> {
    await this.#limiter.take()
    const url = new URL(path, this.#o.baseUrl)
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, v)
    const headers: Record<string, string> = { accept: 'application/json' }
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`
    let payload: string | undefined
    if (options.body !== undefined) { headers['content-type'] = 'application/json'; payload = JSON.stringify(options.body) }
    const ctx = { method, path: url.pathname }
    let res
    try {
      res = await request(url, { method, headers, body: payload, dispatcher: this.#agent, signal: AbortSignal.timeout(this.#o.timeoutMs) })
    } catch (err) {
      if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError ||
        (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'))) {
        throw new TrueApiTimeoutError(`True API ${method} ${url.pathname}: no answer within ${this.#o.timeoutMs} ms`, { ...ctx, timeoutMs: this.#o.timeoutMs }, { cause: err })
      }
      const refused = (err as { code?: string }).code === 'ECONNREFUSED' || err instanceof undiciErrors.ConnectTimeoutError
      throw new TrueApiNetworkError(`True API ${method} ${url.pathname}: ${(err as Error).message}`, { ...ctx, sent: !refused }, { cause: err })
    }
    let text: string
    try {
      text = await res.body.text()
    } catch (err) {
      throw new TrueApiTimeoutError(`True API ${method} ${url.pathname}: the answer did not arrive`, ctx, { cause: err })
    }
    let body: unknown = text
    if (text.length > 0) { try { body = JSON.parse(text) } catch { body = text } }
    if (res.statusCode >= 400) {
      throw new TrueApiHttpError(`True API ${method} ${url.pathname} answered ${res.statusCode}`, { ...ctx, status: res.statusCode, body })
    }
    return { status: res.statusCode, body }
  }

  async close (): Promise<void> { await this.#agent.close() }
}
