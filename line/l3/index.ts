// The L3 / MES interface: event feed (PUB), job messages (ROUTER), their formats, and wiring to the outbox.
import type { ReportOutbox } from '../reports/outbox.ts'
import type { L3Publisher } from './publisher.ts'

export * from './messages.ts'
export { L3Publisher, type PublisherOptions } from './publisher.ts'
export { L3JobRouter, L3MessageError, type MesHandler, type RouterOptions } from './router.ts'

/** Publish the outbox's report state changes and alarms on the feed; returns a function that unwires it. */
export function feedOutbox (outbox: ReportOutbox, pub: L3Publisher): () => void {
  const onReport = (e: unknown): void => { pub.publish('report', e) }
  const onAlarm = (a: unknown): void => { pub.publish('alarm', a) }
  outbox.on('report', onReport)
  outbox.on('alarm', onAlarm)
  return () => { outbox.off('report', onReport); outbox.off('alarm', onAlarm) }
}
