// Typed errors of the True API client; `retryable` tells the caller whether trying again can help.
import { LineError } from '../domain/errors.ts'

/** The API answered with an error status; `body` is what it said (shown to the operator). */
export class TrueApiHttpError extends LineError {
  readonly status: number
  readonly body: unknown
  readonly retryable: boolean
  constructor (message: string, context: { method: string, path: string, status: number, body: unknown }) {
    super('LC_ERR_TRUE_API_HTTP', message, context)
    this.status = context.status
    this.body = context.body
    // 5xx and 429 are the server's state, not our request's fault (domain/true-api.md: retry after a pause).
    this.retryable = context.status >= 500 || context.status === 429
  }
}

/** No answer in time. The request may or may not have been processed. */
export class TrueApiTimeoutError extends LineError {
  readonly retryable = true
  constructor (message: string, context: Record<string, unknown>, options?: { cause?: unknown }) {
    super('LC_ERR_TRUE_API_TIMEOUT', message, context, options)
  }
}

/** Connection refused, reset, DNS: `sent` says whether the request may have reached the server. */
export class TrueApiNetworkError extends LineError {
  readonly retryable = true
  constructor (message: string, context: Record<string, unknown>, options?: { cause?: unknown }) {
    super('LC_ERR_TRUE_API_NETWORK', message, context, options)
  }
}

/** An answer that does not have the documented shape. */
export class TrueApiResponseError extends LineError {
  readonly retryable = false
  constructor (message: string, context: Record<string, unknown>) {
    super('LC_ERR_TRUE_API_RESPONSE', message, context)
  }
}

/** A document that cannot be built (mixed code lengths, too many codes, missing fields). */
export class TrueApiDocumentError extends LineError {
  constructor (message: string, context: Record<string, unknown>) {
    super('LC_ERR_TRUE_API_DOCUMENT', message, context)
  }
}

export type TrueApiError = TrueApiHttpError | TrueApiTimeoutError | TrueApiNetworkError | TrueApiResponseError

export function isRetryable (err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { retryable?: unknown }).retryable === true
}
