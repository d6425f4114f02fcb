// The contract between the line and camera verifiers: results per trigger sequence number, never by arrival order.

import type { EventEmitter } from 'node:events'

// Grades are part of the shared vocabulary; re-exported here for the verifiers' callers.
import type { Grade } from '../line/domain/grades.ts'
export { type Grade, GRADE_ORDER, gradeAtLeast } from '../line/domain/grades.ts'

export interface VerificationResult {
  camera: string
  /** The PLC's trigger sequence number this image belongs to. */
  seq: number
  /** Camera time of the trigger (ms). */
  ts: number
  /** Decoded data, GS between fields, no symbology identifier; null when nothing decoded. */
  code: string | null
  /** ISO/IEC 15415 overall grade; F when not decoded. */
  grade: Grade
  /** Parameter grades / values (symbolContrast, modulation, fixedPatternDamage, axialNonUniformity, gridNonUniformity, unusedErrorCorrection, …). */
  params?: Record<string, Grade | number>
  /** ISO/IEC 15424 symbology identifier, e.g. `]d2` for GS1 DataMatrix. */
  symbology?: string
  /** When the controller received it (ms, controller clock). */
  receivedAt: number
}

export interface InvalidResult {
  camera: string | null
  topic: string
  payload: string
  error: string
  /** The id in the topic of a camera the config does not name (its messages are refused, `camera` is null). */
  unknownCamera?: string
}

/**
 * Events: 'result' (VerificationResult), 'invalid' (InvalidResult: counted, logged, alarmed by the line),
 * 'status' ({ camera, online }).
 */
export interface Verifier extends EventEmitter {
  start(): Promise<void>
  stop(): Promise<void>
  stats(): { results: number, invalid: number }
}
