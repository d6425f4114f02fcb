// The camera result payload of DESIGN §6 (`cam/<id>/result`) and the camera status payload, as zod schemas.
import { z } from 'zod'
import { GS } from '../line/domain/gs1.ts'
import type { Grade } from './types.ts'

export const gradeSchema = z.enum(['A', 'B', 'C', 'D', 'F'])

/** Payloads above this are refused before JSON.parse: a marking code result is a few hundred bytes. */
export const MAX_PAYLOAD_BYTES = 16 * 1024

// Marking codes are printable ASCII (GS1 set 82 and a few more) with GS (0x1D) between fields.
const CODE_CHARS = /^[\x1d\x20-\x7e]+$/

export const cameraResultSchema = z.object({
  seq: z.int().min(0).max(Number.MAX_SAFE_INTEGER),
  ts: z.number().finite().min(0),
  code: z.string().min(1).max(1024).regex(CODE_CHARS, 'code must be printable ASCII with GS (0x1D) between fields').nullable(),
  grade: gradeSchema,
  params: z.record(z.string().max(64), z.union([gradeSchema, z.number().finite()])).optional(),
  symbology: z.string().regex(/^\][A-Za-z][0-9A-Za-z]$/, 'expected an ISO/IEC 15424 identifier such as ]d2').optional(),
}).superRefine((r, ctx) => {
  if (r.code === null && r.grade !== 'F') ctx.addIssue({ code: 'custom', path: ['grade'], message: 'a result without a decoded code must have grade F' })
  if (r.code !== null && (r.code.startsWith(GS) || r.code.endsWith(GS))) ctx.addIssue({ code: 'custom', path: ['code'], message: 'GS only stands between fields, never first or last' })
})

export type CameraResultPayload = z.infer<typeof cameraResultSchema>

const GRADES: ReadonlySet<unknown> = new Set(gradeSchema.options)
const SYMBOLOGY = /^\][A-Za-z][0-9A-Za-z]$/

/**
 * The common case of `cameraResultSchema`, checked by hand: a well-formed result, at every product, without the
 * cost of the schema walk. It accepts a subset of what the schema accepts (anything unusual returns undefined),
 * so the schema still decides — and explains — every doubtful payload. Unknown keys are left out, as the schema
 * strips them.
 */
export function fastCameraResult (json: unknown): CameraResultPayload | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined
  const o = json as Record<string, unknown>
  const { seq, ts, code, grade, params, symbology } = o
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return undefined
  if (typeof ts !== 'number' || !Number.isFinite(ts) || ts < 0) return undefined
  if (!GRADES.has(grade)) return undefined
  if (code === null) {
    if (grade !== 'F') return undefined
  } else if (typeof code !== 'string' || code.length < 1 || code.length > 1024 || !CODE_CHARS.test(code) || code.startsWith(GS) || code.endsWith(GS)) return undefined
  const out: CameraResultPayload = { seq, ts, code, grade: grade as Grade }
  if (params !== undefined) {
    if (typeof params !== 'object' || params === null || Array.isArray(params) || Object.getPrototypeOf(params) !== Object.prototype) return undefined
    const copy: Record<string, Grade | number> = {}
    for (const k of Object.keys(params)) {
      const v = (params as Record<string, unknown>)[k]
      if (k.length > 64 || k === '__proto__') return undefined
      if (typeof v === 'number') { if (!Number.isFinite(v)) return undefined } else if (!GRADES.has(v)) return undefined
      copy[k] = v as Grade | number
    }
    out.params = copy
  }
  if (symbology !== undefined) {
    if (typeof symbology !== 'string' || !SYMBOLOGY.test(symbology)) return undefined
    out.symbology = symbology
  }
  return out
}

export const cameraStatusSchema = z.object({
  online: z.boolean(),
  ts: z.number().finite().min(0).optional(),
})

/** Build the payload a camera publishes (what sim/camera and the TCP bridge send). */
export function cameraResultPayload (r: { seq: number, ts: number, code: string | null, grade: Grade, params?: Record<string, Grade | number>, symbology?: string }): string {
  // JSON.stringify writes GS as the escape \u001d, as DESIGN §6 asks.
  return JSON.stringify(r)
}
