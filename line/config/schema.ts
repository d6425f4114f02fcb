// The whole line configuration: one YAML file per line, validated at start-up (see README "Configuration").
import { z } from 'zod'
import { checkJobForGroup, groupRule } from '../domain/groups.ts'
import { jobGroupFields, jobModeField } from '../jobs/fields.ts'
import { rejectGeometryIssues } from './rules.ts'
import { integer, nonEmpty } from './sections/common.ts'
import { cameraSchema, plcSchema, printerSchema, stationSchema } from './sections/devices.ts'
import { brokerSchema, catalogueSchema, erpSchema, hmiSchema, l3Schema, omsSchema, plantSchema, poolSchema, reportsSchema, signerSchema, storeSchema, trueApiSchema } from './sections/services.ts'

const topicPart = () => nonEmpty().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, "-" and "_" only (used in MQTT topics)')

export const jobSchema = z.strictObject({
  group: nonEmpty(),
  gtin: z.string().regex(/^\d{14}$/, 'expected 14 digits'),
  batch: nonEmpty(),
  productionDate: z.iso.date({ error: 'expected a date yyyy-MM-dd' }),
  expiryDate: z.iso.date({ error: 'expected a date yyyy-MM-dd' }).optional(),
  quantity: integer().min(1),
  unitsPerBox: integer().min(0).default(12),
  boxesPerPallet: integer().min(0).default(40),
  /** Minimum grade accepted by the camera check (GS1 asks for C or better). */
  minGrade: z.enum(['A', 'B', 'C', 'D']).default('C'),
  unitsPerMinute: z.number().positive().default(300),
  /** TN VED (ТН ВЭД ЕАЭС) code of the product: needed for the introduction-into-circulation document. */
  tnvedCode: z.string().regex(/^\d{4,10}$/, 'expected a 4–10-digit TN VED code').optional(),
  /** What the product group's reports and orders need (docs/groups.md). */
  ...jobGroupFields(),
  ...jobModeField(),
}).superRefine((job, ctx) => {
  // the product-group table: a job the OMS would refuse reports of does not start (line/domain/groups.ts)
  for (const p of checkJobForGroup(job)) ctx.addIssue({ code: 'custom', path: [p.field], message: `${p.message.en} / ${p.message.ru}` })
})

export const configSchema = z.strictObject({
  site: topicPart(),
  line: topicPart(),
  store: storeSchema.prefault({}),
  log: z.strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') }).default({ level: 'info' }),
  /** Optional attribute AIs a group prints in addition to its built-in layout, e.g. `{ water: ["17"] }`. */
  profiles: z.record(z.string(), z.array(z.string())).default({}),
  pool: poolSchema.prefault({}),
  aggregation: z.strictObject({
    companyPrefix: z.string().regex(/^\d{7,10}$/, 'expected a 7–10-digit GS1 company prefix'),
    extensionDigit: integer().min(0).max(9).default(0),
  }).default({ companyPrefix: '4600000', extensionDigit: 0 }),
  oms: omsSchema.optional(),
  trueApi: trueApiSchema.optional(),
  /** The National Catalogue the product cards come from (docs/catalogue.md). */
  catalogue: catalogueSchema.optional(),
  signer: signerSchema.default({ kind: 'test', secret: 'test-signer' }),
  reports: reportsSchema.prefault({}),
  broker: brokerSchema.prefault({}),
  printers: z.array(printerSchema).default([]),
  cameras: z.array(cameraSchema).default([]),
  plc: plcSchema.prefault({}),
  /** The manual aggregation station; absent: off. */
  station: stationSchema.optional(),
  hmi: hmiSchema.prefault({}),
  l3: l3Schema.prefault({}),
  /** The plant-wide duplicate check of pre-applied codes; absent: off. */
  plant: plantSchema.optional(),
  /** The ERP / 1C HTTP API; absent: off. */
  erp: erpSchema.optional(),
  job: jobSchema.optional(),
}).superRefine((c, ctx) => {
  const seen = new Map<string, number>()
  c.printers.forEach((p, i) => {
    const j = seen.get(p.id)
    if (j !== undefined) ctx.addIssue({ code: 'custom', path: ['printers', i, 'id'], message: `duplicate id "${p.id}" (also printers[${j}])` })
    seen.set(p.id, i)
  })
  const cams = new Map<string, number>()
  const labelPrinter = c.printers.some(p => p.driver === 'zpl-label' && p.role !== 'unit')
  c.cameras.forEach((cam, i) => {
    const j = cams.get(cam.id)
    if (j !== undefined) ctx.addIssue({ code: 'custom', path: ['cameras', i, 'id'], message: `duplicate id "${cam.id}" (also cameras[${j}])` })
    cams.set(cam.id, i)
    // a label camera reads what the box/pallet label printer printed: without one it would wait for labels forever
    if (cam.role !== 'unit' && !labelPrinter) ctx.addIssue({ code: 'custom', path: ['cameras', i, 'role'], message: `a ${cam.role} camera reads box/pallet labels: configure a zpl-label printer with role box or pallet` })
  })
  // §4.4.10 note 1: the OMS takes no aggregation for lp, shoes, nabeer — their boxes go to the True API
  const rule = c.job === undefined ? undefined : groupRule(c.job.group)
  if (c.job !== undefined && rule !== undefined && c.job.unitsPerBox > 0 && c.reports.aggregationVia === 'oms' && c.oms !== undefined && !rule.aggregation.oms) {
    ctx.addIssue({ code: 'custom', path: ['job', 'unitsPerBox'], message: `the OMS takes no aggregation reports for ${c.job.group} (${rule.aggregation.source}): set reports.aggregationVia: true-api, or unitsPerBox: 0` })
  }
  if (c.pool.targetMinutes < c.pool.lowWatermarkMinutes) {
    ctx.addIssue({ code: 'custom', path: ['pool', 'targetMinutes'], message: 'must not be below lowWatermarkMinutes' })
  }
  for (const issue of rejectGeometryIssues(c.plc, c.cameras)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message.en })
})

export type LineConfig = z.infer<typeof configSchema>
export type JobConfig = z.infer<typeof jobSchema>
