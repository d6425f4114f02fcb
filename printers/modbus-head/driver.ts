// The modbus-head driver: keeps a TIJ/CIJ head's records, proves each print by the head's counter. Everything it knows
// of the head's registers comes from the head's map file (config/heads/*.json, docs/modbus-head.md).
import { EventEmitter } from 'node:events'
import type { ClearResult, Printer, PrinterFault, PrinterStatus, PrinterWarning, PrintItem } from '../types.ts'
import { BufferFullError, DataTooLongError, LoadInterruptedError, ModbusExceptionError, PrintDataCharsetError, PrinterOfflineError, PrinterStateError } from '../errors.ts'
import { type DriverOptions, type PrinterClock, type PrinterLogger, silentPrinterLogger, wallClock } from '../options.ts'
import { printerReconnect, type ReconnectLoop } from '../reconnect.ts'
import { StatusKeeper } from '../status.ts'
import { charCodes, chunks, counterDelta, encodeCodes } from './codec.ts'
import { type HeadMap, loadHeadMap } from './head-map.ts'
import { ModbusLink, type ModbusConnector } from './link.ts'
import { RegisterImage, type Snapshot, snapshot, statusOf } from './snapshot.ts'

export interface ModbusHeadOptions extends DriverOptions {
  id: string
  connector: ModbusConnector
  unitId?: number
  /** The head's register map (config/heads/*.json); the generic map when absent. */
  map?: HeadMap
  /**
   * Records kept ahead of the product (`room()` tops up to this): in the head's queue for a fifo map; on the host for
   * a single-field map, which holds one record in the head at a time.
   */
  bufferDepth?: number
  pollIntervalMs?: number
  timeoutMs?: number
  /** Pause after a failed connect attempt (1 s); it doubles with each further failure … */
  reconnectMs?: number
  /** … up to this (5 × reconnectMs). */
  reconnectMaxMs?: number
}

interface Entry { item: PrintItem, seq: number }

export class ModbusHeadPrinter extends EventEmitter implements Printer {
  readonly kind = 'modbus-head' as const
  readonly id: string
  readonly #connector: ModbusConnector
  readonly #unitId: number
  readonly #depth: number
  readonly #pollMs: number
  readonly #timeoutMs: number
  readonly #reconnect: ReconnectLoop
  readonly #clock: PrinterClock
  readonly #log: PrinterLogger
  readonly #status: StatusKeeper
  readonly #map: HeadMap
  /** The map's buffer semantics: a queue in the head, or one message field (docs/modbus-head.md). */
  readonly #single: boolean

  #link: ModbusLink | undefined
  #closed = false
  #pollTimer: NodeJS.Timeout | undefined
  /** Operations that touch the record lists (load, clear) run one after another. */
  #ops: Promise<unknown> = Promise.resolve()

  /** Committed to the head, not yet proven printed, in print order. */
  #loaded: Entry[] = []
  /** Written but unanswered (timeout / link loss): settled by the head's last sequence number after reconnect. */
  #inflight: Entry | undefined
  /** Handed to load() but never written: provably unprinted. */
  #notSent: PrintItem[] = []
  /** Fate unknown: must never be printed again, clear() reports them. */
  #uncertain: PrintItem[] = []
  /** Single-field heads: accepted by load(), waiting on the host for the field to be free. */
  #queue: PrintItem[] = []
  /** Single-field heads: the field holds a code already printed (or uncertain); it must be replaced or erased. */
  #stale = false
  /** Single-field heads: a record write is under way; polls leave the accounting to it. */
  #writing = false
  /** Single-field heads: the record being written, before its "stop" (provably not in the field yet). */
  #staging: Entry | undefined
  #counter: number | undefined
  #missed: number | undefined
  #lastSeq = 0
  #slotChars = 0
  /** The head's buffer or counter disagrees with what we loaded: stop attributing prints until clear(). */
  #desynced = false
  /** clear() ran while the link was down: empty the head's buffer as soon as it is back. */
  #needsDeviceClear = false
  /** While clear() runs, prints are collected for its result rather than emitted. */
  #collect: PrintItem[] | undefined
  #printed = 0
  #deviceFaults: PrinterFault[] = []
  #deviceWarnings: PrinterWarning[] = []
  #driverFaults = new Set<PrinterFault>()
  #detail: string | undefined

  constructor (o: ModbusHeadOptions) {
    super()
    this.id = o.id
    this.#connector = o.connector
    this.#unitId = o.unitId ?? 1
    this.#depth = o.bufferDepth ?? 64
    this.#map = o.map ?? loadHeadMap('generic')
    this.#single = this.#map.buffer.kind === 'single'
    this.#pollMs = o.pollIntervalMs ?? 20
    this.#timeoutMs = o.timeoutMs ?? 500
    this.#reconnect = printerReconnect({
      printer: this.id, open: async () => { await this.#open() }, reconnectMs: o.reconnectMs, reconnectMaxMs: o.reconnectMaxMs,
      closedError: () => new PrinterOfflineError({ printer: this.id, operation: 'connect' }), log: { warn: (obj, msg) => { this.#log.warn(obj, msg) } }, what: 'print head',
    })
    this.#clock = o.clock ?? wallClock
    this.#log = o.logger ?? silentPrinterLogger
    this.#status = new StatusKeeper(this)
  }

  status (): PrinterStatus { return this.#status.get() }

  room (): number {
    const s = this.#status.get()
    if (s.state !== 'ready' || this.#desynced) return 0
    return Math.max(0, this.#depth - this.#pending())
  }

  async connect (): Promise<void> {
    if (this.#closed) throw new PrinterOfflineError({ printer: this.id, operation: 'connect after close' })
    if (this.#link?.alive === true && this.#counter !== undefined) return
    if (!this.#reconnect.running) this.#publish()
    await this.#reconnect.run()
  }

  async close (): Promise<void> {
    this.#closed = true
    clearTimeout(this.#pollTimer)
    this.#reconnect.stop()
    this.#link?.close()
    this.#link = undefined
    await this.#ops.catch(() => undefined)
    this.#status.set({ state: 'disconnected' })
  }

  async #open (): Promise<void> {
    const link = new ModbusLink(this.id, this.#unitId, this.#timeoutMs)
    await link.open(this.#connector)
    if (this.#closed) { link.close(); return }
    this.#link = link
    link.onLost = err => { this.#lost(err) }
    try {
      await this.#sync()
    } catch (err) {
      link.close()
      if (this.#link === link) this.#link = undefined
      throw err
    }
    this.#driverFaults.delete('comms-lost')
    this.#publish()
    this.#log.info({ printer: this.id, counter: this.#counter, buffered: this.#loaded.length }, 'print head connected')
    this.#schedulePoll()
    if (this.#single) this.#kick() // records queued while the head was away
  }

  #lost (err: Error): void {
    if (this.#closed) return
    this.#log.warn({ printer: this.id, err }, 'print head link lost')
    clearTimeout(this.#pollTimer)
    this.#link = undefined
    this.#driverFaults.add('comms-lost')
    this.#detail = (err as { message?: string }).message
    this.#publish()
    if (!this.#reconnect.running) this.connect().catch(() => undefined)
  }

  /** Records the driver holds that are not proven printed: in the head, in flight, queued on the host. */
  #pending (): number { return this.#loaded.length + (this.#inflight !== undefined || this.#staging !== undefined ? 1 : 0) + this.#queue.length }

  /** One poll: every block the map lists, FC 04 for input registers, FC 03 for holding registers. */
  async #readBlock (): Promise<Snapshot> {
    const link = this.#link
    if (link === undefined) throw new PrinterOfflineError({ printer: this.id, operation: 'read status' })
    const img = new RegisterImage()
    for (const b of this.#map.poll) {
      const r = await link.request('read status', async c => b.area === 'input' ? await c.readInputRegisters(b.start, b.length) : await c.readHoldingRegisters(b.start, b.length))
      if (!Array.isArray(r.data) || r.data.length < b.length) throw new ModbusExceptionError({ printer: this.id, request: 'read status', modbusCode: -1 })
      img.set(b.area, b.start, r.data)
    }
    return snapshot(this.#map, img)
  }

  /** One value into one holding register: FC 06 when the map lists it, else FC 16 with one register. */
  async #writeWord (name: string, address: number, value: number): Promise<void> {
    const link = this.#link
    if (link === undefined) throw new PrinterOfflineError({ printer: this.id, operation: name })
    if (this.#map.functionCodes.includes(6)) await link.request(name, async c => await c.writeRegister(address, value))
    else await link.request(name, async c => await c.writeRegisters(address, [value]))
  }

  async #writeWords (name: string, address: number, values: number[]): Promise<void> {
    const link = this.#link
    if (link === undefined) throw new PrinterOfflineError({ printer: this.id, operation: name })
    await link.request(name, async c => await c.writeRegisters(address, values))
  }

  /** Empty the head: the fifo's clear command, or erasing the single message field. */
  async #emptyHead (): Promise<void> {
    const b = this.#map.buffer
    if (b.kind === 'fifo') await this.#writeWord('command', this.#map.commands.register, b.clear)
    else await this.#writeWord('erase', b.erase.register, b.erase.value)
    this.#stale = false
  }

  /** After every (re)connect: settle the unanswered write, account for prints made while we were away. */
  async #sync (): Promise<void> {
    let s = await this.#readBlock()
    this.#slotChars = s.slotChars
    const inflight = this.#inflight
    this.#inflight = undefined
    if (inflight !== undefined) {
      if (this.#single) {
        // No sequence number: a record write whose last answer was lost may or may not have been applied.
        this.#uncertain.push(inflight.item)
        this.#needsDeviceClear = true
      } else if (s.lastSeq === inflight.seq) this.#loaded.push(inflight)
      else if (s.lastSeq === ((inflight.seq - 1) & 0xffff)) this.#notSent.push(inflight.item)
      else { this.#uncertain.push(inflight.item); this.#desync('the head\'s last sequence number matches no record we wrote', s) }
    }
    this.#lastSeq = s.lastSeq ?? 0
    if (this.#single && this.#stale) this.#needsDeviceClear = true
    // Single field: prints made while the link was down repeated the field's content; account for them first.
    if (this.#single && this.#counter !== undefined && this.#needsDeviceClear) this.#absorb(s)
    if (this.#counter === undefined || this.#needsDeviceClear) {
      // First contact (records left from an earlier run are not ours), or a clear() that could not reach the head:
      // whatever the head holds now must not print. A single field always holds something: it is erased.
      if (this.#single || (s.fill ?? 0) > 0) {
        this.#log.warn({ printer: this.id, fill: s.fill }, 'clearing records the driver does not own from the head')
        await this.#emptyHead()
        s = await this.#readBlock()
      }
      this.#counter = s.counter
      this.#needsDeviceClear = false
      this.#applyStatus(s)
      return
    }
    this.#absorb(s)
  }

  #schedulePoll (): void {
    clearTimeout(this.#pollTimer)
    if (this.#closed) return
    this.#pollTimer = setTimeout(() => {
      this.#readBlock().then(s => {
        if (!this.#desynced) this.#driverFaults.delete('bad-response') // a good answer ends an exception streak
        // While clear() runs, its own reads do the accounting: a poll landing after the clear command would see an
        // empty buffer the counter does not explain. A single-field write does its own accounting likewise.
        if (this.#collect === undefined && !this.#writing) this.#absorb(s)
        this.#schedulePoll()
      }, err => {
        if (err instanceof ModbusExceptionError) {
          this.#driverFaults.add('bad-response')
          this.#detail = err.message
          this.#publish()
          this.#schedulePoll()
        } // a lost link restarts polling from #open
      })
    }, this.#pollMs)
  }

  /** Attribute counter advances to loaded records, in order, and refresh status. */
  #absorb (s: Snapshot, checkFill = true): void {
    const width = this.#map.counter.width
    const prev = this.#counter ?? s.counter
    const delta = counterDelta(prev, s.counter, width) // across the wrap: 0xFFFFFFFF → 0 is one print
    this.#counter = s.counter
    // Print-go signals that printed nothing: the line must know, or the next print lands on the wrong product.
    if (s.missed !== undefined) {
      const prevMissed = this.#missed ?? s.missed
      const missed = (s.missed - prevMissed) & 0xffff
      this.#missed = s.missed
      // Misses and prints within one poll cannot be ordered against each other: say so.
      this.#emitMissed(missed, delta > 0)
    }
    if (delta > 0 && !this.#desynced) {
      const n = Math.min(delta, this.#loaded.length)
      const done = this.#loaded.splice(0, n)
      const m = 2 ** width
      const base = (s.counter - delta + m) % m
      done.forEach((e, i) => { this.#confirm(e.item, (base + i + 1) % m) })
      if (this.#single) {
        // A single field prints its content at every print-go until it is replaced: prints beyond the one loaded
        // record repeated a code already on a product (or printed an erased field). Those products carry no code
        // of their own: reported as missed, in order after the confirmed print.
        this.#emitMissed(delta - n, false)
        this.#stale = true
        this.#kick()
      } else if (delta > n) this.#desync(`the print counter advanced by ${delta} with ${n} records loaded`, s)
    }
    if (checkFill && !this.#single && !this.#desynced && s.fill !== this.#loaded.length) this.#desync(`the head holds ${s.fill ?? 0} records, the driver loaded ${this.#loaded.length}`, s)
    this.#applyStatus(s)
  }

  #emitMissed (n: number, ambiguous: boolean): void {
    for (let i = 0; i < n; i++) this.emit('missed', { printer: this.id, at: this.#clock.now(), ambiguous })
  }

  #confirm (item: PrintItem, counter: number): void {
    this.#printed++
    if (this.#collect !== undefined) { this.#collect.push(item); return }
    this.emit('printed', { printer: this.id, item, counter, at: this.#clock.now() })
  }

  #desync (why: string, s: Snapshot): void {
    this.#desynced = true
    this.#driverFaults.add('bad-response')
    this.#detail = `рассинхронизация буфера / buffer out of step: ${why}`
    const err = new PrinterStateError(why, { printer: this.id, fill: s.fill ?? null, counter: s.counter, loaded: this.#loaded.length })
    this.#log.warn({ err }, 'print head out of step')
  }

  #applyStatus (s: Snapshot): void {
    const { faults, warnings, detail } = statusOf(s)
    this.#deviceFaults = faults
    this.#deviceWarnings = warnings
    if (detail !== undefined) this.#detail = detail
    else if (!this.#desynced && this.#driverFaults.size === 0) this.#detail = undefined
    this.#publish()
  }

  #publish (): void {
    const faults = this.#link === undefined && this.#counter === undefined ? [] : [...this.#deviceFaults, ...this.#driverFaults]
    const state: PrinterStatus['state'] = this.#closed
      ? 'disconnected'
      : this.#link === undefined && this.#counter === undefined ? 'connecting' : faults.length > 0 ? 'fault' : 'ready'
    this.#status.set({
      state,
      faults,
      warnings: this.#deviceWarnings,
      bufferLevel: this.#pending(),
      printed: this.#printed,
      detail: this.#detail,
    })
  }

  #serial<T> (fn: () => Promise<T>): Promise<T> {
    const p = this.#ops.then(fn, fn)
    this.#ops = p.catch(() => undefined)
    return p
  }

  async load (items: readonly PrintItem[]): Promise<void> {
    await this.#serial(async () => {
      if (this.#link?.alive !== true || this.#counter === undefined) throw new PrinterOfflineError({ printer: this.id, operation: 'load' })
      for (const it of items) {
        // Refused before any byte is written: a truncated or mis-encoded code would be a wrong code on the product.
        if (it.code.length > this.#slotChars) {
          this.#driverFaults.add('data-too-long')
          this.#publish()
          throw new DataTooLongError({ printer: this.id, id: it.id, length: it.code.length, max: this.#slotChars })
        }
        const enc = charCodes(it.code, this.#map.charset)
        if ('bad' in enc) {
          this.#driverFaults.add('data-too-long')
          this.#publish()
          throw new PrintDataCharsetError({ printer: this.id, id: it.id, position: enc.bad.at, charCode: enc.bad.code })
        }
      }
      if (this.#driverFaults.delete('data-too-long')) this.#publish()
      if (this.#single) {
        // One record in the head at a time: the rest wait on the host, each written once the previous one printed.
        this.#queue.push(...items)
        this.#publish()
        // A failed write leaves its record queued (or uncertain); the status says why, the reconnect resumes.
        await this.#fillField().catch((err: unknown) => { this.#log.warn({ printer: this.id, err }, 'could not write the next record to the head') })
        return
      }
      for (let i = 0; i < items.length; i++) {
        const entry: Entry = { item: items[i] as PrintItem, seq: (this.#lastSeq + 1) & 0xffff }
        try {
          await this.#writeRecord(entry)
        } catch (err) {
          const sentUnknown = this.#inflight !== undefined
          this.#notSent.push(...items.slice(sentUnknown ? i + 1 : i))
          this.#publish()
          const b = this.#map.buffer
          const cause = err instanceof ModbusExceptionError && b.kind === 'fifo' && err.modbusCode === b.busyException
            ? new BufferFullError({ printer: this.id, id: entry.item.id, bufferLevel: this.#loaded.length })
            : err
          throw new LoadInterruptedError({ printer: this.id, accepted: i, notSent: items.length - i - (sentUnknown ? 1 : 0), uncertain: sentUnknown ? 1 : 0 }, cause)
        }
      }
    })
  }

  /** The data registers of a code (checked by load()). */
  #data (code: string): number[] {
    const enc = charCodes(code, this.#map.charset)
    if ('bad' in enc) throw new Error('unreachable: load() checked the charset')
    return encodeCodes(enc.codes, this.#map.encoding)
  }

  /** fifo: one FC 16 at the commit register, [seq, length, data…]; the head commits on the sequence number. */
  async #writeRecord (entry: Entry): Promise<void> {
    const link = this.#link
    const rec = this.#map.record
    if (link === undefined) throw new PrinterOfflineError({ printer: this.id, operation: 'load' })
    if (rec.write !== 'block') throw new Error('unreachable: the map schema pairs a fifo buffer with a block record')
    this.#inflight = entry
    try {
      await link.request('write record', async c => await c.writeRegisters(rec.seq, [entry.seq & 0xffff, entry.item.code.length, ...this.#data(entry.item.code)]))
    } catch (err) {
      // An exception answer or a request never sent proves the record was not committed; a timeout proves nothing.
      if (err instanceof ModbusExceptionError || err instanceof PrinterOfflineError) this.#inflight = undefined
      const b = this.#map.buffer
      if (err instanceof ModbusExceptionError && !(b.kind === 'fifo' && err.modbusCode === b.busyException)) { this.#driverFaults.add('bad-response'); this.#detail = err.message }
      throw err
    }
    this.#inflight = undefined
    this.#lastSeq = entry.seq
    this.#loaded.push(entry)
    this.#publish()
  }

  /** Single field: queue the work of replacing a printed code, after whatever runs now. */
  #kick (): void {
    if (this.#collect !== undefined) return // clear() empties the field itself
    this.#serial(async () => { await this.#fillField() }).catch((err: unknown) => { this.#log.warn({ printer: this.id, err }, 'could not write the next record to the head') })
  }

  /**
   * Single field: while the field holds no unprinted record, write the next queued one, or erase a printed one so it
   * cannot print on the next product. Runs inside #serial.
   */
  async #fillField (): Promise<void> {
    while (this.#link?.alive === true && this.#counter !== undefined && !this.#desynced && this.#loaded.length === 0 && this.#inflight === undefined) {
      const item = this.#queue.shift()
      if (item === undefined) {
        if (this.#stale) await this.#emptyHead()
        return
      }
      await this.#writeSingle({ item, seq: 0 })
    }
  }

  /**
   * Single field: one transaction (Hitachi UX manual §4.6 (3)–(4): start flag, length, data in writes of at most
   * maxWriteRegisters, stop flag; the head applies everything at "stop"). The counter read before and after tells
   * whether a product passed while the field changed: then nobody knows which code it got.
   */
  async #writeSingle (entry: Entry): Promise<void> {
    const rec = this.#map.record
    if (rec.write !== 'transaction') throw new Error('unreachable: the map schema pairs a single field with a transaction record')
    this.#writing = true
    try {
      const data = this.#data(entry.item.code)
      const t = rec.transaction
      this.#staging = entry
      try {
        this.#absorb(await this.#readBlock())
        await this.#writeWord('transaction start', t.register, t.start)
        await this.#writeWords('write length', rec.length, [entry.item.code.length])
        let at = rec.data
        for (const part of chunks(data, this.#map.maxWriteRegisters, this.#map.encoding)) {
          await this.#writeWords('write data', at, part)
          at += part.length
        }
      } catch (err) {
        // Nothing is applied before "stop": the record is provably not in the field.
        this.#queue.unshift(entry.item)
        throw err
      } finally {
        this.#staging = undefined
      }
      this.#inflight = entry
      try {
        await this.#writeWord('transaction stop', t.register, t.stop)
      } catch (err) {
        // An exception to "stop" proves nothing was applied; a lost answer proves nothing (settled at reconnect).
        if (err instanceof ModbusExceptionError || err instanceof PrinterOfflineError) { this.#inflight = undefined; this.#queue.unshift(entry.item) }
        if (err instanceof ModbusExceptionError) { this.#driverFaults.add('bad-response'); this.#detail = err.message; this.#publish() }
        throw err
      }
      this.#inflight = undefined
      this.#stale = false
      const after = await this.#readBlock()
      const passed = counterDelta(this.#counter ?? after.counter, after.counter, this.#map.counter.width)
      if (passed === 0) {
        this.#loaded.push(entry)
        this.#absorb(after)
        return
      }
      // Products printed while the field changed got the old content or this record: this record is uncertain
      // (never printed again, never reused) and those products carry no code of their own.
      this.#log.warn({ printer: this.id, id: entry.item.id, passed }, 'products passed the head while its message changed')
      this.#uncertain.push(entry.item)
      this.#counter = after.counter
      this.#emitMissed(passed, true)
      this.#stale = true
      this.#absorb(after)
    } finally {
      this.#writing = false
      this.#publish()
    }
  }

  async clear (): Promise<ClearResult> {
    return await this.#serial(async () => {
      const result: ClearResult = { printed: [], unprinted: [], uncertain: [] }
      this.#collect = result.printed
      try {
        if (this.#link?.alive !== true || this.#counter === undefined) throw new PrinterOfflineError({ printer: this.id, operation: 'clear' })
        // Counter before and after emptying the head: whatever printed in between is attributed, the rest is proven unprinted.
        this.#absorb(await this.#readBlock())
        await this.#emptyHead()
        const after = await this.#readBlock()
        this.#absorb(after, false) // the buffer is empty now by command, not by printing
        this.#stale = false
        if (this.#desynced || (after.fill !== undefined && after.fill !== 0)) throw new Error('head buffer not proven empty')
        result.unprinted.push(...this.#loaded.map(e => e.item))
      } catch (err) {
        this.#log.warn({ printer: this.id, err }, 'clear could not prove what the head printed')
        result.uncertain.push(...this.#loaded.map(e => e.item))
        if (this.#inflight !== undefined) result.uncertain.push(this.#inflight.item)
        this.#needsDeviceClear = true
        if (this.#link?.alive === true) {
          // Reachable but out of step: empty it now so nothing we reported as uncertain prints later.
          try { await this.#emptyHead(); this.#counter = (await this.#readBlock()).counter; this.#needsDeviceClear = false } catch { /* retried at reconnect */ }
        }
      } finally {
        this.#collect = undefined
      }
      result.unprinted.push(...this.#notSent, ...this.#queue)
      result.uncertain.push(...this.#uncertain)
      this.#loaded = []
      this.#inflight = undefined
      this.#notSent = []
      this.#queue = []
      this.#uncertain = []
      this.#desynced = false
      this.#driverFaults.delete('bad-response')
      this.#driverFaults.delete('data-too-long')
      this.#detail = undefined
      this.#publish()
      return result
    })
  }
}
