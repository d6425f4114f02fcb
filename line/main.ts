// The composition root: the only place that knows every concrete class. It constructs and connects, nothing more:
// the rules live in the application modules (line/app/) on the line's event bus (docs/architecture.md).
// `startLine(config)` builds one line's controller from its validated config and returns a handle to stop it.
// Run directly: `tsx line/main.ts <config>`.

import { setTimeout as sleep } from 'node:timers/promises'
import type { MqttClient } from 'mqtt'
import { connectMqtt, controllerConnectOptions, embeddedOptions, endMqtt, startBroker, usesEmbeddedBroker, waitConnected, type EmbeddedBroker } from '../broker/index.ts'
import { createPrinter } from '../printers/index.ts'
import type { Printer } from '../printers/types.ts'
import { MqttVerifier } from '../verifiers/mqtt-verifier.ts'
import { AlarmBook } from './alarms/alarms.ts'
import { Aggregator } from './aggregation/aggregator.ts'
import { LabelCheck } from './aggregation/label-check.ts'
import { Cameras } from './app/cameras.ts'
import { lineModes, linkViews, printersByMode, printersByRole } from './app/devices.ts'
import { emissionStatus, followJobDemand } from './app/emission-demand.ts'
import { emissionAlarms, watchFaults, watchStore } from './app/faults.ts'
import { acceptGoodProducts, followProducts } from './app/gate.ts'
import { obeyPlc } from './app/plc-commands.ts'
import { publishToPlc } from './app/plc-publish.ts'
import { ON_ACCEPTED, routeReports, startReporting } from './app/reporting.ts'
import { followSetup } from './app/setup.ts'
import { loadConfigJob, writeOffUncertain } from './app/start-up.ts'
import { ProfileRegistry } from './codes/index.ts'
import { systemClock, type Clock } from './clock.ts'
import { loadConfig } from './config/load.ts'
import { preflight } from './config/preflight.ts'
import type { LineConfig } from './config/schema.ts'
import { LineBus, relayBroker, relayCameras } from './events.ts'
import { JobStore } from './jobs/jobs.ts'
import { Replenisher, detachedSigner, omsClientFromConfig, signedInTokens, sizingFromConfig } from './emission/index.ts'
import { LineLookup } from './lookup/lookup.ts'
import { bootstrapFromEnv, createHmiServer, HmiStore, type BootstrapOptions } from './hmi/index.ts'
import { batchReports, publishBatchReports } from './app/batch-report.ts'
import { batchReportHtml, createErpServer, ErpStore } from './erp/index.ts'
import { ErpQueue } from './erp/queue.ts'
import { TrueApiClient } from './gismt/client.ts'
import { TokenStore } from './gismt/token-store.ts'
import { startPlant } from './app/plant.ts'
import { createSigner } from './signer/index.ts'
import { ReportOutbox } from './reports/outbox.ts'
import { OmsReportSender } from './reports/oms-sender.ts'
import { ReportPlanner } from './reports/planner.ts'
import { ReworkService } from './app/rework.ts'
import { TrueApiDocumentSender } from './reports/true-api-sender.ts'
import type { OmsClient } from './emission/client.ts'
import { createLogger, type Logger } from './log.ts'
import { DirectMode } from './modes/direct.ts'
import { PreappliedMode } from './modes/preapplied.ts'
import { claimedCounter } from './pool/read-only.ts'
import { JobModes } from './modes/by-job.ts'
import type { PlcLink } from './plc/link.ts'
import { ModbusPlc } from './plc/modbus-plc.ts'
import { MqttPlc } from './plc/mqtt-plc.ts'
import { CodePool } from './pool/pool.ts'
import { CodeFiles } from './codefiles/service.ts'
import { LineRuntime } from './runtime.ts'
import { PackmlMachine, type FaultKind } from './state/machine.ts'
import type { Bilingual } from './control.ts'
import { StoreWatch, checkStoreIdentity } from './store/guard.ts'
import { openDatabase, type Db } from './store/open.ts'
import { lineTimings, type LineTimings } from './timings.ts'
import { Feeder } from './tracking/feeder.ts'
import { Tracker } from './tracking/tracker.ts'
import { startL3, type L3Wiring } from './l3/wire.ts'
import { NkClient, ProductCatalogue, ProductStore } from './products/index.ts'
import { LineParameters } from './setup/parameters.ts'
import { SetupService } from './setup/setup.ts'
import { SerialScanner } from './station/serial-scanner.ts'
import { StationService } from './station/station.ts'

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
  /** The product catalogue (line/products). */
  products: ProductCatalogue
  /** Rework of boxes and pallets GIS MT holds (docs/rework.md). */
  rework: ReworkService
  /** Codes files: exports for a printing house, imports (docs/codes-files.md); null for a store in memory. */
  codeFiles: CodeFiles | null
  close(): Promise<void>
}

export interface StartOptions {
  clock?: Clock
  log?: Logger
  /** Optional hooks the demo uses (e.g. last camera image from the simulated camera). */
  lastImage?: { png(): Buffer | null, info(): { camera: string, seq: number, grade: string, at: number } | null }
  /** First administrator of the HMI (default: from LC_HMI_ADMIN_* environment variables, else a password file). */
  hmiBootstrap?: BootstrapOptions
  /** The controller's own timings (line/timings.ts); the defaults suit a real line. */
  timings?: Partial<LineTimings>
  /** Start on a store that is new or not the one this line used (an engineer's decision: `--accept-new-store`). */
  acceptNewStore?: boolean
}

export async function startLine (config: LineConfig, options: StartOptions = {}): Promise<LineHandle> {
  const clock = options.clock ?? systemClock
  const log = options.log ?? createLogger({ level: config.log.level, name: `${config.site}/${config.line}` })
  const timings = lineTimings(options.timings)
  const closers: Array<() => Promise<void> | void> = []
  let l3Feed: L3Wiring | null = null
  const close = async (): Promise<void> => {
    for (const c of closers.reverse()) {
      try { await c() } catch (err) { log.warn({ err }, 'error while closing') }
    }
  }
  try {
    // ports, endpoints and the store path checked before anything is started or ordered, each problem by its key
    await preflight(config)
    const profiles = new ProfileRegistry()
    for (const [group, ais] of Object.entries(config.profiles)) profiles.withOptionalAis(group, ais)

    const db = openDatabase(config.store.path, { synchronous: config.store.synchronous, exclusive: config.store.exclusive })
    closers.push(() => { if (db.open) db.close() })
    // a line that had a store does not start on an empty or foreign one unless an engineer says so
    if (config.store.path !== ':memory:') checkStoreIdentity(db, { storePath: config.store.path, identityFile: config.store.identityFile, acceptNew: options.acceptNewStore === true, now: clock.now() })
    const pool = new CodePool(db, { profiles, clock, minRemainingMs: config.pool.minRemainingValidity })
    closers.push(() => pool.commit.close())
    const alarms = new AlarmBook(db, { clock, log: log.child({ module: 'alarms' }) })
    // reject distance, margin and limits: the panel's set-up values over the config's (docs/setup-mode.md)
    const parameters = new LineParameters({
      db, cameras: config.cameras,
      config: { rejectDistance: config.plc.rejectDistance, rejectMargin: config.plc.rejectMargin, maxConsecutiveRejects: config.plc.maxConsecutiveRejects, maxRejectsPer100: config.plc.maxRejectsPer100 ?? null },
    })
    const rules = parameters.effective()
    // where aggregation reports go, as routeReports decides below: a job whose boxes that API refuses is refused
    const aggregationVia = config.reports.aggregationVia === 'oms' ? (config.oms === undefined ? null : 'oms') : (config.trueApi === undefined ? null : 'true-api')
    // products: every job needs its product's card (docs/catalogue.md); cards come from the National Catalogue when configured
    const productStore = new ProductStore(db, { clock })
    const nk = config.catalogue === undefined
      ? null
      : new NkClient({ url: config.catalogue.url, apiKey: config.catalogue.apiKey, timeoutMs: config.catalogue.timeoutMs, maxResponseBytes: config.catalogue.maxResponseBytes, clock, log: log.child({ module: 'catalogue' }) })
    if (nk !== null) closers.push(() => nk.close())
    const products = new ProductCatalogue({ store: productStore, client: nk, ...(config.catalogue?.gtins === undefined ? {} : { gtins: config.catalogue.gtins }), alarms, clock, log: log.child({ module: 'catalogue' }) })
    const jobs = new JobStore(db, { clock, profiles, aggregationVia, groupOf: gtin => pool.queries.groupOf(gtin), productOf: gtin => productStore.get(gtin), modes: lineModes(config.printers, config.cameras) })
    const bus = new LineBus()
    bus.relay('alarms', alarms, ['alarm'])
    const recovered = writeOffUncertain(pool, alarms)

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
    relayBroker(bus, mqtt)
    // the PLC on the broker (listening before the first CONNACK: the durable session's queued messages arrive right
    // after it), or as the Modbus TCP client of the controller's own server (docs/plc-modbus.md)
    const plcTransport = config.plc.transport
    let plc: PlcLink
    if (plcTransport.kind === 'modbus-tcp') {
      const modbus = new ModbusPlc({ ...plcTransport, log: log.child({ module: 'plc' }), alarms })
      closers.push(() => modbus.close())
      await modbus.listen()
      plc = modbus
    } else {
      plc = new MqttPlc({ client: mqtt, site: config.site, line: config.line, log: log.child({ module: 'plc' }), alarms })
    }
    bus.relay('plc', plc, ['command', 'trigger', 'gate'])
    // an unreachable broker holds the line (a blocker), not the start-up: the panel must come up to say so
    await waitConnected(mqtt, timings.startupWaitMs).catch((err: unknown) => {
      if ((err as { context?: { returnCode?: unknown } }).context?.returnCode != null) throw err // a refused login does not heal
      log.warn({ err }, 'broker not reachable yet; the line waits for it')
    })

    // printers
    const printers = config.printers.map(p => createPrinter(p, { logger: log.child({ printer: p.id }), clock }))
    closers.push(async () => { for (const p of printers) await p.close() })
    const { unit: unitPrinters, label: labelPrinter } = printersByRole(config.printers, printers)
    // never waited for: a printer that is off is an alarm and a device that is not ready, not a start-up that hangs
    for (const p of printers) p.connect().catch(err => log.warn({ err, printer: p.id }, 'printer not reachable yet; reconnecting'))

    const machine = new PackmlMachine({ now: () => clock.now() })
    bus.relay('machine', machine, ['change'])
    const unitCameras = config.cameras.filter(c => c.role === 'unit')
    // the plant-wide duplicate check of pre-applied codes (docs/modes.md)
    let runtimeFault: ((kind: FaultKind, message: Bilingual, source: string) => void) | null = null
    const plant = config.plant === undefined ? null : startPlant({ config: config.plant, site: config.site, line: config.line, db, alarms, clock, log: log.child({ module: 'plant' }), fault: () => runtimeFault })
    if (plant !== null) closers.push(() => plant.close())
    const tracker = new Tracker({
      pool, clock, log: log.child({ module: 'tracker' }), alarms, plc,
      rejectDistance: rules.rejectDistance,
      rejectMargin: rules.rejectMargin,
      resultTimeoutMs: Math.max(...unitCameras.map(c => c.resultTimeoutMs), timings.minResultTimeoutMs),
      printTimeoutMs: timings.printConfirmMs,
      maxConsecutiveRejects: rules.maxConsecutiveRejects,
      maxRejectsPer100: rules.maxRejectsPer100 ?? undefined,
      ...(plant === null ? {} : { plantClaim: (c: { identity: string, jobId: number, seq: number }) => plant.check.claim(c) }),
    })
    bus.relay('tracker', tracker, ['good', 'item', 'fault', 'writtenOff', 'renumbered'])
    // line modes (docs/modes.md): `direct`, the unit heads print the codes the feeder keeps in their buffers; `label`,
    // print-and-apply label printers; each job runs in its own mode, the line's first one when it names none
    const byMode = printersByMode(config.printers, printers)
    const claimedByJob = claimedCounter(db)
    const mode = new JobModes(lineModes(config.printers, config.cameras).map(kind => kind === 'preapplied'
      ? new PreappliedMode({ claimed: claimedByJob, claims: () => tracker.counters.printed })
      : new DirectMode({
        kind, printers: byMode[kind], feeder: new Feeder({ pool, printers: byMode[kind], log: log.child({ module: 'feeder', mode: kind }), alarms }),
      })))
    mode.connect(tracker)
    const aggregator = new Aggregator({ db, pool, clock, log: log.child({ module: 'aggregation' }), alarms, companyPrefix: config.aggregation.companyPrefix, extensionDigit: config.aggregation.extensionDigit, ...(labelPrinter === undefined ? {} : { labelPrinter }) })
    bus.relay('aggregator', aggregator, ['closed', 'change', 'reworked'])

    // emission: keep the pool filled for the active job's GTIN
    let replenisher: Replenisher | null = null
    let omsClient: OmsClient | null = null
    // one True API client: the participant's documents, and the OMS clientToken of the line's OMS connection
    const trueApiClient = config.trueApi === undefined
      ? null
      : new TrueApiClient({ url: config.trueApi.url, signer: createSigner(config.signer), clock, timeoutMs: config.trueApi.timeoutMs, maxRequestsPerSecond: config.trueApi.maxRequestsPerSecond, retries: config.trueApi.retries, retryBaseMs: config.trueApi.retryBaseMs, tokenRefreshBeforeMs: config.trueApi.tokenRefreshBeforeMs, signatureOver: config.trueApi.signatureOver, tokenStore: new TokenStore(db), log: log.child({ module: 'true-api' }) })
    if (config.oms !== undefined) {
      const connection = config.oms.omsConnection
      const client = omsClientFromConfig(config.oms, {
        log: log.child({ module: 'oms' }),
        // OMS guide §9.1.2: the clientToken of the OMS connection, signed in through the True API
        ...(connection !== undefined && connection !== '' && trueApiClient !== null ? { tokens: signedInTokens(trueApiClient.omsTokenProvider(connection)) } : {}),
        ...(config.oms.signRequests ? { signer: detachedSigner(createSigner(config.signer)) } : {}),
      })
      omsClient = client
      closers.push(() => client.close())
      replenisher = new Replenisher({ client, pool, db, clock, profiles, sizing: sizingFromConfig(config.pool), log, onAlarm: emissionAlarms(alarms) })
      closers.push(() => replenisher?.stop())
    }

    // reports: through the outbox, each kind to the API routeReports gives it
    const senders = routeReports({
      oms: omsClient === null ? null : new OmsReportSender({ client: omsClient, participantInn: config.reports.participantInn }),
      trueApi: trueApiClient === null ? null : new TrueApiDocumentSender({ client: trueApiClient, participantInn: config.reports.participantInn }),
      aggregationVia: config.reports.aggregationVia,
    })
    let outbox: ReportOutbox | null = null
    let planner: ReportPlanner | null = null
    if (Object.keys(senders).length > 0) {
      outbox = new ReportOutbox({
        pool, clock, senders, maxCodes: config.reports.maxCodes, windowMs: config.reports.window,
        retryBaseMs: config.reports.retryBaseMs, retryMaxMs: config.reports.retryMaxMs, pollIntervalMs: config.reports.pollIntervalMs, tickMs: config.reports.tickMs,
        onAccepted: ON_ACCEPTED, log: log.child({ module: 'outbox' }),
      })
      bus.relay('outbox', outbox, ['report', 'alarm'])
      planner = new ReportPlanner({
        outbox, pool, log: log.child({ module: 'reports' }),
        aggregation: senders.aggregation !== undefined,
        // the OMS, as GIS MT, refuses the aggregation of a code whose utilisation it has not accepted (processed
        // asynchronously: a code in a utilisation report still open or being processed is not utilised yet)
        aggregationAfterUtilisation: true,
        aggregationVia: config.reports.aggregationVia,
        introduction: senders.introduction !== undefined,
        jobOf: id => jobs.get(id),
        pallets: senders.pallet !== undefined,
        closedPallets: () => aggregator.closedPallets(),
        // the permit on the product's card goes into its introductions (TA §4.1.4.1 certificate_document_data)
        permitOf: gtin => {
          const c = productStore.get(gtin)?.certificate
          return c === undefined || c === null ? null : { type: c.kind, number: c.number, date: c.date }
        },
      })
      closers.push(() => outbox?.stop())
    }

    const verifier = new MqttVerifier({ client: mqtt, site: config.site, line: config.line, clock, logger: log.child({ module: 'verifier' }), cameras: config.cameras.map(c => c.id) })
    closers.push(relayCameras(bus, verifier))
    // box and pallet cameras read the labels after the label printer (docs/verifiers.md)
    const labelLevels = new Set(config.cameras.flatMap(c => c.role === 'unit' ? [] : [c.role]))
    const labelCheck = labelLevels.size === 0
      ? undefined
      : new LabelCheck({ aggregator, levels: labelLevels, labelsPrinted: labelPrinter?.printSscc !== undefined, gtinOf: id => jobs.get(id)?.gtin ?? null, alarms, log: log.child({ module: 'label-check' }) })
    const cameras = new Cameras({
      bus, cameras: config.cameras, tracker, alarms, log: log.child({ module: 'cameras' }),
      ...(labelCheck === undefined ? {} : { labels: labelCheck }),
      fault: (kind, message, source) => runtime.fault(kind, message, source),
      refreshStatus: () => verifier.refreshStatus(),
      refreshMs: timings.cameraStatusRefreshMs,
    })
    const links = linkViews({ broker: { connected: () => mqtt.connected, detail: broker === null ? String(config.broker.url) : broker.url }, plc, cameras })

    // rework of boxes and pallets GIS MT holds (docs/rework.md)
    const rework = new ReworkService({ aggregator, pool, outbox, jobs, bus, log: log.child({ module: 'rework' }) })
    const runtime: LineRuntime = new LineRuntime({
      rework,
      site: config.site, line: config.line, clock, log: log.child({ module: 'runtime' }), bus, pool, alarms, jobs, machine, tracker, mode, aggregator,
      labelPrinter, profiles,
      criticalCodes: config.pool.criticalCodes,
      rejectDistance: rules.rejectDistance,
      gateConfirmation: config.plc.gateConfirmation,
      timings,
      blockers: () => [...links.blockers(), ...(plant?.blockers(jobs.active()?.mode === 'preapplied') ?? [])],
      extraDevices: () => [...links.devices(), ...(plant === null ? [] : [plant.device()])],
      ...(replenisher === null ? {} : { emissionStatus: emissionStatus(replenisher) }),
      ...(options.lastImage === undefined ? {} : { lastImagePng: () => options.lastImage?.png() ?? null, lastImageInfo: () => options.lastImage?.info() ?? null }),
    })
    closers.push(() => runtime.close())
    runtimeFault = (kind, message, source) => runtime.fault(kind, message, source)

    // set-up mode: test prints on the unit printers, the panel's parameters taken at each start of production
    const setup = new SetupService({ printers: unitPrinters, state: () => machine.state, line: config.line, parameters, clock, log: log.child({ module: 'setup' }) })
    followSetup({ bus, runtime, parameters, setup, log: log.child({ module: 'setup' }) })
    watchFaults({ bus, alarms, fault: (kind, message, source) => runtime.fault(kind, message, source) })
    if (planner !== null) {
      closers.push(startReporting({ bus, planner, jobs, groupOf: gtin => pool.queries.groupOf(gtin), log, sweepMs: timings.reportSweepMs }))
      outbox?.start()
    }
    followProducts({ bus, tracker, runtime, pool })
    if (config.plc.failSafe) acceptGoodProducts({ bus, plc, log: log.child({ module: 'plc' }) })
    obeyPlc({ bus, control: runtime, log })
    closers.push(publishToPlc({ bus, plc, counters: () => runtime.counters(), countersMs: timings.countersPublishMs }))

    // subscriptions complete when the broker answers; start-up goes on after a bounded wait either way
    const subscribed = Promise.all([verifier.start(), plc.start()]).then(() => { plc.publishState(machine.snapshot()) })
    subscribed.catch(err => log.error({ err }, 'subscriptions failed'))
    closers.push(() => verifier.stop())
    cameras.start()
    closers.push(() => cameras.stop())
    await Promise.race([subscribed, sleep(timings.startupWaitMs)])
    closers.push(watchStore({ watch: new StoreWatch(db, { path: config.store.path }), intervalMs: timings.storeWatchMs, alarms, fault: (kind, message, source, detail) => runtime.fault(kind, message, source, detail) }))

    await loadConfigJob({ job: config.job, jobs, control: runtime, log, products })
    // never waited for: an unreachable catalogue is an alarm, and the stored cards stay usable
    if (nk !== null && config.catalogue?.syncOnStart === true) {
      const first = products.sync('start-up')
      closers.push(async () => { await nk.close(); await first })
    }
    if (replenisher !== null) followJobDemand({ bus, jobs, replenisher, intervalMs: timings.replenishMs })
    runtime.start()

    if (config.l3.pub !== undefined || config.l3.router !== undefined) {
      const l3 = await startL3({
        pub: config.l3.pub, router: config.l3.router, queueLimit: config.l3.queueLimit, curve: config.l3.curve, fullCodes: config.l3.fullCodes, maxMessagesPerSecond: config.l3.maxMessagesPerSecond,
        line: `${config.site}/${config.line}`, clock, log: log.child({ module: 'l3' }),
        control: runtime, state: () => machine.state, tracker, aggregator, outbox, alarms,
        jobDefaults: { unitsPerMinute: config.job?.unitsPerMinute ?? 300, minGrade: config.job?.minGrade ?? 'C', unitsPerBox: config.job?.unitsPerBox ?? 12, boxesPerPallet: config.job?.boxesPerPallet ?? 40 },
      })
      l3Feed = l3
      closers.push(() => l3.close())
    }

    // exports for printing houses and uploaded files beside the store (docs/codes-files.md)
    const codeFiles = config.store.path === ':memory:' ? undefined : new CodeFiles({ pool, profiles, clock, exportDir: `${config.store.path}.exports`, uploadDir: `${config.store.path}.uploads` })
    // end-of-batch reports: on the L3 feed when a job ends, through the ERP API and the panel on demand
    const erpStore = config.erp === undefined ? null : new ErpStore(db)
    const report = batchReports({ line: `${config.site}/${config.line}`, clock, jobs, pool, aggregator, outbox, audit: new HmiStore(db), erp: erpStore })
    const feed = l3Feed?.publisher ?? null
    if (feed !== null) closers.push(publishBatchReports({ bus, report, publish: r => { feed.publish('batch.report', r) }, log: log.child({ module: 'l3' }) }))
    const erpQueue = erpStore === null ? undefined : new ErpQueue({ store: erpStore, control: runtime, clock })
    if (config.erp !== undefined && erpStore !== null) {
      const erp = createErpServer({
        config: config.erp, db, store: erpStore, jobs, report, clock, log,
        jobDefaults: { unitsPerMinute: config.job?.unitsPerMinute ?? 300, minGrade: config.job?.minGrade ?? 'C', unitsPerBox: config.job?.unitsPerBox ?? 12, boxesPerPallet: config.job?.boxesPerPallet ?? 40 },
      })
      await erp.listen()
      closers.push(() => erp.close())
    }

    // finding boxes, pallets, codes and reports on the panel; a code's status in GIS MT through the reports' True API client
    const lookup = new LineLookup({ containers: aggregator.queries, pool, jobs, profiles, outbox, now: () => clock.now(), cisesInfo: trueApiClient === null ? null : (cises, group) => trueApiClient.cisesInfo(cises, group) })
    // the manual aggregation station (docs/station.md): keyboard-wedge scans through the panel, serial scanners here
    let station: StationService | undefined
    if (config.station !== undefined) {
      const scanners = config.station.scanners.map(sc => new SerialScanner({ ...sc, alarms, log: log.child({ module: 'scanner', scanner: sc.id }) }))
      const service = new StationService({
        aggregator, pool, jobs, profiles, unitsPerBox: config.station.unitsPerBox, clock, log: log.child({ module: 'station' }),
        scanners: () => scanners.map(sc => ({ id: sc.id, online: sc.online })),
      })
      for (const sc of scanners) {
        sc.on('read', text => { service.scan(text, `scanner:${sc.id}`).catch(err => log.error({ err, scanner: sc.id }, 'station scan failed')) })
        sc.on('refused', r => { service.refuseInput(`scanner:${sc.id}`, r.preview).catch(err => log.error({ err, scanner: sc.id }, 'station refusal failed')) })
        sc.start()
        closers.push(() => sc.close())
      }
      station = service
    }

    const hmi = createHmiServer({
      ...(station === undefined ? {} : { station }),
      ...(erpQueue === undefined ? {} : { erpQueue }), lookup,
      batchReportPage: id => { const r = report(id); return r === null ? null : batchReportHtml(r) },
      control: runtime, rework, products, setup, db, log: log.child({ module: 'hmi' }), clock, ...(codeFiles === undefined ? {} : { codeFiles }),
      config: { ...config.hmi, bootstrap: options.hmiBootstrap ?? { passwordFile: `${config.store.path}.hmi-initial-admin.txt`, ...bootstrapFromEnv(process.env) } },
    })
    const hmiUrl = await hmi.listen()
    closers.push(() => hmi.close())
    log.info({ site: config.site, line: config.line, recovered: recovered.length, hmi: hmiUrl }, 'line controller started')
    return { config, runtime, pool, db, log, mqtt, broker, printers, recovered, replenisher, outbox, l3: l3Feed, hmiUrl, products, rework, codeFiles: codeFiles ?? null, close }
  } catch (err) {
    await close()
    throw err
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2)
  const path = args.find(a => !a.startsWith('--')) ?? 'config/line.yaml'
  try {
    const handle = await startLine(loadConfig(path), { acceptNewStore: args.includes('--accept-new-store') })
    const stop = (): void => { handle.close().then(() => process.exit(0), () => process.exit(1)) }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  } catch (err) {
    const e = err as { code?: string, message?: string }
    process.stderr.write(`${e.code ?? 'ERROR'}: ${e.message ?? String(err)}\n`)
    process.exit(1)
  }
}
