// Typed errors of marking-code parsing. Their base, LineError, is the shared one of line/domain.
import { LineError } from '../domain/errors.ts'

export { LineError }

/** A marking code, GTIN or SSCC that does not match its layout; `position` is the 0-based character index. */
export class CodeFormatError extends LineError {
  readonly position: number
  constructor (message: string, context: { input: string, position: number, group?: string, ai?: string }) {
    super('LC_ERR_CODE_FORMAT', `${message} (at character ${context.position})`, context)
    this.position = context.position
  }
}

/** An unknown product group or template. */
export class ProfileError extends LineError {
  constructor (message: string, context: Record<string, unknown> = {}) {
    super('LC_ERR_PROFILE', message, context)
  }
}
