// The videojet-ztcp driver: a Videojet/Zipher machine (DataFlex TTO and others running the Zipher text protocol) in
// serialization mode: the host keeps the printer's record buffer filled, one record per code, and proves each print
// by the index of the last record printed.
//
// Source: "Zipher Text Communications Protocol", Videojet Technologies (Zipher Ltd), revision 1.28 ("r.28 Zipher Text
// Coms Protocol.doc", 51 pages; revision history from 1.00, 21 January 2003, TCP/IP support added in 1.04). Stored
// copy: pdfcoffee.com/zipher-text-coms-protocol-pdf-free.html; earlier revisions 1.21 (studylib.net/doc/27023575),
// 1.25 and 1.34 (scribd). The command semantics used here are those of the document's command table and response
// paragraphs, as quoted per command in github.com/VolkovVik/Videojet6330App (Printer/VideoJetPrinter.cs, citing
// "CLARITY-Zipher Text Communications Protocol V 1.28.pdf", sections "Appendix 1: State Transition Diagram" and
// "Example Code").
//
// Commands used (document wording in quotes):
//   DAN  "switches off all Async comms messages" — answers stay paired with commands (ERR on machines older than
//        the async messages of revision 1.13: they send none anyway)
//   SEL  job select (optional, first contact only)       SHO  "sends field names only" (the serialization header)
//   SID  "adds another record with the supplied data and the supplied ID/serial number" → ACK / ERR
//   SRC  "number of records currently in the serialization buffer" → SRC|c|
//   SLR  "last index printed" → SLR|i|                   SCB  "clears the serialization buffer" → ACK
//   GST  state → STS|overall|error|job|batch count|total count|
//   GFT / GWN  current faults / warnings → FLT|n|code|clearable|text|… , WRN|…
// Where the document is silent the driver takes the conservative reading, each marked "doc silent" below.
import { EventEmitter } from 'node:events'
import type { ClearResult, Printer, PrinterFault, PrinterStatus, PrinterWarning, PrintItem } from '../types.ts'
import { DataTooLongError, LoadInterruptedError, PrinterOfflineError, PrinterRefusedError, PrinterStateError } from '../errors.ts'
import { type DriverOptions, type PrinterClock, type PrinterLogger, silentPrinterLogger, wallClock } from '../options.ts'
import { printerReconnect, type ReconnectLoop } from '../reconnect.ts'
import { StatusKeeper } from '../status.ts'
import type { StreamFactory } from '../transport.ts'
import { type ErrorEntry, fieldProblem, OVERALL_STATES, parseCount, parseErrorList, parseState, type PrinterState } from './codec.ts'
import { ZtcpLink } from './link.ts'

export interface ZtcpOptions extends DriverOptions {
  id: string
  stream: StreamFactory
  /** The serialization field of the printer's job that carries the code (the job's variable field name). */
  field: string
  /** A job to select (SEL) on first contact; absent: the job selected at the printer is used. */
  job?: string | undefined
  /** Records kept in the printer ahead of the product (`room()` tops up to this). */
  bufferDepth?: number
  /** Longest code sent (doc silent on the field limit: set it to the job's field size). */
  maxChars?: number
  pollIntervalMs?: number
  timeoutMs?: number
  reconnectMs?: number
  reconnectMaxMs?: number
}

interface Entry { item: PrintItem, index: number }

/** One poll: the last index printed (read before and after the record count), the record count, the state. */
interface Snapshot { slrBefore: number, src: number, slr: number, state: PrinterState }

export class ZtcpPrinter extends EventEmitter implements Printer {
  readonly kind = 'videojet-ztcp' as const
  readonly id: string
  readonly #factory: StreamFactory
  readonly #field: string
  readonly #job: string | undefined
  readonly #depth: number
  readonly #maxChars: number
  readonly #pollMs: number
  readonly #timeoutMs: number
  readonly #reconnect: ReconnectLoop
  readonly #clock: PrinterClock
  readonly #log: PrinterLogger
  readonly #status: StatusKeeper

  #link: ZtcpLink | undefined
  #closed = false
  #pollTimer: NodeJS.Timeout | undefined
  #ops: Promise<unknown> = Promise.resolve()

  /** In the printer's buffer, not yet proven printed, in print order. */
  #loaded: Entry[] = []
  /** SID written, answer not seen (timeout, link loss): settled after reconnect. */
  #inflight: Entry | undefined
  #notSent: PrintItem[] = []
  #uncertain: PrintItem[] = []
  /** Last index the driver gave a record; indexes only grow. */
  #lastIndex = 0
  /** Last index printed, as last read (SLR). */
  #slr: number | undefined
  /** The reported print counter: the printer's total count at first contact, plus one per confirmed print. */
  #counter = 0
  #desynced = false
  #needsDeviceClear = false
  #collect: PrintItem[] | undefined
  #printed = 0
  #lastErrorState = 0
  #pollCount = 0
  #state: PrinterState | undefined
  #listedFaults: PrinterFault[] = []
  #listedWarnings: PrinterWarning[] = []
  #listedDetail: string | undefined
  #driverFaults = new Set<PrinterFault>()
  #detail: string | undefined

  constructor (o: ZtcpOptions) {
    super()
    this.id = o.id
    this.#factory = o.stream
    this.#field = o.field
    this.#job = o.job
    this.#depth = o.bufferDepth ?? 64
    this.#maxChars = o.maxChars ?? 150
    this.#pollMs = o.pollIntervalMs ?? 50
    this.#timeoutMs = o.timeoutMs ?? 1000
    this.#clock = o.clock ?? wallClock
    this.#log = o.logger ?? silentPrinterLogger
    this.#reconnect = printerReconnect({
      printer: this.id, open: async () => { await this.#open() }, reconnectMs: o.reconnectMs, reconnectMaxMs: o.reconnectMaxMs,
      closedError: () => new PrinterOfflineError({ printer: this.id, operation: 'connect' }), log: { warn: (obj, msg) => { this.#log.warn(obj, msg) } }, what: 'ZTCP printer',
    })
    this.#status = new StatusKeeper(this)
  }

  status (): PrinterStatus { return this.#status.get() }

  room (): number {
    if (this.#status.get().state !== 'ready' || this.#desynced) return 0
    return Math.max(0, this.#depth - this.#loaded.length - (this.#inflight !== undefined ? 1 : 0))
  }

  async connect (): Promise<void> {
    if (this.#closed) throw new PrinterOfflineError({ printer: this.id, operation: 'connect after close' })
    if (this.#link?.alive === true && this.#slr !== undefined) return
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
    const link = new ZtcpLink(this.id, this.#timeoutMs)
    await link.open(this.#factory)
    if (this.#closed) { link.close(); return }
    this.#link = link
    link.onLost = err => { this.#lost(link, err) }
    try {
      await this.#serial(async () => { await this.#sync(link) }) // never interleaved with a load or a clear
    } catch (err) {
      link.close()
      if (this.#link === link) this.#link = undefined
      throw err
    }
    this.#driverFaults.delete('comms-lost')
    this.#publish()
    this.#log.info({ printer: this.id, lastPrinted: this.#slr, buffered: this.#loaded.length }, 'ZTCP printer connected')
    this.#schedulePoll()
  }

  #lost (link: ZtcpLink, err: Error): void {
    if (this.#closed || this.#link !== link) return
    this.#log.warn({ printer: this.id, err }, 'ZTCP printer link lost')
    clearTimeout(this.#pollTimer)
    this.#link = undefined
    this.#driverFaults.add('comms-lost')
    this.#detail = err.message
    this.#publish()
    if (!this.#reconnect.running) this.connect().catch(() => undefined)
  }

  #linkOrThrow (operation: string): ZtcpLink {
    const link = this.#link
    if (link?.alive !== true) throw new PrinterOfflineError({ printer: this.id, operation })
    return link
  }

  /** Ask and parse; a parse failure is a link failure (the stream is out of step). */
  async #ask<T> (link: ZtcpLink, mnemonic: string, parse: (r: Awaited<ReturnType<ZtcpLink['request']>>) => T, params: readonly string[] = []): Promise<T> {
    const r = await link.request(mnemonic, params)
    try { return parse(r) } catch (err) { throw link.fail(mnemonic, err) }
  }

  async #read (link: ZtcpLink): Promise<Snapshot> {
    // SLR is read on both sides of SRC: a print between the two would otherwise look like a lost record.
    const slrBefore = await this.#ask(link, 'SLR', r => parseCount(r, 'SLR'))
    const src = await this.#ask(link, 'SRC', r => parseCount(r, 'SRC'))
    const slr = await this.#ask(link, 'SLR', r => parseCount(r, 'SLR'))
    const state = await this.#ask(link, 'GST', parseState)
    return { slrBefore, src, slr, state }
  }

  /** After every (re)connect: settle the unanswered SID, account for prints made while the link was down. */
  async #sync (link: ZtcpLink): Promise<void> {
    // ERR is fine: a machine without asynchronous messages has none to switch off.
    await link.request('DAN', [], { allowErr: true })
    const first = this.#slr === undefined
    if (first || this.#needsDeviceClear) {
      if (first && this.#job !== undefined) await link.request('SEL', [this.#job])
      // Doc silent on whether SHO empties the buffer: it is only sent here, where the buffer is cleared anyway.
      await link.request('SHO', [this.#field])
      let s = await this.#read(link)
      if (s.src > 0) {
        // Records left from an earlier run are not ours, or a clear() could not reach the printer: none may print.
        this.#log.warn({ printer: this.id, records: s.src }, 'clearing records the driver does not own from the ZTCP printer')
        await link.request('SCB')
        s = await this.#read(link)
        if (s.src !== 0) throw new PrinterStateError('the serialization buffer is not empty after SCB', { printer: this.id, records: s.src })
      }
      if (first) this.#counter = s.state.totalCount
      this.#slr = s.slr
      this.#lastIndex = Math.max(this.#lastIndex, s.slr) // doc silent on the index range: ours only grow past SLR
      this.#needsDeviceClear = false
      this.#applyState(s.state)
      await this.#refreshErrors(link, s.state)
      return
    }
    const s = await this.#read(link)
    const inflight = this.#inflight
    this.#inflight = undefined
    if (inflight !== undefined) {
      const printedUpTo = s.slr
      const waiting = this.#loaded.filter(e => e.index > printedUpTo).length
      if (printedUpTo >= inflight.index || (s.slr === s.slrBefore && s.src === waiting + 1)) this.#loaded.push(inflight)
      else if (s.slr === s.slrBefore && s.src === waiting) this.#notSent.push(inflight.item)
      else { this.#uncertain.push(inflight.item); this.#desync('the record count proves neither that the unanswered record was added nor that it was not', s) }
    }
    this.#absorb(s)
    await this.#refreshErrors(link, s.state)
  }

  #schedulePoll (): void {
    clearTimeout(this.#pollTimer)
    if (this.#closed) return
    this.#pollTimer = setTimeout(() => {
      const link = this.#link
      if (link === undefined) return
      // Polls run in the same queue as load and clear: a SID between SLR and SRC would look like a lost record.
      this.#serial(async () => {
        if (link.alive !== true) return
        const s = await this.#read(link)
        if (!this.#desynced) this.#driverFaults.delete('bad-response') // a good answer ends a refusal streak
        this.#absorb(s)
        await this.#refreshErrors(link, s.state)
      }).then(() => { if (this.#link === link) this.#schedulePoll() }, err => {
        if (err instanceof PrinterRefusedError) {
          this.#driverFaults.add('bad-response')
          this.#detail = err.message
          this.#publish()
          this.#schedulePoll()
        } // a lost link restarts polling from #open
      })
    }, this.#pollMs)
  }

  /** Confirm every loaded record up to the last index printed, in order; check the record count. */
  #absorb (s: Snapshot, checkCount = true): void {
    if (s.slr !== this.#slr && !this.#desynced) {
      const k = this.#loaded.findIndex(e => e.index === s.slr)
      if (k >= 0) for (const e of this.#loaded.splice(0, k + 1)) this.#confirm(e.item)
      else this.#desync(`the printer reports index ${s.slr} printed, a record the driver did not load or already saw printed`, s)
    }
    this.#slr = s.slr
    if (checkCount && !this.#desynced && s.slr === s.slrBefore && s.src !== this.#loaded.length) {
      this.#desync(`the printer holds ${s.src} records, the driver loaded ${this.#loaded.length}`, s)
    }
    this.#applyState(s.state)
  }

  #confirm (item: PrintItem): void {
    this.#printed++
    this.#counter = (this.#counter + 1) >>> 0
    if (this.#collect !== undefined) { this.#collect.push(item); return }
    this.emit('printed', { printer: this.id, item, counter: this.#counter, at: this.#clock.now() })
  }

  #desync (why: string, s: Snapshot): void {
    this.#desynced = true
    this.#driverFaults.add('bad-response')
    this.#detail = `рассинхронизация буфера / buffer out of step: ${why}`
    this.#log.warn({ err: new PrinterStateError(why, { printer: this.id, records: s.src, lastPrinted: s.slr, loaded: this.#loaded.length }) }, 'ZTCP printer out of step')
  }

  #applyState (st: PrinterState): void {
    this.#state = st
    if (st.error === 0) { this.#listedFaults = []; this.#listedWarnings = []; this.#listedDetail = undefined }
    this.#publish()
  }

  /** GFT / GWN when the error state says there is something to list: on a change, then every 20th poll. */
  async #refreshErrors (link: ZtcpLink, st: PrinterState): Promise<void> {
    const changed = st.error !== this.#lastErrorState
    this.#lastErrorState = st.error
    if (st.error === 0 || (!changed && this.#pollCount++ % 20 !== 0)) return
    const faults = st.error === 2 ? await this.#ask(link, 'GFT', r => parseErrorList(r, 'FLT')) : []
    const warnings = await this.#ask(link, 'GWN', r => parseErrorList(r, 'WRN'))
    this.#listedFaults = faults.map(faultOf)
    this.#listedWarnings = warnings.flatMap(warningOf)
    const listed = [...faults, ...warnings].map(e => `${e.code} ${e.text}`)
    this.#listedDetail = listed.length > 0 ? listed.join('; ') : undefined
    this.#publish()
  }

  /** What the printer's own state says: offline is a pause, any state but running stops printing, listed faults. */
  #deviceFaults (): PrinterFault[] {
    const st = this.#state
    if (st === undefined) return []
    const f: PrinterFault[] = []
    if (st.overall === 4) f.push('paused')
    else if (st.overall !== 3) f.push('head-error') // shut down, starting up, shutting down
    if (st.error === 2) f.push(...(this.#listedFaults.length > 0 ? this.#listedFaults : ['head-error' as const])) // faults present (listed or not yet)
    return f
  }

  #publish (): void {
    const known = this.#slr !== undefined
    const faults = known ? [...this.#deviceFaults(), ...this.#driverFaults] : []
    const state: PrinterStatus['state'] = this.#closed
      ? 'disconnected'
      : this.#link === undefined && !known ? 'connecting' : faults.length > 0 ? 'fault' : 'ready'
    const st = this.#state
    const stateDetail = st !== undefined && st.overall !== 3 ? `состояние / state: ${OVERALL_STATES[st.overall]}` : undefined
    this.#status.set({
      state,
      faults,
      warnings: this.#state?.error === 0 ? [] : this.#listedWarnings,
      bufferLevel: this.#loaded.length + (this.#inflight !== undefined ? 1 : 0),
      printed: this.#printed,
      detail: this.#detail ?? this.#listedDetail ?? stateDetail,
    })
  }

  #serial<T> (fn: () => Promise<T>): Promise<T> {
    const p = this.#ops.then(fn, fn)
    this.#ops = p.catch(() => undefined)
    return p
  }

  async load (items: readonly PrintItem[]): Promise<void> {
    await this.#serial(async () => {
      const link = this.#linkOrThrow('load')
      if (this.#slr === undefined) throw new PrinterOfflineError({ printer: this.id, operation: 'load' })
      for (const it of items) {
        // Refused before any byte is written: a truncated or mangled code would be a wrong code on the product.
        if (it.code.length > this.#maxChars || fieldProblem(it.code) !== undefined) {
          this.#driverFaults.add('data-too-long')
          this.#publish()
          throw new DataTooLongError({ printer: this.id, id: it.id, length: it.code.length, max: this.#maxChars })
        }
      }
      if (this.#driverFaults.delete('data-too-long')) this.#publish()
      for (let i = 0; i < items.length; i++) {
        const entry: Entry = { item: items[i] as PrintItem, index: this.#lastIndex + 1 }
        this.#lastIndex = entry.index // never reused, whatever the answer
        this.#inflight = entry
        this.#publish()
        try {
          await link.request('SID', [String(entry.index), entry.item.code])
        } catch (err) {
          // ERR or a command never sent proves the record was not added; a timeout or a lost link proves nothing.
          const refused = err instanceof PrinterRefusedError || err instanceof PrinterOfflineError
          if (refused) this.#inflight = undefined
          if (err instanceof PrinterRefusedError) { this.#driverFaults.add('bad-response'); this.#detail = err.message }
          this.#notSent.push(...items.slice(refused ? i : i + 1))
          this.#publish()
          throw new LoadInterruptedError({ printer: this.id, accepted: i, notSent: items.length - i - (refused ? 0 : 1), uncertain: refused ? 0 : 1 }, err)
        }
        this.#inflight = undefined
        this.#loaded.push(entry)
        this.#publish()
      }
    })
  }

  async clear (): Promise<ClearResult> {
    return await this.#serial(async () => {
      const result: ClearResult = { printed: [], unprinted: [], uncertain: [] }
      this.#collect = result.printed
      try {
        const link = this.#linkOrThrow('clear')
        if (this.#slr === undefined) throw new PrinterOfflineError({ printer: this.id, operation: 'clear' })
        // Last index printed before and after SCB: what printed in between is attributed, the rest proven unprinted.
        this.#absorb(await this.#read(link))
        await link.request('SCB')
        const after = await this.#read(link)
        this.#absorb(after, false) // the buffer is empty now by command, not by printing
        if (this.#desynced || after.src !== 0) throw new Error('printer buffer not proven empty')
        result.unprinted.push(...this.#loaded.map(e => e.item))
      } catch (err) {
        this.#log.warn({ printer: this.id, err }, 'clear could not prove what the ZTCP printer printed')
        result.uncertain.push(...this.#loaded.map(e => e.item))
        if (this.#inflight !== undefined) result.uncertain.push(this.#inflight.item)
        this.#needsDeviceClear = true
        const link = this.#link
        if (link?.alive === true) {
          // Reachable but out of step: empty it now so nothing reported uncertain can print later.
          try {
            await link.request('SCB')
            const s = await this.#read(link)
            if (s.src === 0) { this.#slr = s.slr; this.#needsDeviceClear = false }
          } catch { /* retried at reconnect */ }
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

/**
 * A listed fault as a line fault. The document lists fault codes per machine, not as a fixed table, so the text is
 * read for the supplies it names; every other fault stops printing as a head error.
 */
function faultOf (e: ErrorEntry): PrinterFault {
  if (/ribbon/i.test(e.text)) return 'ribbon-out'
  if (/ink|cartridge/i.test(e.text)) return 'ink-out'
  if (/label|media|paper/i.test(e.text)) return 'paper-out'
  return 'head-error'
}

function warningOf (e: ErrorEntry): PrinterWarning[] {
  if (/low/i.test(e.text) && /ribbon|ink|cartridge/i.test(e.text)) return ['ink-low']
  if (/low/i.test(e.text) && /label|media/i.test(e.text)) return ['labels-low']
  return []
}
