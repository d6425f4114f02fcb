// The PLC's product events: a trigger is a product at the print station (the tracker first, then the gate
// count); a gate confirmation says what happened to a product at the reject station.

import type { LineBus } from '../events.ts'
import type { Logger } from '../log.ts'
import type { PlcLink } from '../plc/link.ts'
import type { CodePool } from '../pool/pool.ts'
import type { LineRuntime } from '../runtime.ts'
import type { Tracker } from '../tracking/tracker.ts'

export interface GateWiringOptions {
  bus: LineBus
  tracker: Pick<Tracker, 'onTrigger'>
  runtime: Pick<LineRuntime, 'onTrigger' | 'onGate'>
  pool: Pick<CodePool, 'commit'>
}

/**
 * Fail-safe verdicts (`plc.failSafe`): every product verified good is accepted to the PLC once VERIFIED is
 * committed; the PLC rejects a product that reaches the gate without one. A lost accept costs a good product, never
 * a bad one shipped.
 */
export function acceptGoodProducts (o: { bus: LineBus, plc: Pick<PlcLink, 'accept'>, log: Logger }): void {
  o.bus.on('tracker:good', u => { o.plc.accept(u.seq).catch(err => o.log.warn({ err, seq: u.seq }, 'accept not sent: the PLC rejects the product at the gate')) })
}

export function followProducts (o: GateWiringOptions): void {
  o.bus.on('plc:trigger', t => { o.tracker.onTrigger(t.seq); o.runtime.onTrigger(t.seq) })
  o.bus.on('plc:gate', g => {
    o.runtime.onGate(g.seq, g.rejected)
    // mqtt.js acknowledges this QoS 1 message when the handler returns: commit what it queued (the unit's box
    // membership, or its DEFECT mark) first, so a crash cannot lose a confirmation the broker thinks delivered.
    o.pool.commit.flush()
  })
}
