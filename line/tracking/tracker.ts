// Item tracking (DESIGN §5a): every PLC trigger is an item; the head's confirmed print gives it its code; the
// camera result for its sequence number decides it. Rejects are persisted before the PLC is told. When the trigger
// and print streams slip (a lost or late confirmation, an extra print, a lost trigger), the tracker re-aligns them on
// the evidence the line has — PLC sequence numbers, the head's print counter, the code the camera read — and writes
// off only the products whose code is uncertain (docs/tracking.md).

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
import { isTestPrint } from '../domain/test-print.ts'
import type { VerificationResult } from '../../verifiers/types.ts'

/** Early results kept at most (a camera publishing for products that never come must not grow memory). */
const MAX_EARLY_RESULTS = 10_000
/** A jump of the PLC's sequence number up to this many products is lost triggers; beyond it, a new numbering. */
const MAX_LOST_TRIGGERS = 32
/** A jump of the head's print counter up to this many prints is lost confirmations; beyond it, a new count. */
const MAX_LOST_PRINTS = 32
/**
 * A product given up for want of a print confirmation waits this many result timeouts for its late print: a head
 * that reports its misses always sends a head event, late only by a stalled poll or a reconnect, so the wait is long.
 */
const LATE_PRINT_RESULT_TIMEOUTS = 4
/** ...and at least this many print timeouts. */
const LATE_PRINT_TIMEOUTS = 10

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
  /** Its place in the head's event stream (prints and misses in order); -1 until a head event is paired with it. */
  pairNo: number
  /** Written off by a re-alignment: its camera result, when it comes, is expected and ignored. */
  resynced: boolean
  /** A code printed on it after it was given up (written off): forgotten with it. */
  lateCode: string | null
  /** Order of creation: items are forgotten oldest first, whatever their numbers (the PLC may restart its count). */
  order: number
  /**
   * Its verdict's store write is done (or it had no code). Pre-applied, an item is forgotten only then: the duplicate
   * check asks memory, then the store, and one of them must know that its code is taken.
   */
  stored: boolean
}

/** One event of the head's stream, in the order of the products under it. `lost`: printed, confirmation lost. */
type HeadEvent = { kind: 'print', done: PrintDone } | { kind: 'miss' } | { kind: 'lost' }

/** Who carries a code the tracker paired: the product, and the code's place in the head's stream. */
interface Owner { seq: number, pairNo: number }

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
  /** This many rejects among the last 100 products hold the line; absent: no such rule. */
  maxRejectsPer100?: number | undefined
  /**
   * Pre-applied codes: the plant-wide duplicate check (line/plant/check.ts), asked once the line's own check passed.
   * `duplicate`: another line had the code first; `unchecked`: the register did not answer and the line holds.
   */
  plantClaim?: (c: { identity: string, jobId: number, seq: number }) => Promise<'ok' | 'duplicate' | 'unchecked'>
}

/** What an engineer sets on the panel (docs/setup-mode.md): taken at the next start of production. */
export interface RejectRules {
  rejectDistance: number
  rejectMargin: number
  maxConsecutiveRejects: number
  maxRejectsPer100: number | null
}

/** The window of the reject-rate rule: the last this many products. */
const RATE_WINDOW = 100

/** A condition the tracker cannot decide around: the line holds (or aborts) on it. */
export interface TrackerFault { kind: FaultKind, message: Bilingual }

/** Codes the tracker wrote off outside a product's verdict (a print without its product, a late print). */
export interface WrittenOff { codeIds: number[], reason: 'UNCERTAIN' }

export interface TrackerEvents {
  /** A good unit, after VERIFIED is committed. */
  good: [GoodUnit]
  /** Every decided item, good or rejected. */
  item: [ItemEvent]
  fault: [TrackerFault]
  /** After DEFECT is committed for codes written off without a product verdict: their dropout must be reported. */
  writtenOff: [WrittenOff]
  /** The PLC's numbering started again (a counter restart, or a number forged far ahead): `seq` follows `last`. */
  renumbered: [{ last: number, seq: number }]
}

export class Tracker extends TypedEmitter<TrackerEvents> {
  readonly #o: TrackerOptions
  readonly #items = new Map<number, Item>()
  /** Items not yet decided, in sequence order: deadlines scan only these. */
  readonly #undecided = new Map<number, Item>()
  /**
   * Items waiting for their head event, in trigger order. An item given up for want of a print confirmation stays
   * here (decided) as a placeholder, so its late print is taken by it and not by the next product.
   */
  readonly #awaitingPrint: Item[] = []
  /** Head events that came before their trigger (the head's counter poll can beat the PLC's message). */
  readonly #awaitingTrigger: Array<{ e: HeadEvent, at: number }> = []
  /**
   * Head events given up for want of their trigger (a print's code written off): the PLC's messages may only be late
   * (its connection held up while the head's confirmations kept coming), so a trigger that then comes takes the
   * oldest of them — its product is rejected — and the streams stay aligned. Forgotten like placeholders.
   */
  readonly #givenUp: Array<{ e: HeadEvent, at: number }> = []
  /** The last print counter seen per head: a jump proves confirmations were lost. */
  readonly #headCounters = new Map<string, number>()
  /** Head events paired so far: each paired item's place in the head's stream. */
  #pairNo = 0
  /** Products still to come whose print was already paired with an earlier product (a slip back, see #slip). */
  #skipTriggers = 0
  /** After a new start the next trigger sets the numbering: no lost triggers are inferred across it. */
  #anchorSeq = true
  /**
   * Camera results that overtook their product's trigger: the PLC and the camera publish over separate MQTT
   * connections, so a result may arrive first. Kept by sequence number until the trigger comes or they expire.
   */
  readonly #earlyResults = new Map<number, { r: VerificationResult, at: number }>()
  readonly #inFlight = new Map<string, Owner>()
  /** Pre-applied codes whose plant-wide claim is on its way, with the pack that read them. */
  readonly #plantClaims = new Map<string, number>()
  #job: { id: number, minGrade: Grade, reads?: { gtin: string } | undefined } | null = null
  #lastSeq = -1
  #consecutiveRejects = 0
  #rules: RejectRules
  /** The last RATE_WINDOW verdicts that count for the reject rate (true: a reject), oldest first. */
  readonly #recent: boolean[] = []
  #recentRejects = 0
  readonly counters: Counters = { triggered: 0, printed: 0, verified: 0, rejected: 0, rejectsByReason: {}, boxes: 0, pallets: 0, reported: 0, dropped: 0 }
  #pending = 0
  /** Average time between triggers: when the infeed stops, products still move, and deadlines go by time. */
  #pitchMs: number | null = null
  #lastTriggerAt: number | null = null
  /** Items created so far: their `order`. */
  #order = 0
  readonly #verdicts = new Map<number, 'good' | 'reject'>()
  #idleWaiters: Array<() => void> = []

  /** Per-item debug logs are built only when debug is on: this runs for every product. */
  readonly #debug: boolean

  constructor (options: TrackerOptions) {
    super()
    this.#o = options
    this.#debug = options.log.isLevelEnabled('debug')
    this.#rules = {
      rejectDistance: options.rejectDistance,
      rejectMargin: options.rejectMargin ?? 2,
      maxConsecutiveRejects: options.maxConsecutiveRejects,
      maxRejectsPer100: options.maxRejectsPer100 ?? null,
    }
  }

  /** The reject rules in force (the panel's values once production starts, docs/setup-mode.md). */
  get rejectRules (): RejectRules { return { ...this.#rules } }

  /** New reject rules: the runtime gives them when production starts, never in the middle of a run. */
  setRejectRules (rules: RejectRules): void {
    this.#rules = { ...rules }
    this.#consecutiveRejects = 0
    this.#recent.length = 0
    this.#recentRejects = 0
  }

  /**
   * `reads`: the job's codes are already on the packs (pre-applied, docs/modes.md): no print stream; the code the
   * camera reads is the product's code, claimed from the codes handed over for the job's GTIN.
   */
  setJob (job: { id: number, minGrade: Grade, reads?: { gtin: string } | undefined } | null): void { this.#job = job }

  get #reading (): boolean { return this.#job?.reads !== undefined }

  #noPrintIsExpected = false
  /** After the job's last code: products that still arrive get no print, and that is no fault. */
  expectNoPrints (on: boolean): void { this.#noPrintIsExpected = on }

  /** Whether item `seq` is still tracked in memory. */
  knows (seq: number): boolean { return this.#items.has(seq) }

  /** The verdict on item `seq`: undefined while undecided or unknown. */
  verdict (seq: number): 'good' | 'reject' | undefined { return this.#verdicts.get(seq) }

  /** Items triggered and not yet decided. */
  inFlight (): number { return this.#undecided.size }

  /** A product reached the print station (PLC shift-register sequence number). */
  onTrigger (seq: number): void {
    const now = this.#o.clock.now()
    if (this.#debug) this.#o.log.debug({ seq, awaitingTrigger: this.#awaitingTrigger.length, awaitingPrint: this.#awaitingPrint.length }, 'trigger')
    const known = this.#items.get(seq)
    if (seq < this.#lastSeq - MAX_LOST_TRIGGERS && (known === undefined || known.decided)) {
      // Far behind the last number: the PLC restarted its counter (a reboot), or the last number was forged far
      // ahead. Numbering starts again here — never a line that ignores every trigger until a restart. Decided
      // products are forgotten so that their numbers are the PLC's again (the gate finds those still on the way
      // by the store's seq column, as after a restart); undecided ones keep theirs.
      this.#o.alarms.raise({ code: 'TRIGGER_JUMP', source: 'plc', params: { last: this.#lastSeq, seq }, detail: { seq, last: this.#lastSeq, restarted: true } })
      for (const [s, item] of this.#items) if (item.decided) this.#forget(s, item)
      const last = this.#lastSeq
      this.#anchorSeq = true
      this.#lastSeq = seq - 1
      this.emit('renumbered', { last, seq })
    }
    if (this.#items.has(seq) || seq <= this.#lastSeq) {
      this.#o.alarms.raise({ code: 'TRIGGER_SEQ', source: 'plc', params: { seq }, detail: { seq, last: this.#lastSeq } })
      return
    }
    if (this.#lastTriggerAt !== null && seq === this.#lastSeq + 1) {
      const dt = now - this.#lastTriggerAt
      this.#pitchMs = this.#pitchMs === null ? dt : this.#pitchMs * 0.9 + dt * 0.1
    }
    const missing = this.#lastSeq < 0 || this.#anchorSeq ? 0 : seq - this.#lastSeq - 1
    this.#anchorSeq = false
    if (missing > 0 && missing <= MAX_LOST_TRIGGERS) {
      // The PLC numbers every product that passes the photocell, and the same photocell fires the head: the
      // products whose trigger message was lost had their print-go too, so they take their place in the stream.
      this.#o.alarms.raise({ code: 'TRIGGER_LOST', source: 'plc', params: { missing, seq }, detail: { seq, last: this.#lastSeq, missing } })
      for (let s = this.#lastSeq + 1; s < seq; s++) this.#newItem(s, now)
    } else if (missing > MAX_LOST_TRIGGERS) {
      this.#o.alarms.raise({ code: 'TRIGGER_JUMP', source: 'plc', params: { last: this.#lastSeq, seq }, detail: { seq, last: this.#lastSeq } })
    }
    this.#lastTriggerAt = now
    this.#newItem(seq, now)
    this.tick()
  }

  #newItem (seq: number, now: number): void {
    this.#lastSeq = seq
    const item: Item = { seq, triggeredAt: now, codeId: null, code: null, printed: null, result: null, decided: false, pairNo: -1, resynced: false, lateCode: null, order: this.#order++, stored: false }
    const early = this.#earlyResults.get(seq)
    if (early !== undefined) { this.#earlyResults.delete(seq); item.result = early.r }
    this.#items.set(seq, item)
    this.#undecided.set(seq, item)
    this.counters.triggered++
    if (this.#reading) {
      // pre-applied: the pack carries its code; the camera's read is the mark
      if (item.result !== null) this.#claimRead(item, item.result)
      return
    }
    if (this.#skipTriggers > 0) {
      // its print went to the product before it, and that code is written off with that product (see #slip)
      this.#skipTriggers--
      item.pairNo = this.#pairNo++
      item.resynced = true
      this.#decide(item, 'WRONG_CODE', null)
      return
    }
    const early2 = this.#awaitingTrigger.shift()
    if (early2 !== undefined) { this.#pair(item, early2.e); return }
    const late = this.#givenUp.shift()
    if (late === undefined) { this.#awaitingPrint.push(item); return }
    // the late trigger of a head event already given up: that product carries a written-off code (or none)
    item.pairNo = this.#pairNo++
    item.resynced = true
    if (late.e.kind === 'print') {
      item.lateCode = late.e.done.item.code
      this.#inFlight.set(late.e.done.item.code, { seq: item.seq, pairNo: item.pairNo })
    }
    this.#decide(item, 'NO_PRINT', null)
  }

  /**
   * The head confirmed a print. Triggers and head events (prints and misses) are two ordered streams of the same
   * photocell events: the k-th head event belongs to the k-th trigger, whichever arrives first. The head's counter
   * says whether prints were confirmed to nobody in between.
   */
  onPrinted (done: PrintDone): void {
    const last = this.#headCounters.get(done.printer)
    this.#headCounters.set(done.printer, done.counter)
    // a set-up test print (docs/setup-mode.md) is on no product: not paired, not counted; the counter moved by it
    if (done.item.test === true) return
    if (last !== undefined) {
      const lost = (done.counter - last - 1) >>> 0 // 32-bit counter, wraps
      if (lost > 0 && lost <= MAX_LOST_PRINTS) {
        // Printed, never confirmed to us: those prints sit on the next products in the stream, codes unknown.
        this.#o.alarms.raise({ code: 'PRINT_CONFIRMATION_LOST', source: done.printer, params: { lost }, detail: { counter: done.counter, last, lost } })
        for (let i = 0; i < lost; i++) this.#headEvent({ kind: 'lost' })
      } else if (lost > MAX_LOST_PRINTS) {
        this.#o.log.warn({ printer: done.printer, counter: done.counter, last }, 'print counter jumped: counting anew')
      }
    }
    this.#headEvent({ kind: 'print', done })
  }

  /**
   * A new start after Stop and Reset (the heads were cleared): prints given up long ago are no longer expected,
   * the head counters and the PLC numbering are taken as they come. Fresh early prints stay: their triggers may
   * still be on the way.
   */
  resync (): void {
    for (let i = this.#awaitingPrint.length - 1; i >= 0; i--) if ((this.#awaitingPrint[i] as Item).decided) this.#awaitingPrint.splice(i, 1)
    this.#headCounters.clear()
    this.#givenUp.length = 0
    this.#skipTriggers = 0
    this.#anchorSeq = true
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
    this.#headEvent({ kind: 'miss' })
  }

  #headEvent (e: HeadEvent): void {
    const item = this.#awaitingPrint.shift()
    if (item === undefined) this.#awaitingTrigger.push({ e, at: this.#o.clock.now() })
    else this.#pair(item, e)
  }

  #pair (item: Item, e: HeadEvent): void {
    item.pairNo = this.#pairNo++
    if (item.decided) {
      // a placeholder: the product was given up (and rejected) before its head event came
      if (e.kind === 'print') this.#latePrint(item, e.done)
      return
    }
    if (e.kind === 'print') this.#assign(item, e.done)
    else if (e.kind === 'miss') this.#missedPrint(item)
    else { item.resynced = true; this.#decide(item, 'NO_PRINT', null) } // printed with a code nobody told us: it must leave the line
  }

  /** The late print of a product already rejected for want of it: the code left the line on that product. */
  #latePrint (item: Item, done: PrintDone): void {
    this.#inFlight.set(done.item.code, { seq: item.seq, pairNo: item.pairNo })
    const known = this.#items.get(item.seq)
    if (known !== undefined) known.lateCode = done.item.code
    this.#writeOff(done.item.id, item.seq)
    this.#o.alarms.raise({ code: 'PRINT_CONFIRMED_LATE', source: done.printer, params: { seq: item.seq }, detail: { seq: item.seq, codeId: done.item.id } })
  }

  /** A printed code no product we follow carries: PRINTED (with the product it went to, if known), then DEFECT. */
  #writeOff (codeId: number, seq?: number): void {
    this.#track(this.#o.pool.markPrinted([codeId], seq)
      .then(() => this.#o.pool.markDefect([codeId], 'UNCERTAIN'))
      .then(() => { this.emit('writtenOff', { codeIds: [codeId], reason: 'UNCERTAIN' } satisfies WrittenOff) })
      .catch(err => { this.#o.log.error({ err, codeId, seq }, 'write-off of a code without its product failed') }))
  }

  #missedPrint (item: Item): void {
    this.#decide(item, 'NO_PRINT', null)
    if (!this.#noPrintIsExpected) {
      this.emit('fault', { kind: 'printer', message: { ru: `Изделие ${item.seq} прошло без печати`, en: `product ${item.seq} passed the printer unprinted` } })
    }
  }

  #orphanPrint (done: PrintDone): void {
    // A print with no product we know of: the code is on nothing we can follow.
    this.#writeOff(done.item.id)
    this.#o.alarms.raise({ code: 'PRINT_WITHOUT_ITEM', source: done.printer, detail: { codeId: done.item.id } })
    this.emit('fault', { kind: 'printer', message: { ru: 'Печать без триггера ПЛК', en: 'a print without a PLC trigger' } })
  }

  #assign (item: Item, done: PrintDone): void {
    if (this.#debug) this.#o.log.debug({ seq: item.seq, codeId: done.item.id, counter: done.counter }, 'print assigned')
    item.codeId = done.item.id
    item.code = done.item.code
    this.#inFlight.set(done.item.code, { seq: item.seq, pairNo: item.pairNo })
    this.counters.printed++
    item.printed = this.#track(this.#o.pool.markPrinted([done.item.id], item.seq))
    if (item.result !== null) this.#evaluate(item)
  }

  /** A camera result, matched by its sequence number only. */
  onResult (r: VerificationResult): void {
    const item = this.#items.get(r.seq)
    if (item === undefined && isTestPrint(r.code)) {
      // a set-up test print under the camera while no product is tracked: nothing to decide, nothing to alarm
      if (this.#debug) this.#o.log.debug({ seq: r.seq, camera: r.camera }, 'test print read')
      return
    }
    if (item === undefined && r.seq > this.#lastSeq && this.#earlyResults.size < MAX_EARLY_RESULTS) {
      // its trigger is still on the way (see #earlyResults); tick() gives it up after resultTimeoutMs
      if (!this.#earlyResults.has(r.seq)) this.#earlyResults.set(r.seq, { r, at: this.#o.clock.now() })
      return
    }
    if (item === undefined) {
      const owner = r.code === null ? undefined : this.#inFlight.get(r.code)?.seq
      this.#o.alarms.raise({
        code: 'RESULT_UNKNOWN_SEQ', source: r.camera, params: { seq: r.seq },
        detail: { seq: r.seq, code: r.code, ownerSeq: owner, why: 'no such item' },
      })
      return
    }
    if (item.result !== null || item.decided) {
      if (item.result !== null && item.result.code === r.code) return // duplicate delivery of the same result
      if (item.resynced && item.result === null) { item.result = r; return } // written off by a re-alignment: expected
      this.#o.alarms.raise({ code: 'RESULT_LATE_OR_DUPLICATE', source: r.camera, params: { seq: r.seq }, detail: { seq: r.seq } })
      return
    }
    item.result = r
    if (item.code !== null) this.#evaluate(item)
    else if (this.#reading) this.#claimRead(item, r)
  }

  /**
   * Pre-applied (docs/modes.md): the code read on the pack must be one handed over for this job's GTIN and seen on
   * no other pack. Then it is the product's code, and the usual verdict (grade) follows. A code of another product,
   * not in the pool, or already on another pack is rejected without touching the store: the code is not this
   * product's to write off (a duplicate's first pack is good).
   */
  #claimRead (item: Item, r: VerificationResult): void {
    const job = this.#job
    if (job?.reads === undefined) return
    if (r.code === null) return this.#decide(item, 'UNREADABLE', r.grade)
    const owner = this.#inFlight.get(r.code)
    const claimant = this.#plantClaims.get(r.code)
    if ((owner !== undefined && owner.seq !== item.seq) || (claimant !== undefined && claimant !== item.seq)) {
      const first = owner?.seq ?? claimant as number
      this.#o.alarms.raise({ code: 'CODE_OF_OTHER_ITEM', source: r.camera, params: { owner: first, seq: item.seq }, detail: { seq: item.seq, owner: first, preapplied: true } })
      return this.#decide(item, 'DUPLICATE_CODE', r.grade)
    }
    const identity = r.code.split('\u001d')[0] as string
    const row = this.#o.pool.readCheck(identity)
    if (row === undefined || row.code !== r.code || row.gtin !== job.reads.gtin) return this.#decide(item, row === undefined || row.code !== r.code ? 'FOREIGN_CODE' : 'WRONG_CODE', r.grade)
    if (row.state !== 'HANDED_OVER') return this.#decide(item, row.state === 'AVAILABLE' || row.state === 'SENT' ? 'FOREIGN_CODE' : 'DUPLICATE_CODE', r.grade)
    const claim = this.#o.plantClaim
    if (claim === undefined) return this.#take(item, row)
    // The plant's other lines: the pack waits for the register's answer; a late answer finds it decided by the
    // deadline (NO_RESULT, its code untouched). The code is held here meanwhile: a second pack with it is a duplicate.
    this.#plantClaims.set(row.code, item.seq)
    const done = (): void => { if (this.#plantClaims.get(row.code) === item.seq) this.#plantClaims.delete(row.code) }
    this.#track(claim({ identity, jobId: job.id, seq: item.seq }).then(verdict => {
      done()
      if (item.decided) return
      if (verdict === 'ok') return this.#take(item, row)
      this.#decide(item, verdict === 'duplicate' ? 'DUPLICATE_CODE' : 'UNCHECKED', r.grade)
    }, (err: unknown) => {
      done()
      this.#o.log.error({ err, seq: item.seq }, 'plant check failed')
      if (!item.decided) this.#decide(item, 'UNCHECKED', r.grade)
    }))
  }

  /** The code read on a pack is its code (pre-applied): paired, held in flight, judged by its grade. */
  #take (item: Item, row: { id: number, code: string }): void {
    item.codeId = row.id
    item.code = row.code
    item.pairNo = this.#pairNo++
    this.#inFlight.set(row.code, { seq: item.seq, pairNo: item.pairNo })
    this.counters.printed++
    this.#evaluate(item)
  }

  /**
   * Deadlines: call on every trigger and periodically. A product is decided at the latest `rejectMargin` pitches
   * before the reject gate, so the reject reaches the PLC while the product can still be pushed off.
   */
  tick (): void {
    const now = this.#o.clock.now()
    const gate = Math.max(1, this.#rules.rejectDistance - this.#rules.rejectMargin)
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
    // a placeholder whose late print never came: the next print is not its
    const latePrintMs = Math.max(this.#o.printTimeoutMs * LATE_PRINT_TIMEOUTS, this.#o.resultTimeoutMs * LATE_PRINT_RESULT_TIMEOUTS)
    while (this.#awaitingTrigger.length > 0 && now - (this.#awaitingTrigger[0] as { at: number }).at > this.#o.printTimeoutMs) {
      const { e } = this.#awaitingTrigger.shift() as { e: HeadEvent }
      if (e.kind === 'print') this.#orphanPrint(e.done)
      this.#givenUp.push({ e, at: now })
    }
    while (this.#givenUp.length > 0 && now - (this.#givenUp[0] as { at: number }).at > latePrintMs) this.#givenUp.shift()
    while (this.#awaitingPrint.length > 0) {
      const front = this.#awaitingPrint[0] as Item
      if (!front.decided || now - front.triggeredAt <= latePrintMs) break
      this.#awaitingPrint.shift()
    }
    for (const item of this.#undecided.values()) {
      const overdue = now - item.triggeredAt > gateMs || this.#lastSeq - item.seq >= gate
      if (this.#reading) {
        // Items are in trigger order, so the first one still in time ends the walk. Pre-applied packs wait here
        // for the plant register's answer: a thousand of them at full speed, and this runs on every trigger.
        if (item.code !== null) continue
        if (!overdue) break
        this.#decide(item, 'NO_RESULT', null)
        continue
      }
      if (item.code === null && item.pairNo < 0 && (now - item.triggeredAt > this.#o.printTimeoutMs || this.#lastSeq - item.seq >= gate)) {
        // It stays in the print queue as a placeholder: a late print is its, not the next product's. If it was
        // printed after all, the camera will say so: that result is expected, not an alarm.
        item.resynced = true
        this.#decide(item, 'NO_PRINT', null)
        if (this.#noPrintIsExpected) continue
        this.emit('fault', { kind: 'printer', message: { ru: `Нет подтверждения печати для изделия ${item.seq}`, en: `no print confirmation for item ${item.seq}` } })
      } else if (item.code !== null && item.result === null && overdue) {
        this.#decide(item, 'NO_RESULT', null)
      }
    }
    // forget decided items created long before the newest (Map order is creation order)
    // (pre-applied: once their verdict is in the store, which the duplicate check asks when memory has forgotten)
    // Verdicts reach the store in about the order they were made: the first one still on its way ends the walk, which
    // would otherwise pass the same few thousand items on every trigger while the store lags behind a fast line.
    for (const [seq, item] of this.#items) {
      if (item.order > this.#order - 2000) break
      if (!item.decided) continue
      if (this.#reading && !item.stored) break
      this.#forget(seq, item)
    }
  }

  #forget (seq: number, item: Item): void {
    this.#items.delete(seq)
    this.#verdicts.delete(seq)
    if (item.code !== null) this.#inFlight.delete(item.code)
    if (item.lateCode !== null) this.#inFlight.delete(item.lateCode)
  }

  #evaluate (item: Item): void {
    const r = item.result as VerificationResult
    if (r.code === null) return this.#decide(item, 'UNREADABLE', r.grade)
    if (r.code !== item.code) {
      const owner = this.#inFlight.get(r.code)
      if (owner !== undefined && owner.seq !== item.seq) {
        this.#o.alarms.raise({ code: 'CODE_OF_OTHER_ITEM', source: r.camera, params: { owner: owner.seq, seq: item.seq }, detail: { seq: item.seq, owner: owner.seq } })
        const other = this.#items.get(owner.seq)
        // The code of the product next to it in the head's stream, which did not read it on itself: the streams
        // slipped by one. Further apart, it is a stray code (a label from elsewhere), not a slip.
        if (Math.abs(owner.pairNo - item.pairNo) === 1 && other !== undefined && other.result?.code !== r.code) return this.#slip(item, owner, r)
      }
      return this.#decide(item, 'WRONG_CODE', r.grade)
    }
    const min = this.#job?.minGrade ?? 'C'
    if (!gradeAtLeast(r.grade, min)) return this.#decide(item, 'LOW_GRADE', r.grade)
    this.#decide(item, null, r.grade)
  }

  /**
   * The camera read on `item` the code paired with its neighbour in the head's stream: every pairing from here on is
   * off by one. Write off the products whose code is now uncertain — this one, the owner of the code it carries,
   * and those paired after it (their codes are on the product before or after them) — and re-align the streams:
   * shift +1 (an extra print): the next print lands on a product already written off; shift −1 (a product without
   * its print-go, or a placeholder that took the next product's print): the next product's print is already paired.
   */
  #slip (item: Item, owner: Owner, r: VerificationResult): void {
    const shift = owner.pairNo - item.pairNo
    const off: number[] = []
    const writeOff = (it: Item): void => {
      if (it.decided) return
      it.resynced = true
      off.push(it.seq)
      this.#decide(it, 'WRONG_CODE', null)
    }
    this.#decide(item, 'WRONG_CODE', r.grade)
    off.push(item.seq)
    const other = this.#items.get(owner.seq)
    if (other !== undefined && other.pairNo === owner.pairNo) writeOff(other)
    let newest: Item = item
    for (const it of this.#undecided.values()) {
      if (it.pairNo > item.pairNo) { if (it.pairNo > newest.pairNo) newest = it; writeOff(it) }
    }
    if (shift > 0) {
      // the next print in the stream is on a product already written off: a placeholder takes it
      const slot: Item = { ...newest, pairNo: -1, decided: true, triggeredAt: this.#o.clock.now() }
      const p = this.#awaitingTrigger.findIndex(x => x.e.kind === 'print')
      if (p >= 0) {
        const [x] = this.#awaitingTrigger.splice(p, 1)
        slot.pairNo = this.#pairNo++
        this.#latePrint(slot, (x?.e as { done: PrintDone }).done)
      } else this.#awaitingPrint.unshift(slot)
    } else {
      // the next entry of the stream already had its print: it leaves the queue (a live product is written off)
      const front = this.#awaitingPrint.shift()
      if (front === undefined) this.#skipTriggers++
      else if (!front.decided) { front.pairNo = this.#pairNo++; writeOff(front) }
    }
    this.#o.alarms.raise({
      code: 'TRACKING_RESYNC', source: r.camera,
      params: { shift: shift > 0 ? '+1' : '−1', products: off.join(', ') },
      detail: { seq: item.seq, owner: owner.seq, shift, writtenOff: off },
    })
  }

  #decide (item: Item, reason: RejectReason | null, grade: Grade | null): void {
    if (item.decided) return
    item.decided = true
    this.#undecided.delete(item.seq)
    if (this.#debug) this.#o.log.debug({ seq: item.seq, codeId: item.codeId, reason, grade }, 'item decided')
    const at = this.#o.clock.now()
    const event: ItemEvent = { seq: item.seq, code: item.code, codeId: item.codeId, grade, verdict: reason === null ? 'good' : 'reject', reason, at }
    this.#verdicts.set(item.seq, event.verdict)
    if (reason === null) {
      this.#consecutiveRejects = 0
      this.#rate(false)
      const id = item.codeId as number
      const verified = (): Promise<number> => this.#reading
        // a pre-applied code takes its product's number and the job here (no print step gave them)
        ? this.#o.pool.transition({ ids: [id], to: 'VERIFIED', seq: item.seq, jobId: this.#job?.id as number, printer: item.result?.camera ?? 'camera', ...(grade === null ? {} : { grade }) })
        : this.#o.pool.markVerified([id], grade ?? undefined)
      this.#track((item.printed ?? Promise.resolve()).then(verified).then(() => {
        item.stored = true
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
      : (item.printed ?? Promise.resolve()).then(() => this.#reading
        ? this.#o.pool.transition({ ids: [item.codeId as number], to: 'DEFECT', reason, seq: item.seq, jobId: this.#job?.id as number, printer: item.result?.camera ?? 'camera' })
        : this.#o.pool.markDefect([item.codeId as number], reason))
    // Persist first, then tell the PLC; if the store fails the item is still rejected (fail safe).
    this.#track(persist.catch(err => { this.#o.log.error({ err, seq: item.seq }, 'defect transition failed') })
      .then(() => { item.stored = true; return this.#o.plc.reject(item.seq, reason) })
      .catch(err => {
        this.#o.alarms.raise({ code: 'REJECT_NOT_SENT', source: 'plc', params: { seq: item.seq }, detail: { seq: item.seq, error: String(err) } })
        this.emit('fault', { kind: 'broker', message: { ru: 'Нет связи с ПЛК для отбраковки', en: 'cannot reach the PLC to reject' } })
      })
      .then(() => this.emit('item', event)))
    const max = this.#rules.maxConsecutiveRejects
    if (this.#consecutiveRejects >= max) {
      this.#consecutiveRejects = 0
      this.emit('fault', { kind: 'rejects', message: { ru: `${max} отбраковок подряд`, en: `${max} rejects in a row` } })
    }
    if (!expected) this.#rate(true)
  }

  /** The reject-rate rule: `maxRejectsPer100` rejects among the last 100 products hold the line. */
  #rate (reject: boolean): void {
    const max = this.#rules.maxRejectsPer100
    if (max === null) return
    this.#recent.push(reject)
    if (reject) this.#recentRejects++
    if (this.#recent.length > RATE_WINDOW && this.#recent.shift() === true) this.#recentRejects--
    if (this.#recentRejects < max) return
    const seen = this.#recent.length
    // counted afresh after the hold: the products that made this rate do not hold the line a second time
    this.#recent.length = 0
    this.#recentRejects = 0
    this.emit('fault', { kind: 'reject-rate', message: { ru: `${max} отбраковок из последних ${seen} изделий (предел ${max} на 100)`, en: `${max} rejects among the last ${seen} products (limit ${max} per 100)` } })
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
    for (const item of [...this.#undecided.values()]) {
      const i = this.#awaitingPrint.indexOf(item)
      if (i >= 0) this.#awaitingPrint.splice(i, 1)
      this.#decide(item, item.code === null && !this.#reading ? 'NO_PRINT' : reason, null)
    }
  }
}
