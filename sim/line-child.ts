// The controller of a scenario in its own process, as on the line's industrial PC, so the runner can cut its power
// (kill -9) and start it again. `node --import tsx sim/line-child.ts <config.json>`; the runner speaks to it over
// the IPC channel as the HMI would: operator commands and a status snapshot. Env: LC_SIM_CLOCK='<t0>,<real0>,<rate>'
// runs the controller on a simulated clock (t0 + (now − real0) × rate), LC_CHILD_LOG=<file> keeps its debug log.
import { readFileSync } from 'node:fs'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { pino } from 'pino'
import type { Clock } from '../line/clock.ts'
import { validateConfig } from '../line/config/load.ts'
import { silentLogger } from '../line/log.ts'
import { startLine } from '../line/main.ts'
import { DEFAULT_TIMINGS, type LineTimings } from '../line/timings.ts'

export type ChildRequest = { id: number, op: 'command', cmd: string } | { id: number, op: 'status' } | { id: number, op: 'close' }
  | { id: number, op: 'rework', what: ReworkOp, index: number } | { id: number, op: 'settled' }
  | { id: number, op: 'codes', codes: CodesOp }

/**
 * Codes files as the engineer handles them at the panel (docs/codes-files.md): an export for the printing house
 * (the codes become HANDED_OVER), or an import of a file the plant got elsewhere.
 */
export type CodesOp = { what: 'export', gtin: string, count: number, exportId: string }
  | { what: 'import', path: string, gtin: string, group: string, printed?: boolean }

/** A rework the scenario runner asks for (docs/rework.md), on the `index`-th closed box (or pallet). */
export type ReworkOp = 'repack' | 'take-out' | 'return' | 'samples' | 'scrap' | 'pallet'

/** What is not through yet after a rework: units in closed boxes or pallets without their accepted aggregation, defects not dropped. */
export interface Settled { reports: number, boxedNotAggregated: number, notPalletised: number, defects: number }

export interface ChildStatus {
  state: string
  counters: ReturnType<import('../line/runtime.ts').LineRuntime['counters']>
  available: number
  jobId: number | null
  /** Reports in the outbox not yet accepted. */
  pendingReports: number
  alarms: string[]
  mqttConnected: boolean
  /** The controller's event-loop delay over the last full minute of real time (the first minute: so far). */
  loop: LoopDelay
}

export interface LoopDelay { p50Ms: number, p99Ms: number, maxMs: number }

// the soak figure: event-loop delay per real minute, read by the runner with each status
const loopHistogram = monitorEventLoopDelay({ resolution: 1 })
loopHistogram.enable()
const ms = (ns: number): number => Math.round(ns / 1e5) / 10
const readLoop = (): LoopDelay => ({ p50Ms: ms(loopHistogram.percentile(50)), p99Ms: ms(loopHistogram.percentile(99)), maxMs: ms(loopHistogram.max) })
let lastMinute: LoopDelay | null = null
setInterval(() => { lastMinute = readLoop(); loopHistogram.reset() }, 60_000).unref()

const config = validateConfig(JSON.parse(readFileSync(process.argv[2] as string, 'utf8')))
const [t0, real0, rate] = (process.env.LC_SIM_CLOCK ?? '').split(',').map(Number)
const clock: Clock | undefined = rate === undefined || !Number.isFinite(rate) || t0 === undefined || real0 === undefined
  ? undefined
  : { now: () => Math.floor(t0 + (Date.now() - real0) * rate) }
// The timings measured on the controller's clock wait for devices, which answer in real time: scaled by the rate
// they stay the real line's (a 500 ms print confirmation is not 100 ms of real time at 5×).
const timings: Partial<LineTimings> | undefined = clock === undefined || rate === undefined
  ? undefined
  : { printConfirmMs: DEFAULT_TIMINGS.printConfirmMs * rate, settleMs: DEFAULT_TIMINGS.settleMs * rate }
const log = process.env.LC_CHILD_LOG === undefined ? silentLogger() : pino({ level: 'debug' }, pino.destination({ dest: process.env.LC_CHILD_LOG, append: true, sync: true }))
const line = await startLine(config, { log, ...(clock === undefined ? {} : { clock }), ...(timings === undefined ? {} : { timings }), hmiBootstrap: { adminUser: 'admin', adminPassword: 'sim-admin' } })

const pending = line.db.prepare("SELECT count(*) AS n FROM report_outbox WHERE state <> 'ACCEPTED'")
function status (): ChildStatus {
  const s = line.runtime.snapshot()
  return {
    state: s.state.state,
    counters: line.runtime.counters(),
    available: s.pool.available,
    jobId: s.job?.id ?? null,
    pendingReports: (pending.get() as { n: number }).n,
    alarms: [...new Set(s.alarms.map(a => a.code))],
    mqttConnected: line.mqtt.connected,
    loop: lastMinute ?? readLoop(),
  }
}

const settledQueries = {
  reports: line.db.prepare("SELECT count(*) FROM report_outbox WHERE state <> 'ACCEPTED'").pluck(),
  boxedNotAggregated: line.db.prepare(`SELECT count(*) FROM container_items i JOIN containers c ON c.id = i.container_id AND c.state = 'closed' AND c.level = 'box'
    JOIN codes k ON k.id = i.code_id WHERE k.agg_report IS NULL`).pluck(),
  notPalletised: line.db.prepare(`SELECT count(*) FROM containers b JOIN containers p ON p.id = b.parent_id AND p.state = 'closed'
    JOIN container_items i ON i.container_id = b.id JOIN codes k ON k.id = i.code_id WHERE b.state = 'closed' AND k.pallet_report IS NULL`).pluck(),
  defects: line.db.prepare('SELECT count(*) FROM codes WHERE state = 6').pluck(),
}
const settled = (): Settled => ({
  reports: settledQueries.reports.get() as number, boxedNotAggregated: settledQueries.boxedNotAggregated.get() as number,
  notPalletised: settledQueries.notPalletised.get() as number, defects: settledQueries.defects.get() as number,
})

/** The simulated engineer's rework on the `index`-th closed box (or pallet), as the panel would ask for it. */
async function rework (what: ReworkOp, index: number): Promise<unknown> {
  const level = what === 'pallet' ? 'pallet' : 'box'
  const ssccs = line.db.prepare("SELECT sscc FROM containers WHERE level = ? AND state = 'closed' ORDER BY id").pluck().all(level) as string[]
  const sscc = ssccs[index % Math.max(1, ssccs.length)]
  if (sscc === undefined) return { ok: false, reason: { en: `no closed ${level}` } }
  if (what === 'pallet') return await line.rework.reworkPallet({ sscc, rebuild: true }, 'sim-engineer')
  if (what === 'scrap') return await line.runtime.scrapBox(sscc, 'damaged in the warehouse (scenario)', 'sim-engineer')
  const units = line.db.prepare(`SELECT k.identity FROM container_items i JOIN containers c ON c.id = i.container_id JOIN codes k ON k.id = i.code_id
    WHERE c.sscc = ? ORDER BY k.id`).pluck().all(sscc) as string[]
  if (what === 'repack') return await line.rework.reworkBox({ sscc, take: [] }, 'sim-engineer')
  if (what === 'samples') return await line.rework.takeSamples({ codes: units.slice(0, 2), reason: 'QA_SAMPLES' }, 'sim-engineer')
  return await line.rework.reworkBox({ sscc, take: [{ code: units[0] as string, ...(what === 'return' ? { fate: 'return' as const } : { fate: 'drop' as const, reason: 'REMOVED' }) }] }, 'sim-engineer')
}

/** An export's file (what the printing house prints from), or an import's block. */
async function codes (op: CodesOp): Promise<unknown> {
  const files = line.codeFiles
  if (files === null) return { ok: false, reason: { en: 'no codes files with a store in memory' } }
  if (op.what === 'export') {
    const r = await files.exportCodes({ gtin: op.gtin, count: op.count, exportId: op.exportId }, 'sim-engineer')
    return { ok: true, path: r.path, count: r.manifest.count }
  }
  const r = await files.importFile({ path: op.path, gtin: op.gtin, group: op.group, ...(op.printed === true ? { printed: true } : {}) }, 'sim-engineer')
  return { ok: true, blockId: r.blockId, imported: r.imported }
}

process.on('message', (m: ChildRequest) => {
  const reply = (body: unknown): void => { process.send?.({ id: m.id, body }) }
  if (m.op === 'status') reply(status())
  else if (m.op === 'command') line.runtime.command(m.cmd, 'operator').then(reply, err => reply({ ok: false, reason: { en: String(err) } }))
  else if (m.op === 'rework') rework(m.what, m.index).then(reply, err => reply({ ok: false, reason: { en: String(err) } }))
  else if (m.op === 'settled') reply(settled())
  else if (m.op === 'codes') codes(m.codes).then(reply, err => reply({ ok: false, reason: { en: String(err) } }))
  else if (m.op === 'close') line.close().then(() => { reply({ closed: true }); setTimeout(() => process.exit(0), 50) }, () => process.exit(1))
})
// the runner is gone (it crashed or was stopped): nobody will stop this controller, so it stops itself
process.on('disconnect', () => { line.close().then(() => process.exit(0), () => process.exit(1)) })
process.on('SIGTERM', () => { line.close().then(() => process.exit(0), () => process.exit(1)) })
process.send?.({ ready: true, recovered: line.recovered.length })
