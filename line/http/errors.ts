// Typed errors of the HTTP channel: one stable code per way a call to an upstream API can fail, with the context
// an engineer needs (method, url path without the query, attempt, status). The API clients map them to their own.
import { LineError } from '../domain/errors.ts'

export interface HttpErrorContext {
  /** Who was called (`OMS`, `True API`, …), for logs and messages. */
  upstream: string
  method: string
  /** The url path without the query: query strings may carry ids or tokens that do not belong in logs. */
  path: string
  /** 1-based attempt on which this failure happened. */
  attempt: number
  [k: string]: unknown
}

/** Base of the channel's errors; `retryable` says whether the same request may succeed later. */
export abstract class HttpError extends LineError {
  abstract readonly retryable: boolean
  declare readonly context: HttpErrorContext
}

/** The upstream answered with a status outside 2xx. Retryable for 5xx and 429 only. */
export class HttpStatusError extends HttpError {
  readonly status: number
  /** The answer's body as text (bounded by the channel's response-size cap). */
  readonly body: string
  readonly retryable: boolean
  /** The upstream's Retry-After, in ms from when the answer arrived, when it sent one that could be read. */
  readonly retryAfterMs: number | undefined
  constructor (context: HttpErrorContext & { status: number, retryAfterMs?: number }, body: string) {
    super('LC_ERR_HTTP_STATUS', `${context.upstream} ${context.method} ${context.path} answered ${context.status}`, context)
    this.status = context.status
    this.body = body
    this.retryable = context.status >= 500 || context.status === 429
    this.retryAfterMs = context.retryAfterMs
  }
}

/** No complete answer (headers and body) within the per-request timeout. It may have been processed. */
export class HttpTimeoutError extends HttpError {
  readonly retryable = true
  constructor (context: HttpErrorContext & { timeoutMs: number }, options?: { cause?: unknown }) {
    super('LC_ERR_HTTP_TIMEOUT', `${context.upstream} ${context.method} ${context.path} gave no complete answer within ${context.timeoutMs} ms`, context, options)
  }
}

/**
 * No answer: refused, reset, DNS, TLS. `sent: false` when the request certainly never reached the server
 * (connection refused or not established in time), so even a non-idempotent request may be sent again.
 */
export class HttpNetworkError extends HttpError {
  readonly retryable = true
  declare readonly context: HttpErrorContext & { sent: boolean, errno?: string | undefined }
  constructor (message: string, context: HttpErrorContext & { sent: boolean, errno?: string | undefined }, options?: { cause?: unknown }) {
    super('LC_ERR_HTTP_NETWORK', message, context, options)
  }
}

/**
 * The answer was larger than the channel accepts: reading stopped at the cap and the connection was dropped.
 * Not retried: the same request would bring the same flood (a broken or hostile upstream).
 */
export class HttpTooLargeError extends HttpError {
  readonly retryable = false
  constructor (context: HttpErrorContext & { limitBytes: number, receivedBytes: number, status: number }) {
    super('LC_ERR_HTTP_TOO_LARGE', `${context.upstream} ${context.method} ${context.path}: answer exceeds ${context.limitBytes} bytes (read ${context.receivedBytes} before stopping)`, context)
  }
}

export function isRetryable (err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { retryable?: unknown }).retryable === true
}
