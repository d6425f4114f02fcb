// What the OMS passes on to GIS MT, between the two emulators: a processed utilisation report makes its codes
// APPLIED, a processed OMS aggregation report makes its aggregates known. Without it the True API emulator would
// refuse every introduction of codes the OMS was told about ("code not applied", "unknown code").
import type { OmsEmulator } from '../oms/index.ts'
import type { TrueApiEmulator } from './server.ts'

/** Identity of a full code: the part before the first GS (the crypto tail follows it). */
const identity = (code: string): string => code.split('\u001d')[0] as string

export function passOmsReportsToTrueApi (oms: OmsEmulator, trueApi: TrueApiEmulator): void {
  oms.onReportProcessed(r => {
    if (r.kind === 'utilisation') trueApi.markApplied(r.codes.map(identity))
    else if (r.kind === 'aggregation') for (const u of r.units ?? []) trueApi.registerAggregate(u.unitSerialNumber, u.sntins)
  })
}
