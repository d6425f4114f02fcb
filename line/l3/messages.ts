// The L3 feed's wire formats (docs/l3-feed.md): the event envelope published on PUB, and the MES messages the
// ROUTER accepts with their ack/nack answers. Validated with zod at this edge.
import { z } from 'zod'
import { jobGroupFields, jobModeField } from '../jobs/fields.ts'

/** `batch.report`: a job's end-of-batch report when it ends (line/app/batch-report.ts; no marking codes in it). */
export const EVENT_TYPES = ['item', 'box', 'report', 'alarm', 'batch.report'] as const
export type EventType = typeof EVENT_TYPES[number]

/** Every published event: `seq` grows by exactly 1 per event of this feed, so a subscriber can count what it missed. */
export const Envelope = z.strictObject({
  seq: z.int().min(1),
  /** Unix ms on the line's clock. */
  ts: z.int(),
  type: z.enum(EVENT_TYPES),
  /** The line id (`<site>/<line>`). */
  line: z.string().min(1),
  data: z.unknown(),
})
export type Envelope = z.infer<typeof Envelope>

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected yyyy-MM-dd')

/** A production job as an MES sends it. */
export const JobSpec = z.strictObject({
  jobId: z.string().min(1).max(64),
  gtin: z.string().regex(/^\d{14}$/, 'expected a 14-digit GTIN'),
  group: z.string().min(1),
  quantity: z.int().min(1).max(10_000_000),
  productionDate: date.optional(),
  expirationDate: date.optional(),
  batch: z.string().max(64).optional(),
  tnvedCode: z.string().regex(/^\d{4,10}$/).optional(),
  /** Units per box, boxes per pallet, when the line aggregates. */
  boxSize: z.int().min(1).optional(),
  palletSize: z.int().min(1).optional(),
  /** What the product group's reports need (docs/groups.md); formats and presence are checked by the line. */
  ...jobGroupFields(),
  ...jobModeField(),
})
export type JobSpec = z.infer<typeof JobSpec>

export const MesMessage = z.discriminatedUnion('type', [
  z.strictObject({
    msgId: z.string().min(1).max(128), type: z.literal('job.load'), job: JobSpec,
    /**
     * Needed while another job is active: the MES confirms ending it and says what becomes of its open box and
     * pallet (`close` partial now, or `leave` open for later) — the panel's rule (docs/hmi.md "Changing the job").
     */
    change: z.strictObject({ confirm: z.literal(true), box: z.enum(['close', 'leave']), pallet: z.enum(['close', 'leave']) }).optional(),
  }),
  z.strictObject({ msgId: z.string().min(1).max(128), type: z.literal('job.cancel'), jobId: z.string().min(1) }),
  z.strictObject({ msgId: z.string().min(1).max(128), type: z.literal('ping') }),
])
export type MesMessage = z.infer<typeof MesMessage>

export type MesAnswer =
  | { msgId: string | null, type: 'ack', data?: unknown }
  | { msgId: string | null, type: 'nack', error: { code: string, message: string, issues?: Array<{ path: string, message: string }> } }
