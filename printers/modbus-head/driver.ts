// The modbus-head driver: keeps a TIJ/CIJ head's record buffer, proves each print by the head's 32-bit counter.
import { EventEmitter } from 'node:events'
import type { ClearResult, Printer, PrinterFault, PrinterStatus, PrinterWarning, PrintItem } from '../types.ts'
import { BufferFullError, DataTooLongError, LoadInterruptedError, ModbusExceptionError, PrinterOfflineError, PrinterStateError } from '../errors.ts'
import { type DriverOptions, type PrinterClock, type PrinterLogger, silentPrinterLogger, wallClock } from '../options.ts'
import { printerReconnect, type ReconnectLoop } from '../reconnect.ts'
import { StatusKeeper } from '../status.ts'
import { ModbusLink, type ModbusConnector } from './link.ts'
import { COMMANDS, COMMS_ONLINE, EXCEPTIONS, HEAD_ERRORS, HR, IR, IR_BLOCK_LENGTH, recordBlock, STATUS_BITS } from './map.ts'

export interface ModbusHeadOptions extends DriverOptions {
  id: string
  connector: ModbusConnector
  unitId?: number
  /** Records kept in the head ahead of the product (`room()` tops up to this). */
  bufferDepth?: number
  pollIntervalMs?: number
  timeoutMs?: number
  /** Pause after a failed connect attempt (1 s); it doubles with each further failure … */
  reconnectMs?: number
  /** … up to this (5 × reconnectMs). */
  reconnectMaxMs?: number
}

interface Entry { item: PrintItem, seq: number }

interface Snapshot { online: boolean, status: number, fill: number, counter: number, error: number, lastSeq: number, slotChars: number, ink: number, missed: number }

function snapshot (r: readonly number[]): Snapshot {
  const at = (i: number): number => r[i] ?? 0
  return {
    online: at(IR.COMMS) === COMMS_ONLINE,
    status: at(IR.STATUS),
    fill: at(IR.BUFFER_FILL),
    counter: ((at(IR.COUNTER_HI) << 16) | at(IR.COUNTER_LO)) >>> 0,
    error: at(IR.ERROR_CODE),
    lastSeq: at(IR.LAST_SEQ),
    slotChars: at(IR.SLOT_CHARS),
    ink: at(IR.INK_LEVEL),
    missed: at(IR.MISSED),
  }
}

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
    return Math.max(0, this.#depth - this.#loaded.length - (this.#inflight !== undefined ? 1 : 0))
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

  async #readBlock (): Promise<Snapshot> {
    const link = this.#link
    if (link === undefined) throw new PrinterOfflineError({ printer: this.id, operation: 'read status' })
    const r = await link.request('read status', async c => await c.readInputRegisters(0, IR_BLOCK_LENGTH))
    if (!Array.isArray(r.data) || r.data.length < IR_BLOCK_LENGTH) throw new ModbusExceptionError({ printer: this.id, request: 'read status', modbusCode: -1 })
    return snapshot(r.data)
  }

  async #command (cmd: number): Promise<void> {
    const link = this.#link
    if (link === undefined) throw new PrinterOfflineError({ printer: this.id, operation: 'command' })
    await link.request('command', async c => await c.writeRegister(HR.COMMAND, cmd))
  }

  /** After every (re)connect: settle the unanswered write, account for prints made while we were away. */
  async #sync (): Promise<void> {
    let s = await this.#readBlock()
    this.#slotChars = s.slotChars
    const inflight = this.#inflight
    this.#inflight = undefined
    if (inflight !== undefined) {
      if (s.lastSeq === inflight.seq) this.#loaded.push(inflight)
      else if (s.lastSeq === ((inflight.seq - 1) & 0xffff)) this.#notSent.push(inflight.item)
      else { this.#uncertain.push(inflight.item); this.#desync('the head\'s last sequence number matches no record we wrote', s) }
    }
    this.#lastSeq = s.lastSeq
    if (this.#counter === undefined || this.#needsDeviceClear) {
      // First contact (records left from an earlier run are not ours), or a clear() that could not reach the head:
      // whatever the head holds now must not print.
      if (s.fill > 0) {
        this.#log.warn({ printer: this.id, fill: s.fill }, 'clearing records the driver does not own from the head')
        await this.#command(COMMANDS.CLEAR_BUFFER)
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
        // empty buffer the counter does not explain.
        if (this.#collect === undefined) this.#absorb(s)
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
    const prev = this.#counter ?? s.counter
    const delta = (s.counter - prev) >>> 0 // 32-bit wrap-around: 0xFFFFFFFF → 0 is one print
    this.#counter = s.counter
    // Print-go signals that printed nothing: the line must know, or the next print lands on the wrong product.
    const prevMissed = this.#missed ?? s.missed
    const missed = (s.missed - prevMissed) & 0xffff
    this.#missed = s.missed
    if (missed > 0) {
      // Misses and prints within one poll cannot be ordered against each other: say so.
      const ambiguous = delta > 0
      for (let i = 0; i < missed; i++) this.emit('missed', { printer: this.id, at: this.#clock.now(), ambiguous })
    }
    if (delta > 0 && !this.#desynced) {
      const n = Math.min(delta, this.#loaded.length)
      const done = this.#loaded.splice(0, n)
      const base = (s.counter - delta) >>> 0
      done.forEach((e, i) => { this.#confirm(e.item, (base + i + 1) >>> 0) })
      if (delta > n) this.#desync(`the print counter advanced by ${delta} with ${n} records loaded`, s)
    }
    if (checkFill && !this.#desynced && s.fill !== this.#loaded.length) this.#desync(`the head holds ${s.fill} records, the driver loaded ${this.#loaded.length}`, s)
    this.#applyStatus(s)
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
    const err = new PrinterStateError(why, { printer: this.id, fill: s.fill, counter: s.counter, loaded: this.#loaded.length })
    this.#log.warn({ err }, 'print head out of step')
  }

  #applyStatus (s: Snapshot): void {
    const f: PrinterFault[] = []
    const w: PrinterWarning[] = []
    if ((s.status & STATUS_BITS.INK_OUT) !== 0) f.push('ink-out')
    if ((s.status & STATUS_BITS.HEAD_ERROR) !== 0) f.push('head-error')
    if ((s.status & STATUS_BITS.COVER_OPEN) !== 0) f.push('head-open')
    if ((s.status & STATUS_BITS.FAULT) !== 0 && f.length === 0) f.push('head-error')
    if (!s.online) f.push('head-error')
    if ((s.status & STATUS_BITS.INK_LOW) !== 0) w.push('ink-low')
    if ((s.status & STATUS_BITS.BUFFER_EMPTY) !== 0) w.push('buffer-empty')
    this.#deviceFaults = f
    this.#deviceWarnings = w
    if (s.error !== 0) {
      const e = HEAD_ERRORS[s.error]
      this.#detail = `E${s.error}: ${e !== undefined ? `${e.ru} / ${e.en}` : 'неизвестная ошибка / unknown error'}`
    } else if (!this.#desynced && this.#driverFaults.size === 0) {
      this.#detail = undefined
    }
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
      bufferLevel: this.#loaded.length + (this.#inflight !== undefined ? 1 : 0),
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
        // Refused before any byte is written: a truncated code would be a wrong code on the product.
        if (it.code.length > this.#slotChars || /[^\x00-\x7f]/.test(it.code)) {
          this.#driverFaults.add('data-too-long')
          this.#publish()
          throw new DataTooLongError({ printer: this.id, id: it.id, length: it.code.length, max: this.#slotChars })
        }
      }
      if (this.#driverFaults.delete('data-too-long')) this.#publish()
      for (let i = 0; i < items.length; i++) {
        const entry: Entry = { item: items[i] as PrintItem, seq: (this.#lastSeq + 1) & 0xffff }
        try {
          await this.#writeRecord(entry)
        } catch (err) {
          const sentUnknown = this.#inflight !== undefined
          this.#notSent.push(...items.slice(sentUnknown ? i + 1 : i))
          this.#publish()
          const cause = err instanceof ModbusExceptionError && err.modbusCode === EXCEPTIONS.BUSY
            ? new BufferFullError({ printer: this.id, id: entry.item.id, bufferLevel: this.#loaded.length })
            : err
          throw new LoadInterruptedError({ printer: this.id, accepted: i, notSent: items.length - i - (sentUnknown ? 1 : 0), uncertain: sentUnknown ? 1 : 0 }, cause)
        }
      }
    })
  }

  async #writeRecord (entry: Entry): Promise<void> {
    const link = this.#link
    if (link === undefined) throw new PrinterOfflineError({ printer: this.id, operation: 'load' })
    this.#inflight = entry
    try {
      await link.request('write record', async c => await c.writeRegisters(HR.COMMIT, recordBlock(entry.item.code, entry.seq)))
    } catch (err) {
      // An exception answer or a request never sent proves the record was not committed; a timeout proves nothing.
      if (err instanceof ModbusExceptionError || err instanceof PrinterOfflineError) this.#inflight = undefined
      if (err instanceof ModbusExceptionError && err.modbusCode !== EXCEPTIONS.BUSY) { this.#driverFaults.add('bad-response'); this.#detail = err.message }
      throw err
    }
    this.#inflight = undefined
    this.#lastSeq = entry.seq
    this.#loaded.push(entry)
    this.#publish()
  }

  async clear (): Promise<ClearResult> {
    return await this.#serial(async () => {
      const result: ClearResult = { printed: [], unprinted: [], uncertain: [] }
      this.#collect = result.printed
      try {
        if (this.#link?.alive !== true || this.#counter === undefined) throw new PrinterOfflineError({ printer: this.id, operation: 'clear' })
        // Counter before and after the clear command: whatever printed in between is attributed, the rest is proven unprinted.
        this.#absorb(await this.#readBlock())
        await this.#command(COMMANDS.CLEAR_BUFFER)
        const after = await this.#readBlock()
        this.#absorb(after, false) // the buffer is empty now by command, not by printing
        if (this.#desynced || after.fill !== 0) throw new Error('head buffer not proven empty')
        result.unprinted.push(...this.#loaded.map(e => e.item))
      } catch (err) {
        this.#log.warn({ printer: this.id, err }, 'clear could not prove what the head printed')
        result.uncertain.push(...this.#loaded.map(e => e.item))
        if (this.#inflight !== undefined) result.uncertain.push(this.#inflight.item)
        this.#needsDeviceClear = true
        if (this.#link?.alive === true) {
          // Reachable but out of step: empty it now so nothing we reported as uncertain prints later.
          try { await this.#command(COMMANDS.CLEAR_BUFFER); this.#counter = (await this.#readBlock()).counter; this.#needsDeviceClear = false } catch { /* retried at reconnect */ }
        }
      } finally {
        this.#collect = undefined
      }
      result.unprinted.push(...this.#notSent)
      result.uncertain.push(...this.#uncertain)
      this.#loaded = []
      this.#inflight = undefined
      this.#notSent = []
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
