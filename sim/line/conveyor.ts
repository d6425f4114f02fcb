// The PLC and the conveyor of a simulated line: products enter at the line's speed while the controller's
// state is Execute; the photocell fires the print head and the trigger together; each product passes the cameras
// and the reject gate a number of pitches later, and the gate executes rejects by sequence number. The PLC speaks
// MQTT (docs/plc-mqtt.md) or Modbus TCP (docs/plc-modbus.md) through a PlcPort (plc-port.ts).
// It records what physically left the line, so scenario checks can compare the world with the controller's store.

import { EventEmitter } from 'node:events'
import type { MqttClient } from 'mqtt'
import { MqttPlcPort, type PlcPort } from './plc-port.ts'

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
  /** The PLC on the line's broker (with site and line); or `plc`, a port of any transport. */
  client?: MqttClient
  site?: string
  line?: string
  plc?: PlcPort
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

/**
 * A product on the conveyor; `reason`: why the controller rejected it, when its reject said (MQTT); `failSafe`:
 * rejected at the gate because neither a reject nor an accept had come for it (fail-safe verdicts).
 */
export interface Product { seq: number, code: string | null, position: number, reason?: string, failSafe?: boolean }

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

/** Events: 'product' (Product), 'shipped' (Product), 'rejected' (Product), 'late-reject' (seq, reason): a reject for a product already past the gate. */
export class Conveyor extends EventEmitter {
  readonly #o: ConveyorOptions
  readonly #plc: PlcPort
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
  /** Trigger messages still to drop (fault injection: a PLC message lost on the way). */
  #dropTriggers = 0
  /** On the clock: the pitch in clock ms and the clock time the next pitch is due. */
  #clocked: { pitchMs: number, due: number } | null = null

  constructor (options: ConveyorOptions) {
    super()
    this.#o = options
    if (options.plc !== undefined) this.#plc = options.plc
    else if (options.client !== undefined && options.site !== undefined && options.line !== undefined) this.#plc = new MqttPlcPort({ client: options.client, site: options.site, line: options.line })
    else throw new Error('the conveyor needs a PLC port, or an MQTT client with site and line')
    this.#seq = options.firstSeq ?? 1
  }

  /** The PLC's link to the controller. */
  get plc (): PlcPort { return this.#plc }

  #lost (): void {
    this.#state = 'Offline'
    this.#stateSince = -Infinity
    for (const p of this.#onConveyor) this.#rejects.add(p.seq)
  }

  get lineState (): string { return this.#state }
  get nextSeq (): number { return this.#seq }
  get onConveyor (): number { return this.#onConveyor.length }

  async start (): Promise<void> {
    // A PLC that cannot reach the controller stops the infeed and rejects what is on the conveyor: nobody can
    // send it a reject any more.
    await this.#plc.start({
      state: (state, since) => this.#onState(state, since),
      reject: (seq, reason) => {
        const p = this.#onConveyor.find(p => p.seq === seq)
        if (p === undefined) { this.stats.rejectsUnknown++; this.emit('late-reject', seq, reason); return }
        this.#rejects.add(seq)
        if (reason !== undefined) p.reason = reason
      },
      accept: seq => {
        // an accept for a product already past the gate came too late: it was rejected there
        if (this.#onConveyor.some(p => p.seq === seq)) this.#accepts.add(seq)
        else this.stats.acceptsLate++
      },
      lost: () => this.#lost(),
    })
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
    this.#plc.stop().catch(() => {})
  }

  #onState (state: string, since: number | undefined): void {
    // an older state than the one acted on (reordered delivery): the newer one stands
    if (since !== undefined && since < this.#stateSince) return
    this.#state = state
    this.#stateSince = since ?? -Infinity
    // The controller is gone: nobody can vouch for the products on the conveyor, so all of them are rejected.
    if (this.#state === 'Offline') for (const p of this.#onConveyor) this.#rejects.add(p.seq)
  }

  /** One pitch: everything moves by one position; a new product enters if the line runs. */
  step (): void {
    const now = this.#o.now()
    this.stats.pitches++
    for (const p of this.#onConveyor) p.position++
    if (this.#state === 'Execute' && this.#plc.connected && this.stats.produced < this.limit) {
      const seq = this.#seq++
      const code = this.#o.head.trigger() ?? null
      const p: Product = { seq, code, position: 0 }
      this.#onConveyor.push(p)
      this.stats.produced++
      if (code === null) this.stats.unmarked++
      if (this.#dropTriggers > 0) { this.#dropTriggers--; this.stats.lostTriggers++ } else this.#plc.trigger(seq, now)
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
      const asked = this.#rejects.delete(p.seq)
      const rejected = asked || (this.#o.failSafe === true && !accepted)
      if (rejected && !asked) p.failSafe = true
      this.#plc.gate(p.seq, rejected)
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
