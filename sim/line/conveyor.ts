// The PLC and the conveyor of a simulated line: products enter at the line's speed while the controller's
// retained state is Execute; the photocell fires the print head and `plc/trigger` together; each product passes
// the cameras and the reject gate a number of pitches later, and the gate executes `plc/reject` by sequence number.
// It records what physically left the line, so scenario checks can compare the world with the controller's store.

import { EventEmitter } from 'node:events'
import type { MqttClient } from 'mqtt'

export interface ConveyorHead {
  /** The print-go: prints the next buffered record, returns its code (undefined: nothing printed). */
  trigger(): string | undefined
}

export interface ConveyorCamera {
  id: string
  /** Pitches from the print station. */
  distance: number
  trigger(seq: number, printed: string | null, ts?: number): Promise<unknown>
}

export interface ConveyorOptions {
  client: MqttClient
  site: string
  line: string
  head: ConveyorHead
  cameras: ConveyorCamera[]
  rejectDistance: number
  unitsPerMinute: number
  now: () => number
  /** Start numbering here (a real PLC keeps its shift register across controller restarts). */
  firstSeq?: number
  /** Fail-safe verdicts (docs/plc-mqtt.md): a product without `plc/accept` is rejected at the gate. */
  failSafe?: boolean
}

interface Product { seq: number, code: string | null, position: number }

export interface ConveyorStats {
  produced: number
  unmarked: number
  rejected: number
  shipped: number
  /** Codes on products that left the line as good. */
  shippedCodes: string[]
  /** Codes on products that were rejected at the gate. */
  rejectedCodes: string[]
  rejectsUnknown: number
  /** Accepts for products already past the gate (fail-safe: those were rejected). */
  acceptsLate: number
  /** Pitches the conveyor moved (with or without a product): its own account of simulated time. */
  pitches: number
  /** Pitches the clock called for that the process was too busy to make (stalls beyond the catch-up). */
  stalledPitches: number
  /** Print-gos without a product (injected) and triggers never published (injected). */
  extraPrints: number
  lostTriggers: number
}

/** Pitches made at once to catch up with the clock after a late timer; more than this is a stall, not jitter. */
const MAX_CATCH_UP = 3

/** Events: 'product' (Product), 'shipped' (Product), 'rejected' (Product). */
export class Conveyor extends EventEmitter {
  readonly #o: ConveyorOptions
  readonly #topics: { trigger: string, reject: string, accept: string, state: string, gate: string }
  #seq: number
  #state = 'Stopped'
  #timer: NodeJS.Timeout | null = null
  readonly #onConveyor: Product[] = []
  readonly #rejects = new Set<number>()
  /** Products the controller accepted (fail-safe verdicts). */
  readonly #accepts = new Set<number>()
  /** Stop the infeed after this many products (scenario job size); Infinity runs on. */
  limit = Infinity
  readonly stats: ConveyorStats = { produced: 0, unmarked: 0, rejected: 0, shipped: 0, shippedCodes: [], rejectedCodes: [], rejectsUnknown: 0, acceptsLate: 0, pitches: 0, stalledPitches: 0, extraPrints: 0, lostTriggers: 0 }
  /** When the state the conveyor acts on began (the controller's `since`): an older state message is stale. */
  #stateSince = -Infinity
  #stateTimer: NodeJS.Timeout | null = null
  /** Trigger messages still to drop (fault injection: a PLC message lost on the way). */
  #dropTriggers = 0
  /** On the clock: the pitch in clock ms and the clock time the next pitch is due. */
  #clocked: { pitchMs: number, due: number } | null = null

  constructor (options: ConveyorOptions) {
    super()
    this.#o = options
    const base = `${options.site}/${options.line}`
    this.#topics = { trigger: `${base}/plc/trigger`, reject: `${base}/plc/reject`, accept: `${base}/plc/accept`, state: `${base}/state`, gate: `${base}/plc/gate` }
    this.#seq = options.firstSeq ?? 1
    options.client.on('message', (topic, payload) => this.#onMessage(topic, payload))
    // A PLC that cannot reach the controller stops the infeed and rejects what is on the conveyor: nobody can
    // send it a reject any more.
    options.client.on('offline', () => this.#lost())
    options.client.on('close', () => this.#lost())
  }

  #lost (): void {
    this.#state = 'Offline'
    this.#stateSince = -Infinity
    for (const p of this.#onConveyor) this.#rejects.add(p.seq)
  }

  get lineState (): string { return this.#state }
  get nextSeq (): number { return this.#seq }
  get onConveyor (): number { return this.#onConveyor.length }

  async start (): Promise<void> {
    await this.#o.client.subscribeAsync([this.#topics.reject, this.#topics.accept, this.#topics.state], { qos: 1 })
    // Re-read the retained state every 2 s (a SUBSCRIBE re-sends it): state messages can arrive out of order
    // through a broker with persistence, and a PLC left believing "Held" while the controller runs would stop the
    // infeed for good (a shift stalled so; the operator saw Execute and had nothing to press).
    this.#stateTimer ??= setInterval(() => {
      if (this.#o.client.connected) this.#o.client.subscribe(this.#topics.state, { qos: 1 })
    }, 2000)
    this.setSpeed(this.#o.unitsPerMinute)
  }

  setSpeed (unitsPerMinute: number): void {
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#clocked = null
    this.#timer = setInterval(() => this.step(), Math.max(1, 60_000 / unitsPerMinute))
  }

  /**
   * Move on the clock (`now`), not on a real-time interval: `unitsPerMinute` per minute of that clock, however late
   * the timers fire. A timer that fires late makes the pitches that fell due (a few at most); a longer stall of this
   * process loses them and counts them in `stalledPitches`, so the run can say how fast it really went.
   */
  runOnClock (unitsPerMinute: number, clockRate: number): void {
    if (this.#timer !== null) clearInterval(this.#timer)
    const pitchMs = 60_000 / unitsPerMinute
    this.#clocked = { pitchMs, due: this.#o.now() + pitchMs }
    // look twice a pitch (real time), so a pitch is never more than half a pitch late
    this.#timer = setInterval(() => this.#onClock(), Math.max(1, Math.floor(pitchMs / clockRate / 2)))
  }

  #onClock (): void {
    const c = this.#clocked
    if (c === null) return
    const now = this.#o.now()
    let n = 0
    while (c.due <= now && n < MAX_CATCH_UP) { this.step(); c.due += c.pitchMs; n++ }
    if (c.due <= now) {
      const lost = Math.floor((now - c.due) / c.pitchMs) + 1
      this.stats.stalledPitches += lost
      c.due += lost * c.pitchMs
    }
  }

  /** Fault: the head prints once with no product under it (a photocell bounce); the code lands on nothing. */
  extraPrint (): string | undefined {
    const code = this.#o.head.trigger()
    if (code !== undefined) this.stats.extraPrints++
    return code
  }

  /** Fault: the next `n` products' trigger messages never reach the controller (the head still prints them). */
  loseTriggers (n = 1): void { this.#dropTriggers += n }

  /** The PLC rebooted: its shift register counts from `first` again (products on the conveyor keep their numbers). */
  restartNumbering (first = 1): void { this.#seq = first }

  stop (): void {
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
    if (this.#stateTimer !== null) clearInterval(this.#stateTimer)
    this.#stateTimer = null
  }

  #onMessage (topic: string, payload: Buffer): void {
    try {
      if (topic === this.#topics.state) {
        const m = JSON.parse(payload.toString()) as { state: string, since?: number }
        // an older state than the one acted on (reordered delivery): the newer one stands
        if (typeof m.since === 'number' && m.since < this.#stateSince) return
        this.#state = m.state
        this.#stateSince = typeof m.since === 'number' ? m.since : -Infinity
        // The controller is gone: nobody can vouch for the products on the conveyor, so all of them are rejected.
        if (this.#state === 'Offline') for (const p of this.#onConveyor) this.#rejects.add(p.seq)
      }
      else if (topic === this.#topics.reject) {
        const { seq } = JSON.parse(payload.toString()) as { seq: number }
        if (this.#onConveyor.some(p => p.seq === seq)) this.#rejects.add(seq)
        else this.stats.rejectsUnknown++
      } else if (topic === this.#topics.accept) {
        const { seq } = JSON.parse(payload.toString()) as { seq: number }
        // an accept for a product already past the gate came too late: it was rejected there
        if (this.#onConveyor.some(p => p.seq === seq)) this.#accepts.add(seq)
        else this.stats.acceptsLate++
      }
    } catch {
      // a PLC ignores what it cannot parse
    }
  }

  /** One pitch: everything moves by one position; a new product enters if the line runs. */
  step (): void {
    const now = this.#o.now()
    this.stats.pitches++
    for (const p of this.#onConveyor) p.position++
    if (this.#state === 'Execute' && this.#o.client.connected && this.stats.produced < this.limit) {
      const seq = this.#seq++
      const code = this.#o.head.trigger() ?? null
      const p: Product = { seq, code, position: 0 }
      this.#onConveyor.push(p)
      this.stats.produced++
      if (code === null) this.stats.unmarked++
      if (this.#dropTriggers > 0) { this.#dropTriggers--; this.stats.lostTriggers++ } else this.#o.client.publish(this.#topics.trigger, JSON.stringify({ seq, ts: now }), { qos: 0 })
      this.emit('product', p)
    }
    for (const p of this.#onConveyor) {
      for (const cam of this.#o.cameras) {
        if (cam.distance === p.position) cam.trigger(p.seq, p.code, now).catch(() => {})
      }
    }
    while (this.#onConveyor.length > 0 && (this.#onConveyor[0] as Product).position >= this.#o.rejectDistance) {
      const p = this.#onConveyor.shift() as Product
      const accepted = this.#accepts.delete(p.seq)
      const rejected = this.#rejects.delete(p.seq) || (this.#o.failSafe === true && !accepted)
      // QoS 1: the controller's durable session keeps these while it is down
      this.#o.client.publish(this.#topics.gate, JSON.stringify({ seq: p.seq, rejected }), { qos: 1 })
      if (rejected) {
        this.stats.rejected++
        if (p.code !== null) this.stats.rejectedCodes.push(p.code)
        this.emit('rejected', p)
      } else {
        this.stats.shipped++
        if (p.code !== null) this.stats.shippedCodes.push(p.code)
        this.emit('shipped', p)
      }
    }
  }
}
