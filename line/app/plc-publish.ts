// What the line tells the PLC besides rejects: its PackML state (retained), every alarm, and the counters.

import type { Counters } from '../control.ts'
import type { LineBus } from '../events.ts'
import type { PlcLink } from '../plc/link.ts'

export interface PlcPublishOptions {
  bus: LineBus
  plc: Pick<PlcLink, 'publishState' | 'publishAlarm' | 'publishCounters'>
  counters: () => Counters
  /** Counters are sent this often (the state and alarms as they change). */
  countersMs: number
}

/** Returns what stops the counters. */
export function publishToPlc (o: PlcPublishOptions): () => void {
  o.bus.on('machine:change', s => o.plc.publishState(s))
  o.bus.on('alarms:alarm', a => o.plc.publishAlarm(a))
  const timer = setInterval(() => o.plc.publishCounters(o.counters()), o.countersMs)
  return () => clearInterval(timer)
}
