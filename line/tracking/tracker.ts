// Item tracking (DESIGN §5a): every PLC trigger is an item; the head's confirmed print gives it its code; the
// camera result for its sequence number decides it. Rejects are persisted before the PLC is told. Nothing is
// matched by guesswork: a missing print, a missing result or a foreign code rejects and raises an alarm.

import type { AlarmBook } from '../alarms/alarms.ts'
import type { Clock } from '../clock.ts'
import type { Bilingual, Counters } from '../control.ts'
import type { RejectReason } from '../domain/reasons.ts'
import { TypedEmitter } from '../events.ts'
import type { Logger } from '../log.ts'
import type { FaultKind } from '../state/machine.ts'
import type { CodePool } from '../pool/pool.ts'
import type { PrintDone, PrintMissed } from '../../printers/types.ts'
import { gradeAtLeast, type Grade } from '../domain/grades.ts'
import type { VerificationResult } from '../../verifiers/types.ts'

/** Early results kept at most (a camera publishing for products that never come must not grow memory). */
const MAX_EARLY_RESULTS = 10_000

export type { RejectReason }

export interface PlcRejectPort {
  /** Tell the PLC to reject item `seq` at the reject gate (QoS 1). */
  reject(seq: number, reason: string): Promise<void>
}

export interface GoodUnit { id: number, code: string, seq: number, grade: Grade }

export interface ItemEvent {
  seq: number
  code: string | null
  codeId: number | null
  grade: Grade | null
  verdict: 'good' | 'reject'
  reason: RejectReason | null
  at: number
}

interface Item {
  seq: number
  triggeredAt: number
  codeId: number | null
  code: string | null
  printed: Promise<unknown> | null
  result: VerificationResult | null
  decided: boolean
}

export interface TrackerOptions {
  pool: CodePool
  clock: Clock
  log: Logger
  alarms: AlarmBook
  plc: PlcRejectPort
  /** Pitches from the print station to the reject gate: a decision must be made before then. */
  rejectDistance: number
  /** Decide at the latest this many pitches before the gate, so the reject reaches the PLC in time (2). */
  rejectMargin?: number
  /** A result later than this after the trigger counts as missing. */
  resultTimeoutMs: number
  /** A confirmed print must follow its trigger within this. */
  printTimeoutMs: number
  maxConsecutiveRejects: number
}

/** A condition the tracker cannot decide around: the line holds (or aborts) on it. */
export interface TrackerFault { kind: FaultKind, message: Bilingual }

export interface TrackerEvents {
  /** A good unit, after VERIFIED is committed. */
  good: [GoodUnit]
  /** Every decided item, good or rejected. */
  item: [ItemEvent]
  fault: [TrackerFault]
}

export class Tracker extends TypedEmitter<TrackerEvents> {
  readonly #o: TrackerOptions
  readonly #items = new Map<number, Item>()
  readonly #awaitingPrint: Item[] = []
  /** Prints confirmed before their trigger arrived (the head's counter poll can beat the PLC's message). */
  readonly #awaitingTrigger: Array<{ done: PrintDone | null, at: number }> = []
  /**
   * Camera results that overtook their product's trigger: the PLC and the camera publish over separate MQTT
   * connections, so a result may arrive first. Kept by sequence number until the trigger comes or they expire.
   */
  readonly #earlyResults = new Map<number, { r: VerificationResult, at: number }>()
  readonly #inFlight = new Map<string, number>()
  #job: { id: number, minGrade: Grade } | null = null
  #lastSeq = -1
  #consecutiveRejects = 0
  readonly counters: Counters = { triggered: 0, printed: 0, verified: 0, rejected: 0, rejectsByReason: {}, boxes: 0, pallets: 0, reported: 0, dropped: 0 }
  #pending = 0
  /** Average time between triggers: when the infeed stops, products still move, and deadlines go by time. */
  #pitchMs: number | null = null
  #lastTriggerAt: number | null = null
  /** Products given up as NO_PRINT whose print may still be confirmed late. */
  #latePrints = 0
  readonly #verdicts = new Map<number, 'good' | 'reject'>()
  #idleWaiters: Array<() => void> = []

  /** Per-item debug logs are built only when debug is on: this runs for every product. */
  readonly #debug: boolean

  constructor (options: TrackerOptions) {
    super()
    this.#o = options
    this.#debug = options.log.isLevelEnabled('debug')
  }

  setJob (job: { id: number, minGrade: Grade } | null): void { this.#job = job }

  #noPrintIsExpected = false
  /** After the job's last code: products that still arrive get no print, and that is no fault. */
  expectNoPrints (on: boolean): void { this.#noPrintIsExpected = on }

  /** Whether item `seq` is still tracked in memory. */
  knows (seq: number): boolean { return this.#items.has(seq) }

  /** The verdict on item `seq`: undefined while undecided or unknown. */
  verdict (seq: number): 'good' | 'reject' | undefined { return this.#verdicts.get(seq) }

  /** Items triggered and not yet decided. */
  inFlight (): number {
    let n = 0
    for (const it of this.#items.values()) if (!it.decided) n++
    return n
  }

  /** A product reached the print station (PLC shift-register sequence number). */
  onTrigger (seq: number): void {
    const now = this.#o.clock.now()
    if (this.#debug) this.#o.log.debug({ seq, awaitingTrigger: this.#awaitingTrigger.length, awaitingPrint: this.#awaitingPrint.length }, 'trigger')
    if (this.#items.has(seq) || seq <= this.#lastSeq) {
      this.#o.alarms.raise({ code: 'TRIGGER_SEQ', source: 'plc', params: { seq }, detail: { seq, last: this.#lastSeq } })
      return
    }
    if (this.#lastTriggerAt !== null && seq === this.#lastSeq + 1) {
      const dt = now - this.#lastTriggerAt
      this.#pitchMs = this.#pitchMs === null ? dt : this.#pitchMs * 0.9 + dt * 0.1
    }
    this.#lastTriggerAt = now
    this.#lastSeq = seq
    const item: Item = { seq, triggeredAt: now, codeId: null, code: null, printed: null, result: null, decided: false }
    const early = this.#earlyResults.get(seq)
    if (early !== undefined) { this.#earlyResults.delete(seq); item.result = early.r }
    this.#items.set(seq, item)
    this.counters.triggered++
    const earlyPrint = this.#awaitingTrigger.shift()
    if (earlyPrint === undefined) this.#awaitingPrint.push(item)
    else if (earlyPrint.done === null) this.#missedPrint(item)
    else this.#assign(item, earlyPrint.done)
    this.tick()
  }

  /**
   * The head confirmed a print. Triggers and prints are two ordered streams of the same photocell events: the
   * k-th print belongs to the k-th trigger, whichever arrives first.
   */
  onPrinted (done: PrintDone): void {
    const item = this.#awaitingPrint.shift()
    if (item === undefined) {
      if (this.#latePrints > 0) {
        // the print of a product already given up as NO_PRINT (and rejected): pairing it with the next trigger
        // would shift every code onto the wrong product
        this.#latePrints--
        this.#orphanPrint(done)
        return
      }
      this.#awaitingTrigger.push({ done, at: this.#o.clock.now() })
      return
    }
    this.#assign(item, done)
  }

  /**
   * A new start after Stop and Reset (the heads were cleared): prints given up long ago are no longer expected.
   * Fresh early prints stay: their triggers may still be on the way.
   */
  resync (): void {
    this.#latePrints = 0
  }

  /**
   * The head reported a print-go that printed nothing. Head events (prints and misses) come in the order of the
   * products, so this belongs to the oldest trigger still waiting for its print.
   */
  onMissed (miss: PrintMissed): void {
    if (this.#debug) this.#o.log.debug({ ambiguous: miss.ambiguous, awaitingPrint: this.#awaitingPrint.length }, 'print missed')
    if (miss.ambiguous) {
      this.emit('fault', { kind: 'printer', message: { ru: 'Пропуск печати вперемешку с печатью: порядок неизвестен', en: 'a missed print among prints: order unknown' } })
    }
    const item = this.#awaitingPrint.shift()
    if (item === undefined) this.#awaitingTrigger.push({ done: null, at: this.#o.clock.now() })
    else this.#missedPrint(item)
  }

  #missedPrint (item: Item): void {
    this.#decide(item, 'NO_PRINT', null)
    if (!this.#noPrintIsExpected) {
      this.emit('fault', { kind: 'printer', message: { ru: `Изделие ${item.seq} прошло без печати`, en: `product ${item.seq} passed the printer unprinted` } })
    }
  }

  #orphanPrint (done: PrintDone): void {
    // A print with no product we know of: the code is on nothing we can follow.
    this.#track(this.#o.pool.markPrinted([done.item.id]).then(() => this.#o.pool.markDefect([done.item.id], 'UNCERTAIN')))
    this.#o.alarms.raise({ code: 'PRINT_WITHOUT_ITEM', source: done.printer, detail: { codeId: done.item.id } })
    this.emit('fault', { kind: 'printer', message: { ru: 'Печать без триггера ПЛК', en: 'a print without a PLC trigger' } })
  }

  #assign (item: Item, done: PrintDone): void {
    if (this.#debug) this.#o.log.debug({ seq: item.seq, codeId: done.item.id, counter: done.counter }, 'print assigned')
    item.codeId = done.item.id
    item.code = done.item.code
    this.#inFlight.set(done.item.code, item.seq)
    this.counters.printed++
    item.printed = this.#track(this.#o.pool.markPrinted([done.item.id], item.seq))
    if (item.result !== null) this.#evaluate(item)
  }

  /** A camera result, matched by its sequence number only. */
  onResult (r: VerificationResult): void {
    const item = this.#items.get(r.seq)
    if (item === undefined && r.seq > this.#lastSeq && this.#earlyResults.size < MAX_EARLY_RESULTS) {
      // its trigger is still on the way (see #earlyResults); tick() gives it up after resultTimeoutMs
      if (!this.#earlyResults.has(r.seq)) this.#earlyResults.set(r.seq, { r, at: this.#o.clock.now() })
      return
    }
    if (item === undefined) {
      const owner = r.code === null ? undefined : this.#inFlight.get(r.code)
      this.#o.alarms.raise({
        code: 'RESULT_UNKNOWN_SEQ', source: r.camera, params: { seq: r.seq },
        detail: { seq: r.seq, code: r.code, ownerSeq: owner, why: 'no such item' },
      })
      return
    }
    if (item.result !== null || item.decided) {
      if (item.result !== null && item.result.code === r.code) return // duplicate delivery of the same result
      this.#o.alarms.raise({ code: 'RESULT_LATE_OR_DUPLICATE', source: r.camera, params: { seq: r.seq }, detail: { seq: r.seq } })
      return
    }
    item.result = r
    if (item.code !== null) this.#evaluate(item)
  }

  /**
   * Deadlines: call on every trigger and periodically. A product is decided at the latest `rejectMargin` pitches
   * before the reject gate, so the reject reaches the PLC while the product can still be pushed off.
   */
  tick (): void {
    const now = this.#o.clock.now()
    const gate = Math.max(1, this.#o.rejectDistance - (this.#o.rejectMargin ?? 2))
    // the same deadline in time, at the measured pitch: it still runs when no new products enter
    const gateMs = this.#pitchMs === null ? this.#o.resultTimeoutMs : Math.min(this.#o.resultTimeoutMs, gate * this.#pitchMs)
    for (const [seq, e] of this.#earlyResults) {
      if (now - e.at <= this.#o.resultTimeoutMs) break // insertion order is arrival order
      this.#earlyResults.delete(seq)
      this.#o.alarms.raise({
        code: 'RESULT_UNKNOWN_SEQ', source: e.r.camera, params: { seq },
        detail: { seq, code: e.r.code, why: 'its trigger never came' },
      })
    }
    while (this.#awaitingTrigger.length > 0 && now - (this.#awaitingTrigger[0] as { at: number }).at > this.#o.printTimeoutMs) {
      const e = this.#awaitingTrigger.shift() as { done: PrintDone | null }
      if (e.done !== null) this.#orphanPrint(e.done)
    }
    for (const item of this.#items.values()) {
      if (item.decided) continue
      const overdue = now - item.triggeredAt > gateMs || this.#lastSeq - item.seq >= gate
      if (item.code === null && (now - item.triggeredAt > this.#o.printTimeoutMs || this.#lastSeq - item.seq >= gate)) {
        const i = this.#awaitingPrint.indexOf(item)
        if (i >= 0) this.#awaitingPrint.splice(i, 1)
        this.#decide(item, 'NO_PRINT', null)
        this.#latePrints++
        // The print queue and the products may be out of step now: stop before a code lands on the wrong item.
        if (this.#noPrintIsExpected) continue
        this.emit('fault', { kind: 'printer', message: { ru: `Нет подтверждения печати для изделия ${item.seq}`, en: `no print confirmation for item ${item.seq}` } })
      } else if (item.code !== null && item.result === null && overdue) {
        this.#decide(item, 'NO_RESULT', null)
      }
    }
    // forget decided items far behind the newest trigger
    for (const [seq, item] of this.#items) {
      if (seq > this.#lastSeq - 2000) break
      if (item.decided) { this.#items.delete(seq); this.#verdicts.delete(seq); if (item.code !== null) this.#inFlight.delete(item.code) }
    }
  }

  #evaluate (item: Item): void {
    const r = item.result as VerificationResult
    if (r.code === null) return this.#decide(item, 'UNREADABLE', r.grade)
    if (r.code !== item.code) {
      const owner = this.#inFlight.get(r.code)
      if (owner !== undefined && owner !== item.seq) {
        this.#o.alarms.raise({ code: 'CODE_OF_OTHER_ITEM', source: r.camera, params: { owner, seq: item.seq }, detail: { seq: item.seq, owner } })
      }
      return this.#decide(item, 'WRONG_CODE', r.grade)
    }
    const min = this.#job?.minGrade ?? 'C'
    if (!gradeAtLeast(r.grade, min)) return this.#decide(item, 'LOW_GRADE', r.grade)
    this.#decide(item, null, r.grade)
  }

  #decide (item: Item, reason: RejectReason | null, grade: Grade | null): void {
    if (item.decided) return
    item.decided = true
    if (this.#debug) this.#o.log.debug({ seq: item.seq, codeId: item.codeId, reason, grade }, 'item decided')
    const at = this.#o.clock.now()
    const event: ItemEvent = { seq: item.seq, code: item.code, codeId: item.codeId, grade, verdict: reason === null ? 'good' : 'reject', reason, at }
    this.#verdicts.set(item.seq, event.verdict)
    if (reason === null) {
      this.#consecutiveRejects = 0
      const id = item.codeId as number
      this.#track((item.printed ?? Promise.resolve()).then(() => this.#o.pool.markVerified([id], grade ?? undefined)).then(() => {
        this.counters.verified++
        this.emit('good', { id, code: item.code as string, seq: item.seq, grade: grade as Grade } satisfies GoodUnit)
        this.emit('item', event)
      }, err => {
        // The store refused: the unit cannot be accounted as good, so it must leave the line.
        this.#o.log.error({ err, seq: item.seq }, 'verified transition failed')
        this.#reject(item, 'STORE_ERROR', { ...event, verdict: 'reject', reason: 'STORE_ERROR' })
      }))
      return
    }
    this.#reject(item, reason, event)
  }

  #reject (item: Item, reason: RejectReason, event: ItemEvent): void {
    // `rejected` counts printed units (codes) rejected; a product that got no print is counted by reason only.
    if (item.codeId !== null) this.counters.rejected++
    this.counters.rejectsByReason[reason] = (this.counters.rejectsByReason[reason] ?? 0) + 1
    // products that arrive after the job's last code are expected unmarked: no quality trend, no "N in a row"
    const expected = reason === 'NO_PRINT' && this.#noPrintIsExpected
    if (!expected) this.#consecutiveRejects++
    const persist = item.codeId === null
      ? Promise.resolve()
      : (item.printed ?? Promise.resolve()).then(() => this.#o.pool.markDefect([item.codeId as number], reason))
    // Persist first, then tell the PLC; if the store fails the item is still rejected (fail safe).
    this.#track(persist.catch(err => { this.#o.log.error({ err, seq: item.seq }, 'defect transition failed') })
      .then(() => this.#o.plc.reject(item.seq, reason))
      .catch(err => {
        this.#o.alarms.raise({ code: 'REJECT_NOT_SENT', source: 'plc', params: { seq: item.seq }, detail: { seq: item.seq, error: String(err) } })
        this.emit('fault', { kind: 'broker', message: { ru: 'Нет связи с ПЛК для отбраковки', en: 'cannot reach the PLC to reject' } })
      })
      .then(() => this.emit('item', event)))
    if (this.#consecutiveRejects >= this.#o.maxConsecutiveRejects) {
      this.#consecutiveRejects = 0
      this.emit('fault', { kind: 'rejects', message: { ru: `${this.#o.maxConsecutiveRejects} отбраковок подряд`, en: `${this.#o.maxConsecutiveRejects} rejects in a row` } })
    }
  }

  #track<T> (p: Promise<T>): Promise<T> {
    this.#pending++
    const done = (): void => {
      if (--this.#pending === 0) { const w = this.#idleWaiters; this.#idleWaiters = []; for (const f of w) f() }
    }
    p.then(done, done)
    return p
  }

  /** Resolves when every store write and PLC reject started so far has finished. */
  settled (): Promise<void> {
    if (this.#pending === 0) return Promise.resolve()
    return new Promise(resolve => this.#idleWaiters.push(resolve))
  }

  /** Items triggered but never printed (queue to clear when the line stops). */
  dropUndecided (reason: RejectReason): void {
    for (const item of this.#items.values()) {
      if (!item.decided) {
        const i = this.#awaitingPrint.indexOf(item)
        if (i >= 0) this.#awaitingPrint.splice(i, 1)
        this.#decide(item, item.code === null ? 'NO_PRINT' : reason, null)
      }
    }
  }
}
