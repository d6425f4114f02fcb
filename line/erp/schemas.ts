// What the ERP API accepts, checked at this edge with zod; the job itself is then checked by the job store
// (JobStore.validate: the schema again, the GTIN check digit, dates, the product-group table), as at every entry.
import { z } from 'zod'
import type { JobInput } from '../control.ts'
import { jobInputSchema } from '../jobs/jobs.ts'

/** The ERP's own reference of a job (its order or document number): letters, digits and . _ - / only. */
export const referenceSchema = z.string().min(1).max(64).regex(/^[\p{L}\p{N}._\-/]+$/u, 'reference: letters, digits, . _ - / / номер: буквы, цифры, . _ - /')

/** A job from the ERP: the line's job fields, with the line's defaults for what an ERP does not know. */
export const erpJobSchema = jobInputSchema.extend({
  reference: referenceSchema.optional(),
  minGrade: jobInputSchema.shape.minGrade.optional(),
  unitsPerMinute: jobInputSchema.shape.unitsPerMinute.optional(),
  unitsPerBox: jobInputSchema.shape.unitsPerBox.optional(),
  boxesPerPallet: jobInputSchema.shape.boxesPerPallet.optional(),
})
export type ErpJobBody = z.infer<typeof erpJobSchema>

export interface JobDefaults { unitsPerMinute: number, minGrade: JobInput['minGrade'], unitsPerBox: number, boxesPerPallet: number }

/** The body as the line's job: defaults filled in, the reference left out. */
export function jobOf (body: ErpJobBody, d: JobDefaults): JobInput {
  const { reference: _reference, ...rest } = body
  return {
    ...rest,
    minGrade: body.minGrade ?? d.minGrade,
    unitsPerMinute: body.unitsPerMinute ?? d.unitsPerMinute,
    unitsPerBox: body.unitsPerBox ?? d.unitsPerBox,
    boxesPerPallet: body.boxesPerPallet ?? d.boxesPerPallet,
  } as JobInput
}

export const ERP_STATUSES = ['queued', 'active', 'complete', 'cancelled'] as const
export type ErpStatus = typeof ERP_STATUSES[number]

export const listQuerySchema = z.strictObject({
  status: z.enum(ERP_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
})

export const idParamSchema = z.strictObject({ id: z.string().regex(/^[1-9]\d{0,15}$/, 'expected a job id (a positive integer)').transform(Number) })

/** Idempotency-Key: 1–128 characters of letters, digits and - _ . : (a UUID fits). */
export const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,128}$/
