// The PLC over Modbus TCP (docs/plc-modbus.md): the controller is the Modbus server, the PLC its client. Events
// (triggers, gate confirmations, commands) arrive through the event mailbox in holding registers; verdicts (rejects,
// accepts), state, counters and the heartbeat go out through input registers. A bad write is refused with a Modbus
// exception, counted, logged and alarmed; it never throws out of the server.

import type { AddressInfo, Server } from 'node:net'
import { randomInt } from 'node:crypto'
import ModbusRTU from 'modbus-serial'
import type { AlarmBook } from '../alarms/alarms.ts'
import type { AlarmView, Counters } from '../control.ts'
import { LineError } from '../domain/errors.ts'
import { issueLines } from '../domain/validation.ts'
import { TypedEmitter } from '../events.ts'
import type { Logger } from '../log.ts'
import type { StateSnapshot } from '../state/machine.ts'
import type { PlcEvents, PlcLink, PlcStats } from './link.ts'
import {
  COUNTER_ORDER, EVENT_KIND, EVENT_SLOTS, EVENT_WORDS, EXCEPTION, HR, HR_SIZE, IR, MAP_VERSION, MODE_CODES,
  VERDICT_CODES, VERDICT_OTHER, VERDICT_SLOTS, VERDICT_WORDS, commandOf, decodeEvent, diff16, eventRecordSchema, hi, lo,
} from './modbus-map.ts'

export interface ModbusPlcOptions {
  host: string
  /** 0: any free port (tests); `port` tells which after listen(). */
  port: number
  /** The unit identifier answered; 255 answers any (Modbus Messaging on TCP/IP Implementation Guide V1.0b §4.4.1.2). */
  unitId: number
  /** The controller's heartbeat period; the PLC must write its own at least this often. */
  heartbeatMs: number
  /** No change of the PLC's heartbeat for this long: PLC_LOST. */
  timeoutMs: number
  log: Logger
  alarms: AlarmBook
  /** Verdicts waiting beyond the mailbox; above it new accepts are dropped (the PLC rejects those products). */
  maxQueued?: number
  /** The epoch (tests); a random one otherwise. */
  epoch?: number
}

/** A Modbus exception answer (modbus-serial's server turns `modbusErrorCode` into the exception response). */
class ModbusRefusal extends Error {
  constructor (readonly modbusErrorCode: number, message: string) { super(message) }
}

interface Verdict { seq: number, code: number, confirm?: { resolve: () => void, reject: (err: Error) => void } }

/** The PLC link over Modbus TCP (docs/plc-modbus.md). */
export class ModbusPlc extends TypedEmitter<PlcEvents> implements PlcLink {
  readonly #o: ModbusPlcOptions
  readonly stats: PlcStats = { commands: 0, triggers: 0, rejects: 0, accepts: 0, gates: 0, invalid: 0 }
  readonly #ir: number[] = new Array<number>(IR.SIZE).fill(0)
  readonly #hr: number[] = new Array<number>(HR_SIZE).fill(0)
  readonly epoch: number
  #server: ModbusRTU.ServerTCP | null = null
  #port = 0
  #early: Array<() => void> | null = []
  /** The event mailbox: the number of the last event consumed. */
  #eventAck = 0
  /** The verdict mailbox: the number of the last verdict written, and of the last the PLC took. */
  #verdictCount = 0
  #verdictAck = 0
  readonly #queue: Verdict[] = []
  /** Rejects written to the mailbox, waiting for the PLC's acknowledgement, by verdict number. */
  readonly #unconfirmed = new Map<number, Verdict>()
  #timer: NodeJS.Timeout | null = null
  /** The PLC wrote a new heartbeat since the last tick; ticks without one. */
  #beat = false
  #quietTicks = 0
  /** null: the PLC's heartbeat never seen yet. */
  #alive: boolean | null = null
  readonly #activeAlarms = new Map<number, AlarmView['severity']>()

  constructor (options: ModbusPlcOptions) {
    super()
    this.#o = options
    this.epoch = options.epoch ?? randomInt(1, 0x10000)
    this.#ir[IR.VERSION] = MAP_VERSION
    this.#ir[IR.EPOCH] = this.epoch
    this.#ir[IR.HEARTBEAT_MS] = Math.min(0xffff, options.heartbeatMs)
    this.#ir[IR.TIMEOUT_MS] = Math.min(0xffff, options.timeoutMs)
  }

  get port (): number { return this.#port }

  /** The PLC's heartbeat is seen (false once it stopped for `timeoutMs`; before the first one, false too). */
  alive (): boolean { return this.#alive === true }

  /** Open the server; the heartbeat runs from here. Events wait for start(). */
  async listen (): Promise<number> {
    if (this.#server !== null) return this.#port
    const { host, port, unitId } = this.#o
    // modbus-serial's ServerTCP takes `options.port || 502`: port 0 (any free port) goes as the string "0", which
    // net.Server.listen takes for the number, so it does not silently bind 502
    const server = new ModbusRTU.ServerTCP(this.#vector(), { host, port: (port === 0 ? '0' : port) as number, unitID: unitId })
    this.#server = server
    const net = (server as unknown as { _server: Server })._server
    await new Promise<void>((resolve, reject) => {
      server.once('initialized', () => resolve())
      server.once('serverError', (err: Error) => reject(new LineError('LC_ERR_PLC_LISTEN', `cannot listen on ${host}:${port}: ${err.message}`, { host, port }, { cause: err })))
    }).catch(async (err: unknown) => { this.#server = null; await new Promise(r => net.close(r)); throw err })
    server.on('socketError', (err: Error | null) => this.#o.log.debug({ err }, 'PLC socket error'))
    server.on('error', (err: Error | null) => this.#o.log.warn({ err }, 'Modbus server error'))
    this.#port = (net.address() as AddressInfo).port
    this.#timer = setInterval(() => this.#tick(), this.#o.heartbeatMs)
    this.#o.log.info({ host, port: this.#port, unitId, epoch: this.epoch }, 'Modbus TCP server for the PLC listening')
    return this.#port
  }

  async start (): Promise<void> {
    await this.listen()
    const early = this.#early ?? []
    this.#early = null
    for (const deliver of early) deliver()
  }

  async close (): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
    const server = this.#server
    this.#server = null
    if (server !== null) await new Promise<void>(resolve => server.close(() => resolve()))
    for (const v of this.#unconfirmed.values()) v.confirm?.reject(new Error('the PLC link closed'))
    for (const v of this.#queue) v.confirm?.reject(new Error('the PLC link closed'))
    this.#unconfirmed.clear()
    this.#queue.length = 0
  }

  // ---- controller → PLC ------------------------------------------------------------------------------------

  /** Resolves once the PLC acknowledged the reject in VERDICT_ACK (docs/plc-modbus.md, verdict mailbox). */
  reject (seq: number, reason: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ seq, code: VERDICT_CODES[reason] ?? VERDICT_OTHER, confirm: { resolve: () => { this.stats.rejects++; resolve() }, reject } })
      this.#fill()
    })
  }

  /** Best effort, like the MQTT link's QoS 0: a lost accept costs a good product (the PLC rejects it). */
  async accept (seq: number): Promise<void> {
    if (this.#queue.length >= (this.#o.maxQueued ?? 1024)) throw new Error(`${this.#queue.length} verdicts wait for the PLC; accept for ${seq} dropped`)
    this.#queue.push({ seq, code: VERDICT_CODES.ACCEPT as number })
    this.#fill()
    this.stats.accepts++
  }

  publishState (s: StateSnapshot): void {
    this.#ir[IR.STATE] = s.stateNumber >= 0 ? s.stateNumber : 0xffff
    this.#ir[IR.MODE] = MODE_CODES[s.mode] ?? 0
  }

  publishCounters (c: Counters): void {
    COUNTER_ORDER.forEach((k, i) => {
      const v = Math.max(0, Math.min(0xffffffff, Math.floor(c[k])))
      this.#ir[IR.COUNTERS + 2 * i] = hi(v)
      this.#ir[IR.COUNTERS + 2 * i + 1] = lo(v)
    })
  }

  publishAlarm (a: AlarmView): void {
    if (a.active) this.#activeAlarms.set(a.id, a.severity)
    else this.#activeAlarms.delete(a.id)
    const count = (s: AlarmView['severity']): number => Math.min(0xffff, [...this.#activeAlarms.values()].filter(x => x === s).length)
    this.#ir[IR.FAULTS] = count('fault')
    this.#ir[IR.WARNINGS] = count('warning')
    if (a.active) { this.#ir[IR.LAST_ALARM] = hi(a.id); this.#ir[IR.LAST_ALARM + 1] = lo(a.id) }
  }

  /** Move verdicts from the queue into free mailbox slots (at most VERDICT_SLOTS not yet acknowledged). */
  #fill (): void {
    while (this.#queue.length > 0 && diff16(this.#verdictCount, this.#verdictAck) < VERDICT_SLOTS) {
      const v = this.#queue.shift() as Verdict
      const n = (this.#verdictCount + 1) & 0xffff
      const at = IR.VERDICTS + (n % VERDICT_SLOTS) * VERDICT_WORDS
      this.#ir[at] = n
      this.#ir[at + 1] = hi(v.seq)
      this.#ir[at + 2] = lo(v.seq)
      this.#ir[at + 3] = v.code
      if (v.confirm !== undefined) this.#unconfirmed.set(n, v)
      // the count last: a PLC reading between two requests never sees a count ahead of its record
      this.#verdictCount = n
      this.#ir[IR.VERDICT_COUNT] = n
    }
  }

  #onVerdictAck (value: number): void {
    const ahead = diff16(value, this.#verdictCount)
    if (ahead > 0) throw this.#invalid(`HR ${HR.VERDICT_ACK}`, `VERDICT_ACK ${value} is ahead of VERDICT_COUNT ${this.#verdictCount}`, EXCEPTION.ILLEGAL_VALUE)
    // a step back (an old value written again) changes nothing: what was acknowledged stays acknowledged
    if (diff16(value, this.#verdictAck) <= 0) return
    this.#verdictAck = value
    for (const [n, v] of this.#unconfirmed) {
      if (diff16(n, value) <= 0) { this.#unconfirmed.delete(n); v.confirm?.resolve() }
    }
    this.#fill()
  }

  // ---- the heartbeat, both ways ----------------------------------------------------------------------------

  #tick (): void {
    this.#ir[IR.HEARTBEAT] = (this.#ir[IR.HEARTBEAT] as number + 1) & 0xffff
    if (this.#beat) {
      this.#beat = false
      this.#quietTicks = 0
      if (this.#alive !== true) {
        if (this.#alive === false) this.#o.log.info('PLC heartbeat back')
        this.#alive = true
        this.#o.alarms.clear('PLC_LOST', 'plc')
      }
      return
    }
    this.#quietTicks++
    if (this.#quietTicks * this.#o.heartbeatMs >= this.#o.timeoutMs && this.#alive !== false) {
      // never seen counts as lost too: a line whose PLC is not there must say so
      this.#alive = false
      const seconds = Math.round(this.#quietTicks * this.#o.heartbeatMs / 100) / 10
      this.#o.log.warn({ seconds }, 'PLC heartbeat lost')
      this.#o.alarms.raise({ code: 'PLC_LOST', source: 'plc', params: { seconds }, detail: { port: this.#port, timeoutMs: this.#o.timeoutMs } })
    }
  }

  // ---- PLC → controller: the server's register access --------------------------------------------------------

  #vector (): ModbusRTU.IServiceVector {
    const readIr = (addr: number, length: number): number[] => {
      if (addr + length > IR.SIZE) throw new ModbusRefusal(EXCEPTION.ILLEGAL_ADDRESS, `input registers ${addr}..${addr + length - 1} are outside the map`)
      return this.#ir.slice(addr, addr + length)
    }
    const readHr = (addr: number, length: number): number[] => {
      if (addr + length > HR_SIZE) throw new ModbusRefusal(EXCEPTION.ILLEGAL_ADDRESS, `holding registers ${addr}..${addr + length - 1} are outside the map`)
      return this.#hr.slice(addr, addr + length)
    }
    return {
      getInputRegister: (addr: number) => readIr(addr, 1)[0] as number,
      getMultipleInputRegisters: (addr: number, length: number) => readIr(addr, length),
      getHoldingRegister: (addr: number) => readHr(addr, 1)[0] as number,
      getMultipleHoldingRegisters: (addr: number, length: number) => readHr(addr, length),
      setRegister: (addr: number, value: number) => { this.#write(addr, [value], 6) },
      setRegisterArray: (addr: number, values: number[]) => { this.#write(addr, values, 16) },
    }
  }

  /** One FC06 or FC16 write, whole or refused part by part (docs/plc-modbus.md, "Writes the controller refuses"). */
  #write (addr: number, values: readonly number[], fc: 6 | 16): void {
    const end = addr + values.length
    if (end <= HR.HEADER_SIZE) {
      values.forEach((v, i) => this.#writeHeader(addr + i, v))
      return
    }
    if (addr >= HR.EVENTS && end <= HR_SIZE) return this.#writeEvents(addr, values, fc)
    throw this.#invalid(`HR ${addr}..${end - 1}`, `FC${fc} to holding registers ${addr}..${end - 1}: writable are ${HR.HEARTBEAT}..${HR.HEADER_SIZE - 1} and the event mailbox ${HR.EVENTS}..${HR_SIZE - 1}`, EXCEPTION.ILLEGAL_ADDRESS)
  }

  #writeHeader (addr: number, value: number): void {
    if (addr === HR.VERDICT_ACK) this.#onVerdictAck(value)
    else if (addr === HR.HEARTBEAT && value !== this.#hr[HR.HEARTBEAT]) this.#beat = true
    this.#hr[addr] = value
  }

  #writeEvents (addr: number, values: readonly number[], fc: 6 | 16): void {
    const offset = addr - HR.EVENTS
    if (fc !== 16 || offset % EVENT_WORDS !== 0 || values.length % EVENT_WORDS !== 0) {
      throw this.#invalid(`HR ${addr}..${addr + values.length - 1}`, `FC${fc} of ${values.length} registers at ${addr}: event records are written whole with FC16, ${EVENT_WORDS} registers from a slot's first register`, EXCEPTION.ILLEGAL_VALUE)
    }
    // Written before the PLC took this controller's epoch: it is numbering for a controller that is gone. Not the
    // PLC program's fault (a race with a restart); refused so the PLC re-reads EPOCH and EVENT_ACK.
    if (this.#hr[HR.EPOCH] !== this.epoch) throw new ModbusRefusal(EXCEPTION.DEVICE_FAILURE, `events written under epoch ${this.#hr[HR.EPOCH]}, the controller's is ${this.epoch}`)
    const problems: string[] = []
    for (let r = 0; r < values.length / EVENT_WORDS; r++) {
      const slot = offset / EVENT_WORDS + r
      const words = values.slice(r * EVENT_WORDS, (r + 1) * EVENT_WORDS)
      const n = words[0] as number
      const ahead = diff16(n, this.#eventAck)
      // an event already consumed, written again (a retry after a lost response): ignored, never twice
      if (ahead <= 0) continue
      if (ahead > EVENT_SLOTS) { problems.push(`event ${n} is ${ahead} ahead of EVENT_ACK ${this.#eventAck} (at most ${EVENT_SLOTS})`); continue }
      if (n % EVENT_SLOTS !== slot) { problems.push(`event ${n} written to slot ${slot}, its slot is ${n % EVENT_SLOTS}`); continue }
      const at = HR.EVENTS + slot * EVENT_WORDS
      words.forEach((w, i) => { this.#hr[at + i] = w })
    }
    this.#drain()
    if (problems.length > 0) throw this.#invalid(`HR ${addr}..${addr + values.length - 1}`, problems.join('; '), EXCEPTION.ILLEGAL_VALUE)
  }

  /** Consume the events that follow EVENT_ACK without a gap, in their numbers' order. */
  #drain (): void {
    for (;;) {
      const n = (this.#eventAck + 1) & 0xffff
      const at = HR.EVENTS + (n % EVENT_SLOTS) * EVENT_WORDS
      if (this.#hr[at] !== n) return
      this.#eventAck = n
      this.#ir[IR.EVENT_ACK] = n
      this.#consume(decodeEvent(this.#hr.slice(at, at + EVENT_WORDS)))
    }
  }

  #consume (raw: ReturnType<typeof decodeEvent>): void {
    const r = eventRecordSchema.safeParse(raw)
    if (!r.success) {
      // consumed all the same: a bad record must not stop the mailbox
      this.#invalid(`event ${raw.number}`, `${JSON.stringify(raw)}: ${issueLines(r.error.issues).join('; ')}`, EXCEPTION.ILLEGAL_VALUE)
      return
    }
    const e = r.data
    if (e.kind === EVENT_KIND.trigger) {
      this.stats.triggers++
      this.#deliver('trigger', { seq: e.seq })
    } else if (e.kind === EVENT_KIND.gate) {
      this.stats.gates++
      this.#deliver('gate', { seq: e.seq, rejected: e.arg === 1 })
    } else {
      this.stats.commands++
      this.#deliver('command', commandOf(e.arg) as NonNullable<ReturnType<typeof commandOf>>)
    }
  }

  #deliver<K extends keyof PlcEvents & string> (event: K, ...args: PlcEvents[K]): void {
    if (this.#early !== null) this.#early.push(() => this.emit(event, ...args))
    else this.emit(event, ...args)
  }

  /** Count, log and alarm a bad write; returns the refusal for the server to answer with. */
  #invalid (where: string, error: string, exception: number): ModbusRefusal {
    this.stats.invalid++
    this.#ir[IR.INVALID] = (this.#ir[IR.INVALID] as number + 1) & 0xffff
    this.#o.log.warn({ where, error }, 'invalid PLC write refused')
    this.#o.alarms.raise({ code: 'PLC_MODBUS_WRITE', source: 'plc', params: { where }, detail: { where, error } })
    return new ModbusRefusal(exception, error)
  }
}
