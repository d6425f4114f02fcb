// Typed errors of the National Catalogue client: one code per way a call can fail (line/domain/catalogue.ts), with
// the context an engineer needs (method, path without the query — the apikey travels in it — status, GTIN).
import type { ErrorCode } from '../domain/catalogue.ts'
import { LineError } from '../domain/errors.ts'

export type NkErrorCode = Extract<ErrorCode, 'LC_ERR_NK_AUTH' | 'LC_ERR_NK_NOT_FOUND' | 'LC_ERR_NK_UNREACHABLE' | 'LC_ERR_NK_RESPONSE' | 'LC_ERR_NK_HTTP'>

export class NkError extends LineError {
  declare readonly code: NkErrorCode
  constructor (code: NkErrorCode, message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(code, message, context, options)
  }
}
