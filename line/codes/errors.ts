// The typed error base every part of the controller shares: a stable `code` to branch on, context to act on.
// It lives in line/codes because printers/ and verifiers/ may import line/codes and nothing else of line/.

export class LineError extends Error {
  readonly code: string
  readonly context: Record<string, unknown>

  constructor (code: string, message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
    this.context = context
  }

  toJSON (): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, ...this.context }
  }
}

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
