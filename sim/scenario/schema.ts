// What a scenario file (sim/scenarios/<name>.yaml) may say, validated with zod; a `ci:` block overrides top-level
// keys for the short version that tests and CI run (`npm run sim -- <name> --ci`).
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { z } from 'zod'
import { cameraScenarioSchema } from '../camera/scenario.ts'

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
/** A duration on the simulated clock: `500ms`, `30s`, `10m`, `6h` or milliseconds. */
const duration = z.union([z.number().min(0), z.string().regex(/^\d+(\.\d+)?(ms|s|m|h)$/, 'a duration like 500ms, 30s, 10m, 6h')])
  .transform(v => typeof v === 'number' ? v : Number(/^[\d.]+/.exec(v)![0]) * UNITS[/[a-z]+$/.exec(v)![0]]!)

export const FAULT_KINDS = [
  'ink-out', 'camera-offline', 'camera-ghosts', 'oms-down', 'true-api-down', 'internet-down', 'broker-restart', 'power-cut',
  // slips between the trigger and print streams (docs/tracking.md)
  'lost-confirmation', 'extra-print', 'lost-trigger', 'duplicate-result',
  // attacks and faults from outside the line's own devices (docs/security.md)
  'client-id-collision', 'plc-counter-reset', 'forged-trigger', 'garbage-flood', 'upstream-garbage', 'store-fault',
  // several lines of one plant (`plant:`): the plant register's server stopped, then started again
  'register-down',
] as const
export type FaultKind = typeof FAULT_KINDS[number]

const fault = z.strictObject({
  /** Fires when the conveyor has produced this many units. */
  at: z.int().min(0),
  kind: z.enum(FAULT_KINDS),
  /** How long the fault lasts, simulated time (power-cut: how long the power stays off). */
  for: duration.default(0),
})

const body = {
  description: z.string(),
  /** Line speed in units per simulated minute. */
  unitsPerMinute: z.number().positive(),
  /** Simulated milliseconds per real millisecond: the controller, conveyor and cameras run on this clock. */
  clockRate: z.number().min(1).max(100).default(1),
  quantity: z.int().min(1),
  unitsPerBox: z.int().min(0),
  boxesPerPallet: z.int().min(0),
  /** Replenishment in minutes of production (simulated); default: the job plus a margin, in codes. */
  pool: z.strictObject({ lowWatermarkMinutes: z.number().positive(), targetMinutes: z.number().positive() }).optional(),
  camera: cameraScenarioSchema,
  faults: z.array(fault).default([]),
  /** Power cuts (kill -9 of the controller, then a restart) at random units of the job. */
  powerCuts: z.strictObject({ count: z.int().min(1), seed: z.int().default(7), off: duration.default(0) }).optional(),
  /** How the PLC talks to the controller: MQTT on the line's broker, or Modbus TCP to the controller's server. */
  plc: z.enum(['mqtt', 'modbus']).default('mqtt'),
  /**
   * What marks the units: a print head (mode direct), a print-and-apply label printer (mode label), or nothing on
   * the line: the packs come printed from a printing house (mode preapplied, docs/modes.md).
   */
  marking: z.enum(['head', 'label', 'preapplied']).default('head'),
  /**
   * The printing house's roll (marking: preapplied): shares of the packs (0–1) that repeat an earlier code, carry a
   * code this line never handed over, a code handed over for another product, a smudged code, or nothing.
   */
  roll: z.strictObject({
    duplicate: z.number().min(0).max(1).default(0),
    foreign: z.number().min(0).max(1).default(0),
    otherGtin: z.number().min(0).max(1).default(0),
    unreadable: z.number().min(0).max(1).default(0),
    blank: z.number().min(0).max(1).default(0),
    seed: z.int().default(11),
  }).optional(),
  /**
   * Several pre-applied lines of one plant (marking: preapplied; sim/scenario/plant.ts): each runs the scenario's
   * job; they share the emulators, one plant register (a PostgreSQL cluster the run starts) and one print run, and
   * `shared` of each line's packs carry a code printed on another line's roll as well.
   */
  plant: z.strictObject({
    lines: z.int().min(2).max(4).default(2),
    shared: z.number().min(0).max(0.5).default(0.03),
  }).optional(),
  /**
   * Rework after the job (docs/rework.md): operations of the simulated engineer, each on the next closed box (or
   * pallet). Aggregation then goes as True API documents, and at the end what the True API emulator holds must equal
   * what the store says, box by box, code by code.
   */
  rework: z.array(z.enum(['repack', 'take-out', 'return', 'samples', 'scrap', 'pallet'])).optional(),
  /** Real seconds the whole run may take before it counts as failed. */
  timeoutSeconds: z.number().positive(),
}
const scenarioSchema = z.strictObject({ ...body, ci: z.strictObject(body).partial().optional() })
  .refine(sc => sc.plant === undefined || sc.marking === 'preapplied', { message: 'plant: several lines are run in the pre-applied mode only (marking: preapplied)', path: ['plant'] })
  .refine(sc => sc.plant !== undefined || ![...sc.faults, ...(sc.ci?.faults ?? [])].some(f => f.kind === 'register-down'), { message: 'register-down: only a run of several lines has a plant register (plant:)', path: ['faults'] })

export type Scenario = Omit<z.infer<typeof scenarioSchema>, 'ci'> & { name: string, ci: boolean }
export type ScenarioFault = z.infer<typeof fault>

/** Read and validate a scenario; with `ci`, its `ci:` block replaces the keys it names. */
export function loadScenario (path: string, name: string, ci: boolean): Scenario {
  const raw = parse(readFileSync(path, 'utf8')) as Record<string, unknown>
  const checked = scenarioSchema.parse(raw)
  const merged = ci && raw.ci !== undefined ? scenarioSchema.parse({ ...raw, ...(raw.ci as object), ci: undefined }) : checked
  const { ci: _, ...rest } = merged
  return { ...rest, name, ci }
}
