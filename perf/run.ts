// `npm run perf [-- <bench> …] [--quick] [--profile <bench>]`: runs benchmarks from perf/benches/, prints a table,
// and merges the figures into perf/results/latest.json as { "<bench>": { "<figure>": number }, "machine": {…} }.

import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Bench, Figures } from './lib.ts'

const here = dirname(fileURLToPath(import.meta.url))
const benchDir = join(here, 'benches')
const resultsPath = join(here, 'results', 'latest.json')
const root = join(here, '..')
const profilesDir = join(here, 'results', 'profiles')
/** Set by a profiling parent: write this run's figures there instead of merging them into latest.json. */
const childStatus = process.env.PERF_CHILD_STATUS

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const profileIdx = args.indexOf('--profile')
const profile = profileIdx >= 0 ? args[profileIdx + 1] : undefined
const profilerIdx = args.indexOf('--profiler')
const profilerArg = profilerIdx >= 0 ? args[profilerIdx + 1] : undefined
const available = readdirSync(benchDir).filter(f => f.endsWith('.ts')).map(f => f.slice(0, -3)).sort()
const ORDER = ['pool', 'emission', 'printers', 'plc', 'verifiers', 'line', 'preapplied', 'reports', 'hmi', 'scaling']
available.sort((a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99))
const wanted = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--profile' && args[i - 1] !== '--profiler')

if (profile !== undefined) {
  if (!available.includes(profile)) { console.error(`no benchmark "${profile}"; have: ${available.join(', ')}`); process.exit(2) }
  process.exit(runProfiled(profile))
}

const selected = wanted.length > 0 ? wanted : available
for (const w of selected) if (!available.includes(w)) { console.error(`no benchmark "${w}"; have: ${available.join(', ')}`); process.exit(2) }

const results: Record<string, Figures> = {}
for (const name of selected) {
  const mod = await import(join(benchDir, `${name}.ts`)) as { default: Bench }
  process.stderr.write(`running ${name}: ${mod.default.description}\n`)
  try {
    results[name] = await mod.default.run({ quick })
  } catch (err) {
    console.error(`benchmark ${name} failed:`, err)
    process.exitCode = 1
  }
}

const machine = { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memGb: Math.round(totalmem() / 2 ** 30), node: process.version, at: new Date().toISOString() }
if (childStatus !== undefined) {
  // a profiled run is slowed by its profiler: its figures must not replace the real ones
  writeFileSync(childStatus, JSON.stringify({ ok: process.exitCode === undefined || process.exitCode === 0, results }))
} else {
  const previous = existsSync(resultsPath) ? JSON.parse(readFileSync(resultsPath, 'utf8')) as Record<string, unknown> : {}
  mkdirSync(dirname(resultsPath), { recursive: true })
  writeFileSync(resultsPath, JSON.stringify({ ...previous, ...results, machine }, null, 2) + '\n')
}

const rows: string[][] = [['bench', 'figure', 'value']]
for (const [bench, figs] of Object.entries(results)) for (const [k, v] of Object.entries(figs)) rows.push([bench, k, String(v)])
const w = [0, 1, 2].map(i => Math.max(...rows.map(r => (r[i] as string).length)))
for (const r of rows) console.log(r.map((c, i) => i === 2 ? c.padStart(w[i] as number) : c.padEnd(w[i] as number)).join('  '))
console.log(`machine: ${machine.cores} cores, ${machine.cpu}, ${machine.memGb} GiB, Node ${machine.node}`)
console.log(childStatus !== undefined ? 'profiled run: figures not merged into latest.json' : `written: ${resultsPath}`)
// Native handles (broker sockets, zeromq) must not keep a finished run alive.
process.exit(process.exitCode ?? 0)

/**
 * Run one benchmark in a child under each chosen profiler and return the exit code. clinic (doctor: event-loop
 * delay, CPU, memory, handles; flame: where CPU time goes) writes an HTML report; when clinic is missing or yields
 * no report, the same run goes under `node --cpu-prof` instead, and the output says so.
 */
function runProfiled (bench: string): number {
  const chosen = (profilerArg ?? process.env.PERF_PROFILER ?? 'doctor,flame').split(',').map(s => s.trim()).filter(s => s !== '')
  for (const p of chosen) if (!['doctor', 'flame', 'cpu-prof'].includes(p)) { console.error(`unknown profiler "${p}"; use doctor, flame or cpu-prof (comma-separated)`); return 2 }
  mkdirSync(profilesDir, { recursive: true })
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')
  const childArgs = [join(here, 'run.ts'), bench, ...(quick ? ['--quick'] : [])]
  const clinic = process.env.PERF_CLINIC ?? join(root, 'node_modules', '.bin', 'clinic')
  const written: string[] = []
  let failed = false
  let fallback = false
  for (const tool of chosen) {
    if (tool === 'cpu-prof') { fallback = true; continue }
    const name = `${bench}-${tool}-${stamp}`
    const html = join(profilesDir, `${name}.clinic-${tool}.html`)
    let why: string | null = null
    if (!existsSync(clinic)) why = `clinic not found at ${clinic} (npm install)`
    else {
      process.stderr.write(`profiling ${bench} under clinic ${tool}\n`)
      const r = runChild(clinic, [tool, '--dest', profilesDir, '--name', name, '--open=false', '--', process.execPath, '--import=tsx', ...childArgs])
      if (r.error !== null) why = r.error
      else if (!existsSync(html)) why = `clinic ${tool} exited ${String(r.status)} without a report`
      else if (!r.ok) failed = true
    }
    if (why === null) written.push(`clinic ${tool}: ${html}`)
    else { console.log(`clinic ${tool} did not run: ${why}; falling back to node --cpu-prof`); fallback = true }
  }
  if (fallback) {
    const name = `${bench}-${stamp}.cpuprofile`
    process.stderr.write(`profiling ${bench} under node --cpu-prof\n`)
    // Every thread writes a profile (tsx runs its loader in a worker): with one fixed --cpu-prof-name the worker's
    // idle profile could overwrite the main thread's. Node's own names carry the thread id; the main thread's is 0.
    const tmp = join(profilesDir, `.cpu-prof-${process.pid}`)
    rmSync(tmp, { recursive: true, force: true })
    const r = runChild(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${tmp}`, '--import=tsx', ...childArgs])
    const main = existsSync(tmp) ? readdirSync(tmp).find(f => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f)) : undefined
    if (main !== undefined) renameSync(join(tmp, main), join(profilesDir, name))
    rmSync(tmp, { recursive: true, force: true })
    if (r.error !== null || main === undefined) { console.log(`node --cpu-prof failed: ${r.error ?? 'no profile of the main thread written'}`); return 1 }
    if (!r.ok) failed = true
    written.push(`node --cpu-prof: ${join(profilesDir, name)} (open in Chrome DevTools → Performance, or speedscope)`)
  }
  for (const w of written) console.log(`profile written by ${w}`)
  if (failed) console.log(`benchmark ${bench} failed under the profiler`)
  return failed ? 1 : 0
}

/** A profiled child; `ok` is the benchmark's own verdict, read from the status file (clinic exits 0 regardless). */
function runChild (cmd: string, argv: string[]): { ok: boolean, status: number | null, error: string | null } {
  const status = join(profilesDir, `.status-${process.pid}.json`)
  rmSync(status, { force: true })
  // NO_INSIGHT: clinic otherwise asks about usage statistics on first run and exits without a terminal
  const r = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit', timeout: 20 * 60_000, env: { ...process.env, NO_INSIGHT: '1', PERF_CHILD_STATUS: status } })
  if (r.error !== undefined) return { ok: false, status: r.status, error: r.error.message }
  if (!existsSync(status)) return { ok: false, status: r.status, error: `the benchmark did not finish (exit ${String(r.status ?? r.signal)})` }
  const ok = (JSON.parse(readFileSync(status, 'utf8')) as { ok: boolean }).ok
  rmSync(status, { force: true })
  return { ok, status: r.status, error: null }
}
