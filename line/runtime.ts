// The running line: PackML machine, jobs, tracker, feeder and aggregator wired together, behind LineControl.
// Acting PackML states do their work here and then report "state complete".

import { EventEmitter } from 'node:events'
import type { AlarmBook } from './alarms/alarms.ts'
import { FAULT_ALARMS } from './alarms/faults.ts'
import type { Aggregator } from './aggregation/aggregator.ts'
import type { Clock } from './clock.ts'
import type {
  Bilingual, ControlResult, Counters, DeviceView, JobInput, JobView, LastCode, LineControl, LineOperation, LineSnapshot, PoolView, ShiftRow,
} from './control.ts'
import { JobError, type JobStore } from './jobs/jobs.ts'
import { REJECT_REASONS, VERIFIED_DEFECTS } from './domain/reasons.ts'
import type { Logger } from './log.ts'
import type { CodePool } from './pool/pool.ts'
import type { FaultKind, PackmlMachine, StateSnapshot } from './state/machine.ts'
import type { CommandResult, PackmlMode, PackmlState } from './state/packml.ts'
import type { Feeder } from './tracking/feeder.ts'
import type { ItemEvent, Tracker } from './tracking/tracker.ts'
import type { Printer, PrinterStatus } from '../printers/types.ts'

// How a job's counters are derived from the store: REJECT_REASONS (camera or store rejects) and VERIFIED_DEFECTS
// (removed from a box, scrapped with it, or pushed off by the PLC after its verdict) come from the one list of reasons.

export interface RuntimeOptions {
  site: string
  line: string
  clock: Clock
  log: Logger
  pool: CodePool
  alarms: AlarmBook
  jobs: JobStore
  machine: PackmlMachine
  tracker: Tracker
  feeder: Feeder
  aggregator: Aggregator
  unitPrinters: Printer[]
  labelPrinter?: Printer
  /** Pool level below which the line is held. */
  criticalCodes: number
  /** Pitches from the printer to the reject gate. */
  rejectDistance: number
  /** The PLC confirms every product at the gate (`plc/gate`); otherwise the trigger count stands in for it. */
  gateConfirmation: boolean
  /** How long Stopping/Completing wait for products still between printer and camera. */
  settleTimeoutMs: number
  /** Conditions outside the runtime that forbid running (camera offline, broker lost). */
  blockers?: () => Bilingual[]
  /** Device tiles owned by the composition root (broker, OMS, True API, cameras, L3). */
  extraDevices?: () => DeviceView[]
  /** Orders in flight and the last emission error, from the replenisher. */
  emissionStatus?: () => { ordersInFlight: number, lastError: string | null }
  lastImagePng?: () => Buffer | null
  lastImageInfo?: () => LineSnapshot['lastImage']
}

export class LineRuntime extends EventEmitter implements LineControl {
  readonly #o: RuntimeOptions
  #job: JobView | null = null
  readonly #lastCodes: LastCode[] = []
  #poolCache: { at: number, level: number } = { at: 0, level: 0 }
  #timer: NodeJS.Timeout | null = null
  #acting: Promise<void> = Promise.resolve()
  /** Good units between camera and reject gate, by seq. */
  readonly #beforeGate = new Map<number, { id: number, seq: number }>()
  /** Gate confirmations that came before the unit's verdict was committed. */
  readonly #gateSeen = new Map<number, boolean>()
  #lastSeq = 0

  constructor (options: RuntimeOptions) {
    super()
    this.#o = options
    const { machine, tracker, feeder, aggregator, alarms } = options
    machine.on('change', (s: StateSnapshot) => { this.#onState(s); this.#changed() })
    tracker.on('item', (e: ItemEvent) => this.#onItem(e))
    // A good unit goes into its box only once it has passed the reject gate: until then the PLC may still push it
    // off (e.g. if the controller dies, every product on the conveyor is rejected — docs/plc-mqtt.md).
    tracker.on('good', (u: { id: number, seq: number }) => {
      const gate = this.#gateSeen.get(u.seq)
      if (gate !== undefined) { this.#gateSeen.delete(u.seq); this.#atGate(u, gate) } else this.#beforeGate.set(u.seq, u)
      if (!options.gateConfirmation) this.#releasePastGate(this.#lastSeq - this.#o.rejectDistance)
    })
    tracker.on('fault', (f: { kind: FaultKind, message: Bilingual }) => this.fault(f.kind, f.message, 'tracker'))
    aggregator.on('change', () => this.#changed())
    aggregator.on('closed', (c: { level: string }) => {
      if (c.level === 'box') tracker.counters.boxes++
      else tracker.counters.pallets++
    })
    alarms.on('alarm', () => this.#changed())
    feeder.onEmpty = printer => this.fault('pool-low', { ru: `Нет кодов для принтера ${printer}`, en: `no codes left for printer ${printer}` }, printer)
    feeder.onLoadError = (printer, err) => this.fault('printer', { ru: `Принтер ${printer} не принял коды`, en: `printer ${printer} refused the codes` }, printer, { error: String(err) })
    for (const p of [...options.unitPrinters, ...(options.labelPrinter === undefined ? [] : [options.labelPrinter])]) {
      p.on('status', (s: PrinterStatus) => this.#onPrinterStatus(p, s))
    }
    // Resume the job that was active when the controller stopped.
    const active = options.jobs.active()
    if (active !== null) this.#attach(active)
  }

  /** A PLC trigger. Without gate confirmations, products `rejectDistance` pitches back count as past the gate. */
  onTrigger (seq: number): void {
    this.#lastSeq = seq
    if (!this.#o.gateConfirmation) this.#releasePastGate(seq - this.#o.rejectDistance)
  }

  /**
   * The PLC's account of product `seq` at the reject station (`plc/gate`). A good unit that passed goes into its
   * box; one the PLC pushed off anyway becomes DEFECT. For products from before a restart the store's `seq`
   * column says which code they carry.
   */
  onGate (seq: number, rejected: boolean): void {
    const u = this.#beforeGate.get(seq)
    if (u !== undefined) { this.#beforeGate.delete(seq); this.#atGate(u, rejected); return }
    if (this.#o.tracker.knows(seq)) {
      // decided as a reject, or its verdict is still being committed
      const verdict = this.#o.tracker.verdict(seq)
      if (verdict === 'reject') {
        if (!rejected) this.#o.alarms.raise({ code: 'REJECT_MISSED', source: `plc seq ${seq}`, params: { seq }, detail: { seq } })
      } else if (verdict === undefined && !rejected) {
        // it left the line before its verdict: whatever comes now, the product is out there unchecked
        this.#o.alarms.raise({ code: 'SHIPPED_UNVERIFIED', source: `plc seq ${seq}`, params: { seq }, detail: { seq } })
        this.#gateSeen.set(seq, rejected)
      } else {
        this.#gateSeen.set(seq, rejected)
      }
      return
    }
    this.#gateFromStore(seq, rejected).catch(err => this.#storeFault(err))
  }

  #atGate (u: { id: number, seq: number }, rejected: boolean): void {
    if (!rejected) this.#o.aggregator.addUnit(u.id).catch(err => this.#storeFault(err))
    else this.#o.pool.markDefect([u.id], 'PLC_REJECT').then(() => this.emit('defect', [u.id]), err => this.#storeFault(err))
  }

  async #gateFromStore (seq: number, rejected: boolean): Promise<void> {
    const job = this.#job
    if (job === null) return
    const row = this.#o.aggregator.unboxedBySeq(seq, job.id)
    if (row === undefined) return
    if (row.state === 'VERIFIED') {
      if (rejected) { await this.#o.pool.markDefect([row.id], 'PLC_REJECT'); this.emit('defect', [row.id]) } else await this.#o.aggregator.addUnit(row.id)
      return
    }
    // PRINTED: the controller stopped before its verdict
    await this.#o.pool.markDefect([row.id], 'UNCERTAIN')
    this.#syncCounters()
    this.emit('defect', [row.id])
    if (!rejected) {
      this.#o.alarms.raise({ code: 'SHIPPED_UNVERIFIED', source: `plc seq ${seq}`, params: { seq }, detail: { seq, codeId: row.id } })
    }
  }

  /** Without gate confirmations: good units with seq ≤ upTo count as past the gate. */
  #releasePastGate (upTo: number): void {
    for (const [seq, u] of this.#beforeGate) {
      if (seq > upTo) continue
      this.#beforeGate.delete(seq)
      this.#o.aggregator.addUnit(u.id).catch(err => this.#storeFault(err))
    }
  }

  /** Periodic work: deadlines, pool level, job completion. */
  start (): void {
    this.#timer ??= setInterval(() => this.#tick(), 100)
  }

  async close (): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
    // A clean shutdown empties the heads so their codes go back to the pool instead of being written off at the
    // next start; if a head cannot be reached its codes stay SENT and are written off then (DESIGN §4).
    await Promise.race([this.#o.feeder.drain().catch(() => {}), new Promise(resolve => setTimeout(resolve, 3000))])
    this.#o.feeder.close()
    await this.#acting.catch(() => {})
    await this.#o.tracker.settled()
    await this.#o.aggregator.settled()
  }

  // ---- LineControl --------------------------------------------------------------------------------------

  snapshot (): LineSnapshot {
    return {
      site: this.#o.site,
      line: this.#o.line,
      state: this.#o.machine.snapshot(),
      job: this.#job,
      counters: this.counters(),
      pool: this.#poolView(),
      devices: this.#devices(),
      alarms: this.#o.alarms.list(),
      box: this.#o.aggregator.view(),
      lastCodes: [...this.#lastCodes],
      lastImage: this.#o.lastImageInfo?.() ?? null,
      at: this.#o.clock.now(),
    }
  }

  counters (): Counters {
    const c = this.#o.tracker.counters
    return { ...c, rejectsByReason: { ...c.rejectsByReason } }
  }

  /** What the line did for `actor`, told to the audit trail (line/hmi): one trail, one row per action. */
  #operation (actor: string, action: string, detail: Record<string, unknown>): void {
    this.emit('operation', { actor, action, detail } satisfies LineOperation)
  }

  async command (cmd: string, actor: string): Promise<CommandResult> {
    if (cmd === 'start' && this.#job === null) {
      return { ok: false, reason: { ru: 'Нет активного задания: запустите задание', en: 'no active job: start a job first' } }
    }
    if (cmd === 'start' || cmd === 'unhold' || cmd === 'unsuspend') {
      // Resuming into a fault that is still there would only hold again, with products under the printer.
      const blockers = this.#blockers()
      if (blockers.length > 0) {
        const r: CommandResult = { ok: false, reason: { ru: `Нельзя продолжить: ${blockers.map(b => b.ru).join('; ')}`, en: `cannot resume: ${blockers.map(b => b.en).join('; ')}` } }
        this.#operation(actor, `cmd:${cmd}`, { ok: false, reason: r.reason.en })
        return r
      }
    }
    const r = this.#o.machine.command(cmd)
    this.#operation(actor, `cmd:${cmd}`, { ok: r.ok, ...(r.ok ? { from: r.from, to: r.to } : { reason: r.reason.en }) })
    this.#o.log.info({ actor, cmd, result: r }, 'command')
    return r
  }

  async setMode (mode: PackmlMode, actor: string): Promise<CommandResult> {
    const r = this.#o.machine.setMode(mode)
    this.#operation(actor, 'mode:set', { mode, ok: r.ok })
    return r
  }

  async startJob (input: JobInput, actor: string): Promise<ControlResult<JobView>> {
    const state = this.#o.machine.state
    if (!['Stopped', 'Idle', 'Complete', 'Aborted'].includes(state)) {
      return { ok: false, reason: { ru: 'Задание можно начать только на остановленной линии', en: 'a job can only be started while the line is not running' } }
    }
    let job: JobView
    try {
      const valid = this.#o.jobs.validate(input)
      const previous = this.#o.jobs.active()
      if (previous !== null) this.#o.jobs.end(previous.id, 'cancelled')
      job = this.#o.jobs.start(valid, actor)
    } catch (err) {
      if (err instanceof JobError) return { ok: false, reason: { ru: `Задание отклонено: ${err.message}`, en: `job refused: ${err.message}` } }
      throw err
    }
    this.#attach(job)
    this.emit('job', job)
    this.#operation(actor, 'job:start', { jobId: job.id, gtin: job.gtin, batch: job.batch, quantity: job.quantity })
    this.#changed()
    return { ok: true, value: job }
  }

  async ackAlarm (id: number, actor: string): Promise<ControlResult> {
    const ok = this.#o.alarms.ack(id, actor)
    this.#operation(actor, 'alarm:ack', { id, ok })
    return ok ? { ok: true } : { ok: false, reason: { ru: 'Нет такой неподтверждённой тревоги', en: 'no such unacknowledged alarm' } }
  }

  async closePartialBox (actor: string): Promise<ControlResult<{ sscc: string }>> {
    const sscc = await this.#o.aggregator.closePartial()
    this.#operation(actor, 'box:close', { sscc })
    return sscc === null ? { ok: false, reason: { ru: 'Открытый короб пуст', en: 'the open box is empty' } } : { ok: true, value: { sscc } }
  }

  async removeUnit (code: string, actor: string): Promise<ControlResult> {
    const row = this.#findCode(code)
    const ok = row !== undefined && await this.#o.aggregator.removeUnit(row.id).catch(() => false)
    this.#operation(actor, 'unit:remove', { code, ok })
    // its code is DEFECT now: the dropout goes out with the next report, not at the next sweep
    if (ok) this.emit('defect', [row.id])
    return ok ? { ok: true } : { ok: false, reason: { ru: 'Этого кода нет в открытом коробе', en: 'that code is not in the open box' } }
  }

  async reprintLabel (sscc: string, actor: string): Promise<ControlResult> {
    const ok = await this.#o.aggregator.reprint(sscc.replace(/^(\(00\)|00(?=\d{18}$))/, ''))
    this.#operation(actor, 'label:reprint', { sscc, ok })
    return ok ? { ok: true } : { ok: false, reason: { ru: 'Нет закрытого короба с таким SSCC', en: 'no closed box with that SSCC' } }
  }

  async scrapBox (sscc: string, reason: string, actor: string): Promise<ControlResult> {
    const r = await this.#o.aggregator.scrap(sscc.replace(/^(\(00\)|00(?=\d{18}$))/, ''))
    this.#operation(actor, 'box:scrap', { sscc, reason, units: Array.isArray(r) ? r.length : 0, ...(Array.isArray(r) ? {} : { refused: r }) })
    if (r === 'unknown') return { ok: false, reason: { ru: 'Нет закрытого короба с таким SSCC', en: 'no closed box with that SSCC' } }
    if (r === 'reported') {
      return { ok: false, reason: { ru: `Агрегация короба ${sscc} уже принята: списать его можно только после расформирования в ГИС МТ`, en: `the aggregation of box ${sscc} is already accepted: it can be scrapped only after disaggregation in GIS MT` } }
    }
    // a scrapped box is no longer a box (the store counts closed ones), and its units go out as dropout now
    this.#o.tracker.counters.boxes--
    this.emit('defect', r)
    this.#changed()
    return { ok: true }
  }

  shiftReport (fromMs: number, toMs: number): ShiftRow[] {
    return this.#o.jobs.between(fromMs, toMs).map(job => {
      const c = this.#derivedCounters(job.id)
      return { jobId: job.id, gtin: job.gtin, batch: job.batch, printed: c.printed, verified: c.verified, rejected: c.rejected, boxes: c.boxes, pallets: c.pallets, reported: c.reported, dropped: c.dropped, startedAt: job.startedAt, endedAt: job.endedAt }
    })
  }

  lastImagePng (): Buffer | null { return this.#o.lastImagePng?.() ?? null }

  // ---- faults ---------------------------------------------------------------------------------------------

  /** Conditions that forbid running: faulted printers, offline cameras or broker (from the composition root). */
  #blockers (): Bilingual[] {
    const out: Bilingual[] = []
    for (const p of this.#o.unitPrinters) {
      const s = p.status()
      if (s.state !== 'ready') out.push({ ru: `принтер ${p.id}: ${s.faults.join(', ') || s.state}`, en: `printer ${p.id}: ${s.faults.join(', ') || s.state}` })
    }
    out.push(...(this.#o.blockers?.() ?? []))
    return out
  }

  /** A fault: alarm, and hold (or abort) the line if it is running. */
  fault (kind: FaultKind, message: Bilingual, source: string, detail?: Record<string, unknown>): void {
    // The job's last code is out: products still entering until Completing stops the infeed get no print, and are
    // rejected as NO_PRINT — that is the end of the job, not a printer fault.
    if (kind === 'printer' && source === 'tracker' && this.#job !== null && this.#o.feeder.budget === 0) return
    this.#o.alarms.raise({ code: FAULT_ALARMS[kind], source, params: { reason: message }, detail })
    const st = this.#o.machine.state
    if (st === 'Completing' && kind === 'printer') return // the last products are draining; products after the last code carry none
    if (['Execute', 'Starting', 'Unholding', 'Unsuspending', 'Suspended', 'Suspending'].includes(st)) this.#o.machine.fault(kind, message)
  }

  #storeFault (err: unknown): void {
    this.#o.log.error({ err }, 'store error')
    this.fault('store', { ru: 'запись не выполнена', en: 'a write failed' }, 'store', { error: String(err) })
  }

  #onPrinterStatus (p: Printer, s: PrinterStatus): void {
    if (s.state === 'fault' || s.state === 'disconnected') {
      const what = s.faults.join(', ') || s.state
      this.fault(p === this.#o.labelPrinter ? 'label-printer' : 'printer', { ru: `Принтер ${p.id}: ${what}`, en: `printer ${p.id}: ${what}` }, p.id, s.detail ? { detail: s.detail } : undefined)
    } else if (s.state === 'ready') {
      for (const k of [FAULT_ALARMS.printer, FAULT_ALARMS['label-printer']]) this.#o.alarms.clear(k, p.id)
    }
    this.#changed()
  }

  // ---- states ---------------------------------------------------------------------------------------------

  #onState (s: StateSnapshot): void {
    const { feeder, tracker } = this.#o
    const work: Partial<Record<PackmlState, () => Promise<void>>> = {
      Resetting: async () => {
        for (const p of this.#o.unitPrinters) if (p.status().state !== 'ready') throw new Error(`printer ${p.id} is not ready`)
        // Empty the heads: after a restart they may still hold records whose codes are already written off.
        await feeder.drain()
        this.#writeOffLeftovers()
      },
      Starting: async () => {
        if (this.#job === null) throw new Error('no active job')
        tracker.expectNoPrints(false)
        tracker.resync()
        feeder.start()
        await this.#buffersLoaded()
      },
      Unholding: async () => { feeder.start() },
      Unsuspending: async () => { feeder.start() },
      Holding: async () => { feeder.pause() },
      Suspending: async () => { feeder.pause() },
      Stopping: async () => { await feeder.drain(); await this.#settle() },
      Aborting: async () => { await feeder.drain().catch(() => {}); tracker.dropUndecided('NO_RESULT') },
      Completing: async () => {
        tracker.expectNoPrints(true)
        await feeder.drain()
        await this.#settle()
        await this.#o.aggregator.closePartial()
        if (this.#job !== null) {
          this.#o.jobs.end(this.#job.id, 'complete')
          this.#job = { ...this.#job, status: 'complete', endedAt: this.#o.clock.now() }
        }
      },
      Clearing: async () => {},
    }
    const fn = work[s.state]
    if (fn === undefined) return
    const state = s.state
    this.#acting = this.#acting.then(fn).then(() => {
      if (this.#o.machine.state === state) this.#o.machine.stateComplete()
    }, err => {
      this.#o.log.error({ err, state }, 'acting state failed')
      this.#o.alarms.raise({ code: 'STATE_FAILED', source: 'line', params: { state }, detail: { state, error: String(err) } })
      if (this.#o.machine.state === state) this.#o.machine.command(state === 'Stopping' || state === 'Aborting' ? 'abort' : 'stop')
    })
  }

  /** Execute only once codes sit in every unit printer's buffer (DESIGN §5a): the first product must find one. */
  async #buffersLoaded (): Promise<void> {
    const until = Date.now() + 15_000
    for (;;) {
      const want = Math.min(8, this.#o.feeder.budget)
      if (this.#o.unitPrinters.every(p => p.status().bufferLevel >= Math.min(want, 1) || this.#o.feeder.budget === 0)) {
        if (this.#o.unitPrinters.every(p => p.status().bufferLevel >= want || p.room() === 0)) return
      }
      if (Date.now() > until) throw new Error('printer buffers not filled within 15 s (pool empty or printer not accepting codes)')
      await new Promise(resolve => setTimeout(resolve, 20))
    }
  }

  /** Wait for products between printer and camera to be decided, up to the settle timeout. */
  async #settle (): Promise<void> {
    const { tracker, clock } = this.#o
    const until = clock.now() + this.#o.settleTimeoutMs
    while (tracker.inFlight() > 0 && clock.now() < until) {
      await new Promise(resolve => setTimeout(resolve, 20))
      tracker.tick()
    }
    tracker.dropUndecided('NO_RESULT')
    await tracker.settled()
    // the infeed has stopped: the conveyor runs the last products past the gate
    if (this.#o.gateConfirmation) {
      while (this.#beforeGate.size > 0 && clock.now() < until + this.#o.settleTimeoutMs) await new Promise(resolve => setTimeout(resolve, 20))
      if (this.#beforeGate.size > 0) {
        this.#o.alarms.raise({ code: 'GATE_UNCONFIRMED', source: 'plc', params: { count: this.#beforeGate.size } })
      }
    }
    this.#releasePastGate(Number.MAX_SAFE_INTEGER)
    await this.#o.aggregator.settled()
  }

  /**
   * Before new production after a restart: codes on products the controller lost track of, and whose gate
   * confirmation never came, are written off (DEFECT UNCERTAIN, dropped out).
   */
  #writeOffLeftovers (): void {
    if (this.#beforeGate.size > 0 || this.#o.tracker.inFlight() > 0) return
    const ids = [...this.#o.pool.recoverUnverified(), ...this.#o.aggregator.recoverBeforeGate(this.#job)]
    if (ids.length > 0) {
      this.#syncCounters()
      this.emit('defect', ids)
      this.#o.alarms.raise({ code: 'UNCERTAIN_CODES', source: 'pool', params: { count: ids.length }, detail: { count: ids.length } })
    }
  }

  /**
   * Live counters from the store again, after codes were written off outside the tracker's view (UNCERTAIN after a
   * restart): the panel and the PLC must show what the store holds.
   */
  #syncCounters (): void {
    if (this.#job === null) return
    const used = this.#derivedCounters(this.#job.id)
    const t = this.#o.tracker
    // products that passed unprinted carry no code: the store cannot count them, the tracker did
    const noPrint = t.counters.rejectsByReason.NO_PRINT
    const rejectsByReason = noPrint === undefined ? used.rejectsByReason : { ...used.rejectsByReason, NO_PRINT: noPrint }
    Object.assign(t.counters, { printed: used.printed, verified: used.verified, rejected: used.rejected, rejectsByReason, boxes: used.boxes, pallets: used.pallets, reported: used.reported, dropped: used.dropped })
    this.#changed()
  }

  #attach (job: JobView): void {
    this.#job = job
    const used = this.#derivedCounters(job.id)
    const t = this.#o.tracker
    Object.assign(t.counters, { printed: used.printed, verified: used.verified, rejected: used.rejected, rejectsByReason: used.rejectsByReason, boxes: used.boxes, pallets: used.pallets, reported: used.reported, dropped: used.dropped })
    t.setJob({ id: job.id, minGrade: job.minGrade })
    this.#o.feeder.setJob({ id: job.id, gtin: job.gtin, budget: Math.max(0, job.quantity - used.reserved) })
    this.#o.aggregator.setJob({ id: job.id, gtin: job.gtin, batch: job.batch, unitsPerBox: job.unitsPerBox, boxesPerPallet: job.boxesPerPallet })
  }

  /** A job's counters from the store: exact after any restart. */
  #derivedCounters (jobId: number): Counters & { reserved: number } {
    const { states, defects } = this.#o.pool.jobCounts(jobId)
    const sum = (reasons: readonly string[]): number => reasons.reduce((n, r) => n + (defects[r] ?? 0), 0)
    const verified = states.VERIFIED + states.AGGREGATED + states.REPORTED + sum(VERIFIED_DEFECTS)
    const rejected = sum(REJECT_REASONS)
    const rejectsByReason: Record<string, number> = {}
    for (const r of REJECT_REASONS) if ((defects[r] ?? 0) > 0) rejectsByReason[r] = defects[r] as number
    const boxes = this.#o.aggregator.counts(jobId)
    let reserved = 0
    for (const [k, v] of Object.entries(states)) if (k !== 'AVAILABLE') reserved += v
    return {
      triggered: this.#o.tracker.counters.triggered,
      printed: verified + rejected + states.PRINTED,
      verified,
      rejected,
      rejectsByReason,
      boxes: boxes.boxes,
      pallets: boxes.pallets,
      reported: states.REPORTED,
      dropped: states.DROPPED,
      reserved,
    }
  }

  #onItem (e: ItemEvent): void {
    this.#lastCodes.unshift({ seq: e.seq, code: e.code, grade: e.grade, verdict: e.verdict, reason: e.reason, at: e.at })
    if (this.#lastCodes.length > 20) this.#lastCodes.pop()
    this.#changed()
  }

  #tick (): void {
    this.#o.tracker.tick()
    const st = this.#o.machine.state
    const job = this.#job
    if (job === null || st !== 'Execute') return
    // pool level (cached: counting is not free on a large pool)
    const level = this.#poolLevel()
    if (this.#o.feeder.budget > 0 && level < Math.min(this.#o.criticalCodes, this.#o.feeder.budget)) {
      this.fault('pool-low', { ru: `Мало кодов: ${level}`, en: `code pool low: ${level} left` }, 'pool')
    } else {
      this.#o.alarms.clear('FAULT_POOL_LOW', 'pool')
    }
    // the job's quantity is reserved and printed: complete (the PLC stops the infeed; Completing waits for the
    // products still between printer and gate)
    if (this.#o.feeder.budget === 0 && this.#o.unitPrinters.every(p => p.status().bufferLevel === 0)) {
      this.#o.machine.command('complete')
    }
  }

  #poolLevel (): number {
    const now = this.#o.clock.now()
    if (this.#job !== null && now - this.#poolCache.at > 1000) this.#poolCache = { at: now, level: this.#o.pool.level(this.#job.gtin) }
    return this.#poolCache.level
  }

  #poolView (): PoolView {
    const job = this.#job
    const available = job === null ? 0 : this.#poolLevel()
    const e = this.#o.emissionStatus?.() ?? { ordersInFlight: 0, lastError: null }
    return { gtin: job?.gtin ?? null, available, minutesLeft: job === null ? null : Math.round(available / job.unitsPerMinute), ordersInFlight: e.ordersInFlight, lastError: e.lastError }
  }

  #devices (): DeviceView[] {
    const printers = [...this.#o.unitPrinters, ...(this.#o.labelPrinter === undefined ? [] : [this.#o.labelPrinter])].map((p): DeviceView => {
      const s = p.status()
      return {
        id: p.id,
        kind: p === this.#o.labelPrinter ? 'label-printer' : 'printer',
        online: s.state !== 'disconnected',
        state: s.state === 'fault' ? 'fault' : s.state === 'ready' ? (s.warnings.length > 0 ? 'warning' : 'ok') : 'offline',
        detail: [s.faults.join(', '), s.warnings.join(', '), `buffer ${s.bufferLevel}`, s.detail ?? ''].filter(Boolean).join(' · '),
      }
    })
    return [...printers, ...(this.#o.extraDevices?.() ?? [])]
  }

  #findCode (code: string) {
    const c = code.trim()
    // the HMI may send the human-readable form; identities are what the store keys on
    const m = /^\(01\)(\d{14})\(21\)(.+?)(\(9[123]\).*)?$/.exec(c)
    const identity = m !== null ? `01${m[1]}21${m[2]}` : c.split('\u001d')[0] as string
    return this.#o.pool.findByIdentity(identity)
  }

  #changed (): void { this.emit('snapshot') }
}
