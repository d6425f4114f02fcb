// `npm run sim -- <scenario>`: runs sim/scenarios/<scenario>.yaml on the whole simulated line, headless, and prints
// a JSON summary. Exits 1 when an invariant breaks: a code printed twice, a code unaccounted for, counters that
// disagree with the store, a product whose code state contradicts what physically happened to it, or reports
// that do not match what the emulators received.

import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { z } from 'zod'
import { ProfileRegistry } from '../line/codes/index.ts'
import { validateConfig } from '../line/config/load.ts'
import { silentLogger } from '../line/log.ts'
import { startLine } from '../line/main.ts'
import { cameraScenarioSchema } from './camera/scenario.ts'
import { startTrueApiEmulator } from './gismt/server.ts'
import { OmsEmulator } from './oms/index.ts'
import { SimWorld } from './world.ts'

const here = dirname(fileURLToPath(import.meta.url))
const scenarioSchema = z.strictObject({
  description: z.string(),
  unitsPerMinute: z.number().positive(),
  quantity: z.int().min(1),
  unitsPerBox: z.int().min(0),
  boxesPerPallet: z.int().min(0),
  camera: cameraScenarioSchema,
  faults: z.array(z.strictObject({ at: z.int().min(0), kind: z.enum(['ink-out', 'camera-offline', 'camera-ghosts']), seconds: z.number().positive() })),
  timeoutSeconds: z.number().positive(),
})

const name = process.argv[2]
const available = readdirSync(join(here, 'scenarios')).filter(f => f.endsWith('.yaml')).map(f => f.slice(0, -5))
if (name === undefined || !available.includes(name)) {
  process.stderr.write(`usage: npm run sim -- <scenario>; scenarios: ${available.join(', ')}\n`)
  process.exit(2)
}
const sc = scenarioSchema.parse(parse(readFileSync(join(here, 'scenarios', `${name}.yaml`), 'utf8')))
const GTIN = '04601653030046'
const dir = mkdtempSync(join(tmpdir(), `sim-${name}-`))
const started = Date.now()
const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))
async function until (what: string, cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) { if (Date.now() > end) throw new Error(`timed out waiting for ${what}`); await sleep(20) }
}

const oms = new OmsEmulator({ port: 0, clientToken: 'sim-token', activationDelayMs: 500, rateLimitPerSecond: 0, reportProcessingMs: 200 })
await oms.start()
const trueApi = await startTrueApiEmulator({ port: 0 })
const base = validateConfig({
  site: 'sim', line: name,
  store: { path: join(dir, 'line.db'), synchronous: 'FULL' },
  log: { level: 'silent' },
  broker: { port: 0, persistence: join(dir, 'broker.db') },
  pool: { lowWatermarkCodes: sc.quantity + 500, targetCodes: sc.quantity + 1000, criticalCodes: 0, minRemainingValidity: 0 },
  oms: { url: oms.url, omsId: oms.omsId, clientToken: 'sim-token' },
  trueApi: { url: trueApi.url },
  reports: { aggregationVia: 'oms', window: 500 },
  printers: [
    { id: 'head-1', driver: 'modbus-head', transport: { kind: 'tcp', port: 0 }, bufferDepth: 32, pollIntervalMs: 10 },
    { id: 'box-label', driver: 'zpl-label', role: 'box', transport: { kind: 'tcp', port: 0 } },
  ],
  cameras: [{ id: 'cam-1', role: 'unit', distance: 2, resultTimeoutMs: 1500 }],
  plc: { rejectDistance: 20, maxConsecutiveRejects: 6 },
  hmi: { host: '127.0.0.1', port: 0 },
  job: { group: 'water', gtin: GTIN, batch: `SIM-${name}`, productionDate: '2026-11-25', expiryDate: '2027-11-25', quantity: sc.quantity, unitsPerBox: sc.unitsPerBox, boxesPerPallet: sc.boxesPerPallet, minGrade: 'C', unitsPerMinute: sc.unitsPerMinute },
})
const { world, config } = await SimWorld.devices(base, { camera: sc.camera })
const line = await startLine(config, { log: silentLogger(), hmiBootstrap: { adminUser: 'admin', adminPassword: 'sim-admin' } })
const violations: string[] = []
let outcome = 'complete'
try {
  await world.attach(config, line.broker?.url ?? '')
  const rt = line.runtime
  const state = (): string => rt.snapshot().state.state
  await until('codes from the OMS emulator', () => rt.snapshot().pool.available >= sc.quantity, 60_000)
  await rt.command('reset', 'sim')
  await until('Idle', () => state() === 'Idle', 20_000)
  await rt.command('start', 'sim')
  const head = world.heads.get('head-1')!
  const cam = world.cameras.get('cam-1')!
  const pending = [...sc.faults].sort((a, b) => a.at - b.at)
  const deadline = Date.now() + sc.timeoutSeconds * 1000
  while (state() !== 'Complete') {
    if (Date.now() > deadline) throw new Error(`job not complete after ${sc.timeoutSeconds} s (state ${state()})`)
    const f = pending[0]
    if (f !== undefined && rt.counters().printed >= f.at) {
      pending.shift()
      if (f.kind === 'ink-out') head.setFault('ink-out')
      if (f.kind === 'camera-offline') await cam.setFaults({ offline: true })
      if (f.kind === 'camera-ghosts') await cam.setFaults({ ghostRate: 1 })
      await sleep(f.seconds * 1000)
      if (f.kind === 'ink-out') head.refillInk()
      if (f.kind === 'camera-offline') await cam.setFaults({ offline: false })
      if (f.kind === 'camera-ghosts') await cam.setFaults({ ghostRate: 0 })
    }
    // the simulated operator: once the fault is gone, resume (a refused command is simply tried again)
    if (state() === 'Held') await rt.command('unhold', 'operator')
    if (state() === 'Idle') await rt.command('start', 'operator')
    if (state() === 'Stopped' || state() === 'Aborted') await rt.command(state() === 'Aborted' ? 'clear' : 'reset', 'operator')
    await sleep(100)
  }
  await until('the conveyor is empty', () => world.conveyor!.onConveyor === 0, 20_000)
  await until('every report accepted', () => {
    const rows = line.db.prepare("SELECT count(*) AS n FROM report_outbox WHERE state NOT IN ('ACCEPTED')").get() as { n: number }
    return rows.n === 0
  }, 60_000).catch(err => { violations.push(String(err.message)) })
} catch (err) {
  outcome = 'failed'
  violations.push((err as Error).message)
}

// ---- invariants --------------------------------------------------------------------------------------------
const pool = line.pool
const acc = pool.accounting()
const st = acc.gtins[GTIN]?.states
const c = line.runtime.counters()
const head = world.heads.get('head-1')!
const printed = head.printed.map(p => p.code)
const conv = world.conveyor!.stats
const stateOf = (code: string): string | undefined => pool.findByIdentity(code.split('\u001d')[0] as string)?.state
const check = (ok: boolean, what: string): void => { if (!ok) violations.push(what) }
check(new Set(printed).size === printed.length, 'a code was printed twice')
check(acc.balanced, 'imported ≠ sum of states')
check(st !== undefined && st.SENT === 0 && st.PRINTED === 0, 'codes left SENT or PRINTED')
check(c.printed === c.verified + c.rejected, `printed ${c.printed} ≠ verified ${c.verified} + rejected ${c.rejected}`)
const shippedBad = conv.shippedCodes.filter(x => !['VERIFIED', 'AGGREGATED', 'REPORTED'].includes(stateOf(x) ?? ''))
const warned = new Set(line.runtime.snapshot().alarms.filter(a => a.code === 'REJECT_MISSED' || a.code === 'SHIPPED_UNVERIFIED').map(a => a.source))
check(shippedBad.every(x => warned.has(`plc seq ${pool.findByIdentity(x.split('\u001d')[0] as string)?.seq}`)), `${shippedBad.length} shipped products carry codes that are not good, without an alarm`)
check(conv.rejectedCodes.every(x => ['DEFECT', 'DROPPED'].includes(stateOf(x) ?? '')), 'a rejected product carries a good code')
// reports against the OMS emulator, code for code
const utilised = new Set(oms.utilised())
const good = line.db.prepare('SELECT code FROM codes WHERE state IN (3, 4, 5)').all() as Array<{ code: string }>
check(good.every(r => utilised.has(r.code)), `${good.filter(r => !utilised.has(r.code)).length} verified codes missing from the OMS utilisation reports`)
const dropped = new Set(oms.dropped().map(d => d.code))
const defects = line.db.prepare('SELECT code FROM codes WHERE state IN (6, 7)').all() as Array<{ code: string }>
check(defects.every(r => dropped.has(r.code)), `${defects.filter(r => !dropped.has(r.code)).length} defect codes missing from the OMS dropout reports`)
const aggregatedUnits = oms.aggregated().reduce((n, u) => n + u.sntins.length, 0)
check(aggregatedUnits === (st?.AGGREGATED ?? 0) + (st?.REPORTED ?? 0), `OMS aggregated ${aggregatedUnits} units, the store ${(st?.AGGREGATED ?? 0) + (st?.REPORTED ?? 0)}`)

const summary = {
  scenario: name,
  description: sc.description,
  outcome,
  seconds: Math.round((Date.now() - started) / 100) / 10,
  counters: c,
  store: st,
  physical: { produced: conv.produced, shipped: conv.shipped, rejected: conv.rejected, unmarked: conv.unmarked, prints: printed.length },
  oms: { utilised: utilised.size, dropped: dropped.size, aggregatedUnits },
  alarms: [...new Set(line.runtime.snapshot().alarms.map(a => a.code))],
  violations,
}
process.stdout.write(JSON.stringify(summary, null, 2) + '\n')
await world.close()
await line.close()
await oms.close()
await trueApi.close()
rmSync(dir, { recursive: true, force: true })
process.exit(violations.length === 0 ? 0 : 1)
