// Typed events for the line (in the style of MQTT.js src/lib/TypedEmitter.ts): every emitter declares one event
// map, so a listener's payload type comes from the map, never from an inline annotation.

import { EventEmitter } from 'node:events'
import type { AggregatorEvents } from './aggregation/aggregator.ts'
import type { AlarmEvents } from './alarms/alarms.ts'
import type { JobView } from './control.ts'
import type { PlcEvents } from './plc/link.ts'
import type { ReportOutboxEvents } from './reports/outbox.ts'
import type { MachineEvents } from './state/machine.ts'
import type { TrackerEvents } from './tracking/tracker.ts'
import type { InvalidResult, VerificationResult } from '../verifiers/types.ts'

/** An event map: event name → the arguments its listeners receive. */
export type EventMap<E> = { [K in keyof E]: unknown[] }

export type Listener<E extends EventMap<E>, K extends keyof E> = (...args: E[K]) => void

export interface TypedEmitter<E extends EventMap<E>> {
  on<K extends keyof E & string>(event: K, listener: Listener<E, K>): this
  once<K extends keyof E & string>(event: K, listener: Listener<E, K>): this
  off<K extends keyof E & string>(event: K, listener: Listener<E, K>): this
  addListener<K extends keyof E & string>(event: K, listener: Listener<E, K>): this
  removeListener<K extends keyof E & string>(event: K, listener: Listener<E, K>): this
  prependListener<K extends keyof E & string>(event: K, listener: Listener<E, K>): this
  emit<K extends keyof E & string>(event: K, ...args: E[K]): boolean
  listenerCount<K extends keyof E & string>(event: K): number
}

/**
 * node:events' EventEmitter with the event names and payloads of map `E` checked at compile time. The interface
 * above merges into this class: it only narrows the signatures, the behaviour is node's.
 */
export class TypedEmitter<E extends EventMap<E>> extends EventEmitter {}

// ---- the line's event map ------------------------------------------------------------------------------------

/** What the cameras report (verifiers/ speak untyped node events; the line relays them under this map). */
export interface CameraEvents {
  result: [VerificationResult]
  invalid: [InvalidResult]
  status: [{ camera: string, online: boolean }]
}

/** The message broker connection the line runs over. */
export interface BrokerEvents {
  offline: []
  connect: []
}

/** What the line itself decides (runtime): codes written off, a job started. */
export interface LineOwnEvents {
  /** Codes that became DEFECT outside the tracker's verdicts (gate, restart write-off, removal, scrap). */
  defect: [codeIds: number[]]
  /** A job started (operator, L3 or config). */
  job: [JobView]
  /** A job ended: completed, or cancelled because the next one was started (its end-of-batch report is due). */
  jobEnded: [JobView]
  /** Units taken out of a box in a rework (docs/rework.md), DEFECT with a reason, of a job that may have ended. */
  reworkDefect: [{ jobId: number, codeIds: number[], reason: string }]
}

/** Each source of line events and the map it emits. */
export interface LineSources {
  plc: PlcEvents
  tracker: TrackerEvents
  aggregator: AggregatorEvents
  alarms: AlarmEvents
  outbox: ReportOutboxEvents
  machine: MachineEvents
  camera: CameraEvents
  broker: BrokerEvents
  line: LineOwnEvents
}

type Prefixed<P extends string, E> = { [K in keyof E & string as `${P}:${K}`]: E[K] }

/**
 * The one event map of the line: `<source>:<event>`, e.g. 'tracker:item', 'plc:gate'. Application modules
 * (line/app/) subscribe here, never to the components directly.
 */
export type LineEvents =
  Prefixed<'plc', PlcEvents> & Prefixed<'tracker', TrackerEvents> & Prefixed<'aggregator', AggregatorEvents> &
  Prefixed<'alarms', AlarmEvents> & Prefixed<'outbox', ReportOutboxEvents> & Prefixed<'machine', MachineEvents> &
  Prefixed<'camera', CameraEvents> & Prefixed<'broker', BrokerEvents> & Prefixed<'line', LineOwnEvents>

/**
 * The line's event bus. The composition root relays each component's events onto it; listeners run in the
 * order they subscribed, synchronously, like any node:events listener.
 */
export class LineBus extends TypedEmitter<LineEvents> {
  constructor () {
    super()
    // one listener per application module and event: well under this, but a leak should still show
    this.setMaxListeners(50)
  }

  /** Re-emit `events` of `source` as `<prefix>:<event>`. Returns what undoes it. */
  relay<P extends keyof LineSources & string, E extends LineSources[P] & EventMap<E>> (prefix: P, source: TypedEmitter<E>, events: ReadonlyArray<keyof LineSources[P] & string>): () => void {
    const offs: Array<() => void> = []
    const from = source as unknown as NodeJS.EventEmitter
    for (const event of events) {
      const name = `${prefix}:${event}`
      const fn = (...args: unknown[]): void => { (this as NodeJS.EventEmitter).emit(name, ...args) }
      from.on(event, fn)
      offs.push(() => { from.off(event, fn) })
    }
    return () => { for (const off of offs) off() }
  }
}

/** Sources whose events are not typed (verifiers/ and the MQTT client): relayed onto the bus at this one boundary. */
export function relayCameras (bus: LineBus, verifier: NodeJS.EventEmitter): () => void {
  const result = (r: VerificationResult): void => { bus.emit('camera:result', r) }
  const invalid = (e: InvalidResult): void => { bus.emit('camera:invalid', e) }
  const status = (s: { camera: string, online: boolean }): void => { bus.emit('camera:status', s) }
  verifier.on('result', result)
  verifier.on('invalid', invalid)
  verifier.on('status', status)
  return () => { verifier.off('result', result); verifier.off('invalid', invalid); verifier.off('status', status) }
}

export function relayBroker (bus: LineBus, client: { on(event: 'offline' | 'connect', fn: () => void): unknown }): void {
  client.on('offline', () => bus.emit('broker:offline'))
  client.on('connect', () => bus.emit('broker:connect'))
}
