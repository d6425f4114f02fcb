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

export const cameraStatusSchema = z.object({
  online: z.boolean(),
  ts: z.number().finite().min(0).optional(),
})

/** Build the payload a camera publishes (what sim/camera and the TCP bridge send). */
export function cameraResultPayload (r: { seq: number, ts: number, code: string | null, grade: Grade, params?: Record<string, Grade | number>, symbology?: string }): string {
  // JSON.stringify writes GS as the escape \u001d, as DESIGN §6 asks.
  return JSON.stringify(r)
}
