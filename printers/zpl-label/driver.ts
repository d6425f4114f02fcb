// The zpl-label driver: one label at a time over TCP 9100 or serial, each confirmed by `~HS` before the next is sent.
import { EventEmitter } from 'node:events'
import type { Duplex } from 'node:stream'
import type { ClearResult, Printer, PrinterFault, PrinterStatus, PrintItem, SsccLabel } from '../types.ts'
import { LabelNotConfirmedError, PrinterOfflineError, ZplStatusTimeoutError } from '../errors.ts'
import { type DriverOptions, type PrinterClock, type PrinterLogger, silentPrinterLogger, wallClock } from '../options.ts'
import { printerReconnect, type ReconnectLoop } from '../reconnect.ts'
import { StatusKeeper } from '../status.ts'
import type { StreamFactory } from '../transport.ts'
import { type HostStatus, parseHostStatus, StxEtxReader } from './host-status.ts'
import { ssccLabel, ssccTemplateFor, unitLabel, unitTemplateFor } from './zpl.ts'

export interface ZplLabelOptions extends DriverOptions {
  id: string
  stream: StreamFactory
  /** Labels queued on the host ahead of the printer (`room()` tops up to this). */
  bufferDepth?: number
  statusIntervalMs?: number
  /** A `~HS` unanswered this long is a fault: media out, head open or over-temperature. */
  timeoutMs?: number
  /** Pause after a failed connect attempt (1 s); it doubles with each further failure … */
  reconnectMs?: number
  /** … up to this (5 × reconnectMs). */
  reconnectMaxMs?: number
  /** ZPL with {{dm}} {{hri}} (unit) or {{sscc}} {{dm}} {{title}} {{gtin}} {{batch}} {{count}} {{text}} (box/pallet). */
  unitTemplate?: string
  ssccTemplate?: string
  /** The printer's dot density: the built-in layouts are scaled to it (a template given above is already in dots). */
  dpi?: number
  /**
   * A print-and-apply unit: each unit label is sent in applicator mode (ZPL II Programming Guide, `^MM` print mode
   * `A`) and printed when the product reaches the applicator (its start-print signal, fired by the same photocell as
   * the PLC's trigger) — so a label is confirmed when its product is labelled, as a head's print is.
   */
  applicator?: boolean
}

interface Job {
  zpl: string
  item?: PrintItem
  sscc?: { resolve: () => void, reject: (e: Error) => void }
  /** clear() is waiting on this label: a confirmation goes to its result, not to a 'printed' event. */
  claimed?: (printed: boolean) => void
  abandoned?: boolean
}

/** How often a waiting applicator label is polled for: within a pitch even at 300 units a minute. */
const APPLICATOR_POLL_MS = 40

/** A unit label in applicator mode: `^MMA` right after the format's `^XA` (ZPL II Programming Guide, ^MM). */
function applicatorMode (zpl: string): string {
  const at = zpl.indexOf('^XA')
  return at < 0 ? zpl : `${zpl.slice(0, at + 3)}^MMA${zpl.slice(at + 3)}`
}

interface HsWaiter { resolve: (s: HostStatus | null) => void, timer: NodeJS.Timeout }

export class ZplLabelPrinter extends EventEmitter implements Printer {
  readonly kind = 'zpl-label' as const
  readonly id: string
  readonly #factory: StreamFactory
  readonly #depth: number
  readonly #statusMs: number
  readonly #timeoutMs: number
  readonly #reconnect: ReconnectLoop
  readonly #unitTemplate: string
  readonly #ssccTemplate: string
  readonly #clock: PrinterClock
  readonly #log: PrinterLogger
  readonly #status: StatusKeeper

  #stream: Duplex | undefined
  #everConnected = false
  #closed = false
  #reader = new StxEtxReader()
  #frames: string[] = []
  #waiters: HsWaiter[] = []
  #hsChain: Promise<unknown> = Promise.resolve()
  #jobs: Job[] = []
  #current: Job | undefined
  #pumping = false
  #uncertain: PrintItem[] = []
  #statusTimer: NodeJS.Timeout | undefined
  #printed = 0
  #faults = new Set<PrinterFault>()
  #detail: string | undefined
  readonly #applicator: boolean

  constructor (o: ZplLabelOptions) {
    super()
    this.id = o.id
    this.#factory = o.stream
    this.#depth = o.bufferDepth ?? 4
    this.#statusMs = o.statusIntervalMs ?? 1000
    this.#timeoutMs = o.timeoutMs ?? 2000
    this.#reconnect = printerReconnect({
      printer: this.id, open: async () => { await this.#open() }, reconnectMs: o.reconnectMs, reconnectMaxMs: o.reconnectMaxMs,
      closedError: () => new PrinterOfflineError({ printer: this.id, operation: 'connect' }), log: { warn: (obj, msg) => { this.#log.warn(obj, msg) } }, what: 'label printer',
    })
    this.#unitTemplate = o.unitTemplate ?? unitTemplateFor(o.dpi)
    this.#ssccTemplate = o.ssccTemplate ?? ssccTemplateFor(o.dpi)
    this.#clock = o.clock ?? wallClock
    this.#log = o.logger ?? silentPrinterLogger
    this.#status = new StatusKeeper(this)
    this.#applicator = o.applicator === true
  }

  status (): PrinterStatus { return this.#status.get() }

  room (): number {
    if (this.#status.get().state !== 'ready') return 0
    return Math.max(0, this.#depth - this.#jobs.filter(j => j.item !== undefined).length - (this.#current?.item !== undefined ? 1 : 0))
  }

  async connect (): Promise<void> {
    if (this.#closed) throw new PrinterOfflineError({ printer: this.id, operation: 'connect after close' })
    if (this.#stream !== undefined) return
    if (!this.#reconnect.running) this.#publish()
    await this.#reconnect.run()
  }

  async #open (): Promise<void> {
    const stream = await this.#factory()
    if (this.#closed) { stream.destroy(); return }
    this.#reader = new StxEtxReader()
    this.#frames = []
    stream.on('data', (d: Buffer) => { this.#onData(d) })
    stream.on('error', err => { this.#log.warn({ printer: this.id, err }, 'label printer stream error') })
    stream.once('close', () => { if (this.#stream === stream) this.#lost() })
    this.#stream = stream
    this.#everConnected = true
    this.#faults.delete('comms-lost')
    this.#detail = undefined
    await this.#refreshStatus()
    this.#scheduleStatus()
    this.#pump()
  }

  #lost (): void {
    this.#stream = undefined
    clearTimeout(this.#statusTimer)
    for (const w of this.#waiters.splice(0)) { clearTimeout(w.timer); w.resolve(null) }
    if (this.#closed) return
    this.#log.warn({ printer: this.id }, 'label printer link lost')
    this.#faults.add('comms-lost')
    this.#detail = 'связь с принтером потеряна / link to the printer lost'
    this.#publish()
    if (!this.#reconnect.running) this.connect().catch(() => undefined)
  }

  async close (): Promise<void> {
    this.#closed = true
    clearTimeout(this.#statusTimer)
    this.#reconnect.stop()
    const s = this.#stream
    this.#stream = undefined
    for (const w of this.#waiters.splice(0)) { clearTimeout(w.timer); w.resolve(null) }
    for (const j of this.#jobs.splice(0)) j.sscc?.reject(new PrinterOfflineError({ printer: this.id, operation: 'close' }))
    if (s !== undefined) await new Promise<void>(resolve => { s.once('close', () => resolve()); s.destroy() })
    this.#publish()
  }

  #onData (d: Buffer): void {
    const { frames, noise } = this.#reader.push(d)
    if (noise.trim().length > 0) {
      this.#log.warn({ printer: this.id, noise: noise.slice(0, 64) }, 'label printer sent bytes outside a status string')
      this.#faults.add('bad-response')
      this.#detail = 'непонятный ответ принтера / unreadable answer from the printer'
      this.#publish()
    }
    this.#frames.push(...frames)
    while (this.#frames.length >= 3 && this.#waiters.length > 0) {
      const [s1, s2] = this.#frames.splice(0, 3) as [string, string, string]
      const w = this.#waiters.shift() as HsWaiter
      clearTimeout(w.timer)
      const st = parseHostStatus(s1, s2)
      if (st === null) {
        this.#faults.add('bad-response')
        this.#detail = 'ответ на ~HS не разобран / unreadable ~HS answer'
        this.#publish()
      }
      w.resolve(st)
    }
    if (this.#waiters.length === 0) this.#frames = [] // unsolicited strings are not answers to a later ~HS
  }

  /** One `~HS` at a time; null when the printer stayed silent or the link dropped. */
  async #hs (): Promise<HostStatus | null> {
    const run = async (): Promise<HostStatus | null> => {
      const s = this.#stream
      if (s === undefined) return null
      return await new Promise<HostStatus | null>(resolve => {
        const w: HsWaiter = {
          resolve,
          timer: setTimeout(() => {
            this.#waiters = this.#waiters.filter(x => x !== w)
            this.#frames = []
            resolve(null)
          }, this.#timeoutMs),
        }
        this.#waiters.push(w)
        s.write('~HS')
      })
    }
    const p = this.#hsChain.then(run, run)
    this.#hsChain = p.catch(() => undefined)
    return await p
  }

  /** Poll status and map it to faults; returns it (null = no answer). */
  async #refreshStatus (): Promise<HostStatus | null> {
    const st = await this.#hs()
    if (this.#stream === undefined) return null
    for (const f of ['paper-out', 'paused', 'head-open', 'ribbon-out', 'over-temperature', 'head-error', 'buffer-overflow'] as const) this.#faults.delete(f)
    if (st === null) {
      // A Zebra printer does not answer ~HS during media out, ribbon out, head open or over-temperature.
      const e = new ZplStatusTimeoutError({ printer: this.id, timeoutMs: this.#timeoutMs })
      this.#faults.add('head-error')
      this.#detail = `принтер не отвечает на ~HS: нет этикеток, открыта головка или перегрев / ${e.message}: media out, head open or over-temperature`
    } else {
      this.#faults.delete('bad-response')
      if (st.paperOut) this.#faults.add('paper-out')
      if (st.paused) this.#faults.add('paused')
      if (st.headUp) this.#faults.add('head-open')
      if (st.ribbonOut) this.#faults.add('ribbon-out')
      if (st.overTemperature) this.#faults.add('over-temperature')
      if (st.bufferFull) this.#faults.add('buffer-overflow')
      if (this.#faults.size === 0) this.#detail = undefined
    }
    this.#publish()
    return st
  }

  #scheduleStatus (): void {
    clearTimeout(this.#statusTimer)
    if (this.#closed || this.#stream === undefined) return
    this.#statusTimer = setTimeout(() => {
      const next = (): void => { this.#scheduleStatus(); this.#pump() }
      if (this.#pumping) { next(); return } // the pump polls while a label is pending
      this.#refreshStatus().then(next, next)
    }, this.#statusMs)
  }

  #publish (): void {
    const faults = [...this.#faults]
    const state: PrinterStatus['state'] = this.#closed
      ? 'disconnected'
      : this.#stream === undefined && !this.#everConnected ? 'connecting' : faults.length > 0 ? 'fault' : 'ready'
    this.#status.set({
      state,
      faults: this.#stream === undefined && !this.#everConnected ? [] : faults,
      warnings: this.#jobs.length === 0 && this.#current === undefined ? ['buffer-empty'] : [],
      bufferLevel: this.#jobs.filter(j => j.item !== undefined).length + (this.#current?.item !== undefined ? 1 : 0),
      printed: this.#printed,
      detail: this.#detail,
    })
  }

  /** Send queued labels one by one; each waits for a `~HS` showing the printer's queue empty. */
  #pump (): void {
    if (this.#pumping || this.#closed) return
    this.#pumping = true
    this.#pumpLoop().catch(err => { this.#log.warn({ printer: this.id, err }, 'label pump failed') }).finally(() => {
      this.#pumping = false
      // A load() that arrived while the loop was winding down found it busy: pick its labels up now.
      if (this.#jobs.length > 0 && this.#current === undefined && this.#stream !== undefined && this.#faults.size === 0) this.#pump()
    })
  }

  async #pumpLoop (): Promise<void> {
    for (;;) {
      if (this.#current === undefined) {
        const s = this.#stream
        if (s === undefined || this.#faults.size > 0 || this.#jobs.length === 0) return
        const job = this.#jobs.shift() as Job
        this.#current = job
        this.#publish()
        s.write(job.zpl)
      }
      const job = this.#current
      const st = await this.#refreshStatus()
      if (job.abandoned === true || this.#current !== job) continue
      if (this.#stream === undefined) {
        // Link lost with the label on the wire or in the printer: it may or may not come out.
        this.#current = undefined
        this.#settle(job, false)
        return
      }
      if (st !== null && st.formatsInBuffer === 0 && st.labelsRemaining === 0 && this.#faults.size === 0) {
        this.#current = undefined
        this.#settle(job, true)
        continue
      }
      // an applicator label waits for its product: polled a little less often (it is confirmed within the pitch)
      await new Promise(resolve => setTimeout(resolve, st === null ? 0 : Math.min(this.#statusMs, this.#applicator && job.item !== undefined ? APPLICATOR_POLL_MS : 20)))
    }
  }

  #settle (job: Job, printed: boolean): void {
    if (job.claimed !== undefined) { job.claimed(printed); return }
    if (printed) {
      this.#printed++
      if (job.item !== undefined) this.emit('printed', { printer: this.id, item: job.item, counter: this.#printed, at: this.#clock.now() })
      job.sscc?.resolve()
    } else {
      if (job.item !== undefined) this.#uncertain.push(job.item)
      job.sscc?.reject(new LabelNotConfirmedError('link lost before the label was confirmed', { printer: this.id }))
    }
    this.#publish()
  }

  async load (items: readonly PrintItem[]): Promise<void> {
    if (this.#stream === undefined) throw new PrinterOfflineError({ printer: this.id, operation: 'load' })
    for (const item of items) this.#jobs.push({ item, zpl: this.#applicator ? applicatorMode(unitLabel(item, this.#unitTemplate)) : unitLabel(item, this.#unitTemplate) })
    this.#publish()
    this.#pump()
  }

  async printSscc (label: SsccLabel): Promise<void> {
    if (this.#stream === undefined) throw new PrinterOfflineError({ printer: this.id, operation: 'print SSCC label' })
    await new Promise<void>((resolve, reject) => {
      this.#jobs.push({ zpl: ssccLabel(label, this.#ssccTemplate), sscc: { resolve, reject } })
      this.#publish()
      this.#pump()
    })
  }

  async clear (): Promise<ClearResult> {
    const result: ClearResult = { printed: [], unprinted: [], uncertain: [] }
    for (const j of this.#jobs.splice(0)) {
      if (j.item !== undefined) result.unprinted.push(j.item) // never sent
      j.sscc?.reject(new LabelNotConfirmedError('cleared before it was sent', { printer: this.id }))
    }
    const cur = this.#current
    if (cur !== undefined && this.#applicator && cur.item !== undefined) {
      // The label waits in the printer for its product; clear() runs with the infeed stopped (Stopping, Completing,
      // Aborting, Resetting), so no start-print signal comes: cancel it (~JA) and read back what the printer holds.
      cur.abandoned = true
      const before = await this.#hs()
      let fate: 'printed' | 'unprinted' | 'uncertain'
      if (before !== null && before.formatsInBuffer === 0) fate = 'printed' // a product took it just before
      else {
        this.#stream?.write('~JA')
        const after = await this.#hs()
        fate = before !== null && after !== null && after.formatsInBuffer === 0 ? 'unprinted' : 'uncertain'
      }
      if (this.#current === cur) this.#current = undefined
      if (fate === 'printed') { this.#printed++; result.printed.push(cur.item) } else result[fate].push(cur.item)
    } else if (cur !== undefined) {
      // Give the pump one confirmation window; after that the label's fate is unknown.
      const printed = await new Promise<boolean>(resolve => {
        const timer = setTimeout(() => { cur.abandoned = true; resolve(false) }, this.#timeoutMs * 2)
        cur.claimed = p => { clearTimeout(timer); resolve(p) }
      })
      if (this.#current === cur) this.#current = undefined
      if (cur.item !== undefined) {
        if (printed) { this.#printed++; result.printed.push(cur.item) } else result.uncertain.push(cur.item)
      }
      if (printed) cur.sscc?.resolve(); else cur.sscc?.reject(new LabelNotConfirmedError('cleared before it was confirmed', { printer: this.id }))
      // Cancel whatever the printer still holds so an uncertain label cannot come out later (~JA: cancel all).
      if (!printed) this.#stream?.write('~JA')
    }
    result.uncertain.push(...this.#uncertain.splice(0))
    this.#publish()
    this.#pump()
    return result
  }
}
