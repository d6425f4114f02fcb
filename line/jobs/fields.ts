// The job fields a product group may need, as one zod fragment shared by every job entry (config, HMI, L3, store).
import { z } from 'zod'

/**
 * The job fields the product-group table may ask for (line/domain/groups.ts), as loose strings: their formats and
 * which group needs which are checked by `checkJobForGroup`, the same at every entry (config, HMI, L3, this store).
 */
export function jobGroupFields () {
  const s = z.string().max(512).optional()
  return {
    expDate72: s, participantId: s, kpp: s, fiasId: s, alcoholVolume: s, documentNumber: s, documentDate: s, productionLineId: s,
    address: s, factoryId: s, factoryCountry: s, productCode: s, productDescription: s, mrp: s,
    expDateConditions: z.record(z.string(), z.string()).optional(),
  }
}

/**
 * How the job's codes reach the packs (docs/modes.md): `direct` (print heads), `label` (print-and-apply unit labels),
 * `preapplied` (codes printed elsewhere and handed over in a codes file, read and checked here by the unit camera).
 * Absent: the line's own mode (its unit printers decide).
 */
export const JOB_MODES = ['direct', 'label', 'preapplied'] as const
export type JobMode = typeof JOB_MODES[number]
export function jobModeField () {
  return { mode: z.enum(JOB_MODES).optional() }
}
