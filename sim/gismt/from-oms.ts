// What the OMS passes on to GIS MT, between the two emulators: a processed utilisation makes the codes that passed
// APPLIED, a processed OMS aggregation makes its aggregates known, an aggregate GIS MT disaggregated is forgotten by
// the OMS; and GIS MT registers OMS client tokens with the
// OMS during simpleSignIn/{omsConnection} (OMS guide §9.1.2). Without it the True API emulator would refuse every
// introduction of codes the OMS was told about ("code not applied", "unknown code").
import type { OmsEmulator } from '../oms/index.ts'
import type { TrueApiEmulator } from './server.ts'

/** Identity of a full code: the part before the first GS (the crypto tail follows it). */
const identity = (code: string): string => code.split('\u001d')[0] as string

export function passOmsReportsToTrueApi (oms: OmsEmulator, trueApi: TrueApiEmulator): void {
  oms.onReportProcessed(r => {
    if (r.kind === 'utilisation') trueApi.markApplied(r.codes.map(identity))
    else if (r.kind === 'aggregation') for (const u of r.acceptedUnits) trueApi.registerAggregate(u.unitSerialNumber, u.sntins)
  })
  trueApi.beforeRequest = () => { oms.processDue() }
  // GIS MT is where aggregates live: one it disaggregated (True API document) is gone for the OMS's checks too
  trueApi.onDisaggregated = unit => { oms.forgetAggregate(unit) }
}

/** Both links: reports flow from the OMS to GIS MT, and GIS MT's sign-in for an OMS connection yields the OMS's token. */
export function linkEmulators (oms: OmsEmulator, trueApi: TrueApiEmulator): void {
  passOmsReportsToTrueApi(oms, trueApi)
  trueApi.omsTokenIssuer = connection => oms.issueClientToken(connection)
}
