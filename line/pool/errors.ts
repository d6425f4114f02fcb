// Typed errors of the code pool.
import { LineError } from '../domain/errors.ts'

/** A lifecycle transition the table does not allow, or on codes that do not exist. */
export class PoolTransitionError extends LineError {
  constructor (message: string, context: { to: string, codeId?: number, from?: string | null, [k: string]: unknown }) {
    super('LC_ERR_POOL_TRANSITION', message, context)
  }
}

/** A block refused at import: nothing of it was stored. `problems` lists each bad code with its reason. */
export class PoolImportError extends LineError {
  constructor (message: string, context: { blockId: string, problems?: Array<{ index: number, code: string, error: string }>, [k: string]: unknown }) {
    super('LC_ERR_POOL_IMPORT', message, context)
  }
}

/** Not enough unexpired AVAILABLE codes for a reservation. */
export class PoolEmptyError extends LineError {
  constructor (context: { gtin: string, requested: number, available: number }) {
    super('LC_ERR_POOL_EMPTY', `pool for GTIN ${context.gtin} has ${context.available} codes, ${context.requested} requested`, context)
  }
}

/** An export for a printing house that cannot be made or completed as asked (an id reused for another export …). */
export class PoolExportError extends LineError {
  constructor (message: string, context: { exportId: string, [k: string]: unknown }) {
    super('LC_ERR_CODES_EXPORT', message, context)
  }
}
