// The panasonic-lp driver: a Panasonic laser marker (LP-GS, LP-RC, LP-RF, LP-RV) marking the code as a 2D code whose
// characters come from the host once per marking ("Characters specified by SIN command"). The marker holds one code
// at a time: the driver keeps the rest on the host and gives the next code when the marker reports the end of the
// marking before.
//
// Source: "Laser Marker Serial Communication Command Guide, LP-400/V compatible mode — LP-GS series, LP-RC series,
// LP-RF series, LP-RV series", Panasonic Industrial Devices SUNX, ME-LP-GS-SR-COMP-3 (April 2019). Stored copies:
// manualslib.com/manual/1602242/Panasonic-Lp-Gs-Series.html, manualshive.com/en/manual/panasonic/lp-gs-series/3637167,
// manual.onestart.ai/manuals/Panasonic-LP-GS-Series-Serial-Communication-Command-Manual-5434308. RS-232C settings
// (9600 8N1, check sum off, end code CR by default): LP-GS Setup and Maintenance Manual ME-LPGS-SM-8, "5-2-2".
//
// Commands used (manual wording in quotes, page numbers of ME-LP-GS-SR-COMP-3):
//   MST S 1  "Enables automatic response of marking result … at the end of marking" (p. 63); the marker then sends
//            MST A 0000 ("Normal end") or MST A E001–E999 ("abnormal end") after each marking (p. 64). "Set the
//            response permission before every shifting to the remote mode": sent on every connect.
//   STS R    status: error occurrence, laser pumping, command reception, marking trigger ready (p. 62)
//   SIN S nn characters  "Character entry per trigger … Send this command per each marking" (pp. 72–73): max. 99
//            characters, ASCII with [GS] as FNC1 (p. 39); "Otherwise marking trigger ready does not turn ON, and
//            marking is not available"; "It is not possible to send SIN command twice or more to one string number
//            for one marking trigger" (NAK 11).
//   MKM S 0 / MKM S 1  command reception permission ON / OFF (p. 56): "To reset the transmitted SIN command data,
//            either close the shutter, or set command reception permission ON" (p. 73); after MKM "set the wait
//            time of 1 second or more" before the next SIN (p. 73: `settleMs`).
// Where the manual is silent the driver takes the conservative reading, each marked "doc silent" below.
import { EventEmitter } from 'node:events'
import type { ClearResult, Printer, PrinterFault, PrinterStatus, PrintItem } from '../types.ts'
import { DataTooLongError, PrintDataCharsetError, PrinterOfflineError, PrinterRefusedError, PrinterStateError } from '../errors.ts'
import { type DriverOptions, type PrinterClock, type PrinterLogger, silentPrinterLogger, wallClock } from '../options.ts'
import { printerReconnect, type ReconnectLoop } from '../reconnect.ts'
import { StatusKeeper } from '../status.ts'
import type { StreamFactory } from '../transport.ts'
import { type MarkerStatus, type MarkingEnd, parseStatus, sinData, sinProblem } from './codec.ts'
import { LpLink } from './link.ts'

/** The manual's limit for one SIN command: "The number of input characters allowed is max. 99 characters". */
export const SIN_MAX_CHARS = 99

export interface PanasonicLpOptions extends DriverOptions {
  id: string
  stream: StreamFactory
  /** The SIN string No. ("00"–"15") set to the 2D code object of the marker's file. */
  stringNo?: number
  /** Check sum on every frame (RS-232C only; the marker's communication setting must match). */
  checksum?: boolean
  /** Codes kept on the host ahead of the product (the marker itself holds one). */
  bufferDepth?: number
  /** Longest code sent (at most 99, the SIN limit). */
  maxChars?: number
  pollIntervalMs?: number
  timeoutMs?: number
  /** Wait after MKM before the next SIN (the manual: 1 second or more). */
  settleMs?: number
  /** The longest marking: a marking under way when clear() resets the SIN data still reports its end within this. */
  markingMs?: number
  reconnectMs?: number
  reconnectMaxMs?: number
}

export class PanasonicLpPrinter extends EventEmitter implements Printer {
  readonly kind = 'panasonic-lp' as const
  readonly id: string
  readonly #factory: StreamFactory
  readonly #stringNo: number
  readonly #checksum: boolean
  readonly #depth: number
  readonly #maxChars: number
  readonly #pollMs: number
  readonly #timeoutMs: number
  readonly #settleMs: number
  readonly #markingMs: number
  readonly #reconnect: ReconnectLoop
  readonly #clock: PrinterClock
  readonly #log: PrinterLogger
  readonly #status: StatusKeeper

  #link: LpLink | undefined
  #closed = false
  #pollTimer: NodeJS.Timeout | undefined
  #ops: Promise<unknown> = Promise.resolve()

  /** Loaded, not yet given to the marker, in print order. */
  #queue: PrintItem[] = []
  /** SIN written, answer not seen (timeout, link loss): settled after reconnect. */
  #inflight: PrintItem | undefined
  /** Acknowledged by the marker: marked at the next trigger. */
  #inDevice: PrintItem | undefined
  #notSent: PrintItem[] = []
  #uncertain: PrintItem[] = []
  /** The marker may hold SIN data the driver does not own: reset it before the next SIN. */
  #needsReset = true
  #settleUntil = 0
  #goneSince: number | undefined
  #sawReset = false
  #connected = false
  #desynced = false
  #markError: string | undefined
  #marker: MarkerStatus | undefined
  #collect: PrintItem[] | undefined
  #printed = 0
  #driverFaults = new Set<PrinterFault>()
  #detail: string | undefined

  constructor (o: PanasonicLpOptions) {
    super()
    this.id = o.id
    this.#factory = o.stream
    this.#stringNo = o.stringNo ?? 0
    sinData(this.#stringNo, '') // a string No. outside 00–15 is refused here, not at the first code
    this.#checksum = o.checksum ?? false
    this.#depth = o.bufferDepth ?? 8
    this.#maxChars = Math.min(o.maxChars ?? SIN_MAX_CHARS, SIN_MAX_CHARS)
    this.#pollMs = o.pollIntervalMs ?? 100
    this.#timeoutMs = o.timeoutMs ?? 1000
    this.#settleMs = o.settleMs ?? 1000
    this.#markingMs = o.markingMs ?? 1000
    this.#clock = o.clock ?? wallClock
    this.#log = o.logger ?? silentPrinterLogger
    this.#reconnect = printerReconnect({
      printer: this.id, open: async () => { await this.#open() }, reconnectMs: o.reconnectMs, reconnectMaxMs: o.reconnectMaxMs,
      closedError: () => new PrinterOfflineError({ printer: this.id, operation: 'connect' }), log: { warn: (obj, msg) => { this.#log.warn(obj, msg) } }, what: 'laser marker',
    })
    this.#status = new StatusKeeper(this)
  }

  status (): PrinterStatus { return this.#status.get() }

  room (): number {
    if (this.#status.get().state !== 'ready' || this.#desynced) return 0
    return Math.max(0, this.#depth - this.#held())
  }

  #held (): number { return this.#queue.length + (this.#inflight !== undefined ? 1 : 0) + (this.#inDevice !== undefined ? 1 : 0) }

  async connect (): Promise<void> {
    if (this.#closed) throw new PrinterOfflineError({ printer: this.id, operation: 'connect after close' })
    if (this.#link?.alive === true && this.#connected) return
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
    const link = new LpLink(this.id, this.#timeoutMs, this.#checksum)
    await link.open(this.#factory)
    if (this.#closed) { link.close(); return }
    this.#link = link
    link.onLost = err => { this.#lost(link, err) }
    link.onMarkingEnd = end => { this.#markingEnded(end) }
    try {
      await this.#serial(async () => { await this.#sync(link) }) // never interleaved with a SIN or a clear
    } catch (err) {
      link.close()
      if (this.#link === link) this.#link = undefined
      throw err
    }
    this.#connected = true
    this.#driverFaults.delete('comms-lost')
    this.#publish()
    this.#log.info({ printer: this.id, held: this.#held() }, 'laser marker connected')
    this.#schedulePoll(0)
  }

  #lost (link: LpLink, err: Error): void {
    if (this.#closed || this.#link !== link) return
    this.#log.warn({ printer: this.id, err }, 'laser marker link lost')
    clearTimeout(this.#pollTimer)
    this.#link = undefined
    this.#driverFaults.add('comms-lost')
    this.#detail = err.message
    this.#publish()
    if (!this.#reconnect.running) this.connect().catch(() => undefined)
  }

  #linkOrThrow (operation: string): LpLink {
    const link = this.#link
    if (link?.alive !== true) throw new PrinterOfflineError({ printer: this.id, operation })
    return link
  }

  async #readStatus (link: LpLink): Promise<MarkerStatus> {
    const a = await link.request('STS', 'R')
    let st: MarkerStatus
    try { st = parseStatus(a) } catch (err) { throw link.fail('STS', err) }
    this.#marker = st
    if (!st.error) this.#markError = undefined // the alarm was reset at the marker (its status was published when it came)
    return st
  }

  /** After every (re)connect: marking-end answers on, the code left in the marker settled, unknown SIN data reset. */
  async #sync (link: LpLink): Promise<void> {
    await link.request('MST', 'S', '1')
    const st = await this.#readStatus(link)
    const pending = this.#inDevice ?? this.#inflight
    if (pending !== undefined && !this.#needsReset) {
      // With a SIN file the trigger is only ready while SIN data waits to be marked (p. 72), and only this driver
      // sends SIN: ready means the code is still in the marker, unmarked. Anything else (marked while the link was
      // down — its MST A went to the old connection —, refused, or not known) proves nothing.
      if (!st.error && st.pumping === 2 && !st.receptionOn && st.triggerReady) {
        this.#inDevice = pending
      } else {
        this.#uncertain.push(pending)
        this.#inDevice = undefined
        this.#needsReset = true
        this.#log.warn({ printer: this.id, id: pending.id, status: st }, 'a code given to the laser marker before the link was lost cannot be proven unmarked')
      }
      this.#inflight = undefined
    }
    if (this.#needsReset) await this.#resetSinData(link)
    this.#publish()
  }

  /**
   * Reset the marker's SIN data (MKM S 0) and give the trigger back (MKM S 1): nothing the driver does not own can be
   * marked. With the shutter closed MKM is refused (NAK 03), and the closed shutter has reset the data already.
   */
  async #resetSinData (link: LpLink): Promise<void> {
    const on = await link.request('MKM', 'S', '0', { allowNak: true })
    if (on.kind === 'nak') {
      const st = await this.#readStatus(link)
      if (!st.receptionOn) throw new PrinterStateError(`the SIN data could not be reset (MKM refused, NAK ${on.code})`, { printer: this.id })
    }
    await link.request('MKM', 'S', '1', { allowNak: true }) // refused only while the shutter is closed: nothing to give back then
    this.#settleUntil = this.#clock.now() + this.#settleMs
    this.#needsReset = false
    this.#log.info({ printer: this.id }, 'laser marker SIN data reset')
  }

  /** A marking ended (MST A 0000 / Exxx): the code the marker held is proven marked, or marked in part. */
  #markingEnded (end: MarkingEnd): void {
    const item = this.#inDevice
    this.#inDevice = undefined
    if (item === undefined) {
      // No code of this driver's was in the marker (doc: the answer comes only from a marking under way): out of step.
      this.#desync(`the laser marker reports a marking end (${end.ok ? '0000' : end.error}) with no code of this driver's in it`)
    } else if (end.ok) {
      this.#confirm(item)
    } else {
      // Abnormal end: the code may be on the product in part (doc silent): it can neither print again nor go back.
      this.#uncertain.push(item)
      this.#needsReset = true
      this.#log.warn({ printer: this.id, id: item.id, error: end.error }, 'laser marking ended abnormally')
    }
    if (!end.ok) this.#markError = end.error
    this.#publish()
    this.#schedulePoll(0)
  }

  #confirm (item: PrintItem): void {
    this.#printed++
    if (this.#collect !== undefined) { this.#collect.push(item); return }
    // The manual gives no print counter with the marking end: the counter is this driver's count of confirmed markings.
    this.emit('printed', { printer: this.id, item, counter: this.#printed, at: this.#clock.now() })
  }

  #desync (why: string): void {
    this.#desynced = true
    this.#driverFaults.add('bad-response')
    this.#detail = `рассинхронизация маркера / marker out of step: ${why}`
    this.#log.warn({ err: new PrinterStateError(why, { printer: this.id, held: this.#held() }) }, 'laser marker out of step')
  }

  #schedulePoll (ms = this.#pollMs): void {
    clearTimeout(this.#pollTimer)
    if (this.#closed) return
    this.#pollTimer = setTimeout(() => {
      const link = this.#link
      if (link === undefined) return
      // Polls run in the same queue as load and clear: a SIN is only written between two reads of the status.
      this.#serial(async () => {
        if (link.alive !== true) return
        const st = await this.#readStatus(link)
        if (!this.#desynced) this.#driverFaults.delete('bad-response') // a good answer ends a refusal streak
        this.#sinDataGone(st)
        this.#publish()
        await this.#giveNext(link)
      }).then(() => { if (this.#link === link) this.#schedulePoll() }, err => {
        if (err instanceof PrinterRefusedError || err instanceof PrinterStateError) {
          this.#driverFaults.add('bad-response')
          this.#detail = err.message
          this.#publish()
          this.#schedulePoll()
        } // a lost link restarts polling from #open
      })
    }, ms)
  }

  /**
   * A code waits in the marker while its trigger is ready (p. 72). When the trigger stays not ready with the laser
   * pumped and no alarm for longer than a marking (`markingMs`) and no marking end came, the SIN data is gone:
   *   - the shutter was closed or reception switched on meanwhile, which resets it (p. 73): the code was not marked
   *     and goes back to the head of the queue;
   *   - otherwise nothing explains it (doc: a marker too fast for its MST answer reports nothing, p. 64): the code may
   *     be on a product, so it is uncertain, and the marker is out of step until clear().
   */
  #sinDataGone (st: MarkerStatus): void {
    if (this.#inDevice === undefined || st.triggerReady) { this.#goneSince = undefined; this.#sawReset = false; return }
    if (st.receptionOn) this.#sawReset = true
    if (st.error || st.pumping !== 2 || st.receptionOn) return // not ready for a reason of its own: wait
    const now = this.#clock.now()
    this.#goneSince ??= now
    if (now - this.#goneSince < this.#markingMs) return
    const item = this.#inDevice
    this.#inDevice = undefined
    this.#goneSince = undefined
    if (this.#sawReset) {
      this.#queue.unshift(item)
      this.#log.info({ printer: this.id, id: item.id }, 'the laser marker dropped its SIN data (shutter closed): the code goes back to the queue')
    } else {
      this.#uncertain.push(item)
      this.#needsReset = true
      this.#desync(`code ${item.id} left the marker without a marking end`)
    }
    this.#sawReset = false
  }

  /** The marker is free, ready and settled: give it the next code (SIN). */
  async #giveNext (link: LpLink): Promise<void> {
    const st = this.#marker
    if (this.#desynced || this.#inDevice !== undefined || this.#inflight !== undefined || this.#queue.length === 0) return
    if (st === undefined || st.error || st.pumping !== 2 || st.receptionOn || this.#markError !== undefined) return
    if (this.#needsReset) await this.#resetSinData(link)
    if (this.#clock.now() < this.#settleUntil) return // the next poll looks again
    const item = this.#queue[0] as PrintItem
    this.#queue.shift()
    this.#inflight = item
    this.#publish()
    let answer
    try {
      // The code is the marker's from the ACK on: its marking end may follow in the same read.
      answer = await link.request('SIN', 'S', sinData(this.#stringNo, item.code), { allowNak: true, onAnswer: a => { if (a.kind === 'ack') { this.#inflight = undefined; this.#inDevice = item } } })
    } catch (err) {
      if (err instanceof PrinterOfflineError) { this.#inflight = undefined; this.#queue.unshift(item) } // never written
      this.#publish()
      throw err // a timeout or a lost link proves nothing: settled at reconnect
    }
    this.#inflight = undefined
    if (answer.kind === 'ack') { this.#publish(); return }
    // A NAK invalidates the whole request (p. 34): the code is not in the marker.
    const code = answer.kind === 'nak' ? answer.code : '?'
    if (code === '11' || code === '03' || code === '10') {
      // The marker cannot take a code now: shutter closed, reception on, an alarm — or it already holds SIN data.
      this.#queue.unshift(item)
      const st = await this.#readStatus(link)
      if (code === '11' && !st.receptionOn && !st.error) this.#needsReset = true // data the driver does not own
      this.#detail = `маркер не принял код / SIN refused: NAK ${code}`
      this.#publish()
      return
    }
    // Any other refusal is about this code or this driver (data, length, settings): it is kept aside for clear().
    this.#notSent.push(item)
    throw new PrinterRefusedError({ printer: this.id, request: 'SIN', answer: `NAK ${code}` })
  }

  /** What the marker's own state says: an error or an abnormal marking end, laser not ready, shutter closed. */
  #deviceFaults (): PrinterFault[] {
    const st = this.#marker
    const f: PrinterFault[] = []
    if (this.#markError !== undefined) f.push('head-error')
    if (st === undefined) return f
    if (st.error) f.push('head-error')
    if (st.pumping !== 2 || st.receptionOn) f.push('paused')
    return f
  }

  #publish (): void {
    const faults = this.#connected ? [...this.#deviceFaults(), ...this.#driverFaults] : [...this.#driverFaults]
    const state: PrinterStatus['state'] = this.#closed
      ? 'disconnected'
      : !this.#connected ? 'connecting' : faults.length > 0 ? 'fault' : 'ready'
    const st = this.#marker
    const stateDetail = this.#markError !== undefined
      ? `маркировка прервана / marking ended abnormally: ${this.#markError}`
      : st === undefined ? undefined
        : st.error ? 'ошибка маркера / marker error (STS)'
          : st.pumping !== 2 ? 'лазер не готов / laser pumping not completed'
            : st.receptionOn ? 'затвор закрыт или приём команд включён / shutter closed or command reception on' : undefined
    this.#status.set({
      state,
      faults,
      warnings: [],
      bufferLevel: this.#held(),
      printed: this.#printed,
      detail: this.#detail ?? stateDetail,
    })
  }

  #serial<T> (fn: () => Promise<T>): Promise<T> {
    const p = this.#ops.then(fn, fn)
    this.#ops = p.catch(() => undefined)
    return p
  }

  async load (items: readonly PrintItem[]): Promise<void> {
    await this.#serial(async () => {
      this.#linkOrThrow('load')
      if (!this.#connected) throw new PrinterOfflineError({ printer: this.id, operation: 'load' })
      for (const it of items) {
        // Refused before any byte is written: a truncated or mangled code would be a wrong code on the product.
        if (it.code.length > this.#maxChars) {
          this.#driverFaults.add('data-too-long')
          this.#publish()
          throw new DataTooLongError({ printer: this.id, id: it.id, length: it.code.length, max: this.#maxChars })
        }
        const bad = sinProblem(it.code)
        if (bad !== undefined) throw new PrintDataCharsetError({ printer: this.id, id: it.id, ...bad })
      }
      this.#driverFaults.delete('data-too-long')
      this.#queue.push(...items)
      this.#publish()
    })
    this.#schedulePoll(0)
  }

  async clear (): Promise<ClearResult> {
    return await this.#serial(async () => {
      const result: ClearResult = { printed: [], unprinted: [], uncertain: [] }
      this.#collect = result.printed
      try {
        const link = this.#linkOrThrow('clear')
        if (this.#inDevice !== undefined || this.#inflight !== undefined) {
          // Reception on resets the SIN data (p. 73): the code in the marker can no longer be marked.
          await this.#resetSinData(link)
          // A marking already under way still ends, and says so (doc silent on MKM during a marking): wait for it.
          const end = this.#clock.now() + this.#markingMs
          while (this.#inDevice !== undefined && this.#clock.now() < end) await new Promise(resolve => setTimeout(resolve, 5))
          if (this.#inDevice !== undefined) result.unprinted.push(this.#inDevice)
          this.#inDevice = undefined
        }
      } catch (err) {
        this.#log.warn({ printer: this.id, err }, 'clear could not prove what the laser marker marked')
        if (this.#inDevice !== undefined) result.uncertain.push(this.#inDevice)
        if (this.#inflight !== undefined) result.uncertain.push(this.#inflight)
        this.#needsReset = true // reset at reconnect (or before the next code) so nothing uncertain can be marked later
      } finally {
        this.#collect = undefined
      }
      result.unprinted.push(...this.#queue, ...this.#notSent)
      result.uncertain.push(...this.#uncertain)
      this.#queue = []
      this.#inDevice = undefined
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
