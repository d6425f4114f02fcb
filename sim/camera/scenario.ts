// What a simulated camera does to each item: fidelity mode, failure rates, image defects and faults, validated with zod.
import { z } from 'zod'

const rate = () => z.number().min(0).max(1)
const defect = (max: number) => z.strictObject({
  /** Chance that an item gets this defect. */
  p: rate(),
  /** Magnitude drawn uniformly from [min, max]. */
  min: z.number().min(0).max(max),
  max: z.number().min(0).max(max),
}).refine(d => d.min <= d.max, 'min must not exceed max')

export const cameraScenarioSchema = z.strictObject({
  /** image: render, degrade, decode and grade every item (tens to hundreds/s). fast: code-level results (thousands/s). */
  mode: z.enum(['image', 'fast']).default('fast'),
  /** Codes are GS1 (FNC1 first, read back as ]d2); false for tobacco packs. */
  gs1: z.boolean().default(true),
  /** fast mode: chance of no read (code null, grade F). */
  noReadRate: rate().default(0),
  /** fast mode: chance of a readable but poor print (grade D). */
  lowGradeRate: rate().default(0),
  /** image mode: pixels per module of the rendered code. */
  moduleSize: z.number().min(2).max(20).default(6),
  /** image mode: defects applied per item, each with its own probability. */
  defects: z.strictObject({
    blur: defect(10).optional(),
    noise: defect(128).optional(),
    contrast: defect(1).optional(),
    smear: defect(40).optional(),
    occlusion: defect(1).optional(),
    rotation: defect(360).optional(),
  }).default({}),
  faults: z.strictObject({
    offline: z.boolean().default(false),
    /** Results arrive this much after the trigger, uniformly (real readers: 200–600 ms). */
    lateMs: z.tuple([z.number().min(0), z.number().min(0)]).optional(),
    /** Chance that a result is published twice. */
    duplicateRate: rate().default(0),
    /** Chance that a result carries a code that was never printed (a stray label, a neighbour's code). */
    ghostRate: rate().default(0),
  }).default({ offline: false, duplicateRate: 0, ghostRate: 0 }),
})

export type CameraScenario = z.infer<typeof cameraScenarioSchema>
export type CameraScenarioInput = z.input<typeof cameraScenarioSchema>
export type CameraFaults = CameraScenario['faults']
