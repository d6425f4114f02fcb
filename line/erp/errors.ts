// The ERP API's one error shape: a catalogue code, its text in Russian and English, the action, and for refused
// input the fields at fault. `{ "error": { "code", "message": { ru, en }, "action": { ru, en }, "fields"?: [...] } }`.
import { CATALOGUE, type Bilingual, type ErrorCode } from '../domain/catalogue.ts'
import { LineError } from '../domain/errors.ts'

/** One refused field: its path in the request body (`gtin`, `expDateConditions.1`, `(root)`) and why. */
export interface FieldProblem { path: string, message: string }

export interface ErrorBody {
  error: { code: ErrorCode, message: Bilingual, action: Bilingual, detail?: string, fields?: FieldProblem[] }
}

export class ErpError extends LineError {
  readonly status: number
  readonly fields: FieldProblem[] | undefined
  readonly detail: string | undefined
  constructor (code: ErrorCode, status: number, o: { detail?: string, fields?: FieldProblem[], context?: Record<string, unknown> } = {}) {
    super(code, o.detail ?? CATALOGUE[code].text.en, o.context ?? {})
    this.status = status
    this.fields = o.fields
    this.detail = o.detail
  }

  body (): ErrorBody { return errorBody(this.code, this.detail, this.fields) }
}

export function errorBody (code: ErrorCode, detail?: string, fields?: FieldProblem[]): ErrorBody {
  const e = CATALOGUE[code]
  return {
    error: {
      code, message: { ...e.text }, action: { ...e.action },
      ...(detail === undefined ? {} : { detail }),
      ...(fields === undefined ? {} : { fields }),
    },
  }
}

/**
 * The job store's problems ("field: message", line/jobs/jobs.ts) as field problems: the text before the first
 * colon is the field when it looks like a path, else the problem is the whole body's.
 */
export function fieldsOf (problems: readonly string[]): FieldProblem[] {
  return problems.map(p => {
    const m = /^([A-Za-z][A-Za-z0-9_]*(?:[.[][A-Za-z0-9_\]]*)*|\(root\)): (.*)$/s.exec(p)
    return m === null ? { path: '(root)', message: p } : { path: m[1] as string, message: m[2] as string }
  })
}
