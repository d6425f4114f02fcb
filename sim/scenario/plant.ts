// Several pre-applied lines of one plant (a scenario with `plant:`, docs/scenarios.md): each line is a whole
// simulated line of its own (runLine: devices, broker, controller process), and they share what a plant shares — the
// OMS and True API emulators, one plant register (a real PostgreSQL cluster this run starts, docs/modes.md) and one
// print run: the first line orders and exports it, the others import the same file as codes already on the packs,
// and each line's roll carries a share of codes printed on another line's roll too. Across the lines: no code went
// out on two packs, every good code of a line's store is that line's in the register, the OMS utilised each good
// code once and aggregated what the lines boxed, and each line really rejected codes another line had read first.

import pg from 'pg'
import { startPostgres } from '../postgres.ts'
import { printRun, type RegisterOwner } from './printing-house.ts'
import { runLine, startEmulators, type LineFacts, type RunOptions, type ScenarioSummary } from './runner.ts'
import type { Scenario } from './schema.ts'

export interface PlantSummary {
  scenario: string
  ci: boolean
  description: string
  outcome: 'complete' | 'failed'
  seconds: number
  /** The register at the end: codes claimed, by line. */
  register: { claims: number, byLine: Record<string, number> }
  /** Per line: packs rejected because another line had claimed their code, and packs of another line's slice shipped here. */
  crossLine: Record<string, { duplicatesOfOtherLines: number, otherLineShipped: number, unchecked: number }>
  oms: { utilised: number, utilisationEntries: number, aggregatedUnits: number }
  lines: ScenarioSummary[]
  violations: string[]
}

export async function runPlantScenario (sc: Scenario, options: RunOptions = {}): Promise<PlantSummary> {
  const lines = sc.plant?.lines ?? 2
  const started = Date.now()
  const teardown: Array<() => void> = []
  const violations: string[] = []
  const { oms, trueApi } = await startEmulators(sc)
  try {
    const register = await startPostgres({ teardown: fn => teardown.push(fn) })
    const db = new pg.Pool({ connectionString: register.url, max: 1 })
    try {
      /** Who claimed each code, read once a line has ended (a claim never changes hands). */
      const owners = async (): Promise<RegisterOwner> => {
        const rows = (await db.query('SELECT identity, line, seq FROM plant_codes')).rows as Array<{ identity: string, line: string, seq: string }>
        const map = new Map(rows.map(r => [r.identity, { line: r.line, seq: Number(r.seq) }]))
        return (code: string) => map.get(code.split('\u001d')[0] as string)
      }
      const run = printRun()
      const names = Array.from({ length: lines }, (_, i) => `${sc.name}-${i + 1}`)
      const results = await Promise.allSettled(names.map((line, index) => runLine(sc, {
        oms, trueApi, line,
        plant: { url: register.url, owners, register, line: { index, lines, shared: sc.plant?.shared ?? 0, run } },
      }, { ...options, log: options.log === undefined ? undefined : (l: string) => { options.log?.(`[${line}] ${l}`) } })))
      const done: Array<{ line: string, summary: ScenarioSummary, facts: LineFacts }> = []
      results.forEach((r, i) => {
        const line = names[i] as string
        if (r.status === 'rejected') { violations.push(`${line}: ${String(r.reason)}`); return }
        done.push({ line, ...r.value })
        for (const v of r.value.summary.violations) violations.push(`${line}: ${v}`)
      })

      // ---- across the lines -------------------------------------------------------------------------------
      const owner = await owners().catch((err: unknown): RegisterOwner => { violations.push(`the plant register could not be read: ${String(err)}`); return () => undefined })
      const shippedOn = new Map<string, string>()
      for (const d of done) {
        for (const code of d.facts.shipped) {
          const before = shippedOn.get(code)
          if (before !== undefined) violations.push(`code ${code.slice(0, 31)} went out on packs of ${before} and ${d.line}`)
          shippedOn.set(code, d.line)
        }
        const notMine = d.facts.good.filter(identity => owner(identity)?.line !== d.line)
        if (notMine.length > 0) violations.push(`${d.line}: ${notMine.length} codes good in its store are not its own in the plant register (${notMine.slice(0, 3).map(x => `${x.slice(0, 31)}: ${owner(x)?.line ?? 'unclaimed'}`).join(', ')})`)
      }
      const good = done.reduce((n, d) => n + d.facts.good.length, 0)
      const entries = oms.utilised()
      const utilised = new Set(entries)
      if (utilised.size !== good) violations.push(`the OMS utilised ${utilised.size} codes, the lines hold ${good} good ones`)
      if (entries.length !== utilised.size) violations.push(`the OMS holds ${entries.length - utilised.size} utilisations of codes utilised before`)
      const aggregatedUnits = oms.aggregated().reduce((n, u) => n + u.sntins.length, 0)
      const aggregated = done.reduce((n, d) => n + d.facts.aggregated, 0)
      if (aggregatedUnits !== aggregated) violations.push(`the OMS aggregated ${aggregatedUnits} units, the lines' stores ${aggregated}`)
      const crossLine: PlantSummary['crossLine'] = {}
      for (const d of done) {
        const p = d.summary.preapplied?.plant ?? { duplicatesOfOtherLines: 0, otherLineShipped: 0, unchecked: 0 }
        crossLine[d.line] = p
        // each line's roll carried codes of the others' rolls: some must have reached this line second
        if ((sc.plant?.shared ?? 0) > 0 && p.duplicatesOfOtherLines === 0) violations.push(`${d.line}: no pack was rejected for a code another line had read first: the plant register was never put to the test`)
      }
      const byLine: Record<string, number> = {}
      const claimed = await db.query('SELECT line, count(*)::int AS n FROM plant_codes GROUP BY line ORDER BY line').then(r => r.rows as Array<{ line: string, n: number }>, () => [])
      for (const r of claimed) byLine[r.line] = r.n
      return {
        scenario: sc.name,
        ci: sc.ci,
        description: sc.description,
        outcome: done.length === lines && done.every(d => d.summary.outcome === 'complete') ? 'complete' : 'failed',
        seconds: Math.round((Date.now() - started) / 100) / 10,
        register: { claims: Object.values(byLine).reduce((n, x) => n + x, 0), byLine },
        crossLine,
        oms: { utilised: utilised.size, utilisationEntries: entries.length, aggregatedUnits },
        lines: done.map(d => d.summary),
        violations,
      }
    } finally {
      await db.end()
    }
  } finally {
    await oms.close()
    await trueApi.close()
    for (const fn of teardown) fn()
  }
}
