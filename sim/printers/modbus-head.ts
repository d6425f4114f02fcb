// A simulated TIJ/CIJ print head speaking the project's Modbus map (docs/modbus-head.md) over TCP or RTU on a pty.
// Prints happen only when something calls trigger() — the conveyor simulator's photocell — never on a timer.
import { EventEmitter } from 'node:events'
import type { Duplex } from 'node:stream'
import { COMMANDS, COMMS_ONLINE, EXCEPTIONS, HR, HR_COMMIT, IR, IR_BLOCK_LENGTH, MAX_SLOT_CHARS, MSG_DATA_REGISTERS, STATUS_BITS, unpackAscii } from '../../printers/modbus-head/map.ts'
import { DeviceListener } from './listener.ts'
import { exceptionPdu, type Framing, serveModbus } from './modbus-slave.ts'

export interface ModbusHeadSimOptions {
  unitId?: number
  /** Records the head can hold. */
  capacity?: number
  /** Characters per message slot (≤ 150). */
  slotChars?: number
  /** Print counter at power-on: set near 0xFFFFFFFF to exercise wrap-around. */
  counter?: number
  /** Prints left in the ink cartridge; Infinity never runs out. */
  inkPrints?: number
  /** Below this many prints left, the ink-low warning is set. */
  inkLowAt?: number
}

/** How the next requests are (mis)answered. */
export type Misbehaviour =
  | { mode: 'drop' } // no answer at all, the request is not applied
  | { mode: 'lose-answer' } // the request is applied, its answer is lost
  | { mode: 'delay', ms: number } // answer late
  | { mode: 'garbage' } // random bytes instead of an answer
  | { mode: 'exception', code: number } // a Modbus exception for every request
  | { mode: 'disconnect' } // close the connection on the next request

export type HeadFault = 'ink-out' | 'head-error' | 'cover-open'

export interface SimPrint { code: string, counter: number }

export class ModbusHeadSim extends EventEmitter {
  readonly unitId: number
  readonly capacity: number
  readonly slotChars: number
  buffer: string[] = []
  counter: number
  lastSeq = 0
  inkPrints: number
  readonly inkFull: number
  readonly inkLowAt: number
  readonly faults = new Set<HeadFault>()
  errorCode = 0
  /** Every print made, in order: what a camera would see. */
  readonly printed: SimPrint[] = []
  /** Triggers that found the buffer empty or the head faulted: products left unmarked. */
  missed = 0
  requests = 0
  #misbehave: { how: Misbehaviour, left: number } | undefined
  readonly #holding = new Map<number, number>()
  readonly #link = new DeviceListener((stream, link) => { this.handle(stream, link === 'tcp' ? 'tcp' : 'rtu') })

  constructor (o: ModbusHeadSimOptions = {}) {
    super()
    this.unitId = o.unitId ?? 1
    this.capacity = o.capacity ?? 256
    this.slotChars = Math.min(o.slotChars ?? MAX_SLOT_CHARS, MAX_SLOT_CHARS)
    this.counter = (o.counter ?? 0) >>> 0
    this.inkPrints = o.inkPrints ?? Infinity
    this.inkFull = this.inkPrints
    this.inkLowAt = o.inkLowAt ?? Math.min(100, this.inkPrints / 10)
  }

  /** Misanswer the next `count` requests (default: until `behave()`). */
  misbehave (how: Misbehaviour, count = Infinity): void { this.#misbehave = { how, left: count } }
  behave (): void { this.#misbehave = undefined }

  setFault (f: HeadFault, on = true): void {
    if (on) this.faults.add(f); else this.faults.delete(f)
    this.errorCode = this.faults.has('ink-out') ? 1 : this.faults.has('head-error') ? 2 : this.faults.has('cover-open') ? 3 : 0
  }

  refillInk (prints = this.inkFull): void { this.inkPrints = prints; this.setFault('ink-out', false) }

  /** Print-go (photocell / PLC): print the next buffered record if the head can. Returns it, or undefined if missed. */
  trigger (): string | undefined {
    if (this.faults.size > 0 || this.buffer.length === 0) {
      this.missed++
      if (this.faults.size === 0) this.errorCode = 4
      this.emit('missed')
      return undefined
    }
    const code = this.buffer.shift() as string
    this.counter = (this.counter + 1) >>> 0
    this.inkPrints--
    if (this.inkPrints <= 0) this.setFault('ink-out')
    const p = { code, counter: this.counter }
    this.printed.push(p)
    this.emit('printed', p)
    return code
  }

  statusWord (): number {
    let w = 0
    if (this.faults.size > 0) w |= STATUS_BITS.FAULT
    else w |= STATUS_BITS.READY
    if (this.buffer.length > 0 && this.faults.size === 0) w |= STATUS_BITS.PRINTING
    if (this.faults.has('ink-out')) w |= STATUS_BITS.INK_OUT
    if (this.faults.has('head-error')) w |= STATUS_BITS.HEAD_ERROR
    if (this.faults.has('cover-open')) w |= STATUS_BITS.COVER_OPEN
    if (this.inkPrints <= this.inkLowAt && !this.faults.has('ink-out')) w |= STATUS_BITS.INK_LOW
    if (this.buffer.length >= this.capacity) w |= STATUS_BITS.BUFFER_FULL
    if (this.buffer.length === 0) w |= STATUS_BITS.BUFFER_EMPTY
    return w
  }

  inputRegister (addr: number): number {
    switch (addr) {
      case IR.COMMS: return COMMS_ONLINE
      case IR.STATUS: return this.statusWord()
      case IR.BUFFER_FILL: return Math.min(this.buffer.length, 0xffff)
      case IR.BUFFER_CAPACITY: return Math.min(this.capacity, 0xffff)
      case IR.COUNTER_HI: return this.counter >>> 16
      case IR.COUNTER_LO: return this.counter & 0xffff
      case IR.ERROR_CODE: return this.errorCode
      case IR.LAST_SEQ: return this.lastSeq
      case IR.SLOT_CHARS: return this.slotChars
      case IR.MISSED: return this.missed & 0xffff
      case IR.INK_LEVEL: return Number.isFinite(this.inkFull) ? Math.max(0, Math.round(100 * this.inkPrints / this.inkFull)) : 100
      default: return 0
    }
  }

  /** Apply one write; returns a Modbus exception code or 0. */
  #writeHolding (addr: number, values: readonly number[]): number {
    if (addr === HR.COMMAND && values.length === 1) {
      if (values[0] === COMMANDS.CLEAR_BUFFER) { this.buffer = []; if (this.errorCode === 4) this.errorCode = 0; return 0 }
      if (values[0] === COMMANDS.RESET_FAULTS) { this.faults.delete('head-error'); this.faults.delete('cover-open'); this.setFault('ink-out', this.inkPrints <= 0); return 0 }
      return EXCEPTIONS.ILLEGAL_VALUE
    }
    if (addr < HR_COMMIT || addr + values.length > HR.MSG_DATA + MSG_DATA_REGISTERS) return EXCEPTIONS.ILLEGAL_ADDRESS
    // Stage first, then act on the commit register if this write covered it: one FC 16 is one transaction.
    values.forEach((v, i) => { if (addr + i !== HR_COMMIT) this.#holding.set(addr + i, v) })
    if (addr !== HR_COMMIT) return 0
    const seq = values[0] as number
    if (seq === this.lastSeq) return 0 // a retried commit: already applied
    if (seq !== ((this.lastSeq + 1) & 0xffff)) return EXCEPTIONS.ILLEGAL_VALUE
    const length = this.#holding.get(HR.MSG_LENGTH) ?? 0
    if (length === 0 || length > this.slotChars) return EXCEPTIONS.ILLEGAL_VALUE
    if (this.buffer.length >= this.capacity) return EXCEPTIONS.BUSY
    const regs = Array.from({ length: Math.ceil(length / 2) }, (_, i) => this.#holding.get(HR.MSG_DATA + i) ?? 0)
    this.buffer.push(unpackAscii(regs, length))
    this.lastSeq = seq
    if (this.errorCode === 4) this.errorCode = 0
    return 0
  }

  async #handle (stream: Duplex, unit: number, pdu: Buffer): Promise<Buffer | null> {
    this.requests++
    const m = this.#misbehave
    if (m !== undefined) {
      if (--m.left <= 0) this.#misbehave = undefined
      switch (m.how.mode) {
        case 'drop': return null
        case 'garbage': stream.write(Buffer.from([0x01, 0x03, 0xff, 0x42, 0x13, 0x37, 0x00, 0x99, 0x5a])); return null // unframed noise
        case 'exception': return exceptionPdu(pdu[0] as number, m.how.code)
        case 'disconnect': stream.destroy(); return null
        case 'delay': await new Promise(resolve => setTimeout(resolve, (m.how as { ms: number }).ms)); break
      }
    }
    if (unit !== this.unitId && unit !== 0) return null // not addressed to us (RTU multi-drop)
    const res = this.#apply(pdu)
    return m?.how.mode === 'lose-answer' ? null : res
  }

  #apply (pdu: Buffer): Buffer {
    const fc = pdu[0] as number
    if (pdu.length < 5) return exceptionPdu(fc, EXCEPTIONS.ILLEGAL_VALUE)
    const addr = pdu.readUInt16BE(1)
    switch (fc) {
      case 3:
      case 4: {
        const qty = pdu.readUInt16BE(3)
        if (qty < 1 || qty > 125) return exceptionPdu(fc, EXCEPTIONS.ILLEGAL_VALUE)
        if (fc === 4 && addr + qty > IR_BLOCK_LENGTH) return exceptionPdu(fc, EXCEPTIONS.ILLEGAL_ADDRESS)
        const out = Buffer.alloc(2 + qty * 2)
        out[0] = fc; out[1] = qty * 2
        for (let i = 0; i < qty; i++) out.writeUInt16BE(fc === 4 ? this.inputRegister(addr + i) : (this.#holding.get(addr + i) ?? 0), 2 + i * 2)
        return out
      }
      case 6: {
        const ex = this.#writeHolding(addr, [pdu.readUInt16BE(3)])
        return ex !== 0 ? exceptionPdu(fc, ex) : Buffer.from(pdu.subarray(0, 5))
      }
      case 16: {
        const qty = pdu.readUInt16BE(3)
        const bytes = pdu[5] ?? 0
        if (qty < 1 || qty > 123 || bytes !== qty * 2 || pdu.length < 6 + bytes) return exceptionPdu(fc, EXCEPTIONS.ILLEGAL_VALUE)
        const values = Array.from({ length: qty }, (_, i) => pdu.readUInt16BE(6 + i * 2))
        const ex = this.#writeHolding(addr, values)
        return ex !== 0 ? exceptionPdu(fc, ex) : Buffer.from(pdu.subarray(0, 5))
      }
      default: return exceptionPdu(fc, EXCEPTIONS.ILLEGAL_FUNCTION)
    }
  }

  /** Serve one connection (a TCP socket, a serial port, an in-memory stream). */
  handle (stream: Duplex, framing: Framing): void {
    this.#link.track(stream)
    serveModbus(stream, framing, async (unit, pdu) => await this.#handle(stream, unit, pdu), bytes => this.emit('garbage', bytes))
  }

  /** Modbus TCP on 127.0.0.1; port 0 picks a free one. Resolves with the port. */
  async listenTcp (port = 0, host = '127.0.0.1'): Promise<number> { return await this.#link.listenTcp(port, host) }

  /** Modbus RTU on a serial device (one end of a socat pty pair in tests). */
  async openSerial (path: string, baudRate = 9600): Promise<void> { await this.#link.openSerial(path, baudRate) }

  /** Cut every open connection (cable pulled); the TCP server keeps listening. */
  dropConnections (): void { this.#link.dropConnections() }

  async close (): Promise<void> { await this.#link.close() }
}
