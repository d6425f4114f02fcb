// N whole lines on one external Mosquitto: each line is its own process (a controller from startLine() with its
// simulated head, label printer, fast camera and PLC/conveyor), all on one broker with a login and an ACL per line.
// The conveyors step through speeds; per step: items/s achieved vs configured, trigger→dispatch latency (the PLC's
// photocell timestamp → the item's code committed PRINTED, through the broker and the Modbus head), trigger
// delivery through the broker, broker CPU and messages/s, per-process CPU, RSS and event-loop delay.
//
// Environment: PERF_SCALING_LINES (4), PERF_SCALING_STEPS (units/min per line, "300,600,1000,1500,2500,4000,6000"),
// PERF_SCALING_SECONDS (measured seconds per step, 4). Run as `npm run perf -- scaling` (or, without npm,
// `node --import tsx perf/run.ts scaling`); skipped without `mosquitto`. docs/scaling.md has the figures.

import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import type { MqttClient } from 'mqtt'
import { connectMqtt, endMqtt, waitConnected } from '../../broker/index.ts'
import { ROLE_RULES, type Role } from '../../broker/acl.ts'
import { percentile, round, summarize, type Bench, type Figures } from '../lib.ts'
import { freePort, portOpen } from '../../sim/net.ts'

const SITE = 'perf-plant'
const GTIN = '04601653030046'
const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..')

// ---- messages between the bench and a line process -------------------------------------------------------------

interface LineSpec { line: string, dir: string, brokerUrl: string, password: string, camera: string, codes: number, unitsPerMinute: number }
type ToLine = { kind: 'speed', unitsPerMinute: number } | { kind: 'mark' } | { kind: 'report' } | { kind: 'stop' }
interface LineReport {
  line: string
  seconds: number
  produced: number
  verified: number
  rejected: number
  /** Milliseconds of the window the line was not in Execute (a fault held it). */
  notExecuteMs: number
  state: string
  dispatch: number[]
  /** PLC trigger timestamp → the controller's MQTT client has it (QoS 0). */
  delivery: number[]
  /** Camera result timestamp → the controller's MQTT client has it (QoS 1). */
  resultDelivery: number[]
  cpuPct: number
  rssMb: number
  eldP99Ms: number
  /** Longest a conveyor step ran after its scheduled time: how late this process saw its own products. */
  plcLagMaxMs: number
  rejectsByReason: Record<string, number>
  /** Alarm codes listed at some moment of the window that were not listed when it began. */
  alarms: string[]
}
type FromLine = { kind: 'ready' } | { kind: 'ok' } | { kind: 'report', report: LineReport } | { kind: 'error', message: string }

// ---- one line: runs in its own process -----------------------------------------------------------------------------

async function lineProcess (spec: LineSpec): Promise<void> {
  const send = (m: FromLine): void => { process.send?.(m) }
  const { validateConfig } = await import('../../line/config/load.ts')
  const { silentLogger } = await import('../../line/log.ts')
  const { startLine } = await import('../../line/main.ts')
  const { ProfileRegistry } = await import('../../line/codes/index.ts')
  const { CodeFactory } = await import('../../sim/codes/factory.ts')
  const { SimWorld } = await import('../../sim/world.ts')

  const base = validateConfig({
    site: SITE, line: spec.line,
    store: { path: join(spec.dir, 'line.db'), synchronous: 'FULL' },
    log: { level: 'silent' },
    broker: { url: spec.brokerUrl, username: `${spec.line}-controller`, password: spec.password },
    printers: [
      { id: 'head-1', driver: 'modbus-head', transport: { kind: 'tcp', port: 0 }, bufferDepth: 64 },
      { id: 'box-label', driver: 'zpl-label', role: 'box', transport: { kind: 'tcp', port: 0 } },
    ],
    cameras: [{ id: spec.camera, role: 'unit', distance: 2, resultTimeoutMs: 1500 }],
    plc: { rejectDistance: 20, maxConsecutiveRejects: 50 },
    hmi: { host: '127.0.0.1', port: 0 },
    pool: { criticalCodes: 0, minRemainingValidity: 0 },
    job: { group: 'water', gtin: GTIN, batch: `PERF-${spec.line}`, productionDate: '2026-11-25', expiryDate: '2027-11-25', quantity: spec.codes, unitsPerBox: 12, boxesPerPallet: 40, minGrade: 'C', unitsPerMinute: spec.unitsPerMinute },
  })
  // A real PLC's encoder does not slow down when the PC is busy: the conveyor steps on a schedule of its own (below)
  // and each trigger carries the time its product reached the photocell, however late this process runs the step.
  let stepAt: number | null = null
  const now = (): number => stepAt ?? Date.now()
  const { world, config } = await SimWorld.devices(base, { camera: { mode: 'fast' }, seed: Number(spec.line.replace(/\D/g, '')) || 1, now })
  const line = await startLine(config, { log: silentLogger(), hmiBootstrap: { adminUser: 'admin', adminPassword: 'perf-admin-pw' } })
  const profiles = new ProfileRegistry()
  line.pool.importBlockSync({ blockId: `perf-${spec.line}`, gtin: GTIN, group: 'water', expiresAt: Date.now() + 30 * 86_400_000, codes: new CodeFactory(Number(spec.line.replace(/\D/g, '')) + 7).raw(profiles.get('water'), GTIN, spec.codes) })

  // trigger → PRINTED committed: the PLC stamps the trigger at the photocell; the tracker commits PRINTED with its seq
  const triggerTs = new Map<number, number>()
  let dispatch: number[] = []
  let delivery: number[] = []
  let resultDelivery: number[] = []
  const triggerTopic = `${SITE}/${spec.line}/plc/trigger`
  const resultTopic = `${SITE}/${spec.line}/cam/${spec.camera}/result`
  line.mqtt.on('message', (topic, payload) => {
    if (topic !== triggerTopic && topic !== resultTopic) return
    try {
      const t = JSON.parse(payload.toString()) as { seq: number, ts: number }
      if (topic === resultTopic) { resultDelivery.push(Date.now() - t.ts); return }
      triggerTs.set(t.seq, t.ts)
      delivery.push(Date.now() - t.ts)
    } catch { /* the controller alarms on it; not ours to measure */ }
  })
  const pool = line.pool
  const markPrinted = pool.markPrinted.bind(pool)
  pool.markPrinted = (ids, seq) => {
    const p = markPrinted(ids, seq)
    if (seq !== undefined) {
      const ts = triggerTs.get(seq)
      triggerTs.delete(seq)
      if (ts !== undefined) void p.then(() => { dispatch.push(Date.now() - ts) }, () => {})
    }
    return p
  }

  await world.attach(config, spec.brokerUrl)
  const state = (): string => line.runtime.snapshot().state.state
  // press reset and start (the PLC's buttons) until the line runs; a start is refused while a device is not ready
  const until = Date.now() + 60_000
  while (state() !== 'Execute') {
    if (Date.now() > until) throw new Error(`${spec.line} not running after 60 s (state ${state()})`)
    const s = state()
    if (s === 'Stopped' || s === 'Complete') await world.command(config, 'reset')
    else if (s === 'Idle') await world.command(config, 'start')
    await new Promise(resolve => setTimeout(resolve, 300))
  }

  // the simulated operator resumes a held line, as in `npm run sim`; time out of Execute is reported
  let notExecuteMs = 0
  let lastTick = Date.now()
  const alarms = new Set<string>()
  let alarmsAtMark = new Set<string>()
  let ticks = 0
  const operator = setInterval(() => {
    const now = Date.now()
    const s = state()
    if (s !== 'Execute' || ++ticks % 5 === 0) for (const a of line.runtime.snapshot().alarms) if (!alarmsAtMark.has(a.code)) alarms.add(a.code)
    if (s !== 'Execute') notExecuteMs += now - lastTick
    lastTick = now
    if (s === 'Held') void line.runtime.command('unhold', 'operator')
    else if (s === 'Idle') void line.runtime.command('start', 'operator')
    else if (s === 'Stopped') void line.runtime.command('reset', 'operator')
    else if (s === 'Aborted') void line.runtime.command('clear', 'operator')
  }, 100)

  const conveyor = world.conveyor as NonNullable<typeof world.conveyor>
  conveyor.stop()
  let pitch = 60_000 / spec.unitsPerMinute
  let next = Date.now() + pitch
  let lagMax = 0
  let timer: NodeJS.Timeout | null = null
  const tick = (): void => {
    const t = Date.now()
    while (next <= t) {
      lagMax = Math.max(lagMax, t - next)
      stepAt = next
      conveyor.step()
      next += pitch
    }
    stepAt = null
    timer = setTimeout(tick, next - Date.now())
  }
  tick()
  const setSpeed = (unitsPerMinute: number): void => { pitch = 60_000 / unitsPerMinute; next = Date.now() + pitch }

  const eld = monitorEventLoopDelay({ resolution: 10 })
  eld.enable()
  let mark = { at: Date.now(), produced: 0, verified: 0, rejected: 0, byReason: {} as Record<string, number>, cpu: process.cpuUsage() }
  process.on('message', (m: ToLine) => {
    if (m.kind === 'speed') { setSpeed(m.unitsPerMinute); send({ kind: 'ok' }) }
    else if (m.kind === 'mark') {
      const c = line.runtime.counters()
      mark = { at: Date.now(), produced: conveyor.stats.produced, verified: c.verified, rejected: c.rejected, byReason: c.rejectsByReason, cpu: process.cpuUsage() }
      alarms.clear()
      alarmsAtMark = new Set(line.runtime.snapshot().alarms.map(a => a.code))
      dispatch = []
      delivery = []
      resultDelivery = []
      notExecuteMs = 0
      lagMax = 0
      eld.reset()
      send({ kind: 'ok' })
    } else if (m.kind === 'report') {
      const c = line.runtime.counters()
      const ms = Date.now() - mark.at
      const cpu = process.cpuUsage(mark.cpu)
      send({
        kind: 'report',
        report: {
          line: spec.line, seconds: ms / 1000,
          produced: conveyor.stats.produced - mark.produced, verified: c.verified - mark.verified, rejected: c.rejected - mark.rejected,
          notExecuteMs, state: state(), dispatch, delivery, resultDelivery,
          cpuPct: round((cpu.user + cpu.system) / 10 / ms, 1),
          rssMb: round(process.memoryUsage().rss / 1048576, 1),
          eldP99Ms: round(eld.percentile(99) / 1e6, 1),
          plcLagMaxMs: lagMax,
          rejectsByReason: Object.fromEntries(Object.entries(c.rejectsByReason).map(([k, v]) => [k, v - (mark.byReason[k] ?? 0)]).filter(([, v]) => (v as number) > 0)),
          alarms: [...alarms],
        },
      })
    } else if (m.kind === 'stop') {
      clearInterval(operator)
      if (timer !== null) clearTimeout(timer)
      eld.disable()
      void world.close().then(() => line.close()).then(() => process.exit(0), () => process.exit(1))
    }
  })
  send({ kind: 'ready' })
}

// ---- the broker ------------------------------------------------------------------------------------------------


interface User { username: string, role: Role, line: string, deviceId?: string }

/**
 * Mosquitto's ACL from the embedded broker's role table (broker/acl.ts), one block per login, each confined to its
 * line's `<site>/<line>/` prefix. The simulated PLC logs in as `plc` on every line (sim/world.ts), so its block
 * lists every line: on a plant each PLC gets its own login.
 */
function mosquittoAcl (users: User[]): string {
  const out: string[] = []
  const byName = new Map<string, User[]>()
  for (const u of users) byName.set(u.username, [...(byName.get(u.username) ?? []), u])
  for (const [name, us] of byName) {
    out.push(`user ${name}`)
    for (const u of us) {
      const rules = ROLE_RULES[u.role]
      const expand = (r: string): string => `${SITE}/${u.line}/${r.replace('{id}', u.deviceId ?? '')}`
      const pub = new Set(rules.publish.map(expand))
      const sub = new Set(rules.subscribe.map(expand))
      for (const t of pub) out.push(`topic ${sub.has(t) ? 'readwrite' : 'write'} ${t}`)
      for (const t of sub) if (!pub.has(t)) out.push(`topic read ${t}`)
    }
    out.push('')
  }
  out.push('user perf-observer', 'topic read $SYS/#', '')
  return out.join('\n')
}

interface Broker { url: string, pid: number, proc: ChildProcess, password: string }

async function startMosquitto (dir: string, users: User[], inflight: number): Promise<Broker> {
  const password = 'perf-secret'
  const passwd = join(dir, 'passwd')
  writeFileSync(passwd, [...new Set([...users.map(u => u.username), 'perf-observer'])].map(u => `${u}:${u === 'plc' ? 'plc-sim' : u.includes('-cam') ? `${u}-sim` : password}`).join('\n') + '\n')
  const hashed = spawnSync('mosquitto_passwd', ['-U', passwd])
  if (hashed.status !== 0) throw new Error(`mosquitto_passwd failed: ${hashed.stderr.toString()}`)
  writeFileSync(join(dir, 'acl'), mosquittoAcl(users))
  const port = await freePort()
  const conf = join(dir, 'mosquitto.conf')
  writeFileSync(conf, [
    `listener ${port} 127.0.0.1`, 'allow_anonymous false', `password_file ${passwd}`, `acl_file ${join(dir, 'acl')}`,
    'persistence false', 'sys_interval 1', 'max_queued_messages 10000', `max_inflight_messages ${inflight}`, '',
  ].join('\n'))
  // Started as root, mosquitto drops to its own user: it must be able to read the directory and its files.
  chmodSync(dir, 0o755)
  for (const f of ['passwd', 'acl', 'mosquitto.conf']) chmodSync(join(dir, f), 0o644)
  const proc = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' })
  if (!await portOpen(port)) { proc.kill('SIGTERM'); throw new Error(`mosquitto did not open port ${port}`) }
  return { url: `mqtt://127.0.0.1:${port}`, pid: proc.pid as number, proc, password }
}

// ---- CPU accounting from /proc ------------------------------------------------------------------------------------

const TICKS_PER_S = 100

/** utime + stime of a process, in seconds. */
function procCpu (pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S
}

/** Busy and total jiffies of the whole machine (every core; other work on the machine included). */
function machineCpu (): { busy: number, total: number } {
  const cpu = (readFileSync('/proc/stat', 'utf8').split('\n')[0] as string).trim().split(/\s+/).slice(1).map(Number)
  const total = cpu.reduce((a, b) => a + b, 0)
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0)
  return { busy: total - idle, total }
}

// ---- the bench ---------------------------------------------------------------------------------------------------

class LineChild {
  readonly #waiters: Array<(m: FromLine) => void> = []
  readonly exited: Promise<void>
  constructor (readonly name: string, readonly proc: ChildProcess) {
    proc.on('message', (m: FromLine) => {
      if (m.kind === 'error') process.stderr.write(`${name}: ${m.message}\n`)
      this.#waiters.shift()?.(m)
    })
    this.exited = new Promise(resolve => proc.once('exit', () => resolve()))
  }

  next (ms = 90_000): Promise<FromLine> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} did not answer in ${ms} ms`)), ms)
      const onExit = (code: number | null): void => { clearTimeout(timer); reject(new Error(`${this.name} exited (${String(code)})`)) }
      this.proc.once('exit', onExit)
      this.#waiters.push(m => { clearTimeout(timer); this.proc.off('exit', onExit); if (m.kind === 'error') reject(new Error(`${this.name}: ${m.message}`)); else resolve(m) })
    })
  }

  async ask (m: ToLine): Promise<FromLine> {
    const answer = this.next()
    this.proc.send(m)
    return answer
  }
}

interface StepResult { upm: number, reports: LineReport[], brokerCpuPct: number, machineBusyPct: number, brokerMsgsPerS: number }

export default {
  description: 'N lines (own processes) on one external Mosquitto: items/s vs configured, dispatch latency, broker CPU',
  async run ({ quick }) {
    const haveMosquitto = spawnSync('mosquitto', ['-h']).error === undefined && spawnSync('mosquitto_passwd', ['-h']).error === undefined
    if (!haveMosquitto) { process.stderr.write('  skipped: mosquitto is not installed (apt-get install mosquitto)\n'); return {} }
    const n = Number(process.env.PERF_SCALING_LINES ?? 4)
    const steps = (process.env.PERF_SCALING_STEPS ?? (quick ? '600,1500' : '300,600,1000,1500,2500,4000,6000')).split(',').map(Number)
    const seconds = Number(process.env.PERF_SCALING_SECONDS ?? (quick ? 3 : 4))
    const settleMs = 1000
    const lines = Array.from({ length: n }, (_, i) => `line${i + 1}`)
    const users: User[] = lines.flatMap(l => [
      { username: `${l}-controller`, role: 'controller' as const, line: l },
      { username: `${l}-cam`, role: 'camera' as const, line: l, deviceId: `${l}-cam` },
      { username: 'plc', role: 'plc' as const, line: l },
    ])
    const dir = mkdtempSync(join(tmpdir(), 'perf-scaling-'))
    // QoS 1 messages in flight to one client before its PUBACKs (Mosquitto's default 20; 0 = unlimited)
    const inflight = Number(process.env.PERF_SCALING_INFLIGHT ?? 20)
    const broker = await startMosquitto(dir, users, inflight)
    const children: LineChild[] = []
    let sys: MqttClient | null = null
    try {
      // $SYS counters of the broker: messages in and out (published every sys_interval = 1 s)
      sys = connectMqtt({ url: broker.url, username: 'perf-observer', password: broker.password, clientId: `perf-observer-${process.pid}` })
      await waitConnected(sys)
      const brokerCount = { received: 0, sent: 0 }
      sys.on('message', (topic, payload) => {
        if (topic === '$SYS/broker/messages/received') brokerCount.received = Number(payload.toString())
        if (topic === '$SYS/broker/messages/sent') brokerCount.sent = Number(payload.toString())
      })
      await sys.subscribeAsync(['$SYS/broker/messages/received', '$SYS/broker/messages/sent'])

      const codes = Math.ceil(steps.reduce((s, upm) => s + upm / 60 * (seconds + settleMs / 1000 + 2), 0)) + 2000
      for (const l of lines) {
        const spec: LineSpec = { line: l, dir: join(dir, l), brokerUrl: broker.url, password: broker.password, camera: `${l}-cam`, codes, unitsPerMinute: steps[0] as number }
        mkdirSync(spec.dir)
        // a line process gets only tsx: a profiler's hooks in this process must not land in the lines
        const proc = fork(fileURLToPath(import.meta.url), ['--line', JSON.stringify(spec)], { cwd: root, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
        children.push(new LineChild(l, proc))
      }
      await Promise.all(children.map(async c => { const m = await c.next(); if (m.kind !== 'ready') throw new Error(`${c.name}: ${m.kind}`) }))

      const results: StepResult[] = []
      for (const upm of steps) {
        await Promise.all(children.map(c => c.ask({ kind: 'speed', unitsPerMinute: upm })))
        await new Promise(resolve => setTimeout(resolve, settleMs))
        await Promise.all(children.map(c => c.ask({ kind: 'mark' })))
        const t0 = Date.now()
        const b0 = procCpu(broker.pid)
        const m0 = machineCpu()
        const c0 = brokerCount.received + brokerCount.sent
        await new Promise(resolve => setTimeout(resolve, seconds * 1000))
        const reports = (await Promise.all(children.map(c => c.ask({ kind: 'report' })))).map(m => (m as { report: LineReport }).report)
        const s = (Date.now() - t0) / 1000
        const m1 = machineCpu()
        results.push({
          upm, reports,
          brokerCpuPct: round((procCpu(broker.pid) - b0) / s * 100, 1),
          machineBusyPct: round((m1.busy - m0.busy) / Math.max(1, m1.total - m0.total) * 100, 1),
          brokerMsgsPerS: Math.round((brokerCount.received + brokerCount.sent - c0) / s),
        })
        process.stderr.write(`  ${describe(results[results.length - 1] as StepResult)}\n`)
      }
      return figures(n, inflight, results)
    } finally {
      await Promise.all(children.map(async c => {
        if (c.proc.exitCode === null && c.proc.connected) c.proc.send({ kind: 'stop' } satisfies ToLine)
        const killer = setTimeout(() => c.proc.kill('SIGKILL'), 15_000)
        await c.exited
        clearTimeout(killer)
      }))
      if (sys !== null) await endMqtt(sys, true)
      const exited = new Promise(resolve => broker.proc.once('exit', resolve))
      broker.proc.kill('SIGTERM')
      await exited
      rmSync(dir, { recursive: true, force: true })
    }
  },
} satisfies Bench

function perLine (r: StepResult): { configured: number, produced: number[], achieved: number[] } {
  return {
    configured: r.upm / 60,
    produced: r.reports.map(x => x.produced / x.seconds),
    // the controller's output: units verified and committed, per second
    achieved: r.reports.map(x => x.verified / x.seconds),
  }
}

function describe (r: StepResult): string {
  const p = perLine(r)
  const d = summarize(r.reports.flatMap(x => x.dispatch))
  const tr = summarize(r.reports.flatMap(x => x.delivery))
  const rs = summarize(r.reports.flatMap(x => x.resultDelivery))
  return `${r.upm}/min per line (${p.configured.toFixed(1)}/s): verified ${p.achieved.map(a => a.toFixed(1)).join(' ')}/s, produced ${p.produced.map(a => a.toFixed(1)).join(' ')}/s; ` +
    `dispatch p50 ${d.p50} p99 ${d.p99} max ${d.max} ms; trigger delivery p99 ${tr.p99} max ${tr.max}, result delivery p99 ${rs.p99} max ${rs.max} ms; broker ${r.brokerCpuPct}% CPU, ${r.brokerMsgsPerS} packets/s; machine ${r.machineBusyPct}% busy; ` +
    `lines cpu% ${r.reports.map(x => x.cpuPct).join(' ')}, rss MB ${r.reports.map(x => x.rssMb).join(' ')}, eld p99 ms ${r.reports.map(x => x.eldP99Ms).join(' ')}, ` +
    `plc lag ms ${r.reports.map(x => x.plcLagMaxMs).join(' ')}; rejects ${r.reports.map(x => x.rejected).join(' ')}; held ms ${r.reports.map(x => x.notExecuteMs).join(' ')}` +
    (r.reports.some(x => x.rejected > 0 || x.alarms.length > 0) ? `; ${r.reports.map(x => `${x.line} ${JSON.stringify(x.rejectsByReason)} ${x.alarms.join(',')}`).join('; ')}` : '')
}

/**
 * Flat figures per step (`at<upm>_…`) and the highest speed every line sustained: verified ≥ 95 % of the configured
 * rate, never out of Execute, rejects under 0.5 %, dispatch p99 under one second.
 */
function figures (n: number, inflight: number, results: StepResult[]): Figures {
  const f: Figures = { lines: n, broker_max_inflight: inflight }
  let sustained = 0
  for (const r of results) {
    const p = perLine(r)
    const d = Float64Array.from(r.reports.flatMap(x => x.dispatch)).sort()
    const dl = Float64Array.from(r.reports.flatMap(x => x.delivery)).sort()
    const k = `at${r.upm}`
    const minRatio = Math.min(...p.achieved.map(a => a / p.configured))
    const rejects = r.reports.reduce((s, x) => s + x.rejected, 0)
    const produced = r.reports.reduce((s, x) => s + x.produced, 0)
    f[`${k}_configured_per_line_per_s`] = round(p.configured, 2)
    f[`${k}_verified_per_s_per_line_min`] = round(Math.min(...p.achieved), 2)
    f[`${k}_verified_per_s_total`] = round(p.achieved.reduce((a, b) => a + b, 0), 1)
    f[`${k}_achieved_ratio_min`] = round(minRatio, 3)
    f[`${k}_dispatch_p50_ms`] = round(percentile(d, 50), 1)
    f[`${k}_dispatch_p99_ms`] = round(percentile(d, 99), 1)
    f[`${k}_trigger_delivery_p99_ms`] = round(percentile(dl, 99), 1)
    f[`${k}_result_delivery_p99_ms`] = round(percentile(Float64Array.from(r.reports.flatMap(x => x.resultDelivery)).sort(), 99), 1)
    f[`${k}_rejects`] = rejects
    f[`${k}_held_ms_max`] = Math.max(...r.reports.map(x => x.notExecuteMs))
    f[`${k}_broker_cpu_pct`] = r.brokerCpuPct
    f[`${k}_broker_msgs_per_s`] = r.brokerMsgsPerS
    f[`${k}_line_cpu_pct_max`] = Math.max(...r.reports.map(x => x.cpuPct))
    f[`${k}_line_rss_mb_max`] = Math.max(...r.reports.map(x => x.rssMb))
    f[`${k}_line_eld_p99_ms_max`] = Math.max(...r.reports.map(x => x.eldP99Ms))
    f[`${k}_plc_lag_max_ms`] = Math.max(...r.reports.map(x => x.plcLagMaxMs))
    f[`${k}_machine_busy_pct`] = r.machineBusyPct
    if (minRatio >= 0.95 && f[`${k}_held_ms_max`] === 0 && rejects <= 0.005 * produced && (f[`${k}_dispatch_p99_ms`] as number) < 1000) sustained = Math.max(sustained, r.upm)
  }
  f.sustained_units_per_min_per_line = sustained
  return f
}

// a line process: `--line <spec json>`
if (process.argv[2] === '--line' && process.argv[1] === fileURLToPath(import.meta.url)) {
  lineProcess(JSON.parse(process.argv[3] as string) as LineSpec).catch((err: unknown) => {
    process.send?.({ kind: 'error', message: err instanceof Error ? err.stack ?? err.message : String(err) } satisfies FromLine)
    process.exit(1)
  })
}
