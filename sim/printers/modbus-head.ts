// A simulated TIJ/CIJ print head speaking a head map (config/heads/*.json, docs/modbus-head.md) over TCP or RTU on a
// pty: the same map file the driver reads decides every register, encoding and buffer rule here.
// Prints happen only when something calls trigger() — the conveyor simulator's photocell — never on a timer.
import { EventEmitter } from 'node:events'
import type { Duplex } from 'node:stream'
import { charCodes, codesToText, counterWords, decodeCodes } from '../../printers/modbus-head/codec.ts'
import { type Condition, type HeadMap, loadHeadMap, type RegisterRef, registersFor } from '../../printers/modbus-head/head-map.ts'
import { DeviceListener } from './listener.ts'
import { exceptionPdu, type Framing, serveModbus } from './modbus-slave.ts'

/** Modbus exception codes (Modbus Application Protocol v1.1b3 §7). */
const EXCEPTIONS = { ILLEGAL_FUNCTION: 0x01, ILLEGAL_ADDRESS: 0x02, ILLEGAL_VALUE: 0x03 } as const

/** Which code a code-table status word shows when several conditions hold: the most serious first. */
const CODE_PRIORITY: readonly Condition[] = ['ink-out', 'head-error', 'cover-open', 'fault', 'not-ready', 'buffer-empty', 'printing', 'ready', 'ink-low', 'buffer-full', 'none']

export interface ModbusHeadSimOptions {
  /** The head's register map; the generic map when absent. */
  map?: HeadMap
  unitId?: number
  /** Records the head can hold (fifo maps; a single-field head holds one). */
  capacity?: number
  /** Characters per message slot (≤ the map's record.maxChars; a map with a fixed slot ignores it). */
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
  readonly map: HeadMap
  readonly unitId: number
  readonly capacity: number
  readonly slotChars: number
  /** fifo: the queue, oldest first. Single field: its content ([] when erased), which stays after printing. */
  buffer: string[] = []
  /** Single field: the content was written and has not printed yet. */
  fresh = false
  /** Read requests answered since the field last changed: has the host seen the change yet? */
  readsSinceChange = 0
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
  /** Writes held between a transaction's start and stop (single-field maps). */
  #txn: Map<number, number> | undefined
  readonly #link = new DeviceListener((stream, link) => { this.handle(stream, link === 'tcp' ? 'tcp' : 'rtu') })

  constructor (o: ModbusHeadSimOptions = {}) {
    super()
    this.map = o.map ?? loadHeadMap('generic')
    this.unitId = o.unitId ?? 1
    this.capacity = this.map.buffer.kind === 'single' ? 1 : o.capacity ?? 256
    const max = this.map.record.maxChars
    this.slotChars = 'fixed' in this.map.slotChars ? this.map.slotChars.fixed : Math.min(o.slotChars ?? max, max)
    this.counter = (o.counter ?? 0) % 2 ** this.map.counter.width
    this.inkPrints = o.inkPrints ?? Infinity
    this.inkFull = this.inkPrints
    this.inkLowAt = o.inkLowAt ?? Math.min(100, this.inkPrints / 10)
  }

  /** Misanswer the next `count` requests (default: until `behave()`). */
  misbehave (how: Misbehaviour, count = Infinity): void { this.#misbehave = { how, left: count } }
  behave (): void { this.#misbehave = undefined }

  /** The map's error code for a condition (0 when its table has none). */
  #errorFor (c: Condition | 'missed'): number {
    for (const [code, e] of this.map.errors?.codes ?? []) if (e.condition === c) return code
    return 0
  }

  setFault (f: HeadFault, on = true): void {
    if (on) this.faults.add(f); else this.faults.delete(f)
    const first = (['ink-out', 'head-error', 'cover-open'] as const).find(x => this.faults.has(x))
    this.errorCode = first !== undefined ? this.#errorFor(first) : 0
  }

  refillInk (prints = this.inkFull): void { this.inkPrints = prints; this.setFault('ink-out', false) }

  /** Print-go (photocell / PLC): print the next buffered record if the head can. Returns it, or undefined if missed. */
  trigger (): string | undefined {
    if (this.faults.size > 0 || this.buffer.length === 0) {
      this.missed++
      if (this.faults.size === 0) this.errorCode = this.#errorFor('missed')
      this.emit('missed')
      return undefined
    }
    // A single field prints its content again at every print-go until it is replaced or erased.
    const code = (this.map.buffer.kind === 'single' ? this.buffer[0] : this.buffer.shift()) as string
    this.fresh = false
    this.counter = (this.counter + 1) % 2 ** this.map.counter.width
    this.inkPrints--
    if (this.inkPrints <= 0) this.setFault('ink-out')
    const p = { code, counter: this.counter }
    this.printed.push(p)
    this.emit('printed', p)
    return code
  }

  /** What the head's state says, in the map's vocabulary. */
  conditions (): Set<Condition> {
    const c = new Set<Condition>()
    if (this.faults.size > 0) c.add('fault')
    else c.add('ready')
    if (this.buffer.length > 0 && this.faults.size === 0) c.add('printing')
    if (this.faults.has('ink-out')) c.add('ink-out')
    if (this.faults.has('head-error')) c.add('head-error')
    if (this.faults.has('cover-open')) c.add('cover-open')
    if (this.inkPrints <= this.inkLowAt && !this.faults.has('ink-out')) c.add('ink-low')
    if (this.buffer.length >= this.capacity) c.add('buffer-full')
    if (this.buffer.length === 0) c.add('buffer-empty')
    return c
  }

  /** The registers the map gives a meaning, computed from the head's state. */
  #computed (): Map<string, number> {
    const m = this.map
    const out = new Map<string, number>()
    const put = (r: RegisterRef | undefined, v: number, offset = 0): void => { if (r !== undefined) out.set(`${r.area}:${r.address + offset}`, v & 0xffff) }
    const c = this.conditions()
    if (m.online !== undefined) put(m.online.register, m.online.value)
    for (const s of m.status) {
      if (s.kind === 'bits') {
        let w = 0
        for (const [bit, cond] of Object.entries(s.bits)) if (c.has(cond)) w |= 1 << Number(bit)
        put(s.register, w)
      } else {
        let v = 0
        for (const p of CODE_PRIORITY) {
          if (p !== 'none' && !c.has(p)) continue
          const hit = [...s.codes].find(([, e]) => e.condition === p)
          if (hit !== undefined) { v = hit[0]; break }
        }
        put(s.register, v)
      }
    }
    if (m.errors !== undefined) put(m.errors.register, this.errorCode)
    counterWords(this.counter, m.counter).forEach((w, i) => { put(m.counter.register, w, i) })
    if (m.missed !== undefined) put(m.missed.register, this.missed)
    if (m.inkPercent !== undefined) put(m.inkPercent.register, Number.isFinite(this.inkFull) ? Math.max(0, Math.round(100 * this.inkPrints / this.inkFull)) : 100)
    if ('register' in m.slotChars) put(m.slotChars.register, this.slotChars)
    if (m.buffer.kind === 'fifo') {
      put(m.buffer.fill, Math.min(this.buffer.length, 0xffff))
      put(m.buffer.lastSeq, this.lastSeq)
      put(m.buffer.capacity, Math.min(this.capacity, 0xffff))
    }
    return out
  }

  /** Decode a record from registers; null when the map's charset does not allow a character (exception 03). */
  #decode (length: number, regs: readonly number[]): string | null {
    const codes = decodeCodes(regs, length, this.map.encoding)
    const allowed = new Set(Object.values(this.map.charset.substitute))
    if (codes.some(c => !allowed.has(c) && (c < this.map.charset.min || c > this.map.charset.max))) return null
    const text = codesToText(codes, this.map.charset)
    return 'bad' in charCodes(text, this.map.charset) ? null : text
  }

  /** Apply one write; returns a Modbus exception code or 0. */
  #writeHolding (addr: number, values: readonly number[]): number {
    const m = this.map
    const one = values.length === 1 ? values[0] as number : undefined
    if (addr === m.commands.register && one !== undefined) {
      if (m.buffer.kind === 'fifo' && one === m.buffer.clear) { this.buffer = []; this.#clearMissedError(); return 0 }
      if (m.commands.resetFaults !== undefined && one === m.commands.resetFaults) { this.faults.delete('head-error'); this.faults.delete('cover-open'); this.setFault('ink-out', this.inkPrints <= 0); return 0 }
      return EXCEPTIONS.ILLEGAL_VALUE
    }
    const rec = m.record
    const dataRegs = registersFor(rec.maxChars, m.encoding.kind)
    if (rec.write === 'block') {
      if (addr < rec.seq || addr + values.length > rec.data + dataRegs) return EXCEPTIONS.ILLEGAL_ADDRESS
      // Stage first, then act on the commit register if this write covered it: one FC 16 is one transaction.
      values.forEach((v, i) => { if (addr + i !== rec.seq) this.#holding.set(addr + i, v) })
      if (addr !== rec.seq) return 0
      const seq = values[0] as number
      if (seq === this.lastSeq) return 0 // a retried commit: already applied
      if (seq !== ((this.lastSeq + 1) & 0xffff)) return EXCEPTIONS.ILLEGAL_VALUE
      const length = this.#holding.get(rec.length) ?? 0
      if (length === 0 || length > this.slotChars) return EXCEPTIONS.ILLEGAL_VALUE
      if (this.buffer.length >= this.capacity) return m.buffer.kind === 'fifo' ? m.buffer.busyException : EXCEPTIONS.ILLEGAL_VALUE
      const text = this.#decode(length, Array.from({ length: registersFor(length, m.encoding.kind) }, (_, i) => this.#holding.get(rec.data + i) ?? 0))
      if (text === null) return EXCEPTIONS.ILLEGAL_VALUE
      this.buffer.push(text)
      this.lastSeq = seq
      this.#clearMissedError()
      return 0
    }
    const b = m.buffer
    if (b.kind === 'single' && addr === b.erase.register && one !== undefined) {
      if (one !== b.erase.value) return EXCEPTIONS.ILLEGAL_VALUE
      this.buffer = []
      this.fresh = false
      return 0
    }
    if (addr === rec.transaction.register && one !== undefined) {
      if (one === rec.transaction.start) { this.#txn = new Map(); return 0 }
      if (one !== rec.transaction.stop) return EXCEPTIONS.ILLEGAL_VALUE
      const held = this.#txn
      this.#txn = undefined
      return held === undefined ? 0 : this.#applyField(held)
    }
    // A write across two functional areas (length and data) is not supported by the head (Hitachi UX §4.6 (2)).
    const inLength = addr === rec.length && values.length === 1
    const inData = addr >= rec.data && addr + values.length <= rec.data + dataRegs
    if (!inLength && !inData) return EXCEPTIONS.ILLEGAL_ADDRESS
    if (inLength && (one === undefined || one < 1 || one > this.slotChars)) return EXCEPTIONS.ILLEGAL_VALUE
    const target = this.#txn ?? new Map<number, number>()
    values.forEach((v, i) => target.set(addr + i, v))
    return this.#txn !== undefined ? 0 : this.#applyField(target)
  }

  /** Single field: apply held writes, then the field shows the record they describe. */
  #applyField (writes: Map<number, number>): number {
    const rec = this.map.record
    const next = new Map(this.#holding)
    for (const [a, v] of writes) next.set(a, v)
    const length = next.get(rec.length) ?? 0
    if (length === 0) { for (const [a, v] of writes) this.#holding.set(a, v); return 0 }
    const text = this.#decode(length, Array.from({ length: registersFor(length, this.map.encoding.kind) }, (_, i) => next.get(rec.data + i) ?? 0))
    if (text === null) return EXCEPTIONS.ILLEGAL_VALUE // nothing applied
    for (const [a, v] of writes) this.#holding.set(a, v)
    this.buffer = [text]
    this.fresh = true
    this.readsSinceChange = 0
    this.#clearMissedError()
    return 0
  }

  #clearMissedError (): void {
    if (this.errorCode !== 0 && this.errorCode === this.#errorFor('missed')) this.errorCode = 0
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
    if (!(this.map.functionCodes as readonly number[]).includes(fc)) return exceptionPdu(fc, EXCEPTIONS.ILLEGAL_FUNCTION)
    const addr = pdu.readUInt16BE(1)
    switch (fc) {
      case 3:
      case 4: {
        const qty = pdu.readUInt16BE(3)
        if (qty < 1 || qty > this.map.maxReadRegisters) return exceptionPdu(fc, EXCEPTIONS.ILLEGAL_VALUE)
        // Input registers exist only where the map's poll blocks put them.
        if (fc === 4 && !this.map.poll.some(b => b.area === 'input' && addr >= b.start && addr + qty <= b.start + b.length)) return exceptionPdu(fc, EXCEPTIONS.ILLEGAL_ADDRESS)
        const area = fc === 4 ? 'input' : 'holding'
        this.readsSinceChange++
        const regs = this.#computed()
        const out = Buffer.alloc(2 + qty * 2)
        out[0] = fc; out[1] = qty * 2
        for (let i = 0; i < qty; i++) out.writeUInt16BE(regs.get(`${area}:${addr + i}`) ?? (fc === 3 ? (this.#holding.get(addr + i) ?? 0) : 0), 2 + i * 2)
        return out
      }
      case 6: {
        const ex = this.#writeHolding(addr, [pdu.readUInt16BE(3)])
        return ex !== 0 ? exceptionPdu(fc, ex) : Buffer.from(pdu.subarray(0, 5))
      }
      case 16: {
        const qty = pdu.readUInt16BE(3)
        const bytes = pdu[5] ?? 0
        if (qty < 1 || qty > this.map.maxWriteRegisters || bytes !== qty * 2 || pdu.length < 6 + bytes) return exceptionPdu(fc, EXCEPTIONS.ILLEGAL_VALUE)
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
