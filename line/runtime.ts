// The running line behind LineControl: jobs, HMI/PLC commands and faults. Its concerns live in line/runtime/:
// the PackML state work (a table), gate reconciliation, the counters (their one owner) and the panel's views.

import type { AlarmBook } from './alarms/alarms.ts'
import { FAULT_ALARMS } from './alarms/faults.ts'
import type { Aggregator } from './aggregation/aggregator.ts'
import type { Clock } from './clock.ts'
import { CodeFormatError, normalizeScanned, parseCode, parseHri, ssccDigits, type ProfileRegistry } from './codes/index.ts'
import type {
  Bilingual, ControlResult, Counters, DeviceView, JobChange, JobInput, JobView, LineControl, LineOperation, LineSnapshot, ShiftRow,
  ReworkControl,
} from './control.ts'
import { TypedEmitter, type LineBus } from './events.ts'
import { JobError, type JobStore } from './jobs/jobs.ts'
import type { Logger } from './log.ts'
import type { LineMode } from './modes/mode.ts'
import type { CodePool } from './pool/pool.ts'
import { LineCounters } from './runtime/counters.ts'
import { GateReconciler } from './runtime/gate.ts'
import { StateWorker } from './runtime/state-work.ts'
import { LineViews } from './runtime/views.ts'
import type { FaultKind, PackmlMachine } from './state/machine.ts'
import type { CommandResult, PackmlMode } from './state/packml.ts'
import type { RejectRules, Tracker } from './tracking/tracker.ts'
import { DEFAULT_TIMINGS, type LineTimings } from './timings.ts'
import type { Printer, PrinterStatus } from '../printers/types.ts'

export { REJECT_REASONS, VERIFIED_DEFECTS } from './runtime/counters.ts'

export interface RuntimeOptions {
  site: string
  line: string
  clock: Clock
  log: Logger
  /** The line's events: the runtime listens to its components here and announces defects and jobs. */
  bus: LineBus
  pool: CodePool
  alarms: AlarmBook
  jobs: JobStore
  machine: PackmlMachine
  tracker: Tracker
  /** How codes reach the products (line mode). */
  mode: LineMode
  aggregator: Aggregator
  labelPrinter?: Printer | undefined
  profiles: ProfileRegistry
  /** Pool level below which the line is held. */
  criticalCodes: number
  /** Pitches from the printer to the reject gate. */
  rejectDistance: number
  /** The PLC confirms every product at the gate (`plc/gate`); otherwise the trigger count stands in for it. */
  gateConfirmation: boolean
  timings?: Pick<LineTimings, 'settleMs' | 'runtimeTickMs' | 'primeTimeoutMs' | 'waitPollMs' | 'drainOnCloseMs' | 'reportCountersMs'>
  /** Conditions outside the runtime that forbid running (camera offline, broker lost). */
  blockers?: () => Bilingual[]
  /** Device tiles owned by the composition root (broker, OMS, True API, cameras, L3). */
  extraDevices?: () => DeviceView[]
  /** Orders in flight and the last emission error, from the replenisher. */
  emissionStatus?: () => { ordersInFlight: number, lastError: string | null }
  lastImagePng?: () => Buffer | null
  lastImageInfo?: () => LineSnapshot['lastImage']
  /** Rework of boxes GIS MT holds (docs/rework.md): a reported box is scrapped through its disaggregation. */
  rework?: ReworkControl
}

/** LineControl's events: 'snapshot' whenever something visible changed. */
export interface LineControlEvents { snapshot: [], operation: [LineOperation] }

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

export class LineRuntime extends TypedEmitter<LineControlEvents> implements LineControl {
  #closing = false
  readonly #o: RuntimeOptions
  readonly #t: NonNullable<RuntimeOptions['timings']>
  #job: JobView | null = null
  #timer: NodeJS.Timeout | null = null
  readonly #counters: LineCounters
  readonly #gate: GateReconciler
  readonly #views: LineViews
  readonly #worker: StateWorker

  constructor (options: RuntimeOptions) {
    super()
    this.#o = options
    this.#t = options.timings ?? DEFAULT_TIMINGS
    const { bus, machine, tracker, mode, aggregator, alarms, pool } = options
    this.#counters = new LineCounters({ pool, containers: aggregator, tally: tracker })
    this.#gate = new GateReconciler({
      tracker, aggregator, pool, alarms,
      rejectDistance: options.rejectDistance,
      gateConfirmation: options.gateConfirmation,
      jobId: () => this.#job?.id ?? null,
      onDefect: ids => bus.emit('line:defect', ids),
      onWrittenOff: () => this.#syncCounters(),
      onStoreFault: err => this.#storeFault(err),
    })
    this.#views = new LineViews({
      clock: options.clock, pool, unitPrinters: mode.devices, labelPrinter: options.labelPrinter,
      extraDevices: options.extraDevices, emissionStatus: options.emissionStatus,
    })
    this.#worker = new StateWorker({
      machine, alarms, log: options.log,
      context: {
        // codes a drain wrote off (loaded into a head, fate unknown) are dropped out like any other defect
        mode: { appliers: mode.appliers, start: () => mode.start(), pause: () => mode.pause(), drain: () => this.#drain() },
        tracker, aggregator,
        hasJob: () => this.#job !== null,
        primed: () => this.#primed(),
        settle: () => this.#settle(),
        writeOffLeftovers: () => this.#writeOffLeftovers(),
        completeJob: () => {
          if (this.#job === null) return
          this.#o.jobs.end(this.#job.id, 'complete')
          this.#job = { ...this.#job, status: 'complete', endedAt: this.#o.clock.now() }
          this.#o.bus.emit('line:jobEnded', this.#job)
        },
      },
    })
    bus.on('machine:change', s => { this.#worker.entered(s); this.#changed() })
    bus.on('tracker:item', e => { this.#views.item(e); this.#changed() })
    bus.on('tracker:good', u => this.#gate.onGood(u))
    bus.on('tracker:renumbered', () => this.#gate.renumbered())
    bus.on('tracker:fault', f => this.fault(f.kind, f.message, 'tracker'))
    bus.on('aggregator:change', () => this.#changed())
    bus.on('aggregator:closed', c => { if (c.rework !== true) this.#counters.closed(c.level) })
    // a rework replaced boxes or pallets (docs/rework.md): the running job's counts come from the store again
    bus.on('aggregator:reworked', r => { if (this.#job?.id === r.jobId) { this.#counters.recountContainers(r.jobId); this.#changed() } })
    bus.on('alarms:alarm', () => this.#changed())
    // the outbox moved codes to REPORTED or DROPPED: the live counters follow (read from the store, at most so often)
    bus.on('outbox:report', e => { if (e.state === 'ACCEPTED') this.#reportsAccepted() })
    mode.onFault((kind, message, source, detail) => this.fault(kind, message, source, detail))
    for (const p of [...mode.devices, ...(options.labelPrinter === undefined ? [] : [options.labelPrinter])]) {
      p.on('status', (s: PrinterStatus) => this.#onPrinterStatus(p, s))
    }
    // Resume the job that was active when the controller stopped.
    const active = options.jobs.active()
    if (active !== null) this.#attach(active)
  }

  /**
   * The reject rules for the production about to start (the panel's set-up values, docs/setup-mode.md): the tracker's
   * deadlines and limits, and the gate count's distance. Given at Starting, never in the middle of a run.
   */
  applyRejectRules (rules: RejectRules): void {
    this.#o.tracker.setRejectRules(rules)
    this.#gate.setRejectDistance(rules.rejectDistance)
  }

  /** A PLC trigger (after the tracker has it). */
  onTrigger (seq: number): void { this.#gate.onTrigger(seq) }

  /** The PLC's account of product `seq` at the reject station (`plc/gate`). */
  onGate (seq: number, rejected: boolean): void { this.#gate.onGate(seq, rejected) }

  /** Periodic work: deadlines, pool level, job completion. */
  start (): void {
    this.#timer ??= setInterval(() => this.#tick(), this.#t.runtimeTickMs)
  }

  async close (): Promise<void> {
    if (this.#reportCounters !== null) clearTimeout(this.#reportCounters)
    this.#reportCounters = null
    // what closing does to the devices (a printer disconnected, the broker gone) is not a fault of the line
    this.#closing = true
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
    // A clean shutdown empties the heads so their codes go back to the pool instead of being written off at the
    // next start; if a head cannot be reached its codes stay SENT and are written off then (DESIGN §4).
    await Promise.race([this.#o.mode.drain().catch(() => {}), sleep(this.#t.drainOnCloseMs)])
    this.#o.mode.close()
    await this.#worker.idle()
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
      pool: this.#views.pool(this.#job),
      devices: this.#views.devices(),
      alarms: this.#o.alarms.list(),
      box: this.#o.aggregator.view(),
      lastCodes: this.#views.lastCodes(),
      lastImage: this.#o.lastImageInfo?.() ?? null,
      at: this.#o.clock.now(),
    }
  }

  counters (): Counters { return this.#counters.current() }

  /** What the line did for `actor`, told to the audit trail (line/hmi): one trail, one row per action. */
  #operation (actor: string, action: string, detail: Record<string, unknown>, reason?: Bilingual): void {
    this.emit('operation', { actor, action, detail, ...(reason === undefined ? {} : { reason }) } satisfies LineOperation)
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
        this.#operation(actor, `cmd:${cmd}`, { ok: false, reason: r.reason.en }, r.reason)
        return r
      }
    }
    const r = this.#o.machine.command(cmd)
    this.#operation(actor, `cmd:${cmd}`, { ok: r.ok, ...(r.ok ? { from: r.from, to: r.to } : { reason: r.reason.en }) }, r.ok ? undefined : r.reason)
    this.#o.log.info({ actor, cmd, result: r }, 'command')
    return r
  }

  async setMode (mode: PackmlMode, actor: string): Promise<CommandResult> {
    const r = this.#o.machine.setMode(mode)
    this.#operation(actor, 'mode:set', { mode, ok: r.ok })
    return r
  }

  async startJob (input: JobInput, actor: string, change?: JobChange): Promise<ControlResult<JobView>> {
    const state = this.#o.machine.state
    if (!['Stopped', 'Idle', 'Complete', 'Aborted'].includes(state)) {
      return { ok: false, reason: { ru: 'Задание можно начать только на остановленной линии', en: 'a job can only be started while the line is not running' } }
    }
    let job: JobView
    let ended: Record<string, unknown> | null = null
    try {
      const valid = this.#o.jobs.validate(input)
      const previous = this.#o.jobs.active()
      if (previous !== null) {
        // the active job ends only when someone says so and decides about its open box and pallet (docs/hmi.md)
        if (change?.confirm !== true) {
          return {
            ok: false,
            code: 'LC_ERR_JOB_SWITCH',
            reason: {
              ru: `Активно задание №${previous.id} (партия ${previous.batch}, GTIN ${previous.gtin}): подтвердите его завершение и выберите, что сделать с открытым коробом и паллетой (закрыть неполными или оставить на потом)`,
              en: `job ${previous.id} (batch ${previous.batch}, GTIN ${previous.gtin}) is active: confirm ending it and choose what happens to its open box and pallet (close them partial, or leave them for later)`,
            },
          }
        }
        const closed = await this.#o.aggregator.closeForJobChange({ box: change.box === 'close', pallet: change.pallet === 'close' })
        this.#o.jobs.end(previous.id, 'cancelled')
        ended = { endedJobId: previous.id, box: change.box, pallet: change.pallet, closed }
      }
      job = this.#o.jobs.start(valid, actor)
      if (previous !== null) this.#o.bus.emit('line:jobEnded', this.#o.jobs.get(previous.id) ?? previous)
    } catch (err) {
      if (err instanceof JobError) return { ok: false, reason: { ru: `Задание отклонено: ${err.text.ru}`, en: `job refused: ${err.text.en}` }, code: err.code }
      throw err
    }
    this.#attach(job)
    this.#o.bus.emit('line:job', job)
    this.#operation(actor, 'job:start', { jobId: job.id, gtin: job.gtin, batch: job.batch, quantity: job.quantity, ...(ended === null ? {} : { previous: ended }) })
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

  async closePartialPallet (actor: string): Promise<ControlResult<{ sscc: string }>> {
    const sscc = await this.#o.aggregator.closePalletPartial()
    this.#operation(actor, 'pallet:close', { sscc })
    return sscc === null ? { ok: false, reason: { ru: 'На открытой паллете нет коробов', en: 'the open pallet holds no box' } } : { ok: true, value: { sscc } }
  }

  async removeUnit (code: string, actor: string): Promise<ControlResult> {
    const row = this.#findCode(code)
    const ok = row !== undefined && await this.#o.aggregator.removeUnit(row.id).catch(() => false)
    this.#operation(actor, 'unit:remove', { code, ok })
    // its code is DEFECT now: the dropout goes out with the next report, not at the next sweep
    if (ok) this.#o.bus.emit('line:defect', [row.id])
    return ok ? { ok: true } : { ok: false, reason: { ru: 'Этого кода нет в открытом коробе', en: 'that code is not in the open box' } }
  }

  async reprintLabel (sscc: string, actor: string): Promise<ControlResult> {
    const digits = ssccDigits(sscc)
    const ok = digits !== null && await this.#o.aggregator.reprint(digits)
    this.#operation(actor, 'label:reprint', { sscc, ok })
    return ok ? { ok: true } : { ok: false, reason: { ru: 'Нет закрытого короба с таким SSCC', en: 'no closed box with that SSCC' } }
  }

  async scrapBox (sscc: string, reason: string, actor: string): Promise<ControlResult> {
    const digits = ssccDigits(sscc)
    const r = digits === null ? 'unknown' : await this.#o.aggregator.scrap(digits)
    this.#operation(actor, 'box:scrap', { sscc, reason, units: Array.isArray(r) ? r.length : 0, ...(Array.isArray(r) ? {} : { refused: r }) })
    if (r === 'unknown') return { ok: false, reason: { ru: 'Нет закрытого короба с таким SSCC', en: 'no closed box with that SSCC' } }
    if (r === 'reported') {
      // GIS MT holds the box: it is disaggregated first, its units dropped out once that is accepted (docs/rework.md)
      if (this.#o.rework !== undefined) {
        const rw = await this.#o.rework.reworkBox({ sscc, take: [], scrap: true }, actor)
        this.#operation(actor, 'box:scrap', { sscc, reason, through: 'disaggregation', ok: rw.ok })
        if (rw.ok) return { ok: true }
        return { ok: false, ...(rw.code === undefined ? {} : { code: rw.code }), reason: { ru: `Агрегация короба ${sscc} уже принята: списать его можно только после расформирования в ГИС МТ — ${rw.reason.ru}`, en: `the aggregation of box ${sscc} is already accepted: it can be scrapped only after disaggregation in GIS MT — ${rw.reason.en}` } }
      }
      return { ok: false, reason: { ru: `Агрегация короба ${sscc} уже принята: списать его можно только после расформирования в ГИС МТ`, en: `the aggregation of box ${sscc} is already accepted: it can be scrapped only after disaggregation in GIS MT` } }
    }
    // a scrapped box is no longer a box (the store counts closed ones), and its units go out as dropout now
    this.#counters.scrapped()
    this.#o.bus.emit('line:defect', r)
    this.#changed()
    return { ok: true }
  }

  shiftReport (fromMs: number, toMs: number): ShiftRow[] {
    return this.#o.jobs.between(fromMs, toMs).map(job => {
      const c = this.#counters.derived(job.id)
      return { jobId: job.id, gtin: job.gtin, batch: job.batch, printed: c.printed, verified: c.verified, rejected: c.rejected, boxes: c.boxes, pallets: c.pallets, reported: c.reported, dropped: c.dropped, startedAt: job.startedAt, endedAt: job.endedAt }
    })
  }

  lastImagePng (): Buffer | null { return this.#o.lastImagePng?.() ?? null }

  // ---- faults ---------------------------------------------------------------------------------------------

  /** Conditions that forbid running: faulted printers, offline cameras or broker (from the composition root). */
  #blockers (): Bilingual[] {
    const out: Bilingual[] = []
    for (const p of this.#o.mode.appliers) {
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
    if (kind === 'printer' && source === 'tracker' && this.#job !== null && this.#o.mode.budget === 0) return
    if (this.#closing) return
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

  // ---- acting states' waits -------------------------------------------------------------------------------

  /** Execute only once codes sit in every unit printer's buffer (DESIGN §5a): the first product must find one. */
  async #primed (): Promise<void> {
    // Filling the heads is device I/O, which a faster simulated clock does not speed up: the timeout counts the
    // waits themselves (each at least waitPollMs of real time), so it is never shorter than primeTimeoutMs.
    for (let waited = 0; !this.#o.mode.primed(); waited += this.#t.waitPollMs) {
      if (waited > this.#t.primeTimeoutMs) throw new Error(`printer buffers not filled within ${this.#t.primeTimeoutMs / 1000} s (pool empty or printer not accepting codes)`)
      await sleep(this.#t.waitPollMs)
    }
  }

  /** Wait for products between printer and camera to be decided, up to the settle timeout. */
  async #settle (): Promise<void> {
    const { tracker, clock } = this.#o
    const until = clock.now() + this.#t.settleMs
    while (tracker.inFlight() > 0 && clock.now() < until) {
      await sleep(this.#t.waitPollMs)
      tracker.tick()
    }
    tracker.dropUndecided('NO_RESULT')
    await tracker.settled()
    // the infeed has stopped: the conveyor runs the last products past the gate
    if (this.#o.gateConfirmation) {
      while (this.#gate.waiting > 0 && clock.now() < until + this.#t.settleMs) await sleep(this.#t.waitPollMs)
      if (this.#gate.waiting > 0) {
        this.#o.alarms.raise({ code: 'GATE_UNCONFIRMED', source: 'plc', params: { count: this.#gate.waiting } })
      }
    }
    this.#gate.releasePastGate(Number.MAX_SAFE_INTEGER)
    await this.#o.aggregator.settled()
  }

  /**
   * Before new production after a restart: codes on products the controller lost track of, and whose gate
   * confirmation never came, are written off (DEFECT UNCERTAIN, dropped out).
   */
  async #drain (): Promise<{ writtenOff: readonly number[] }> {
    const r = await this.#o.mode.drain()
    if (r.writtenOff.length > 0) {
      this.#syncCounters()
      this.#o.bus.emit('line:defect', [...r.writtenOff])
    }
    return r
  }

  #writeOffLeftovers (): void {
    if (this.#gate.waiting > 0 || this.#o.tracker.inFlight() > 0) return
    const ids = [...this.#o.pool.recoverUnverified(), ...this.#o.aggregator.recoverBeforeGate(this.#job)]
    if (ids.length > 0) {
      this.#syncCounters()
      this.#o.bus.emit('line:defect', ids)
      this.#o.alarms.raise({ code: 'UNCERTAIN_CODES', source: 'pool', params: { count: ids.length }, detail: { count: ids.length } })
    }
  }

  // ---- job and periodic work ------------------------------------------------------------------------------

  #syncCounters (): void {
    if (this.#job === null) return
    this.#counters.sync(this.#job.id)
    this.#changed()
  }

  #attach (job: JobView): void {
    this.#job = job
    this.#counters.attach(job.id)
    const used = this.#counters.derived(job.id)
    // pre-applied codes (docs/modes.md): the camera's read is the mark, claimed from the codes handed over for the GTIN
    this.#o.tracker.setJob({ id: job.id, minGrade: job.minGrade, reads: job.mode === 'preapplied' ? { gtin: job.gtin } : undefined })
    this.#o.mode.setJob({ id: job.id, gtin: job.gtin, budget: Math.max(0, job.quantity - used.reserved), mode: job.mode })
    this.#o.aggregator.setJob({ id: job.id, gtin: job.gtin, batch: job.batch, unitsPerBox: job.unitsPerBox, boxesPerPallet: job.boxesPerPallet })
  }

  #tick (): void {
    this.#o.tracker.tick()
    const st = this.#o.machine.state
    const job = this.#job
    if (job === null || st !== 'Execute') return
    const level = this.#views.poolLevel(job)
    if (this.#o.mode.budget > 0 && level < Math.min(this.#o.criticalCodes, this.#o.mode.budget)) {
      this.fault('pool-low', { ru: `Мало кодов: ${level}`, en: `code pool low: ${level} left` }, 'pool')
    } else {
      this.#o.alarms.clear('FAULT_POOL_LOW', 'pool')
    }
    // the job's quantity is reserved and printed: complete (the PLC stops the infeed; Completing waits for the
    // products still between printer and gate)
    if (this.#o.mode.exhausted()) this.#o.machine.command('complete')
  }

  /** The store row of a code the HMI names: scanned (raw, GS between fields) or typed in human-readable form. */
  #findCode (code: string) {
    // scanned, or pasted as the panel or a text file shows it (the GS as ⟨GS⟩ or <GS>)
    const c = normalizeScanned(code)
    const job = this.#job
    let identity = c.split('\u001d')[0] as string
    if (job !== null) {
      try {
        const profile = this.#o.profiles.get(job.group)
        identity = (c.startsWith('(') ? parseHri(profile, c) : parseCode(profile, c)).identity
      } catch (err) {
        if (!(err instanceof CodeFormatError)) throw err
        // not a code of this job's group: looked up as given (the identity a raw code starts with)
      }
    }
    return this.#o.pool.findByIdentity(identity)
  }

  #changed (): void { this.emit('snapshot') }

  #reportCounters: NodeJS.Timeout | null = null
  #reportsAccepted (): void {
    // reports still accepted while the line closes are counted at the next start, not after the store is closed
    if (this.#reportCounters !== null || this.#closing) return
    this.#reportCounters = setTimeout(() => {
      this.#reportCounters = null
      if (this.#job === null) return
      this.#counters.refreshReports(this.#job.id)
      this.#changed()
    }, this.#t.reportCountersMs)
    this.#reportCounters.unref()
  }
}
