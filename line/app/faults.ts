// Faults from outside the line's own devices turned into alarms and holds: the broker connection, the report
// outbox, emission (the OMS).

import type { Bilingual } from '../control.ts'
import type { AlarmBook } from '../alarms/alarms.ts'
import { alarmRef } from '../domain/catalogue.ts'
import type { EmissionAlarm } from '../emission/status.ts'
import type { LineBus } from '../events.ts'
import type { FaultKind } from '../state/machine.ts'

export interface FaultsOptions {
  bus: LineBus
  alarms: Pick<AlarmBook, 'raise' | 'clear'>
  /** Holds the line (the runtime's fault). */
  fault: (kind: FaultKind, message: Bilingual, source: string) => void
}

export function watchFaults (o: FaultsOptions): void {
  const { bus, alarms } = o
  bus.on('broker:offline', () => o.fault('broker', { ru: 'Нет связи с брокером MQTT', en: 'MQTT broker connection lost' }, 'broker'))
  bus.on('broker:connect', () => alarms.clear('FAULT_BROKER', 'broker'))
  bus.on('outbox:alarm', a => alarms.raise({ ...alarmRef(a), source: `report ${a.reportId}`, detail: a.context }))
}

/** The replenisher's alarms on the operator's list. */
export function emissionAlarms (alarms: Pick<AlarmBook, 'raise'>): (a: EmissionAlarm) => void {
  return a => { alarms.raise({ ...a.alarm, source: 'oms', detail: { ...a.context, errorCode: a.code } }) }
}
