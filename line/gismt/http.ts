// True API calls over the HTTP channel (line/http): bearer token, JSON or plain-text answers, and the channel's
// errors turned into the True API's typed errors, whose codes the outbox and the auth branch on.
import type { Clock } from '../clock.ts'
import { HttpChannel, HttpNetworkError, HttpStatusError, HttpTimeoutError, type HttpResponse } from '../http/index.ts'
import type { Logger } from '../log.ts'
import { TrueApiHttpError, TrueApiNetworkError, TrueApiTimeoutError } from './errors.ts'

export interface HttpOptions {
  baseUrl: string
  timeoutMs: number
  maxRequestsPerSecond: number
  retries: number
  retryBaseMs: number
  /** Cap of the growing retry delay (30 s). */
  retryMaxMs?: number
  /** Answers above this are refused with LC_ERR_HTTP_TOO_LARGE (the channel's default, 4 MiB). */
  maxResponseBytes?: number
  clock?: Clock
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

export class TrueApiHttp {
  readonly channel: HttpChannel
  constructor (options: HttpOptions) {
    this.channel = new HttpChannel({
      upstream: 'True API',
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs,
      maxRequestsPerSecond: options.maxRequestsPerSecond,
      attempts: options.retries + 1,
      backoffBaseMs: options.retryBaseMs,
      backoffMaxMs: options.retryMaxMs ?? 30_000,
      ...(options.maxResponseBytes !== undefined ? { maxResponseBytes: options.maxResponseBytes } : {}),
      ...(options.clock !== undefined ? { clock: options.clock } : {}),
      log: options.log,
    })
  }

  async call (method: 'GET' | 'POST', path: string, options: CallOptions = {}): Promise<HttpAnswer> {
    const token = options.token
    try {
      return await this.channel.send({
        method,
        path,
        ...(options.query !== undefined ? { query: options.query } : {}),
        json: options.body,
        // Every True API call but a document create is safe to repeat; the create goes once (noRetry).
        idempotent: true,
        ...(options.noRetry === true ? { attempts: 1 } : {}),
        ...(token !== undefined ? { headers: { authorization: `Bearer ${token}` } } : {}),
      }, answer)
    } catch (err) {
      throw trueApiError(err)
    }
  }

  async close (): Promise<void> { await this.channel.close() }
}

/** The API answers JSON, or plain text (a document id); an unreadable JSON is passed on as the text. */
function answer (res: HttpResponse): HttpAnswer {
  const text = res.text()
  let body: unknown = text
  if (text.length > 0) { try { body = JSON.parse(text) } catch { body = text } }
  return { status: res.status, body }
}

/** The channel's errors as the True API's; anything else (LC_ERR_HTTP_TOO_LARGE) unchanged. */
function trueApiError (err: unknown): unknown {
  if (err instanceof HttpStatusError) {
    const { method, path } = err.context
    let body: unknown = err.body
    if (err.body.length > 0) { try { body = JSON.parse(err.body) } catch { body = err.body } }
    return new TrueApiHttpError(`True API ${method} ${path} answered ${err.status}`, { method, path, status: err.status, body })
  }
  if (err instanceof HttpTimeoutError) {
    const { method, path, timeoutMs } = err.context as typeof err.context & { timeoutMs: number }
    return new TrueApiTimeoutError(`True API ${method} ${path}: no answer within ${timeoutMs} ms`, { method, path, timeoutMs }, { cause: err })
  }
  if (err instanceof HttpNetworkError) {
    const { method, path, sent } = err.context
    const cause = (err.cause as Error | undefined)?.message ?? err.message
    return new TrueApiNetworkError(`True API ${method} ${path}: ${cause}`, { method, path, sent }, { cause: err })
  }
  return err
}
