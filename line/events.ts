// Typed events for the line (in the style of MQTT.js src/lib/TypedEmitter.ts): every emitter declares one event
// map, so a listener's payload type comes from the map, never from an inline annotation.

import { EventEmitter } from 'node:events'

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

/** node:events' EventEmitter with the event names and payloads of map `E` checked at compile time. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class TypedEmitter<E extends EventMap<E>> extends EventEmitter {}
