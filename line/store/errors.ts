// Typed errors of the durable store.
import { LineError } from '../domain/errors.ts'

export class StoreError extends LineError {
  constructor (message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super('LC_ERR_STORE', message, context, options)
  }
}
