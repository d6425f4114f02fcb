// Runs one scenario on the whole simulated line and checks the invariants. The plant is in this process: the
// OMS and True API emulators, an external MQTT broker (sessions in SQLite, so it can restart), the print-head and
// label-printer simulators, cameras and the PLC/conveyor. The controller runs in its own process
// (sim/line-child.ts), so a power cut is a real kill -9 of it, followed by a restart and the operator's reset/start.

import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectMqtt, endMqtt, startBroker, waitConnected, type EmbeddedBroker } from '../../broker/index.ts'
import { ProfileRegistry } from '../../line/codes/index.ts'
import { validateConfig } from '../../line/config/load.ts'
import type { LineConfig } from '../../line/config/schema.ts'
import { CodePool } from '../../line/pool/pool.ts'
import { defaultIdentityFile } from '../../line/store/guard.ts'
import { openDatabase } from '../../line/store/open.ts'
import type { ChildStatus, LoopDelay } from '../line-child.ts'
import { prng } from '../codes/factory.ts'
import { passOmsReportsToTrueApi } from '../gismt/from-oms.ts'
import { startTrueApiEmulator } from '../gismt/server.ts'
import { OmsEmulator } from '../oms/index.ts'
import { freePort } from '../net.ts'
import { SimWorld } from '../world.ts'
import { REJECT_REASONS, VERIFIED_DEFECTS } from '../../line/domain/reasons.ts'
import type { ConveyorStats } from '../line/conveyor.ts'
import { ControllerProcess } from './controller.ts'
import { PrintingHouse, type PlantLine, type PreappliedSummary, type RegisterOwner } from './printing-house.ts'
import type { Scenario, ScenarioFault } from './schema.ts'

const GTIN = '04601653030046'
/** The print-and-apply unit label printer of a `marking: label` scenario. */
const UNIT_LABEL = 'unit-label'

export interface FaultRecord { kind: string, at: number, firedAtProduced: number, observed: Record<string, number | boolean | string> }

/** One spell of Held (Holding included): when, for how long, and the alarms that came with it. */
export interface HoldRecord { atSimulatedMinute: number, realSeconds: number, reasons: string[] }

/** How long the line was Held and why, over the whole run. */
export interface HeldSummary {
  count: number
  realSeconds: number
  /** The same time on the simulated clock. */
  simulatedMinutes: number
  /** Per alarm code present when a hold began: how many holds, and their real seconds. */
  byReason: Record<string, { holds: number, realSeconds: number }>
  /** The longest holds (at most 10). */
  longest: HoldRecord[]
}

/** One soak sample: the controller's memory and event-loop delay at a moment of the run. */
export interface SoakSample { simulatedMinute: number, realMinute: number, rssMb: number | null, loop: LoopDelay }

export interface ScenarioSummary {
  scenario: string
  ci: boolean
  description: string
  outcome: 'complete' | 'failed'
  seconds: number
  clockRate: number
  simulatedMinutes: number
  /**
   * Real minutes per simulated hour, measured by the conveyor's pitches (its own clock-driven steps): 60 / clockRate
   * when everything keeps up. `nominal` is what clockRate promises.
   */
  pace: { realMinutesPerSimulatedHour: number | null, nominal: number, conveyorSimulatedMinutes: number, stalledPitches: number }
  realUnitsPerSecond: number
  held: HeldSummary
  /** The controller's RSS and event-loop delay (last real minute) at the start, middle and end of the run. */
  soak: { start: SoakSample | null, middle: SoakSample | null, end: SoakSample | null, samples: number }
  counters: ChildStatus['counters'] | null
  store: Record<string, number> | undefined
  physical: { produced: number, shipped: number, rejected: number, unmarked: number, prints: number, extraPrints: number, lostTriggers: number }
  oms: { utilised: number, dropped: number, aggregatedUnits: number }
  /** The pre-applied job (marking: preapplied): what the roll put on the packs and why the rejects were rejected. */
  preapplied?: PreappliedSummary
  /** The rework operations after the job (scenarios with `rework:`), and what GIS MT held at the end. */
  rework?: { ops: Array<{ op: string, ok: boolean, reason?: string }>, aggregatesHeld: number, disaggregations: number }
  powerCuts: number
  recoveredUncertain: number
  faults: FaultRecord[]
  alarms: string[]
  violations: string[]
}

/** `h:mm` of a simulated duration. */
function hhmm (ms: number): string {
  const m = Math.floor(ms / 60_000)
  return `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}`
}

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))
async function until (what: string, cond: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms
  while (!(await cond())) { if (Date.now() > end) throw new Error(`timed out waiting for ${what}`); await sleep(50) }
}

/** The fault schedule: the listed faults plus the power cuts at random units, in order of the unit they fire at. */
export function schedule (sc: Scenario): ScenarioFault[] {
  const list = [...sc.faults]
  if (sc.powerCuts !== undefined) {
    const rand = prng(sc.powerCuts.seed)
    // Spread over the products of the job: each cut writes off the codes in the head's buffer (up to its depth),
    // so fewer products than codes are made; the cuts stay clear of that tail.
    const span = Math.max(sc.powerCuts.count, sc.quantity - sc.powerCuts.count * 40)
    for (let i = 0; i < sc.powerCuts.count; i++) list.push({ at: Math.floor(((i + rand()) / sc.powerCuts.count) * span), kind: 'power-cut', for: sc.powerCuts.off })
  }
  return list.sort((a, b) => a.at - b.at)
}

/** A progress line every this much simulated time. */
const PROGRESS_EVERY_MS = 15 * 60_000

export interface RunOptions { keepDir?: boolean, log?: (line: string) => void, progress?: (line: string) => void }

/** The plant around the lines of a run: the emulators, and with several lines their register and print run. */
export interface PlantSide {
  oms: OmsEmulator
  trueApi: Awaited<ReturnType<typeof startTrueApiEmulator>>
  /** The line's name (MQTT topics, reports, the plant register). */
  line: string
  /** Several lines of one plant (sim/scenario/plant.ts): the register, and this line's place in the print run. */
  plant?: { url: string, owners: () => Promise<RegisterOwner>, line: PlantLine, register: { stopAsync(): Promise<void>, startAsync(): Promise<void> } }
}

/** What a plant run checks across its lines, from each line's store and conveyor before they are cleared away. */
export interface LineFacts {
  /** Codes that left the line on packs. */
  shipped: string[]
  /** Identities this line's store holds as good (VERIFIED, AGGREGATED, REPORTED). */
  good: string[]
  /** AGGREGATED + REPORTED codes of the job's GTIN. */
  aggregated: number
}

/** The emulators of a run: their delays are simulated time (an order activates after 500 ms, a report is processed in 200 ms). */
export async function startEmulators (sc: Scenario): Promise<Pick<PlantSide, 'oms' | 'trueApi'>> {
  const realMs = (simMs: number): number => simMs / sc.clockRate
  const oms = new OmsEmulator({ port: 0, clientToken: 'sim-token', activationDelayMs: realMs(500), rateLimitPerSecond: 0, reportProcessingMs: realMs(200) })
  await oms.start()
  const trueApi = await startTrueApiEmulator({ port: 0 })
  // rework: GIS MT must know what the OMS passed on (applied codes), and aggregation goes as its documents
  if (sc.rework !== undefined) passOmsReportsToTrueApi(oms, trueApi)
  return { oms, trueApi }
}

export async function runScenario (sc: Scenario, options: RunOptions = {}): Promise<ScenarioSummary> {
  const { oms, trueApi } = await startEmulators(sc)
  try {
    return (await runLine(sc, { oms, trueApi, line: sc.name }, options)).summary
  } finally {
    await oms.close()
    await trueApi.close()
  }
}

/** One line of a run on its own devices, broker and controller process, against the plant's emulators. */
export async function runLine (sc: Scenario, side: PlantSide, options: RunOptions = {}): Promise<{ summary: ScenarioSummary, facts: LineFacts }> {
  const { oms, trueApi } = side
  const plantLine = side.plant?.line
  const note = options.log ?? (() => {})
  // progress goes to stderr unless the caller takes it: a long run must show it is alive
  const progress = options.progress ?? options.log ?? ((line: string) => { process.stderr.write(`${line}\n`) })
  const dir = mkdtempSync(join(tmpdir(), `sim-${side.line}-`))
  const started = Date.now()
  const rate = sc.clockRate
  const t0 = Date.now()
  const simNow = (): number => Math.floor(t0 + (Date.now() - started) * rate)
  const clockArg = `${t0},${started},${rate}`
  const realMs = (simMs: number): number => simMs / rate

  const rejectDistance = 12
  // pre-applied: the packs come printed from this printing house's roll, whose codes the pool must hold first
  const house = sc.marking === 'preapplied'
    ? new PrintingHouse({ gtin: GTIN, quantity: sc.quantity, rejectDistance, shares: sc.roll ?? { duplicate: 0, foreign: 0, otherGtin: 0, unreadable: 0, blank: 0, seed: 11 }, ...(plantLine === undefined ? {} : { plant: plantLine }) })
    : null
  // a plant's other lines take the print run from the first line's file: they need no codes of their own
  const codesNeeded = plantLine !== undefined && plantLine.index > 0 ? 0 : house?.printRunSize ?? sc.quantity
  const pool = sc.pool ?? { lowWatermarkCodes: codesNeeded + 500, targetCodes: codesNeeded + 1000, lowWatermarkMinutes: 1e-6, targetMinutes: 1e-6 }
  const base = validateConfig({
    site: 'sim', line: side.line,
    store: { path: join(dir, 'line.db'), synchronous: 'FULL' },
    log: { level: 'silent' },
    pool: { ...pool, criticalCodes: 0, minRemainingValidity: 0 },
    oms: { url: oms.url, omsId: oms.omsId, clientToken: 'sim-token' },
    trueApi: { url: trueApi.url },
    // statuses asked for every second, and retries after an outage at most a minute apart (simulated clock)
    reports: { aggregationVia: sc.rework === undefined ? 'oms' : 'true-api', window: 500, pollIntervalMs: 1000, retryBaseMs: 1000, retryMaxMs: 60_000 },
    printers: [
      // pre-applied: nothing on the line prints units (docs/modes.md)
      ...(sc.marking === 'preapplied' ? [] : [sc.marking === 'label'
        ? { id: UNIT_LABEL, driver: 'zpl-label', role: 'unit', applicator: true, transport: { kind: 'tcp', port: 0 }, bufferDepth: 4, statusIntervalMs: 1000 }
        : { id: 'head-1', driver: 'modbus-head', transport: { kind: 'tcp', port: 0 }, bufferDepth: 32, pollIntervalMs: 10 }]),
      { id: 'box-label', driver: 'zpl-label', role: 'box', transport: { kind: 'tcp', port: 0 } },
    ],
    // the camera timeout is on the controller's clock: scaled so that it stays 1.5 s of real time
    cameras: [{ id: 'cam-1', role: 'unit', distance: 2, resultTimeoutMs: Math.round(1500 * rate) }],
    plc: {
      rejectDistance, maxConsecutiveRejects: 6,
      // the heartbeats and their timeout are real time on either side (timers), whatever the clock rate
      transport: sc.plc === 'modbus' ? { kind: 'modbus-tcp', host: '127.0.0.1', port: await freePort() } : { kind: 'mqtt' },
    },
    hmi: { host: '127.0.0.1', port: 0 },
    // several lines: one plant register; a claim may wait up to a second on this shared machine (the pack's
    // deadline, the camera timeout, is 1.5 s); after an outage the register is asked again every second
    ...(side.plant === undefined ? {} : { plant: { url: side.plant.url, timeoutMs: 1000, whenUnreachable: 'hold', retryMs: 1000 } }),
    job: { group: 'water', gtin: GTIN, batch: `SIM-${sc.name}`, productionDate: '2026-11-25', expiryDate: '2027-11-25', quantity: sc.quantity, unitsPerBox: sc.unitsPerBox, boxesPerPallet: sc.boxesPerPallet, minGrade: 'C', unitsPerMinute: sc.unitsPerMinute, ...(sc.marking === 'head' ? {} : { mode: sc.marking }) },
  })
  // a camera's late results are simulated milliseconds too (its timers run in real ones)
  const lateMs = sc.camera.faults?.lateMs
  const camera = lateMs === undefined ? sc.camera : { ...sc.camera, faults: { ...sc.camera.faults, lateMs: [realMs(lateMs[0]), realMs(lateMs[1])] as [number, number] } }
  const { world, config: withDevices } = await SimWorld.devices(base, { camera, now: simNow, ...(house === null ? {} : { roll: house.roll }) })
  const users = [...withDevices.broker.users, { username: 'controller', password: 'controller-sim', role: 'controller' as const }]
  const persistencePath = join(dir, 'broker.db')
  let broker: EmbeddedBroker | null = await startBroker({ site: base.site, line: base.line, port: 0, users, persistencePath })
  const brokerPort = broker.ports.tcp
  const config: LineConfig = { ...withDevices, broker: { ...withDevices.broker, users, url: broker.url, username: 'controller', password: 'controller-sim' } }
  const configPath = join(dir, 'line.json')
  writeFileSync(configPath, JSON.stringify(config))

  const violations: string[] = []
  const faults: FaultRecord[] = []
  let outcome: ScenarioSummary['outcome'] = 'complete'
  let powerCuts = 0
  let recoveredUncertain = 0
  let last: ChildStatus | undefined
  /** When the conveyor went on the clock: the pace is measured from there (start-up is not line time). */
  let conveyorFrom = { real: Date.now(), pitches: 0 }
  let conveyorTo = { real: Date.now(), pitches: 0 }
  const holds: HoldRecord[] = []
  let hold = null as { startedAt: number, rec: HoldRecord } | null
  let prevAlarms: string[] = []
  let nextProgress = simNow() + PROGRESS_EVERY_MS
  const soak: SoakSample[] = []
  const sampleSoak = (s: ChildStatus): SoakSample => {
    const sample = { simulatedMinute: simMinute(), realMinute: Math.round((Date.now() - started) / 6000) / 10, rssMb: ctl.rssMb() ?? null, loop: s.loop }
    soak.push(sample)
    return sample
  }
  const simMinute = (): number => Math.round((simNow() - t0) / 6000) / 10
  /** Held bookkeeping on every status the runner sees. */
  const watchHolds = (s: ChildStatus): void => {
    const held = s.state === 'Held' || s.state === 'Holding'
    if (held && hold === null) {
      // the line's own fault alarms (FAULT_<kind>) say why it held; other alarms new at that moment are context
      const fresh = s.alarms.filter(a => !prevAlarms.includes(a))
      const active = s.alarms.filter(a => a.startsWith('FAULT_'))
      const faults = active.filter(a => fresh.includes(a))
      const reasons = faults.length > 0 ? faults : active.length > 0 ? active : fresh.length > 0 ? fresh : s.alarms
      hold = { startedAt: Date.now(), rec: { atSimulatedMinute: simMinute(), realSeconds: 0, reasons } }
      holds.push(hold.rec)
    } else if (!held && hold !== null) {
      hold.rec.realSeconds = Math.round((Date.now() - hold.startedAt) / 100) / 10
      hold = null
    }
    prevAlarms = s.alarms
  }
  const reworkOps: NonNullable<ScenarioSummary['rework']>['ops'] = []
  let ctl = await ControllerProcess.start(configPath, clockArg)
  const ended: Array<Promise<void>> = []
  try {
    // the conveyor runs at the line's speed on the simulated clock
    const job = config.job!
    await world.attach({ ...config, job: { ...job, unitsPerMinute: job.unitsPerMinute * rate } }, broker.url)
    const cam = world.cameras.get('cam-1')!
    const conveyor = world.conveyor!
    // on the clock, not on a real-time interval: the line speed is per simulated minute
    world.conveyor!.runOnClock(sc.unitsPerMinute, rate)
    conveyorFrom = { real: Date.now(), pitches: world.conveyor!.stats.pitches }
    const poll = async (): Promise<ChildStatus | undefined> => { const s = await ctl.status(); if (s !== undefined) { last = s; watchHolds(s) } return s }
    await until('codes from the OMS emulator', async () => ((await poll())?.available ?? -1) >= Math.min(codesNeeded, 20_000), 120_000)
    note(`pool ready after ${Date.now() - started} ms`)
    if (house !== null) {
      // the codes files for the printing house, before the first pack comes in
      await house.receive(ctl, dir)
      house.watch(conveyor)
      note(`printing house: ${JSON.stringify(house.handedOver)} codes handed over, roll of ${house.rollSize}`)
    }
    if (last !== undefined) sampleSoak(last)

    // the register is the plant's: the first line's runner stops it, once for every line
    const pending = schedule(sc).filter(f => f.kind !== 'register-down' || plantLine?.index === 0)
    const deadline = started + sc.timeoutSeconds * 1000
    let lastCommandAt = 0
    while (true) {
      if (Date.now() > deadline) throw new Error(`job not complete after ${sc.timeoutSeconds} s (state ${last?.state})`)
      if (!ctl.alive) throw new Error(`the controller died on its own: ${ctl.stderr}`)
      const s = await poll()
      if (s === undefined) { await sleep(100); continue }
      if (s.state === 'Complete') break
      if (simNow() >= nextProgress) {
        nextProgress += PROGRESS_EVERY_MS
        const st = conveyor.stats
        const heldS = holds.reduce((n, h) => n + h.realSeconds, 0) + (hold === null ? 0 : (Date.now() - hold.startedAt) / 1000)
        const soakNow = sampleSoak(s)
        progress(`[${sc.name} ${hhmm(simNow() - t0)} simulated, ${Math.round((Date.now() - started) / 60_000)} min real] units ${st.produced}/${sc.quantity} (shipped ${st.shipped}, rejected ${st.rejected}) · verified ${s.counters.verified} · state ${s.state} · holds ${holds.length} (${Math.round(heldS)} s real) · controller RSS ${soakNow.rssMb ?? '?'} MB, event loop p99 ${soakNow.loop.p99Ms} ms · runner RSS ${Math.round(process.memoryUsage().rss / 1048576)} MB`)
      }
      const f = pending[0]
      if (f !== undefined && conveyor.stats.produced >= f.at) {
        pending.shift()
        const rec: FaultRecord = { kind: f.kind, at: f.at, firedAtProduced: conveyor.stats.produced, observed: {} }
        faults.push(rec)
        note(`${Date.now() - started} ms: ${f.kind} at unit ${conveyor.stats.produced} for ${f.for} ms simulated (state ${s.state})`)
        if (f.kind === 'power-cut') {
          // a random moment within the next pitches, not in step with the runner's polling
          await sleep(Math.random() * 60_000 / (sc.unitsPerMinute * rate) * 4)
          const cutAt = Date.now()
          await ctl.kill()
          powerCuts++
          await until('the PLC sees the controller Offline', () => conveyor.lineState === 'Offline', 20_000)
          const offlineMs = Date.now() - cutAt
          await until('the conveyor ran empty', () => conveyor.onConveyor === 0, 20_000)
          await sleep(realMs(f.for))
          const restartAt = Date.now()
          ctl = await ControllerProcess.start(configPath, clockArg)
          recoveredUncertain += ctl.recovered
          rec.observed = { stateAtCut: s.state, recoveredUncertain: ctl.recovered, offlineMs, restartMs: Date.now() - restartAt }
          note(`  ${JSON.stringify(rec.observed)}`)
        } else {
          ended.push(startFault(f, rec))
        }
        continue
      }
      // the simulated operator: resume when the line stops; a refused command is pressed again a little later
      if (Date.now() - lastCommandAt > 300) {
        const cmd = ({ Held: 'unhold', Idle: 'start', Stopped: 'reset', Aborted: 'clear', Suspended: 'unsuspend' } as Record<string, string>)[s.state]
        if (cmd !== undefined) { lastCommandAt = Date.now(); const r = await ctl.command(cmd); note(`${Date.now() - started} ms: ${s.state} → ${cmd}: ${r?.ok === true ? 'ok' : r?.reason?.en}`) }
      }
      await sleep(100)
    }
    conveyorTo = { real: Date.now(), pitches: conveyor.stats.pitches }
    note(`job complete after ${Date.now() - started} ms`)
    for (const f of pending) violations.push(`fault ${f.kind} at unit ${f.at} never fired: the job ended first`)
    await Promise.all(ended)
    await until('the conveyor is empty', () => conveyor.onConveyor === 0, 30_000)
    await until('every report accepted', async () => (await poll())?.pendingReports === 0, 120_000)
      .catch(err => { violations.push(String((err as Error).message)) })
    // the simulated engineer's rework, one operation after the other, each through before the next (docs/rework.md)
    const settle = async (what: string): Promise<void> => {
      // through twice in a row: a report accepted may queue the next one (the new box after its disaggregation)
      let through = 0
      await until(what, async () => {
        const x = await ctl.settled()
        through = x !== undefined && Object.values(x).every(v => v === 0) ? through + 1 : 0
        if (through < 2) await sleep(300)
        return through >= 2
      }, 120_000).catch(async err => { violations.push(`${(err as Error).message}: ${JSON.stringify(await ctl.settled())}`) })
    }
    if (sc.rework !== undefined) await settle('every box and pallet reported before the rework')
    for (const [i, op] of (sc.rework ?? []).entries()) {
      const r = await ctl.rework(op, i)
      reworkOps.push({ op, ok: r?.ok === true, ...(r?.ok === true ? {} : { reason: r?.reason?.en ?? 'no answer' }) })
      note(`${Date.now() - started} ms: rework ${op}: ${r?.ok === true ? 'ok' : r?.reason?.en}`)
      if (r?.ok !== true) { violations.push(`rework ${op} refused: ${r?.reason?.en ?? 'no answer'}`); continue }
      await settle(`rework ${op} through`)
    }
    // the live Reported and Dropped counters follow accepted reports at most once a second (line/timings.ts)
    await sleep(1500)
    last = await poll() ?? last
    if (last !== undefined) sampleSoak(last)
  } catch (err) {
    outcome = 'failed'
    violations.push((err as Error).message)
    // the plant's other lines wait for this line's print run: they must not wait for ever
    plantLine?.run.reject(new Error(`${side.line} failed before its print run: ${(err as Error).message}`))
    await Promise.allSettled(ended)
  }
  await ctl.close()

  /** One fault on the running line: begins now, ends `for` later (simulated time); records what was seen. */
  async function startFault (f: ScenarioFault, rec: FaultRecord): Promise<void> {
    const head = world.heads.get('head-1')!
    const cam = world.cameras.get('cam-1')!
    const until = Date.now() + realMs(f.for)
    const during = async (watch: (s: ChildStatus) => void): Promise<void> => {
      while (Date.now() < until) { const s = await ctl.status(); if (s !== undefined) watch(s); await sleep(100) }
    }
    const holds = (): Promise<void> => during(s => { if (s.state === 'Held' || s.state === 'Holding') rec.observed.held = true })
    switch (f.kind) {
      case 'ink-out': head.setFault('ink-out'); await holds(); head.refillInk(); break
      case 'camera-offline': await cam.setFaults({ offline: true }); await holds(); await cam.setFaults({ offline: false }); break
      case 'camera-ghosts': await cam.setFaults({ ghostRate: 1 }); await holds(); await cam.setFaults({ ghostRate: 0 }); break
      case 'oms-down': case 'true-api-down': case 'internet-down': {
        const omsDown = f.kind !== 'true-api-down'
        const apiDown = f.kind !== 'oms-down'
        // reports taken during the outage (processing is asynchronous: a report taken before may be processed during it)
        const before = oms.received('utilisation')
        if (omsDown) oms.setOutage('drop')
        if (apiDown) trueApi.outage({ mode: '5xx' })
        let maxPending = 0
        const printedBefore = (await ctl.status())?.counters.printed ?? 0
        let printed = printedBefore
        await during(s => { maxPending = Math.max(maxPending, s.pendingReports); printed = s.counters.printed })
        rec.observed = { maxPendingReports: maxPending, printedDuringOutage: printed - printedBefore, utilisedDuringOutage: oms.received('utilisation') - before }
        if (omsDown) oms.setOutage(null)
        if (apiDown) trueApi.outage(undefined)
        break
      }
      case 'broker-restart': {
        await broker?.close()
        broker = null
        let disconnected = false
        await during(s => { if (!s.mqttConnected) disconnected = true })
        broker = await startBroker({ site: base.site, line: base.line, port: brokerPort, users, persistencePath })
        rec.observed = { controllerSawBrokerGone: disconnected }
        break
      }
      case 'lost-confirmation': {
        // the head answers one poll late — 1.5 s of simulated time, short of the driver's 500 ms (real) timeout — so
        // the products under it are given up before their prints are confirmed
        const before = (await ctl.status())?.alarms ?? []
        head.misbehave({ mode: 'delay', ms: Math.min(realMs(1500), 400) }, 1)
        const seen = new Set<string>()
        await during(s => { for (const a of s.alarms) if (!before.includes(a)) seen.add(a) })
        rec.observed = { alarms: [...seen].sort().join(',') }
        break
      }
      case 'extra-print': {
        const code = world.conveyor!.extraPrint()
        rec.observed = { printed: code !== undefined }
        break
      }
      case 'lost-trigger': {
        const seq = world.conveyor!.nextSeq
        world.conveyor!.loseTriggers(1)
        rec.observed = { seq }
        break
      }
      case 'duplicate-result': {
        const dup = cam.stats().duplicates
        await cam.setFaults({ duplicateRate: 1 })
        await during(() => {})
        await cam.setFaults({ duplicateRate: 0 })
        rec.observed = { duplicates: cam.stats().duplicates - dup }
        break
      }
      case 'client-id-collision': {
        // a camera's login under the controller's client id, durable like the controller's session: refused at the
        // broker, and the controller is never disconnected (docs/security.md)
        const clientId = config.broker.clientId ?? `controller-${base.site}-${base.line}`
        const rogue = connectMqtt({ url: config.broker.url as string, username: 'cam-1', password: 'cam-1-sim', clientId, clean: false, reconnectPeriodMs: 0 })
        const refused = await waitConnected(rogue, 3000).then(() => false, () => true)
        await endMqtt(rogue, true)
        let dropped = false
        await during(s => { if (!s.mqttConnected) dropped = true })
        rec.observed = { refused, controllerDropped: dropped }
        break
      }
      case 'plc-counter-reset': {
        const from = world.conveyor!.nextSeq
        world.conveyor!.restartNumbering(1)
        rec.observed = { from }
        break
      }
      case 'forged-trigger': {
        // one trigger a million ahead from the PLC's login (a faulty or compromised PLC program)
        const plc = connectMqtt({ url: config.broker.url as string, username: 'plc', password: 'plc-sim', clientId: `sim-forger-${process.pid}`, reconnectPeriodMs: 0 })
        await waitConnected(plc, 3000)
        const seq = world.conveyor!.nextSeq + 1_000_000
        await plc.publishAsync(`${base.site}/${base.line}/plc/trigger`, JSON.stringify({ seq }), { qos: 1 })
        await endMqtt(plc, true)
        rec.observed = { seq }
        break
      }
      case 'garbage-flood': {
        // garbage on the PLC's and the camera's topics from their own logins
        const plc = connectMqtt({ url: config.broker.url as string, username: 'plc', password: 'plc-sim', clientId: `sim-flood-plc-${process.pid}`, reconnectPeriodMs: 0 })
        const cam = connectMqtt({ url: config.broker.url as string, username: 'cam-1', password: 'cam-1-sim', clientId: `sim-flood-cam-${process.pid}`, reconnectPeriodMs: 0 })
        await Promise.all([waitConnected(plc, 3000), waitConnected(cam, 3000)])
        const garbage = ['{', 'null', '{"seq":"x"}', '{"seq":-1}', '{"cmd":"explode"}', 'A'.repeat(5000), '{"seq":1.5,"rejected":"yes"}']
        let sent = 0
        for (let i = 0; i < 2000; i++) {
          const g = garbage[i % garbage.length] as string
          plc.publish(`${base.site}/${base.line}/plc/${['trigger', 'gate', 'cmd'][i % 3]}`, g, { qos: 0 })
          cam.publish(`${base.site}/${base.line}/cam/cam-1/result`, g, { qos: 0 })
          sent += 2
          if (i % 200 === 0) await sleep(5)
        }
        await sleep(200)
        await Promise.all([endMqtt(plc, true), endMqtt(cam, true)])
        await during(() => {})
        rec.observed = { sent, controllerAlive: ctl.alive }
        break
      }
      case 'upstream-garbage': {
        // the OMS answers garbage and cut-off bodies; the True API answers 5xx
        oms.faults.inject({ kind: 'garbage', times: 5 })
        oms.faults.inject({ kind: 'truncate', times: 5 })
        trueApi.outage({ mode: '5xx' })
        await during(() => {})
        trueApi.outage(undefined)
        rec.observed = { served: (oms.faults.served.garbage ?? 0) + (oms.faults.served.truncate ?? 0) }
        break
      }
      case 'store-fault': {
        // the store file moved away under the running line, then put back
        const moved = `${config.store.path}.moved`
        renameSync(config.store.path, moved)
        let alarmed = false
        await during(s => { if (s.alarms.includes('FAULT_STORE')) alarmed = true; if (s.state === 'Held' || s.state === 'Holding') rec.observed.held = true })
        if (existsSync(moved)) renameSync(moved, config.store.path)
        rec.observed = { ...rec.observed, alarmed }
        break
      }
      case 'register-down': {
        // the plant register's server stopped (not killed: its data stays), started again after `for`
        const register = side.plant?.register
        if (register === undefined) break
        await register.stopAsync()
        let alarmed = false
        await during(s => {
          if (s.state === 'Held' || s.state === 'Holding') rec.observed.held = true
          if (s.alarms.includes('PLANT_UNREACHABLE')) alarmed = true
        })
        await register.startAsync()
        rec.observed = { ...rec.observed, alarmed }
        break
      }
      case 'power-cut': break
    }
  }

  // ---- invariants, from the store the controller left ---------------------------------------------------------
  const db = openDatabase(config.store.path)
  const codes = new CodePool(db, { profiles: new ProfileRegistry() })
  const acc = codes.accounting()
  const st = acc.gtins[GTIN]?.states
  // what was put on the units: the head's prints, or the codes on the applied labels
  // pre-applied: the roll's own codes that went onto packs (its duplicates and strangers are checked by the house)
  const printed = house !== null
    ? house.roll.packs.filter((x, i): x is string => x !== null && ['good', 'unreadable'].includes(house.roll.kinds[i] as string))
    : sc.marking === 'label'
      ? (world.labelPrinters.get(UNIT_LABEL)?.printed ?? []).flatMap(l => l.barcodes.filter(b => b.type === 'datamatrix').map(b => b.data))
      : world.heads.get('head-1')!.printed.map(p => p.code)
  const conv: ConveyorStats = world.conveyor?.stats ?? { produced: 0, shipped: 0, rejected: 0, unmarked: 0, shippedCodes: [], rejectedCodes: [], rejectsUnknown: 0, acceptsLate: 0, pitches: 0, stalledPitches: 0, extraPrints: 0, lostTriggers: 0 }
  const byIdentity = (code: string): ReturnType<CodePool['findByIdentity']> => codes.findByIdentity(code.split('\u001d')[0] as string)
  const check = (ok: boolean, what: string): void => { if (!ok) violations.push(what) }
  check(new Set(printed).size === printed.length, `${printed.length - new Set(printed).size} codes were printed twice`)
  check(acc.balanced, 'imported ≠ sum of states')
  check(st !== undefined && st.SENT === 0 && st.PRINTED === 0, `codes left SENT (${st?.SENT}) or PRINTED (${st?.PRINTED})`)
  check(printed.every(x => byIdentity(x)?.state !== 'AVAILABLE'), 'a printed code went back to the pool')
  // every code is accounted for: printed ones in a state that says what happened to them, physically too
  // units taken out of their boxes after shipping (rework: removed, scrapped, samples) are written off on purpose
  const afterShipping = new Set(['REMOVED', 'SCRAPPED', 'QA_SAMPLES', 'PRODUCT_TESTING', 'DEMO_SAMPLES'])
  const shippedBad = conv.shippedCodes.filter(x => !['VERIFIED', 'AGGREGATED', 'REPORTED'].includes(byIdentity(x)?.state ?? '') && !(sc.rework !== undefined && afterShipping.has(byIdentity(x)?.reason ?? '')))
  const warned = new Set((db.prepare("SELECT source FROM alarms WHERE code IN ('REJECT_MISSED', 'SHIPPED_UNVERIFIED')").all() as Array<{ source: string }>).map(a => a.source))
  const unwarned = shippedBad.filter(x => !warned.has(`plc seq ${byIdentity(x)?.seq}`))
  check(unwarned.length === 0, `${unwarned.length} shipped products carry codes that are not good, without an alarm (seq:state/reason ${unwarned.slice(0, 5).map(x => { const r = byIdentity(x); return `${r?.seq}:${r?.state}/${r?.reason}` }).join(', ')})`)
  // pre-applied: a rejected pack may carry another pack's code (a duplicate) or none of the job's; the house checks
  // that a code a rejected pack claimed was written off
  if (house === null) check(conv.rejectedCodes.every(x => ['DEFECT', 'DROPPED'].includes(byIdentity(x)?.state ?? '')), 'a rejected product carries a good code')
  // the controller's counters against the store
  const jobRow = db.prepare('SELECT id FROM jobs ORDER BY id DESC LIMIT 1').get() as { id: number } | undefined
  const c = last?.counters ?? null
  if (jobRow !== undefined && c !== null) {
    const { states, defects } = codes.jobCounts(jobRow.id)
    const sum = (reasons: readonly string[]): number => reasons.reduce((n, r) => n + (defects[r] ?? 0), 0)
    const verified = states.VERIFIED + states.AGGREGATED + states.REPORTED + sum(VERIFIED_DEFECTS)
    const rejected = sum(REJECT_REASONS)
    const containers = (level: string): number => (db.prepare("SELECT count(*) AS n FROM containers WHERE job_id = ? AND level = ? AND state = 'closed'").get(jobRow.id, level) as { n: number }).n
    const storeCounters = { printed: verified + rejected + states.PRINTED, verified, rejected, boxes: containers('box'), pallets: containers('pallet'), reported: states.REPORTED, dropped: states.DROPPED }
    for (const [k, v] of Object.entries(storeCounters)) check(c[k as keyof typeof storeCounters] === v, `counter ${k} ${c[k as keyof typeof storeCounters]} ≠ store ${v}`)
    check(c.printed === c.verified + c.rejected, `printed ${c.printed} ≠ verified ${c.verified} + rejected ${c.rejected}`)
  } else violations.push('no job or no counters from the controller')
  // reports against the OMS emulator, code for code
  const utilised = new Set(oms.utilised())
  const good = codes.queries.codesIn(['VERIFIED', 'AGGREGATED', 'REPORTED'])
  check(good.every(r => utilised.has(r.code)), `${good.filter(r => !utilised.has(r.code)).length} verified codes missing from the OMS utilisation reports`)
  const dropped = new Set(oms.dropped().map(d => d.code))
  const defects = codes.queries.codesIn(['DEFECT', 'DROPPED'])
  const undropped = defects.filter(r => !dropped.has(r.code))
  const defectCodes = new Set(defects.map(r => r.code))
  const strayDrops = [...dropped].filter(x => !defectCodes.has(x))
  check(undropped.length === 0, `${undropped.length} defect codes missing from the OMS dropout reports (${undropped.slice(0, 3).map(r => { const x = byIdentity(r.code); return `${r.identity.slice(0, 31)} seq ${x?.seq}:${x?.state}/${x?.reason}` }).join(', ')}; dropped in the OMS, not defects in the store: ${strayDrops.slice(0, 3).map(x => x.slice(0, 31)).join(', ')})`)
  const aggregatedUnits = oms.aggregated().reduce((n, u) => n + u.sntins.length, 0)
  let rework: ScenarioSummary['rework']
  if (sc.rework === undefined) {
    // several lines: the OMS holds every line's aggregation, and the plant run compares the sum (sim/scenario/plant.ts)
    if (side.plant === undefined) check(aggregatedUnits === (st?.AGGREGATED ?? 0) + (st?.REPORTED ?? 0), `OMS aggregated ${aggregatedUnits} units, the store ${(st?.AGGREGATED ?? 0) + (st?.REPORTED ?? 0)}`)
  } else {
    // what the True API emulator holds = what the store says: closed boxes with their units, closed pallets with their boxes
    const store = new Map<string, string[]>()
    for (const b of db.prepare("SELECT id, level, sscc FROM containers WHERE state = 'closed'").all() as Array<{ id: number, level: string, sscc: string }>) {
      const members = b.level === 'box'
        ? db.prepare('SELECT k.identity FROM container_items i JOIN codes k ON k.id = i.code_id WHERE i.container_id = ?').pluck().all(b.id) as string[]
        : (db.prepare("SELECT sscc FROM containers WHERE parent_id = ? AND state = 'closed'").pluck().all(b.id) as string[]).map(x => `00${x}`)
      store.set(`00${b.sscc}`, members.sort())
    }
    const held = trueApi.aggregates()
    const missing = [...store.keys()].filter(k => !held.has(k))
    const extra = [...held.keys()].filter(k => !store.has(k))
    const differ = [...store].filter(([k, v]) => held.has(k) && JSON.stringify([...(held.get(k) ?? [])].sort()) !== JSON.stringify(v)).map(([k]) => k)
    check(missing.length + extra.length + differ.length === 0, `GIS MT holds what the store does not say: missing ${missing.slice(0, 3).join(', ')} (${missing.length}), extra ${extra.slice(0, 3).join(', ')} (${extra.length}), different ${differ.slice(0, 3).join(', ')} (${differ.length})`)
    const loose = (db.prepare(`SELECT identity, parent FROM codes WHERE state = 5`).all() as Array<{ identity: string, parent: string | null }>).filter(r => (trueApi.codeInfo(r.identity)?.aggregatedIn ?? null) !== r.parent)
    check(loose.length === 0, `${loose.length} good units sit in GIS MT under another box than the store says`)
    check([...trueApi.receipts.byHash.values()].every(n => n === 1), 'a True API document was created twice')
    rework = { ops: reworkOps, aggregatesHeld: held.size, disaggregations: [...trueApi.docs.values()].filter(d => d.type === 'DISAGGREGATION_DOCUMENT').length }
  }
  // the faults really happened
  if (powerCuts > 0) {
    check(recoveredUncertain > 0, `${powerCuts} power cuts left no code of unknown fate: the cuts did not hit a running line`)
    const uncertain = codes.queries.countWithReason('UNCERTAIN')
    check(uncertain >= recoveredUncertain, `${recoveredUncertain} codes written off at restarts, only ${uncertain} UNCERTAIN in the store`)
  }
  for (const r of faults) {
    if (['ink-out', 'camera-offline', 'camera-ghosts'].includes(r.kind) && r.observed.held !== true) violations.push(`${r.kind} at ${r.at}: the line never held`)
    if (['oms-down', 'internet-down'].includes(r.kind)) {
      if (!((r.observed.maxPendingReports as number) > 0)) violations.push(`${r.kind} at ${r.at}: no report waited in the outbox during the outage`)
      if ((r.observed.utilisedDuringOutage as number) !== 0) violations.push(`${r.kind} at ${r.at}: the OMS received reports during its outage`)
      if (!((r.observed.printedDuringOutage as number) > 0)) violations.push(`${r.kind} at ${r.at}: the line did not print through the outage`)
    }
    if (r.kind === 'broker-restart' && r.observed.controllerSawBrokerGone !== true) violations.push(`broker restart at ${r.at}: the controller never noticed`)
    if (r.kind === 'client-id-collision') {
      if (r.observed.refused !== true) violations.push(`client id collision at ${r.at}: the broker let another login take the controller's id`)
      if (r.observed.controllerDropped === true) violations.push(`client id collision at ${r.at}: the controller was disconnected`)
    }
    if (r.kind === 'garbage-flood' && r.observed.controllerAlive !== true) violations.push(`garbage flood at ${r.at}: the controller died`)
    if (r.kind === 'store-fault' && r.observed.alarmed !== true) violations.push(`store moved away at ${r.at}: no FAULT_STORE alarm`)
    if (r.kind === 'register-down') {
      // plant.whenUnreachable: hold — the line must not accept a pack it could not check
      if (r.observed.alarmed !== true) violations.push(`plant register down at ${r.at}: no PLANT_UNREACHABLE alarm`)
      if (r.observed.held !== true) violations.push(`plant register down at ${r.at}: the line never held`)
    }
  }
  // pre-applied: every pack's verdict is the one its print calls for, no code went out on two packs
  let preapplied: PreappliedSummary | undefined
  if (house !== null) {
    const owners = side.plant === undefined ? undefined : await side.plant.owners().catch((err: unknown) => { violations.push(`the plant register could not be read: ${String(err)}`); return undefined })
    const uncheckedAllowed = sc.faults.some(f => f.kind === 'register-down')
    const r = house.check(byIdentity, c?.rejectsByReason ?? {}, house.handedOver, owners === undefined ? undefined : { line: side.line, owner: owners, uncheckedAllowed })
    violations.push(...r.violations)
    preapplied = r.summary
  }
  const facts: LineFacts = { shipped: conv.shippedCodes, good: good.map(r => r.identity), aggregated: (st?.AGGREGATED ?? 0) + (st?.REPORTED ?? 0) }
  const alarms = (db.prepare('SELECT DISTINCT code FROM alarms').all() as Array<{ code: string }>).map(a => a.code)
  // slips: each was seen and re-aligned, and the write-offs stayed local (before, one slip shifted every later code)
  const slipAlarm: Record<string, string> = { 'extra-print': 'TRACKING_RESYNC', 'lost-trigger': 'TRIGGER_LOST', 'plc-counter-reset': 'TRIGGER_JUMP', 'forged-trigger': 'TRIGGER_JUMP' }
  for (const r of faults) {
    const want = slipAlarm[r.kind]
    if (want !== undefined && !alarms.includes(want)) violations.push(`${r.kind} at ${r.at}: no ${want} alarm, the slip was not re-aligned`)
    if (r.kind === 'extra-print' && r.observed.printed !== true) violations.push(`extra print at ${r.at}: the head had nothing to print`)
    if (r.kind === 'duplicate-result' && !((r.observed.duplicates as number) > 0)) violations.push(`duplicate results at ${r.at}: the camera sent none`)
  }
  const slips = faults.filter(r => ['extra-print', 'lost-confirmation', 'lost-trigger'].includes(r.kind)).length
  if (slips > 0 && (sc.camera.faults?.ghostRate ?? 0) === 0) {
    const wrong = codes.queries.countWithReason('WRONG_CODE')
    // a re-alignment writes off the products between the slip and the camera (a few pitches), never the rest
    const bound = slips * (config.plc.rejectDistance + 4)
    check(wrong <= bound, `${wrong} WRONG_CODE write-offs for ${slips} slips (bound ${bound}): a slip was not contained`)
  }
  db.close()

  const seconds = (Date.now() - started) / 1000
  const open = hold as { startedAt: number, rec: HoldRecord } | null
  if (open !== null) { const h = open; h.rec.realSeconds = Math.round((Date.now() - h.startedAt) / 100) / 10 }
  const byReason: HeldSummary['byReason'] = {}
  for (const h of holds) for (const r of h.reasons.length > 0 ? h.reasons : ['(no alarm)']) { const b = byReason[r] ??= { holds: 0, realSeconds: 0 }; b.holds++; b.realSeconds = Math.round((b.realSeconds + h.realSeconds) * 10) / 10 }
  const heldReal = holds.reduce((n, h) => n + h.realSeconds, 0)
  if (conveyorTo.pitches === 0) conveyorTo = { real: Date.now(), pitches: conv.pitches }
  const conveyorSimMin = (conveyorTo.pitches - conveyorFrom.pitches) / sc.unitsPerMinute
  const conveyorRealMin = (conveyorTo.real - conveyorFrom.real) / 60_000
  const summary: ScenarioSummary = {
    scenario: side.line,
    ci: sc.ci,
    description: sc.description,
    outcome,
    seconds: Math.round(seconds * 10) / 10,
    clockRate: rate,
    simulatedMinutes: Math.round(seconds * rate / 6) / 10,
    pace: {
      realMinutesPerSimulatedHour: conveyorSimMin > 0 ? Math.round(conveyorRealMin / (conveyorSimMin / 60) * 100) / 100 : null,
      nominal: Math.round(60 / rate * 100) / 100,
      conveyorSimulatedMinutes: Math.round(conveyorSimMin * 10) / 10,
      stalledPitches: conv.stalledPitches,
    },
    realUnitsPerSecond: Math.round(conv.produced / seconds * 10) / 10,
    held: {
      count: holds.length,
      realSeconds: Math.round(heldReal * 10) / 10,
      simulatedMinutes: Math.round(heldReal * rate / 6) / 10,
      byReason,
      longest: [...holds].sort((a, b) => b.realSeconds - a.realSeconds).slice(0, 10),
    },
    soak: { start: soak[0] ?? null, middle: soak.length > 2 ? soak[Math.floor(soak.length / 2)] ?? null : null, end: soak.length > 1 ? soak[soak.length - 1] ?? null : null, samples: soak.length },
    counters: c,
    store: st,
    physical: { produced: conv.produced, shipped: conv.shipped, rejected: conv.rejected, unmarked: conv.unmarked, prints: printed.length, extraPrints: conv.extraPrints, lostTriggers: conv.lostTriggers },
    oms: { utilised: utilised.size, dropped: dropped.size, aggregatedUnits },
    ...(preapplied === undefined ? {} : { preapplied }),
    ...(rework === undefined ? {} : { rework }),
    powerCuts,
    recoveredUncertain,
    faults,
    alarms,
    violations,
  }
  await world.close()
  await broker?.close()
  if (options.keepDir !== true) {
    rmSync(dir, { recursive: true, force: true })
    rmSync(defaultIdentityFile(config.store.path), { force: true }) // the store's identity, kept beside its folder
  }
  return { summary, facts }
}
