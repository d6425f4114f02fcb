// The controller of a scenario in its own process, as on the line's industrial PC, so the runner can cut its power
// (kill -9) and start it again. `node --import tsx sim/line-child.ts <config.json>`; the runner speaks to it over
// the IPC channel as the HMI would: operator commands and a status snapshot. Env: LC_SIM_CLOCK='<t0>,<real0>,<rate>'
// runs the controller on a simulated clock (t0 + (now − real0) × rate), LC_CHILD_LOG=<file> keeps its debug log.
import { readFileSync } from 'node:fs'
import { pino } from 'pino'
import type { Clock } from '../line/clock.ts'
import { validateConfig } from '../line/config/load.ts'
import { silentLogger } from '../line/log.ts'
import { startLine } from '../line/main.ts'

export type ChildRequest = { id: number, op: 'command', cmd: string } | { id: number, op: 'status' } | { id: number, op: 'close' }

export interface ChildStatus {
  state: string
  counters: ReturnType<import('../line/runtime.ts').LineRuntime['counters']>
  available: number
  jobId: number | null
  /** Reports in the outbox not yet accepted. */
  pendingReports: number
  alarms: string[]
  mqttConnected: boolean
}

const config = validateConfig(JSON.parse(readFileSync(process.argv[2] as string, 'utf8')))
const [t0, real0, rate] = (process.env.LC_SIM_CLOCK ?? '').split(',').map(Number)
const clock: Clock | undefined = rate === undefined || !Number.isFinite(rate) || t0 === undefined || real0 === undefined
  ? undefined
  : { now: () => Math.floor(t0 + (Date.now() - real0) * rate) }
const log = process.env.LC_CHILD_LOG === undefined ? silentLogger() : pino({ level: 'debug' }, pino.destination({ dest: process.env.LC_CHILD_LOG, append: true, sync: true }))
const line = await startLine(config, { log, ...(clock === undefined ? {} : { clock }), hmiBootstrap: { adminUser: 'admin', adminPassword: 'sim-admin' } })

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
  }
}

process.on('message', (m: ChildRequest) => {
  const reply = (body: unknown): void => { process.send?.({ id: m.id, body }) }
  if (m.op === 'status') reply(status())
  else if (m.op === 'command') line.runtime.command(m.cmd, 'operator').then(reply, err => reply({ ok: false, reason: { en: String(err) } }))
  else if (m.op === 'close') line.close().then(() => { reply({ closed: true }); setTimeout(() => process.exit(0), 50) }, () => process.exit(1))
})
// the runner is gone (it crashed or was stopped): nobody will stop this controller, so it stops itself
process.on('disconnect', () => { line.close().then(() => process.exit(0), () => process.exit(1)) })
process.on('SIGTERM', () => { line.close().then(() => process.exit(0), () => process.exit(1)) })
process.send?.({ ready: true, recovered: line.recovered.length })
