// The simulated PLC as a Modbus TCP client of the controller (docs/plc-modbus.md), as an S7 MB_CLIENT or a CODESYS
// ModbusFB client program would run it: one cycle reads the input registers, takes the verdicts, writes its
// heartbeat and acknowledgement; an event starts a cycle at once and is written first. Fail-safe rule: the
// connection closed by the controller's end, no change of its heartbeat for `timeoutMs`, or a new epoch: the
// controller is lost.

import type { ModbusRTU as Client } from 'modbus-serial/ModbusRTU.js'
import modbusSerial from 'modbus-serial'
import type { Socket } from 'node:net'
import {
  COMMANDS, EVENT_SLOTS, EVENT_WORDS, EXCEPTION_RESYNC, HR_EVENTS, HR_HEADER, IR_COUNT, IR_EPOCH, IR_EVENT_ACK,
  IR_HEARTBEAT, IR_STATE, IR_VERDICT_COUNT, IR_VERDICTS, IR_VERSION, KIND_COMMAND, KIND_GATE, KIND_TRIGGER,
  MAX_RECORDS_PER_WRITE, STATES, VERDICT_SLOTS, VERDICT_WORDS,
} from './plc-modbus-map.ts'
import type { PlcPort, PlcPortHandlers } from './plc-port.ts'

export interface ModbusPlcPortOptions {
  host: string
  port: number
  unitId?: number
  /** The PLC's cycle: one read and up to three writes. */
  cycleMs?: number
  /** The controller is lost after this long without a change of its heartbeat. */
  timeoutMs?: number
  /** A request without an answer for this long fails (and the connection is rebuilt). */
  requestTimeoutMs?: number
}

interface PlcEvent { kind: number, seq: number, arg: number, number?: number }

// The package is CommonJS (`module.exports = ModbusRTU`); its typings describe an ES default export.
const ModbusRTU = modbusSerial as unknown as new () => Client
/** Pause before connecting again after the connection failed. */
const RECONNECT_MS = 100
/** a − b on 16-bit wrapping counters. */
const diff16 = (a: number, b: number): number => { const d = (a - b) & 0xffff; return d >= 0x8000 ? d - 0x10000 : d }

export interface ModbusPlcPortStats { cycles: number, errors: number, resyncs: number, lost: number, eventsWritten: number, verdicts: number }

export class ModbusPlcPort implements PlcPort {
  readonly #o: Required<ModbusPlcPortOptions>
  #client = new ModbusRTU()
  #h: PlcPortHandlers | null = null
  #running = false
  #loop: Promise<void> | null = null
  #watchdog: NodeJS.Timeout | null = null
  #wake: (() => void) | null = null
  /** Events not yet acknowledged by the controller, in order; numbered once the epoch is known. */
  #events: PlcEvent[] = []
  #nextNumber = 1
  /** The epoch the events are numbered for (null: number them afresh), and the last epoch read. */
  #epoch: number | null = null
  #seenEpoch: number | null = null
  #verdictAck = 0
  #beat = 0
  #ctrlBeat: number | null = null
  #ctrlBeatAt = 0
  #online = false
  readonly stats: ModbusPlcPortStats = { cycles: 0, errors: 0, resyncs: 0, lost: 0, eventsWritten: 0, verdicts: 0 }
  /** Fault injection: the PLC program stops (no reads, no writes, no heartbeat) while true. */
  frozen = false
  /** Fault injection: the cable is out until this time (the program runs, the link is down). */
  #cutUntil = 0

  constructor (options: ModbusPlcPortOptions) {
    this.#o = { unitId: 255, cycleMs: 20, timeoutMs: 2000, requestTimeoutMs: 1000, ...options }
  }

  get connected (): boolean { return this.#online }

  async start (handlers: PlcPortHandlers): Promise<void> {
    this.#h = handlers
    this.#running = true
    this.#ctrlBeatAt = Date.now()
    // the watchdog on its own timer, as a PLC's: a request that hangs must not hold up the fail-safe rule
    this.#watchdog = setInterval(() => this.#watch(), Math.max(10, Math.floor(this.#o.timeoutMs / 10)))
    this.#loop = this.#run()
  }

  // An event starts a cycle at once (a PLC program writes the record in the scan of the photocell edge): the
  // trigger must reach the controller before the camera's result for the same product (docs/plc-modbus.md).
  trigger (seq: number): void { this.#push({ kind: KIND_TRIGGER, seq, arg: 0 }) }
  gate (seq: number, rejected: boolean): void { this.#push({ kind: KIND_GATE, seq, arg: rejected ? 1 : 0 }) }
  async command (cmd: string): Promise<void> {
    const code = COMMANDS[cmd]
    if (code === undefined) throw new Error(`no such command: ${cmd}`)
    this.#push({ kind: KIND_COMMAND, seq: 0, arg: code })
  }

  #push (e: PlcEvent): void {
    this.#events.push(e)
    this.#wake?.()
  }

  /** Fault injection: a record of any content, numbered and written like the others (a faulty PLC program). */
  injectRecord (kind: number, seq: number, arg: number): void { this.#push({ kind, seq, arg }) }

  /** Fault injection: the cable pulled for `ms` (no goodbye on the link); the PLC reconnects on its own after. */
  cut (ms: number): void {
    this.#cutUntil = Date.now() + ms
    this.#wake?.()
  }

  async stop (): Promise<void> {
    this.#running = false
    if (this.#watchdog !== null) clearInterval(this.#watchdog)
    this.#watchdog = null
    await this.#loop
    await this.#disconnect()
  }

  async #run (): Promise<void> {
    while (this.#running) {
      const started = Date.now()
      let pause = this.#o.cycleMs
      // The cut drops the connection between two requests: modbus-serial's destroy() cancels a pending request's
      // timeout without calling it back, so dropping it under a request in flight would stop this loop for good.
      if (Date.now() < this.#cutUntil) {
        if (this.#client.isOpen) await this.#disconnect()
      } else if (!this.frozen) {
        try {
          await this.#cycle()
        } catch (err) {
          this.stats.errors++
          if ((err as { modbusCode?: number }).modbusCode === EXCEPTION_RESYNC) this.#epoch = null
          else { await this.#disconnect(); pause = Math.max(pause, RECONNECT_MS) }
        }
      }
      const wait = Math.max(1, pause - (Date.now() - started))
      // woken early by a new event, unless the connection is being rebuilt
      await new Promise<void>(resolve => {
        const timer = setTimeout(() => { this.#wake = null; resolve() }, wait)
        this.#wake = pause === RECONNECT_MS ? null : () => { clearTimeout(timer); this.#wake = null; resolve() }
      })
    }
  }

  async #disconnect (): Promise<void> {
    const old = this.#client
    this.#client = new ModbusRTU()
    // a port already closed by the other end may never call back: not waited for
    try { old.destroy(() => {}) } catch { /* already gone */ }
  }

  /** The fail-safe rule: the controller's heartbeat must change within `timeoutMs`. */
  #watch (): void {
    if (this.#online && Date.now() - this.#ctrlBeatAt > this.#o.timeoutMs) this.#lose()
  }

  #lose (): void {
    this.#online = false
    this.stats.lost++
    // a new controller learns nothing from the old one's triggers and buttons: only gate confirmations stay
    this.#events = this.#events.filter(e => e.kind === KIND_GATE)
    // that leaves gaps in the numbering: numbered afresh from EVENT_ACK + 1 once the controller is back
    this.#epoch = null
    this.#h?.lost()
  }

  async #cycle (): Promise<void> {
    this.stats.cycles++
    if (!this.#client.isOpen) {
      const c = this.#client
      await c.connectTCP(this.#o.host, { port: this.#o.port })
      c.setID(this.#o.unitId)
      c.setTimeout(this.#o.requestTimeoutMs)
      // The controller's end closed the connection (its process died, or it closed the server): lost at once, as
      // MB_CLIENT reports it, not a heartbeat timeout later. Not when this side dropped it after a timeout.
      // (modbus-serial's own 'close' is not relayed when the socket errored first, e.g. ECONNRESET: the socket's is)
      const socket = (c as unknown as { _port?: { _client?: Socket } })._port?._client
      socket?.once('close', () => { if (c === this.#client && this.#online) this.#lose() })
    }
    // Events first, numbered for the epoch last read: the latency from the photocell to the controller is what the
    // tracker waits on. Under a controller that restarted since, the write is refused (exception 04): resync.
    if (this.#online && this.#epoch !== null) await this.#writeEvents()
    const ir = (await this.#client.readInputRegisters(0, IR_COUNT)).data
    const at = (i: number): number => ir[i] ?? 0
    if (at(IR_VERSION) !== 1) throw new Error(`register map version ${at(IR_VERSION)}, this PLC program speaks 1`)
    const epoch = at(IR_EPOCH)
    const ack = at(IR_EVENT_ACK)
    // events the controller consumed leave the queue (numbers are only comparable within one epoch)
    if (epoch === this.#seenEpoch) this.#events = this.#events.filter(e => e.number === undefined || diff16(e.number, ack) > 0)
    // A new epoch is a controller that restarted: what it had of ours is gone, the same as a lost controller.
    else if (this.#seenEpoch !== null && this.#online) this.#lose()
    this.#seenEpoch = epoch
    if (epoch !== this.#epoch) {
      this.#epoch = epoch
      this.stats.resyncs++
      // number what is still unacknowledged from EVENT_ACK + 1; skip the verdicts written before
      this.#nextNumber = (ack + 1) & 0xffff
      for (const e of this.#events) delete e.number
      this.#verdictAck = at(IR_VERDICT_COUNT)
    }
    const beat = at(IR_HEARTBEAT)
    if (beat !== this.#ctrlBeat) { this.#ctrlBeat = beat; this.#ctrlBeatAt = Date.now() }
    if (Date.now() - this.#ctrlBeatAt <= this.#o.timeoutMs) {
      this.#online = true
      this.#h?.state(STATES[at(IR_STATE)] ?? `state ${at(IR_STATE)}`)
    }
    // verdicts since the last one taken, in their order
    const count = at(IR_VERDICT_COUNT)
    while (this.#online && diff16(count, this.#verdictAck) > 0) {
      const n = (this.#verdictAck + 1) & 0xffff
      const base = IR_VERDICTS + (n % VERDICT_SLOTS) * VERDICT_WORDS
      if (at(base) !== n) throw new Error(`verdict slot ${n % VERDICT_SLOTS} holds ${at(base)}, expected ${n}`)
      const seq = at(base + 1) * 0x10000 + at(base + 2)
      if (at(base + 3) === 0) this.#h?.accept(seq)
      else this.#h?.reject(seq)
      this.stats.verdicts++
      this.#verdictAck = n
    }
    this.#beat = (this.#beat + 1) & 0xffff
    await this.#client.writeRegisters(HR_HEADER, [this.#beat, this.#verdictAck, epoch])
  }

  /** Every unacknowledged event, numbered, in runs of consecutive slots (a write never wraps past slot 63). */
  async #writeEvents (): Promise<void> {
    const window = this.#events.slice(0, EVENT_SLOTS)
    for (const e of window) if (e.number === undefined) { e.number = this.#nextNumber; this.#nextNumber = (this.#nextNumber + 1) & 0xffff }
    let i = 0
    while (i < window.length) {
      const first = (window[i] as PlcEvent).number as number
      const run: number[] = []
      let k = 0
      while (i + k < window.length && k < MAX_RECORDS_PER_WRITE && (first + k) % EVENT_SLOTS >= first % EVENT_SLOTS) {
        const e = window[i + k] as PlcEvent
        run.push(e.number as number, e.kind, Math.floor(e.seq / 0x10000) & 0xffff, e.seq & 0xffff, e.arg)
        k++
      }
      await this.#client.writeRegisters(HR_EVENTS + (first % EVENT_SLOTS) * EVENT_WORDS, run)
      this.stats.eventsWritten += k
      i += k
    }
  }
}
