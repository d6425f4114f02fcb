// `npm start`: the line controller with its embedded broker and HMI, against a whole simulated line — OMS and
// True API emulators, a Modbus print head, a ZPL box-label printer, an image-mode camera, the PLC and conveyor.
// Ctrl-C stops everything cleanly. `npm start -- <config.yaml>` uses another config.

import { loadConfig } from '../line/config/load.ts'
import { createLogger } from '../line/log.ts'
import { startLine } from '../line/main.ts'
import { OmsEmulator } from './oms/index.ts'
import { startTrueApiEmulator } from './gismt/server.ts'
import { passOmsReportsToTrueApi } from './gismt/from-oms.ts'
import { startCatalogueEmulator } from './catalogue/server.ts'
import { existsSync, rmSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { SimWorld } from './world.ts'

const path = process.argv[2] ?? 'config/demo.yaml'
const log = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', name: 'demo' })

async function main (): Promise<void> {
  const base = loadConfig(path)
  // The emulators keep no state between runs: a store left by an earlier demo would hold codes the new OMS
  // emulator never issued, and every report of them would be refused. The demo starts from a fresh store.
  const storeDir = resolve(dirname(base.store.path))
  if (storeDir.startsWith(resolve('var')) && existsSync(storeDir)) {
    rmSync(storeDir, { recursive: true, force: true })
    log.warn({ storeDir }, 'demo store from an earlier run removed')
  }
  const omsUrl = new URL(base.oms?.url ?? 'http://127.0.0.1:18081')
  const oms = new OmsEmulator({ port: Number(omsUrl.port), host: omsUrl.hostname, clientToken: base.oms?.clientToken ?? 'demo-client-token', omsId: base.oms?.omsId, activationDelayMs: 3000, rateLimitPerSecond: 0 })
  await oms.start()
  const tapiUrl = new URL(base.trueApi?.url ?? 'http://127.0.0.1:18082')
  const trueApi = await startTrueApiEmulator({ port: Number(tapiUrl.port), host: tapiUrl.hostname })
  // GIS MT learns applied codes and OMS aggregates from the OMS
  passOmsReportsToTrueApi(oms, trueApi)
  // the National Catalogue: product cards of the simulated GTINs, synced by the line at start
  const nkUrl = new URL(base.catalogue?.url ?? 'http://127.0.0.1:18083')
  const nk = await startCatalogueEmulator({ port: Number(nkUrl.port), host: nkUrl.hostname, apiKey: base.catalogue?.apiKey ?? 'demo-nk-apikey' })

  const { world, config } = await SimWorld.devices(base, {
    camera: {
      mode: 'image',
      defects: { blur: { p: 0.04, min: 1.5, max: 4 }, noise: { p: 0.05, min: 10, max: 60 }, contrast: { p: 0.03, min: 0.2, max: 0.6 }, occlusion: { p: 0.01, min: 0.2, max: 0.5 } },
      faults: { lateMs: [200, 600] },
    },
  })
  let lastPng: Buffer | null = null
  let lastInfo: { camera: string, seq: number, grade: string, at: number } | null = null
  // The demo's first administrator: admin / admin unless LC_HMI_ADMIN_PASSWORD says otherwise (changed at first login).
  const adminPassword = process.env.LC_HMI_ADMIN_PASSWORD ?? 'admin'
  const line = await startLine(config, {
    log: createLogger({ level: config.log.level === 'info' ? 'warn' : config.log.level, name: `${config.site}/${config.line}` }),
    lastImage: { png: () => lastPng, info: () => lastInfo },
    hmiBootstrap: { adminUser: 'admin', adminPassword },
    // the demo starts from a fresh store on purpose (above)
    acceptNewStore: true,
  })
  await world.attach(config, line.broker?.url ?? String(config.broker.url))
  const cam = world.cameras.get(config.cameras.find(c => c.role === 'unit')?.id ?? '')
  const imageTimer = setInterval(() => {
    cam?.lastImagePng().then(png => { if (png !== null) { lastPng = png; const l = line.runtime.snapshot().lastCodes[0]; lastInfo = { camera: cam.id, seq: l?.seq ?? 0, grade: l?.grade ?? '-', at: Date.now() } } }).catch(() => {})
  }, 1000)

  const hmiUrl = line.hmiUrl.replace('0.0.0.0', 'localhost')
  process.stdout.write(`\nLine controller running: ${config.site}/${config.line}\n  HMI:    ${hmiUrl}  (first login: admin / ${adminPassword}, a new password is asked for)\n  MQTT:   ${line.broker?.url ?? config.broker.url}\n  OMS emulator ${oms.url}, True API emulator ${trueApi.url}, National Catalogue emulator ${nk.url}\nCtrl-C stops everything.\n\n`)

  // The demo presses the PLC's buttons once the pool holds codes: reset, then start.
  const autostart = setInterval(() => {
    const s = line.runtime.snapshot()
    if (s.job === null || s.pool.available < 200) return
    if (s.state.state === 'Stopped' || s.state.state === 'Complete') void world.command(config, 'reset')
    else if (s.state.state === 'Idle') { void world.command(config, 'start'); clearInterval(autostart) }
  }, 1000)
  const status = setInterval(() => {
    const s = line.runtime.snapshot()
    process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${s.state.state.padEnd(9)} printed ${s.counters.printed} verified ${s.counters.verified} rejected ${s.counters.rejected} boxes ${s.counters.boxes} pool ${s.pool.available}\n`)
  }, 10_000)

  let stopping = false
  const stop = async (): Promise<void> => {
    if (stopping) return
    stopping = true
    process.stdout.write('\nstopping…\n')
    for (const t of [imageTimer, autostart, status]) clearInterval(t)
    // In the order a shift engineer would: the PLC stops the line (the controller drains the heads while they are
    // still there, products in flight leave with their verdicts), then the controller closes, then the devices.
    await world.command(config, 'stop').catch(() => {})
    const until = Date.now() + 10_000
    while (!['Stopped', 'Aborted', 'Idle', 'Complete'].includes(line.runtime.snapshot().state.state) && Date.now() < until) {
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    await line.close()
    await world.close()
    await oms.close()
    await trueApi.close()
    await nk.close()
    process.stdout.write('stopped\n')
    process.exit(0)
  }
  process.once('SIGINT', () => { void stop() })
  process.once('SIGTERM', () => { void stop() })
}

main().catch(err => {
  const e = err as { code?: string, message?: string }
  log.error({ err }, 'demo failed')
  process.stderr.write(`${e.code ?? 'ERROR'}: ${e.message ?? String(err)}\n`)
  process.exit(1)
})
