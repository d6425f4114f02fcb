// `npm run perf [-- <bench> …] [--quick] [--profile <bench>]`: runs benchmarks from perf/benches/, prints a table,
// and merges the figures into perf/results/latest.json as { "<bench>": { "<figure>": number }, "machine": {…} }.

import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Bench, Figures } from './lib.ts'

const here = dirname(fileURLToPath(import.meta.url))
const benchDir = join(here, 'benches')
const resultsPath = join(here, 'results', 'latest.json')

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const profileIdx = args.indexOf('--profile')
const profile = profileIdx >= 0 ? args[profileIdx + 1] : undefined
const available = readdirSync(benchDir).filter(f => f.endsWith('.ts')).map(f => f.slice(0, -3)).sort()
const ORDER = ['pool', 'emission', 'printers', 'verifiers', 'line', 'reports']
available.sort((a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99))
const wanted = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--profile')

if (profile !== undefined) {
  if (!available.includes(profile)) { console.error(`no benchmark "${profile}"; have: ${available.join(', ')}`); process.exit(2) }
  const out = join(here, 'results', 'profiles')
  mkdirSync(out, { recursive: true })
  const tool = process.env.PERF_PROFILER ?? 'cpu-prof'
  const cmd = tool === 'cpu-prof'
    ? ['node', ['--cpu-prof', `--cpu-prof-dir=${out}`, '--import=tsx', join(here, 'run.ts'), profile]]
    : ['npx', ['clinic', tool, '--dest', out, '--', 'node', '--import=tsx', join(here, 'run.ts'), profile]]
  const r = spawnSync(cmd[0] as string, cmd[1] as string[], { stdio: 'inherit' })
  console.log(`profile written under ${out}`)
  process.exit(r.status ?? 1)
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
const previous = existsSync(resultsPath) ? JSON.parse(readFileSync(resultsPath, 'utf8')) as Record<string, unknown> : {}
mkdirSync(dirname(resultsPath), { recursive: true })
writeFileSync(resultsPath, JSON.stringify({ ...previous, ...results, machine }, null, 2) + '\n')

const rows: string[][] = [['bench', 'figure', 'value']]
for (const [bench, figs] of Object.entries(results)) for (const [k, v] of Object.entries(figs)) rows.push([bench, k, String(v)])
const w = [0, 1, 2].map(i => Math.max(...rows.map(r => (r[i] as string).length)))
for (const r of rows) console.log(r.map((c, i) => i === 2 ? c.padStart(w[i] as number) : c.padEnd(w[i] as number)).join('  '))
console.log(`machine: ${machine.cores} cores, ${machine.cpu}, ${machine.memGb} GiB, Node ${machine.node}`)
console.log(`written: ${resultsPath}`)
// Native handles (broker sockets, zeromq) must not keep a finished run alive.
process.exit(process.exitCode ?? 0)
