// Typed errors of the emission module (OMS client and replenishment), with the OMS error body kept as context.
import { LineError } from '../domain/errors.ts'

/** The OMS error body (`{success:false, globalErrors, fieldErrors}`), as far as the answer carried one. */
export interface OmsErrorBody {
  success?: boolean
  globalErrors?: Array<{ error?: string, errorCode?: number | string }>
  fieldErrors?: Array<{ fieldName?: string, fieldError?: string, errorCode?: number | string }>
  [k: string]: unknown
}

export interface OmsRequestContext {
  method: string
  path: string
  attempt?: number
  [k: string]: unknown
}

/** The OMS answered with a non-2xx status. `retryable` for 5xx and 429 only (oms-api.md "after a 500 retry"). */
export class OmsHttpError extends LineError {
  readonly status: number
  readonly body: OmsErrorBody | string | null
  readonly retryable: boolean
  readonly retryAfterMs: number | undefined
  constructor (status: number, body: OmsErrorBody | string | null, context: OmsRequestContext & { retryAfterMs?: number }) {
    const first = typeof body === 'object' && body !== null
      ? body.globalErrors?.[0]?.error ?? body.fieldErrors?.[0]?.fieldError
      : undefined
    super(status === 401 ? 'LC_ERR_OMS_AUTH' : status === 429 ? 'LC_ERR_OMS_RATE_LIMIT' : 'LC_ERR_OMS_HTTP',
      `OMS ${context.method} ${context.path} answered ${status}${first !== undefined ? `: ${first}` : ''}`,
      { ...context, status, body })
    this.status = status
    this.body = body
    this.retryable = status >= 500 || status === 429
    this.retryAfterMs = context.retryAfterMs
  }
}

/** No answer: connection refused or dropped, DNS, TLS — the request may or may not have reached the OMS. */
export class OmsNetworkError extends LineError {
  readonly retryable = true
  constructor (message: string, context: OmsRequestContext, options?: { cause?: unknown }) {
    super('LC_ERR_OMS_NETWORK', message, context, options)
  }
}

/** No complete answer within the per-request timeout (a hanging OMS or a stalled body). */
export class OmsTimeoutError extends LineError {
  readonly retryable = true
  constructor (context: OmsRequestContext & { timeoutMs: number }) {
    super('LC_ERR_OMS_TIMEOUT', `OMS ${context.method} ${context.path} gave no answer within ${context.timeoutMs} ms`, context)
  }
}

/**
 * A 2xx answer that is not what the API promises: garbage or truncated JSON, missing fields. Retried like a
 * network error, since a proxy or a cut connection is the usual cause.
 */
export class OmsResponseError extends LineError {
  readonly retryable = true
  constructor (message: string, context: OmsRequestContext & { excerpt?: string, issues?: unknown }) {
    super('LC_ERR_OMS_RESPONSE', message, context)
  }
}

/** A request the client refuses to send (e.g. more than 10 GTINs in an order): a programming or config error. */
export class OmsRequestError extends LineError {
  constructor (message: string, context: Record<string, unknown>) {
    super('LC_ERR_OMS_REQUEST', message, context)
  }
}

/** A downloaded block the pool refused (wrong profile, duplicate, wrong GTIN): nothing of it was stored. */
export class EmissionBlockError extends LineError {
  constructor (message: string, context: { orderId: string, gtin: string, blockId?: string, [k: string]: unknown }, options?: { cause?: unknown }) {
    super('LC_ERR_EMISSION_BLOCK', message, context, options)
  }
}

/** The OMS refused or lost an order (REJECTED buffer, closed before its codes were taken). */
export class EmissionOrderError extends LineError {
  constructor (message: string, context: { orderId: string, gtin: string, [k: string]: unknown }) {
    super('LC_ERR_EMISSION_ORDER', message, context)
  }
}

export function isRetryable (err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { retryable?: unknown }).retryable === true
}
