// `npm run sim -- <scenario> [--ci]`: runs sim/scenarios/<scenario>.yaml on the whole simulated line, headless, and
// prints a JSON summary. `--ci` runs the scenario's short version (its `ci:` block). Exits 1 when an invariant
// breaks: a code printed twice, a code unaccounted for, counters that disagree with the store, a product whose
// code state contradicts what physically happened to it, reports that do not match what the emulators received,
// or a scheduled fault that did not really happen. docs/scenarios.md describes each scenario.

import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { runPlantScenario } from './scenario/plant.ts'
import { runScenario } from './scenario/runner.ts'
import { loadScenario } from './scenario/schema.ts'

const dir = join(import.meta.dirname, 'scenarios')
const args = process.argv.slice(2)
const name = args.find(a => !a.startsWith('--'))
const available = readdirSync(dir).filter(f => f.endsWith('.yaml')).map(f => f.slice(0, -5))
if (name === undefined || !available.includes(name)) {
  process.stderr.write(`usage: npm run sim -- <scenario> [--ci] [--verbose] [--keep]; scenarios: ${available.join(', ')}\n`)
  process.exit(2)
}
const scenario = loadScenario(join(dir, `${name}.yaml`), name, args.includes('--ci'))
const verbose = args.includes('--verbose')
const runOptions = { keepDir: args.includes('--keep'), log: verbose ? (line: string) => { process.stderr.write(`${line}\n`) } : undefined }
// several lines of one plant (`plant:`): sim/scenario/plant.ts
const summary = scenario.plant === undefined ? await runScenario(scenario, runOptions) : await runPlantScenario(scenario, runOptions)
process.stdout.write(JSON.stringify(summary, null, 2) + '\n')
process.exit(summary.violations.length === 0 ? 0 : 1)
