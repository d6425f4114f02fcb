// The simulated PLC's side of its link to the controller, whatever the transport: what the conveyor sends (triggers,
// gate confirmations, the panel's buttons) and what it acts on (state, rejects, accepts, the controller lost).
// MQTT here (docs/plc-mqtt.md); Modbus TCP in plc-modbus.ts (docs/plc-modbus.md).

import type { MqttClient } from 'mqtt'

export interface PlcPortHandlers {
  /** The controller's PackML state by name; `since` when the transport carries it (an older one is stale). */
  state(state: string, since?: number): void
  /** `reason`: the controller's reason, when the transport carries it (MQTT does, docs/plc-mqtt.md). */
  reject(seq: number, reason?: string): void
  accept(seq: number): void
  /** The controller is gone (or the link to it): stop the infeed, reject everything on the conveyor. */
  lost(): void
}

export interface PlcPort {
  /** The link to the controller is up: the infeed may run. */
  readonly connected: boolean
  start(handlers: PlcPortHandlers): Promise<void>
  trigger(seq: number, ts: number): void
  gate(seq: number, rejected: boolean): void
  /** A hard button on the operator panel. */
  command(cmd: string): Promise<void>
  stop(): Promise<void>
}

/** The PLC on the line's broker (docs/plc-mqtt.md). */
export class MqttPlcPort implements PlcPort {
  readonly #client: MqttClient
  readonly #topics: { trigger: string, reject: string, accept: string, state: string, gate: string, cmd: string }
  #stateTimer: NodeJS.Timeout | null = null

  constructor (options: { client: MqttClient, site: string, line: string }) {
    this.#client = options.client
    const base = `${options.site}/${options.line}`
    this.#topics = { trigger: `${base}/plc/trigger`, reject: `${base}/plc/reject`, accept: `${base}/plc/accept`, state: `${base}/state`, gate: `${base}/plc/gate`, cmd: `${base}/plc/cmd` }
  }

  get connected (): boolean { return this.#client.connected }

  async start (h: PlcPortHandlers): Promise<void> {
    this.#client.on('message', (topic, payload) => {
      try {
        if (topic === this.#topics.state) {
          const m = JSON.parse(payload.toString()) as { state: string, since?: number }
          h.state(m.state, typeof m.since === 'number' ? m.since : undefined)
        } else if (topic === this.#topics.reject) {
          const m = JSON.parse(payload.toString()) as { seq: number, reason?: unknown }
          h.reject(m.seq, typeof m.reason === 'string' ? m.reason : undefined)
        } else if (topic === this.#topics.accept) {
          h.accept((JSON.parse(payload.toString()) as { seq: number }).seq)
        }
      } catch {
        // a PLC ignores what it cannot parse
      }
    })
    // A PLC that cannot reach the controller stops the infeed and rejects what is on the conveyor: nobody can
    // send it a reject any more.
    this.#client.on('offline', () => h.lost())
    this.#client.on('close', () => h.lost())
    await this.#client.subscribeAsync([this.#topics.reject, this.#topics.accept, this.#topics.state], { qos: 1 })
    // Re-read the retained state every 2 s (a SUBSCRIBE re-sends it): state messages can arrive out of order
    // through a broker with persistence, and a PLC left believing "Held" while the controller runs would stop the
    // infeed for good (a shift stalled so; the operator saw Execute and had nothing to press).
    this.#stateTimer ??= setInterval(() => {
      if (this.#client.connected) this.#client.subscribe(this.#topics.state, { qos: 1 })
    }, 2000)
  }

  trigger (seq: number, ts: number): void {
    this.#client.publish(this.#topics.trigger, JSON.stringify({ seq, ts }), { qos: 0 })
  }

  gate (seq: number, rejected: boolean): void {
    // QoS 1: the controller's durable session keeps these while it is down
    this.#client.publish(this.#topics.gate, JSON.stringify({ seq, rejected }), { qos: 1 })
  }

  async command (cmd: string): Promise<void> {
    await this.#client.publishAsync(this.#topics.cmd, JSON.stringify({ cmd }), { qos: 1 })
  }

  async stop (): Promise<void> {
    if (this.#stateTimer !== null) clearInterval(this.#stateTimer)
    this.#stateTimer = null
  }
}
