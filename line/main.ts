// The composition root: the only place that knows every concrete class. `startLine(config)` builds one line's
// controller from its validated config and returns a handle to stop it. Run directly: `tsx line/main.ts <config>`.

import type { MqttClient } from 'mqtt'
import { connectMqtt, controllerConnectOptions, embeddedOptions, endMqtt, startBroker, usesEmbeddedBroker, waitConnected, type EmbeddedBroker } from '../broker/index.ts'
import { createPrinter } from '../printers/index.ts'
import type { Printer } from '../printers/types.ts'
import { MqttVerifier } from '../verifiers/mqtt-verifier.ts'
import type { VerificationResult } from '../verifiers/types.ts'
import { AlarmBook } from './alarms/alarms.ts'
import { Aggregator } from './aggregation/aggregator.ts'
import { ProfileRegistry } from './codes/index.ts'
import { systemClock, type Clock } from './clock.ts'
import { loadConfig } from './config/load.ts'
import type { LineConfig } from './config/schema.ts'
import type { DeviceView } from './control.ts'
import { JobStore } from './jobs/jobs.ts'
import { Replenisher, omsClientFromConfig, sizingFromConfig } from './emission/index.ts'
import { bootstrapFromEnv, createHmiServer, type BootstrapOptions } from './hmi/index.ts'
import { TrueApiClient } from './gismt/client.ts'
import { createSigner } from './signer/index.ts'
import { ReportOutbox } from './reports/outbox.ts'
import { OmsReportSender } from './reports/oms-sender.ts'
import { ReportPlanner } from './reports/planner.ts'
import { TrueApiDocumentSender } from './reports/true-api-sender.ts'
import type { ReportSender } from './reports/sender.ts'
import type { ReportKind } from './pool/pool.ts'
import type { OmsClient } from './emission/client.ts'
import { createLogger, type Logger } from './log.ts'
import { MqttPlc } from './plc/mqtt-plc.ts'
import { CodePool } from './pool/pool.ts'
import { LineRuntime } from './runtime.ts'
import { PackmlMachine } from './state/machine.ts'
import { openDatabase, type Db } from './store/open.ts'
import { Feeder } from './tracking/feeder.ts'
import { Tracker } from './tracking/tracker.ts'
import { startL3, type L3Wiring } from './l3/wire.ts'

export interface LineHandle {
  config: LineConfig
  runtime: LineRuntime
  pool: CodePool
  db: Db
  log: Logger
  mqtt: MqttClient
  broker: EmbeddedBroker | null
  printers: Printer[]
  /** Ids of codes written off as UNCERTAIN at this start (a crash left them SENT). */
  recovered: number[]
  replenisher: Replenisher | null
  outbox: ReportOutbox | null
  /** The L3 feed, when `l3.pub` or `l3.router` is configured. */
  l3: L3Wiring | null
  /** The operator panel's address. */
  hmiUrl: string
  close(): Promise<void>
}

export interface StartOptions {
  clock?: Clock
  log?: Logger
  /** Optional hooks the demo uses (e.g. last camera image from the simulated camera). */
  lastImage?: { png(): Buffer | null, info(): { camera: string, seq: number, grade: string, at: number } | null }
  /** First administrator of the HMI (default: from LC_HMI_ADMIN_* environment variables, else a password file). */
  hmiBootstrap?: BootstrapOptions
}

export async function startLine (config: LineConfig, options: StartOptions = {}): Promise<LineHandle> {
  const clock = options.clock ?? systemClock
  const log = options.log ?? createLogger({ level: config.log.level, name: `${config.site}/${config.line}` })
  const closers: Array<() => Promise<void> | void> = []
  let l3Feed: L3Wiring | null = null
  const close = async (): Promise<void> => {
    for (const c of closers.reverse()) {
      try { await c() } catch (err) { log.warn({ err }, 'error while closing') }
    }
  }
  try {
    const profiles = new ProfileRegistry()
    for (const [group, ais] of Object.entries(config.profiles)) profiles.withOptionalAis(group, ais)

    const db = openDatabase(config.store.path, { synchronous: config.store.synchronous })
    closers.push(() => { if (db.open) db.close() })
    const pool = new CodePool(db, { profiles, clock, minRemainingMs: config.pool.minRemainingValidity })
    closers.push(() => pool.commit.close())
    const alarms = new AlarmBook(db, { clock, log: log.child({ module: 'alarms' }) })
    const jobs = new JobStore(db, { clock, profiles })

    // Codes left SENT by a crash may have been printed: never reuse them (DESIGN §4).
    // (Codes on products between printer and gate keep their state until the PLC's gate confirmations, queued
    // in the broker while the controller was down, say what happened to them; the rest are written off at Reset.)
    const recovered = pool.recoverUncertain()
    if (recovered.length > 0) {
      alarms.raise({ code: 'UNCERTAIN_CODES', severity: 'warning', source: 'pool', message: { ru: `После перезапуска списано кодов с неизвестной судьбой: ${recovered.length}`, en: `${recovered.length} codes of unknown fate written off after restart` }, detail: { count: recovered.length } })
    }

    // broker: embedded unless an external URL is configured
    let broker: EmbeddedBroker | null = null
    if (usesEmbeddedBroker(config.broker)) {
      broker = await startBroker({ ...embeddedOptions(config.broker, config.site, config.line), logger: log.child({ module: 'broker' }) })
      closers.push(() => broker?.close())
    }
    // If the controller dies, the broker publishes this in its place: the PLC stops the infeed and rejects every
    // product still on the conveyor (docs/plc-mqtt.md).
    const will = { topic: `${config.site}/${config.line}/state`, payload: Buffer.from(JSON.stringify({ state: 'Offline', number: -1 })), qos: 1 as const, retain: true }
    const mqtt = connectMqtt({ ...controllerConnectOptions(config.broker, config.site, config.line, broker?.url), will })
    closers.push(() => endMqtt(mqtt, true))
    // listening before the first CONNACK: the durable session's queued messages arrive right after it
    const plc = new MqttPlc({ client: mqtt, site: config.site, line: config.line, log: log.child({ module: 'plc' }), alarms })
    await waitConnected(mqtt)

    // printers
    const printers = config.printers.map(p => createPrinter(p, { logger: log.child({ printer: p.id }), clock }))
    closers.push(async () => { for (const p of printers) await p.close() })
    const unitPrinters = printers.filter((_, i) => { const c = config.printers[i]; return c?.driver === 'modbus-head' || (c?.driver === 'zpl-label' && c.role === 'unit') })
    const labelPrinter = printers.find((_, i) => { const c = config.printers[i]; return c?.driver === 'zpl-label' && c.role !== 'unit' })
    await Promise.all(printers.map(p => p.connect().catch(err => log.warn({ err, printer: p.id }, 'printer not reachable yet; reconnecting'))))

    const machine = new PackmlMachine({ now: () => clock.now() })
    const unitCameras = config.cameras.filter(c => c.role === 'unit')
    const tracker = new Tracker({
      pool, clock, log: log.child({ module: 'tracker' }), alarms, plc,
      rejectDistance: config.plc.rejectDistance,
      rejectMargin: config.plc.rejectMargin,
      resultTimeoutMs: Math.max(...unitCameras.map(c => c.resultTimeoutMs), 1500),
      printTimeoutMs: 500,
      maxConsecutiveRejects: config.plc.maxConsecutiveRejects,
    })
    const feeder = new Feeder({ pool, printers: unitPrinters, log: log.child({ module: 'feeder' }), alarms })
    const aggregator = new Aggregator({ db, pool, clock, log: log.child({ module: 'aggregation' }), alarms, companyPrefix: config.aggregation.companyPrefix, extensionDigit: config.aggregation.extensionDigit, ...(labelPrinter === undefined ? {} : { labelPrinter }) })

    // emission: keep the pool filled for the active job's GTIN
    let replenisher: Replenisher | null = null
    let omsClient: OmsClient | null = null
    if (config.oms !== undefined) {
      const client = omsClientFromConfig(config.oms, { log: log.child({ module: 'oms' }) })
      omsClient = client
      closers.push(() => client.close())
      replenisher = new Replenisher({
        client, pool, db, clock, profiles, sizing: sizingFromConfig(config.pool), log,
        onAlarm: a => alarms.raise({ code: `EMISSION_${a.code}`, severity: a.severity === 'alarm' ? 'fault' : 'warning', source: 'oms', message: a.text, detail: a.context }),
      })
      closers.push(() => replenisher?.stop())
    }

    // reports: utilisation and dropout to the OMS, aggregation to the OMS or the True API (config), via the outbox
    const senders: Partial<Record<ReportKind, ReportSender>> = {}
    if (omsClient !== null) {
      const oms = new OmsReportSender({ client: omsClient, participantInn: config.reports.participantInn })
      senders.utilisation = oms
      senders.dropout = oms
      if (config.reports.aggregationVia === 'oms') { senders.aggregation = oms; senders.pallet = oms }
    }
    if (config.trueApi !== undefined) {
      const trueApi = new TrueApiClient({ url: config.trueApi.url, signer: createSigner(config.signer), clock, timeoutMs: config.trueApi.timeoutMs, maxRequestsPerSecond: config.trueApi.maxRequestsPerSecond, log: log.child({ module: 'true-api' }) })
      const docs = new TrueApiDocumentSender({ client: trueApi, participantInn: config.reports.participantInn })
      if (config.reports.aggregationVia === 'true-api') { senders.aggregation = docs; senders.pallet = docs }
      senders.introduction = docs
    }
    let outbox: ReportOutbox | null = null
    let planner: ReportPlanner | null = null
    if (Object.keys(senders).length > 0) {
      outbox = new ReportOutbox({
        pool, clock, senders, maxCodes: config.reports.maxCodes, windowMs: config.reports.window,
        retryBaseMs: config.reports.retryBaseMs, retryMaxMs: config.reports.retryMaxMs, pollIntervalMs: config.reports.pollIntervalMs, tickMs: config.reports.tickMs,
        // a code is REPORTED once its box's aggregation is accepted (utilisation only links it: the box may still
        // be open); dropped-out codes become DROPPED
        onAccepted: { utilisation: 'none', aggregation: 'REPORTED', dropout: 'DROPPED', introduction: 'none' },
        log: log.child({ module: 'outbox' }),
      })
      outbox.on('alarm', a => alarms.raise({ code: a.code, severity: a.severity === 'error' ? 'fault' : 'warning', source: `report ${a.reportId}`, message: a.text, detail: a.context }))
      planner = new ReportPlanner({
        outbox, pool, log: log.child({ module: 'reports' }),
        aggregation: senders.aggregation !== undefined,
        aggregationAfterUtilisation: config.reports.aggregationVia === 'true-api',
        introduction: senders.introduction !== undefined,
        jobOf: id => jobs.get(id),
        pallets: senders.pallet !== undefined,
        closedPallets: () => (db.prepare(`SELECT p.sscc, p.job_id AS jobId, group_concat(b.sscc) AS boxes FROM containers p JOIN containers b ON b.parent_id = p.id AND b.state = 'closed'
          WHERE p.level = 'pallet' AND p.state = 'closed' GROUP BY p.id ORDER BY p.id`).all() as Array<{ sscc: string, jobId: number, boxes: string }>)
          .map(r => ({ sscc: r.sscc, jobId: r.jobId, boxes: r.boxes.split(',') })),
      })
      const pl = planner
      outbox.on('report', (e: { id: string, kind: string, state: string }) => pl.reportChanged(e))
      closers.push(() => outbox?.stop())
    }

    const cameraOnline = new Map<string, boolean>()
    const verifier = new MqttVerifier({ client: mqtt, site: config.site, line: config.line, clock, logger: log.child({ module: 'verifier' }), cameras: config.cameras.map(c => c.id) })
    const unitCameraIds = new Set(unitCameras.map(c => c.id))

    const runtime = new LineRuntime({
      site: config.site, line: config.line, clock, log: log.child({ module: 'runtime' }), pool, alarms, jobs, machine, tracker, feeder, aggregator,
      unitPrinters, ...(labelPrinter === undefined ? {} : { labelPrinter }),
      criticalCodes: config.pool.criticalCodes,
      rejectDistance: config.plc.rejectDistance,
      gateConfirmation: config.plc.gateConfirmation,
      settleTimeoutMs: 5000,
      blockers: () => [
        ...(mqtt.connected ? [] : [{ ru: 'нет связи с брокером MQTT', en: 'MQTT broker not connected' }]),
        ...unitCameras.filter(c => cameraOnline.get(c.id) === false).map(c => ({ ru: `камера ${c.id} не в сети`, en: `camera ${c.id} offline` })),
      ],
      extraDevices: (): DeviceView[] => [
        { id: 'broker', kind: 'broker', online: mqtt.connected, state: mqtt.connected ? 'ok' : 'fault', detail: broker === null ? String(config.broker.url) : broker.url },
        ...config.cameras.map((c): DeviceView => {
          const on = cameraOnline.get(c.id) ?? false
          return { id: c.id, kind: 'camera', online: on, state: on ? 'ok' : 'offline', detail: c.role }
        }),
        { id: 'plc', kind: 'plc', online: plc.stats.triggers + plc.stats.commands > 0, state: 'ok', detail: `triggers ${plc.stats.triggers}, rejects ${plc.stats.rejects}` },
      ],
      ...(replenisher === null ? {} : {
        emissionStatus: () => {
          const st = (replenisher as Replenisher).status()
          return { ordersInFlight: st.ordersInFlight.length, lastError: st.lastError === null ? null : `${st.lastError.code}: ${st.lastError.message}` }
        },
      }),
      ...(options.lastImage === undefined ? {} : { lastImagePng: () => options.lastImage?.png() ?? null, lastImageInfo: () => options.lastImage?.info() ?? null }),
    })
    closers.push(() => runtime.close())

    verifier.on('result', (r: VerificationResult) => { if (unitCameraIds.has(r.camera)) tracker.onResult(r) })
    verifier.on('invalid', (e: { camera: string | null, error: string }) => {
      alarms.raise({ code: 'CAMERA_PAYLOAD', severity: 'warning', source: e.camera ?? 'camera', message: { ru: `Неверный результат камеры: ${e.error}`, en: `invalid camera result: ${e.error}` } })
    })
    verifier.on('status', (s: { camera: string, online: boolean }) => {
      cameraOnline.set(s.camera, s.online)
      if (!s.online && unitCameraIds.has(s.camera)) runtime.fault('camera', { ru: `Камера ${s.camera} не в сети`, en: `camera ${s.camera} offline` }, s.camera)
      else if (s.online) alarms.clear('FAULT_CAMERA', s.camera)
    })
    for (const p of unitPrinters) {
      p.on('printed', d => tracker.onPrinted(d))
      p.on('missed', m => tracker.onMissed(m))
    }
    if (planner !== null) {
      const pl = planner
      tracker.on('good', (u: { id: number }) => { const job = jobs.active(); if (job !== null) pl.verified(job, [u.id]) })
      tracker.on('item', (e: { codeId: number | null, verdict: string, reason: string | null }) => {
        const job = jobs.active()
        if (e.verdict === 'reject' && e.codeId !== null && job !== null) pl.defect(job.group, [e.codeId], e.reason ?? 'DEFECT')
      })
      runtime.on('defect', (ids: number[]) => { const job = jobs.active(); if (job !== null) pl.defect(job.group, ids, 'DEFECT') })
      tracker.on('writtenOff', (w: { codeIds: number[], reason: string }) => { const job = jobs.active(); if (job !== null) pl.defect(job.group, w.codeIds, w.reason) })
      aggregator.on('closed', (c: { level: string, sscc: string, codeIds: number[], children: string[], jobId: number }) => {
        const job = jobs.get(c.jobId)
        if (c.level === 'box' && job !== null) pl.boxClosed(job, c.codeIds)
        if (c.level === 'pallet' && job !== null) pl.palletClosed(job, c.sscc, c.children)
      })
      // anything a crash, a drain or an operator's scrap left without its report
      const sweep = (): void => {
        const groups = new Map<string, string>()
        pl.sweep(gtin => {
          if (!groups.has(gtin)) {
            const r = db.prepare('SELECT grp FROM blocks WHERE gtin = ? LIMIT 1').get(gtin) as { grp: string } | undefined
            if (r !== undefined) groups.set(gtin, r.grp)
          }
          return groups.get(gtin) ?? null
        }, id => jobs.get(id)).catch(err => log.error({ err }, 'report sweep failed'))
      }
      sweep()
      const sweepTimer = setInterval(sweep, 30_000)
      closers.push(() => clearInterval(sweepTimer))
      outbox?.start()
    }
    plc.on('trigger', (t: { seq: number }) => { tracker.onTrigger(t.seq); runtime.onTrigger(t.seq) })
    plc.on('gate', (g: { seq: number, rejected: boolean }) => {
      runtime.onGate(g.seq, g.rejected)
      // mqtt.js acknowledges this QoS 1 message when the handler returns: commit what it queued (the unit's box
      // membership, or its DEFECT mark) first, so a crash cannot lose a confirmation the broker thinks delivered.
      pool.commit.flush()
    })
    plc.on('command', (cmd: string) => { runtime.command(cmd, 'plc').catch(err => log.error({ err }, 'plc command failed')) })
    machine.on('change', s => plc.publishState(s))
    alarms.on('alarm', a => plc.publishAlarm(a))
    mqtt.on('offline', () => runtime.fault('broker', { ru: 'Нет связи с брокером MQTT', en: 'MQTT broker connection lost' }, 'broker'))
    mqtt.on('connect', () => alarms.clear('FAULT_BROKER', 'broker'))
    const counterTimer = setInterval(() => plc.publishCounters(runtime.counters()), 1000)
    closers.push(() => clearInterval(counterTimer))

    await verifier.start()
    closers.push(() => verifier.stop())
    // while a unit camera is believed offline, re-read the retained camera status every few seconds
    const statusTimer = setInterval(() => {
      if (unitCameras.some(c => cameraOnline.get(c.id) === false)) verifier.refreshStatus().catch(err => log.warn({ err }, 'camera status refresh failed'))
    }, 3000)
    closers.push(() => clearInterval(statusTimer))
    await plc.start()
    plc.publishState(machine.snapshot())

    // a job from the config is loaded when no job is active
    if (config.job !== undefined && jobs.active() === null) {
      const r = await runtime.startJob(config.job, 'config')
      if (!r.ok) log.warn({ reason: r.reason.en }, 'job from config refused')
    }
    if (replenisher !== null) {
      const r = replenisher
      const demand = (): void => {
        const job = jobs.active()
        r.setDemand(job === null ? [] : [{ gtin: job.gtin, group: job.group, unitsPerMinute: job.unitsPerMinute }])
      }
      demand()
      runtime.on('job', demand)
      r.start(1000)
      void r.tick()
    }
    runtime.start()

    if (config.l3.pub !== undefined || config.l3.router !== undefined) {
      const l3 = await startL3({
        pub: config.l3.pub, router: config.l3.router, queueLimit: config.l3.queueLimit,
        line: `${config.site}/${config.line}`, clock, log: log.child({ module: 'l3' }),
        control: runtime, tracker, aggregator, outbox, alarms,
        jobDefaults: { unitsPerMinute: config.job?.unitsPerMinute ?? 300, minGrade: config.job?.minGrade ?? 'C', unitsPerBox: config.job?.unitsPerBox ?? 12, boxesPerPallet: config.job?.boxesPerPallet ?? 40 },
      })
      l3Feed = l3
      closers.push(() => l3.close())
    }

    const hmi = createHmiServer({
      control: runtime, db, log: log.child({ module: 'hmi' }), clock,
      config: { ...config.hmi, bootstrap: options.hmiBootstrap ?? { passwordFile: `${config.store.path}.hmi-initial-admin.txt`, ...bootstrapFromEnv(process.env) } },
    })
    const hmiUrl = await hmi.listen()
    closers.push(() => hmi.close())
    log.info({ site: config.site, line: config.line, recovered: recovered.length, hmi: hmiUrl }, 'line controller started')
    return { config, runtime, pool, db, log, mqtt, broker, printers, recovered, replenisher, outbox, l3: l3Feed, hmiUrl, close }
  } catch (err) {
    await close()
    throw err
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = process.argv[2] ?? 'config/line.yaml'
  try {
    const handle = await startLine(loadConfig(path))
    const stop = (): void => { handle.close().then(() => process.exit(0), () => process.exit(1)) }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  } catch (err) {
    const e = err as { code?: string, message?: string }
    process.stderr.write(`${e.code ?? 'ERROR'}: ${e.message ?? String(err)}\n`)
    process.exit(1)
  }
}
