// The one typed error base of the whole repository: a stable catalogue `code` to branch on, context to act on.
// It lives in line/domain, the shared vocabulary, because printers/, verifiers/ and broker/ may import nothing else of line/.
import type { ErrorCode } from './catalogue.ts'

export class LineError extends Error {
  /** A key of the catalogue (line/domain/catalogue.ts): an unknown code does not compile. */
  readonly code: ErrorCode
  readonly context: Record<string, unknown>

  constructor (code: ErrorCode, message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
    this.context = context
  }

  toJSON (): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, ...this.context }
  }
}
