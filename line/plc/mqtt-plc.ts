// The PLC over MQTT: commands and triggers in, rejects out (QoS 1), retained state, counters and alarms out.
// The one file of line/ that talks MQTT to the PLC; a bad payload is counted, logged and alarmed, never thrown.

import type { MqttClient } from 'mqtt'
import type { AlarmBook } from '../alarms/alarms.ts'
import type { AlarmView, Counters } from '../control.ts'
import { issueLines } from '../domain/validation.ts'
import { TypedEmitter } from '../events.ts'
import type { Logger } from '../log.ts'
import type { StateSnapshot } from '../state/machine.ts'
import type { PlcEvents, PlcLink, PlcStats } from './link.ts'
import { lineTopics, plcCommandSchema, plcGateSchema, plcTriggerSchema } from './topics.ts'

const MAX_PAYLOAD = 4096

/** The PLC link over MQTT (docs/plc-mqtt.md). */
export class MqttPlc extends TypedEmitter<PlcEvents> implements PlcLink {
  readonly #client: MqttClient
  readonly #topics: ReturnType<typeof lineTopics>
  readonly #log: Logger
  readonly #alarms: AlarmBook
  readonly stats: PlcStats = { commands: 0, triggers: 0, rejects: 0, accepts: 0, gates: 0, invalid: 0 }
  /** Messages that arrive before start() (a durable session delivers its queue right after connecting). */
  #early: Array<() => void> | null = []

  constructor (options: { client: MqttClient, site: string, line: string, log: Logger, alarms: AlarmBook }) {
    super()
    this.#client = options.client
    this.#topics = lineTopics(options.site, options.line)
    this.#log = options.log
    this.#alarms = options.alarms
    this.#client.on('message', (topic, payload) => this.#onMessage(topic, payload))
  }

  /** Subscribe, then hand over what arrived before the line was wired. */
  async start (): Promise<void> {
    await this.#client.subscribeAsync([this.#topics.cmd, this.#topics.trigger, this.#topics.gate], { qos: 1 })
    const early = this.#early ?? []
    this.#early = null
    for (const deliver of early) deliver()
  }

  #deliver<K extends keyof PlcEvents & string> (event: K, ...args: PlcEvents[K]): void {
    if (this.#early !== null) this.#early.push(() => this.emit(event, ...args))
    else this.emit(event, ...args)
  }

  #onMessage (topic: string, payload: Buffer): void {
    if (topic !== this.#topics.cmd && topic !== this.#topics.trigger && topic !== this.#topics.gate) return
    let data: unknown
    try {
      if (payload.length > MAX_PAYLOAD) throw new Error(`payload of ${payload.length} bytes is over ${MAX_PAYLOAD}`)
      data = JSON.parse(payload.toString('utf8'))
    } catch (err) {
      return this.#invalid(topic, payload, (err as Error).message)
    }
    if (topic === this.#topics.gate) {
      const r = plcGateSchema.safeParse(data)
      if (!r.success) return this.#invalid(topic, payload, issueLines(r.error.issues).join('; '))
      this.stats.gates++
      this.#deliver('gate', r.data)
    } else if (topic === this.#topics.trigger) {
      const r = plcTriggerSchema.safeParse(data)
      if (!r.success) return this.#invalid(topic, payload, issueLines(r.error.issues).join('; '))
      this.stats.triggers++
      this.#deliver('trigger', r.data)
    } else {
      const r = plcCommandSchema.safeParse(data)
      if (!r.success) return this.#invalid(topic, payload, issueLines(r.error.issues).join('; '))
      this.stats.commands++
      this.#deliver('command', r.data.cmd)
    }
  }

  #invalid (topic: string, payload: Buffer, error: string): void {
    this.stats.invalid++
    this.#log.warn({ topic, payload: payload.subarray(0, 200).toString('utf8'), error }, 'invalid PLC payload dropped')
    this.#alarms.raise({ code: 'PLC_PAYLOAD', source: 'plc', params: { topic }, detail: { topic, error } })
  }

  /** QoS 1: resolves when the broker acknowledged the reject. */
  async reject (seq: number, reason: string): Promise<void> {
    await this.#client.publishAsync(this.#topics.reject, JSON.stringify({ seq, reason }), { qos: 1 })
    this.stats.rejects++
  }

  /**
   * QoS 0: one per good product at line speed, and a lost accept only costs a good product (the PLC rejects it),
   * never ships an unchecked one; QoS 1 would journal every accept in the broker beside the camera results.
   */
  async accept (seq: number): Promise<void> {
    await this.#client.publishAsync(this.#topics.accept, JSON.stringify({ seq }), { qos: 0 })
    this.stats.accepts++
  }

  publishState (s: StateSnapshot): void {
    const payload = JSON.stringify({ state: s.state, number: s.stateNumber, mode: s.mode, fault: s.fault, since: s.since })
    this.#client.publish(this.#topics.state, payload, { qos: 1, retain: true }, err => { if (err) this.#log.warn({ err }, 'state publish failed') })
  }

  publishCounters (c: Counters): void {
    this.#client.publish(this.#topics.counters, JSON.stringify(c), { qos: 0 })
  }

  publishAlarm (a: AlarmView): void {
    this.#client.publish(this.#topics.alarms, JSON.stringify(a), { qos: 1 }, err => { if (err) this.#log.warn({ err }, 'alarm publish failed') })
  }
}
