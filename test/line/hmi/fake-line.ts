// TEST DOUBLE of the LineControl port (line/control.ts) for the HMI tests: an in-memory line around the real
// PackML machine that produces units on a timer, fills boxes and goes Held with an alarm on simulateInkOut().
// It is not the line: no pool, no devices, no persistence. The whole-line browser test uses the real one.

import { EventEmitter } from 'node:events'
import bwipjs from 'bwip-js'
import type { Clock } from '../../../line/clock.ts'
import { buildSscc } from '../../../line/codes/index.ts'
import { ProfileRegistry } from '../../../line/codes/profiles.ts'
import type {
  AlarmView, BoxView, ControlResult, Counters, DeviceView, JobChange, JobInput, JobView, LastCode, LineControl, LineSnapshot, ShiftRow,
} from '../../../line/control.ts'
import { PackmlMachine } from '../../../line/state/machine.ts'
import type { CommandResult, PackmlMode } from '../../../line/state/packml.ts'
import { CodeFactory } from '../../../sim/codes/factory.ts'

const zero = (): Counters => ({ triggered: 0, printed: 0, verified: 0, rejected: 0, rejectsByReason: {}, boxes: 0, pallets: 0, reported: 0, dropped: 0 })

export class FakeLine extends EventEmitter implements LineControl {
  readonly machine: PackmlMachine
  readonly #clock: Clock
  readonly #profiles = new ProfileRegistry()
  readonly #codes = new CodeFactory(7)
  readonly #jobs: Array<{ job: JobView, counters: Counters }> = []
  #current: { job: JobView, counters: Counters } | null = null
  #alarms: AlarmView[] = []
  #nextAlarm = 1
  #inkOut = false
  #box: { sscc: string, codes: string[] } | null = null
  #pallet = { sscc: '', boxes: 0 }
  #closedBoxes = new Map<string, number>()
  #last: { box: string | null, pallet: string | null } = { box: null, pallet: null }
  #ssccSeq = 0
  #seq = 0
  #pool = 5000
  #lastCodes: LastCode[] = []
  #lastImage: LineSnapshot['lastImage'] = null
  #png: Buffer | null = null
  #rendering = false
  #timer: NodeJS.Timeout | null = null
  #acting: NodeJS.Timeout | null = null
  /** Every call that changed something, with its actor: the tests check the HMI passed the user through. */
  readonly calls: Array<{ method: string, actor: string, args: unknown[] }> = []
  /** The device tiles to show instead of the built-in ones (the translation test sets the line's real views). */
  devices: DeviceView[] | null = null
  /** Make the next call throw (the server must answer 503, not crash). */
  failNext = false

  constructor (o: { clock: Clock, actingMs?: number }) {
    super()
    this.#clock = o.clock
    this.machine = new PackmlMachine({ now: () => this.#clock.now() })
    const actingMs = o.actingMs ?? 40
    this.machine.on('change', snap => {
      // Acting states (Resetting, Starting, Holding …) finish on their own after a moment, as a real line's would.
      if (this.#acting !== null) { clearTimeout(this.#acting); this.#acting = null }
      if (['Resetting', 'Starting', 'Holding', 'Unholding', 'Stopping', 'Aborting', 'Clearing', 'Suspending', 'Unsuspending', 'Completing'].includes(snap.state)) {
        this.#acting = setTimeout(() => { this.#acting = null; this.machine.stateComplete() }, actingMs)
      }
      this.#production()
      this.#changed()
    })
  }

  #changed (): void { this.emit('snapshot') }

  #guard (method: string, actor: string, args: unknown[]): void {
    if (this.failNext) { this.failNext = false; throw new Error('simulated controller failure') }
    this.calls.push({ method, actor, args })
  }

  #production (): void {
    const run = this.machine.state === 'Execute' && this.#current !== null
    if (run && this.#timer === null) {
      const period = Math.max(20, Math.round(60_000 / (this.#current?.job.unitsPerMinute ?? 600)))
      this.#timer = setInterval(() => this.#unit(), period)
    } else if (!run && this.#timer !== null) {
      clearInterval(this.#timer)
      this.#timer = null
    }
  }

  #newSscc (): string { return buildSscc(0, '4601653', ++this.#ssccSeq).digits }

  #unit (): void {
    const cur = this.#current
    if (cur === null) return
    const c = cur.counters
    const seq = ++this.#seq
    const code = this.#codes.raw(this.#profiles.get(cur.job.group), cur.job.gtin, 1)[0] as string
    this.#pool--
    c.triggered++
    c.printed++
    const reject = seq % 7 === 0 ? (seq % 14 === 0 ? 'unreadable' : 'low-grade') : null
    const grade = reject === 'low-grade' ? 'D' : reject === 'unreadable' ? 'F' : (seq % 3 === 0 ? 'B' : 'A')
    if (reject !== null) {
      c.rejected++
      c.rejectsByReason[reject] = (c.rejectsByReason[reject] ?? 0) + 1
    } else {
      c.verified++
      this.#box ??= { sscc: this.#newSscc(), codes: [] }
      this.#box.codes.push(code)
      if (this.#box.codes.length >= cur.job.unitsPerBox) this.#closeBox()
    }
    this.#lastCodes.unshift({ seq, code: reject === 'unreadable' ? null : code, grade, verdict: reject === null ? 'good' : 'reject', reason: reject, at: this.#clock.now() })
    this.#lastCodes.length = Math.min(this.#lastCodes.length, 20)
    this.#render(code, seq, grade)
    this.#changed()
  }

  #render (code: string, seq: number, grade: string): void {
    if (this.#rendering) return
    this.#rendering = true
    bwipjs.toBuffer({ bcid: 'datamatrix', text: code.replaceAll('\u001d', '^029'), parse: true, scale: 4, padding: 2 })
      .then(png => { this.#png = png; this.#lastImage = { camera: 'cam-1', seq, grade, at: this.#clock.now() }; this.#changed() })
      .catch(() => {})
      .finally(() => { this.#rendering = false })
  }

  #closeBox (): string | null {
    const cur = this.#current
    if (cur === null || this.#box === null || this.#box.codes.length === 0) return null
    const sscc = this.#box.sscc
    this.#closedBoxes.set(sscc, this.#box.codes.length)
    cur.counters.boxes++
    cur.counters.reported += this.#box.codes.length
    this.#box = null
    this.#last.box = sscc
    if (this.#pallet.sscc === '') this.#pallet.sscc = this.#newSscc()
    if (++this.#pallet.boxes >= cur.job.boxesPerPallet) this.#closePallet()
    return sscc
  }

  #closePallet (): string | null {
    const cur = this.#current
    if (cur === null || this.#pallet.boxes === 0) return null
    const sscc = this.#pallet.sscc
    cur.counters.pallets++
    this.#last.pallet = sscc
    this.#pallet = { sscc: '', boxes: 0 }
    return sscc
  }

  /** The print head reports ink out: alarm, printer tile in fault, line Held. */
  simulateInkOut (): void {
    this.#inkOut = true
    this.#alarms.unshift({
      id: this.#nextAlarm++, code: 'LC_ALARM_INK_OUT', severity: 'fault', source: 'printer-1', raisedAt: this.#clock.now(),
      message: { ru: 'Принтер printer-1: закончились чернила', en: 'Printer printer-1: out of ink' },
      action: { ru: 'Замените картридж, квитируйте аварию и снимите удержание', en: 'Replace the cartridge, acknowledge the alarm and unhold' },
      detail: { faults: ['ink-out'] }, active: true, acknowledged: false, acknowledgedBy: null,
    })
    this.machine.fault('printer', { ru: 'Закончились чернила в printer-1', en: 'printer-1 is out of ink' })
    this.#changed()
  }

  /** The operator changed the cartridge: the alarm clears, Unhold is possible again. */
  simulateInkRefill (): void {
    this.#inkOut = false
    for (const a of this.#alarms) if (a.code === 'LC_ALARM_INK_OUT') a.active = false
    this.#changed()
  }

  snapshot (): LineSnapshot {
    const job = this.#current?.job ?? null
    const counters = this.#current?.counters ?? zero()
    const devices: DeviceView[] = this.devices ?? [
      this.#inkOut
        ? { id: 'printer-1', kind: 'printer', online: true, state: 'fault', detail: 'ink-out · buffer 30', facts: [{ key: 'fault', value: 'ink-out' }, { key: 'buffer', value: 30 }], note: 'E5: нет чернил / ink out' }
        : { id: 'printer-1', kind: 'printer', online: true, state: 'ok', detail: 'buffer 30', facts: [{ key: 'buffer', value: 30 }], note: null },
      { id: 'label-1', kind: 'label-printer', online: true, state: 'warning', detail: 'labels-low · buffer 0', facts: [{ key: 'warning', value: 'labels-low' }, { key: 'buffer', value: 0 }], note: null },
      { id: 'cam-1', kind: 'camera', online: true, state: 'ok', detail: 'unit', facts: [{ key: 'role', value: 'unit' }], note: null },
      { id: 'plc', kind: 'plc', online: true, state: 'ok', detail: `triggers ${counters.triggered}, rejects ${counters.rejected}`, facts: [{ key: 'triggers', value: counters.triggered }, { key: 'rejects', value: counters.rejected }], note: null },
      { id: 'broker', kind: 'broker', online: true, state: 'ok', detail: 'mqtt://127.0.0.1:1883', facts: [{ key: 'address', value: 'mqtt://127.0.0.1:1883' }], note: null },
      { id: 'oms', kind: 'oms', online: true, state: 'ok', detail: '', facts: [], note: null },
      { id: 'true-api', kind: 'true-api', online: false, state: 'offline', detail: '', facts: [], note: null },
    ]
    const box: BoxView | null = job === null ? null : {
      sscc: this.#box?.sscc ?? null, count: this.#box?.codes.length ?? 0, capacity: job.unitsPerBox, lastBoxSscc: this.#last.box, lastPalletSscc: this.#last.pallet,
      palletSscc: this.#pallet.sscc === '' ? null : this.#pallet.sscc, palletCount: this.#pallet.boxes, palletCapacity: job.boxesPerPallet,
    }
    return {
      site: 'plant1', line: 'line1', state: this.machine.snapshot(), job, counters,
      pool: { gtin: job?.gtin ?? null, available: this.#pool, minutesLeft: job === null ? null : this.#pool / job.unitsPerMinute, ordersInFlight: 0, lastError: null },
      devices, alarms: this.#alarms, box, lastCodes: this.#lastCodes.slice(0, 10), lastImage: this.#lastImage, at: this.#clock.now(),
    }
  }

  async command (cmd: string, actor: string): Promise<CommandResult> {
    this.#guard('command', actor, [cmd])
    if (cmd === 'unhold' && this.#inkOut) return { ok: false, reason: { ru: 'Принтер без чернил: замените картридж', en: 'The printer is out of ink: replace the cartridge' } }
    if (cmd === 'start' && this.#current === null) return { ok: false, reason: { ru: 'Нет задания', en: 'No job' } }
    return this.machine.command(cmd)
  }

  async setMode (mode: PackmlMode, actor: string): Promise<CommandResult> {
    this.#guard('setMode', actor, [mode])
    return this.machine.setMode(mode)
  }

  async startJob (input: JobInput, actor: string, change?: JobChange): Promise<ControlResult<JobView>> {
    this.#guard('startJob', actor, change === undefined ? [input] : [input, change])
    if (!['Stopped', 'Idle', 'Complete', 'Aborted'].includes(this.machine.state)) {
      return { ok: false, reason: { ru: 'Новое задание — только на остановленной линии', en: 'A new job only on a stopped line' } }
    }
    // the line's rule (LineRuntime.startJob): an active job ends only with a confirmation and a box/pallet decision
    if (this.#current !== null && this.#current.job.status === 'active' && change?.confirm !== true) {
      return { ok: false, code: 'LC_ERR_JOB_SWITCH', reason: { ru: `Активно задание №${this.#current.job.id}: подтвердите смену`, en: `job ${this.#current.job.id} is active: confirm the change` } }
    }
    if (change !== undefined && change.box === 'close') this.#closeBox()
    if (this.#current !== null) { this.#current.job.status = 'complete'; this.#current.job.endedAt = this.#clock.now() }
    const job: JobView = { ...input, id: this.#jobs.length + 1, status: 'active', startedAt: this.#clock.now(), endedAt: null }
    this.#current = { job, counters: zero() }
    this.#jobs.push(this.#current)
    this.#box = null
    this.#changed()
    return { ok: true, value: job }
  }

  async ackAlarm (id: number, actor: string): Promise<ControlResult> {
    this.#guard('ackAlarm', actor, [id])
    const a = this.#alarms.find(x => x.id === id)
    if (a === undefined) return { ok: false, reason: { ru: `Нет аварии №${id}`, en: `No alarm #${id}` } }
    a.acknowledged = true
    a.acknowledgedBy = actor
    this.#changed()
    return { ok: true }
  }

  async closePartialBox (actor: string): Promise<ControlResult<{ sscc: string }>> {
    this.#guard('closePartialBox', actor, [])
    const sscc = this.#closeBox()
    if (sscc === null) return { ok: false, reason: { ru: 'Открытый короб пуст', en: 'The open box is empty' } }
    this.#changed()
    return { ok: true, value: { sscc } }
  }

  async closePartialPallet (actor: string): Promise<ControlResult<{ sscc: string }>> {
    this.#guard('closePartialPallet', actor, [])
    const sscc = this.#closePallet()
    if (sscc === null) return { ok: false, reason: { ru: 'На открытой паллете нет коробов', en: 'The open pallet holds no box' } }
    this.#changed()
    return { ok: true, value: { sscc } }
  }

  async removeUnit (code: string, actor: string): Promise<ControlResult> {
    this.#guard('removeUnit', actor, [code])
    const i = this.#box?.codes.indexOf(code) ?? -1
    if (this.#box === null || i < 0) return { ok: false, reason: { ru: 'Кода нет в открытом коробе', en: 'The code is not in the open box' } }
    this.#box.codes.splice(i, 1)
    this.#changed()
    return { ok: true }
  }

  async reprintLabel (sscc: string, actor: string): Promise<ControlResult> {
    this.#guard('reprintLabel', actor, [sscc])
    if (!this.#closedBoxes.has(sscc)) return { ok: false, reason: { ru: `Короб ${sscc} не найден`, en: `Box ${sscc} not found` } }
    return { ok: true }
  }

  async scrapBox (sscc: string, reason: string, actor: string): Promise<ControlResult> {
    this.#guard('scrapBox', actor, [sscc, reason])
    const n = this.#closedBoxes.get(sscc)
    if (n === undefined || this.#current === null) return { ok: false, reason: { ru: `Короб ${sscc} не найден`, en: `Box ${sscc} not found` } }
    this.#closedBoxes.delete(sscc)
    this.#current.counters.dropped += n
    this.#changed()
    return { ok: true }
  }

  shiftReport (fromMs: number, toMs: number): ShiftRow[] {
    return this.#jobs.filter(j => j.job.startedAt <= toMs && (j.job.endedAt ?? Infinity) >= fromMs).map(({ job, counters: c }) => ({
      jobId: job.id, gtin: job.gtin, batch: job.batch, printed: c.printed, verified: c.verified, rejected: c.rejected, boxes: c.boxes,
      pallets: c.pallets, reported: c.reported, dropped: c.dropped, startedAt: job.startedAt, endedAt: job.endedAt,
    }))
  }

  lastImagePng (): Buffer | null { return this.#png }

  /** Close the open box as if it filled (puts a box on the pallet). */
  closeBoxForTest (): void {
    if (this.#box === null && this.#current !== null) this.#box = { sscc: this.#newSscc(), codes: ['x'] }
    this.#closeBox()
    this.#changed()
  }

  /** Knows the SSCCs of closed boxes (tests use them for reprint/scrap). */
  closedBoxes (): string[] { return [...this.#closedBoxes.keys()] }
  openBoxCodes (): string[] { return [...this.#box?.codes ?? []] }

  close (): void {
    if (this.#timer !== null) clearInterval(this.#timer)
    if (this.#acting !== null) clearTimeout(this.#acting)
    this.#timer = null
    this.#acting = null
  }
}
