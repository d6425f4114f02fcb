// Faults from outside the line's own devices turned into alarms and holds: the broker connection, the report
// outbox, emission (the OMS).

import type { Bilingual } from '../control.ts'
import type { AlarmBook } from '../alarms/alarms.ts'
import { FAULT_ALARMS } from '../alarms/faults.ts'
import { alarmRef } from '../domain/catalogue.ts'
import type { StoreFaultKind, StoreWatch } from '../store/guard.ts'
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

/**
 * The store deleted, replaced or its WAL growing under a running line: a fault that holds it (commits would go to a
 * file nobody opens again), cleared when the store is back. Returns what stops the watch.
 */
export function watchStore (o: { watch: StoreWatch, intervalMs: number, alarms: Pick<AlarmBook, 'clear'>, fault: (kind: FaultKind, message: Bilingual, source: string, detail?: Record<string, unknown>) => void }): () => void {
  const texts: Record<StoreFaultKind, Bilingual> = {
    vanished: { ru: 'файл хранилища удалён', en: 'the store file was deleted' },
    replaced: { ru: 'файл хранилища подменён', en: 'the store file was replaced' },
    unreadable: { ru: 'файл хранилища недоступен', en: 'the store file cannot be read' },
    'wal-growing': { ru: 'журнал хранилища растёт и не сбрасывается', en: "the store's journal keeps growing" },
    'read-only': { ru: 'файл хранилища защищён от записи', en: 'the store file cannot be written' },
  }
  o.watch.on('fault', f => o.fault('store', texts[f.kind], 'store-file', { kind: f.kind, path: f.path, detail: f.detail }))
  o.watch.on('recovered', () => o.alarms.clear(FAULT_ALARMS.store, 'store-file'))
  o.watch.start(o.intervalMs)
  return () => o.watch.stop()
}
