// The emulators are the independent reference the controller is tested against (issue #13 item 6): nothing under
// sim/oms, sim/gismt or sim/shared may import from line/, directly or through another module.
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import t from 'tap'

const root = resolve(import.meta.dirname, '../..')
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g

function importsOf (file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const out: string[] = []
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2]
    if (spec !== undefined && spec.startsWith('.')) out.push(resolve(dirname(file), spec))
  }
  return out
}

t.test('sim/oms, sim/gismt and sim/shared reach nothing in line/', async t => {
  const start = ['sim/oms', 'sim/gismt', 'sim/shared'].flatMap(d => readdirSync(join(root, d)).filter(f => f.endsWith('.ts')).map(f => join(root, d, f)))
  const seen = new Set<string>()
  const offenders: string[] = []
  const queue = [...start]
  while (queue.length > 0) {
    const file = queue.pop() as string
    if (seen.has(file)) continue
    seen.add(file)
    for (const dep of importsOf(file)) {
      const rel = relative(root, dep)
      if (rel.startsWith('line/') || rel.startsWith('line\\')) offenders.push(`${relative(root, file)} → ${rel}`)
      else queue.push(dep)
    }
  }
  t.same(offenders, [], 'no import path leads into line/')
  t.ok(seen.size >= start.length, `${seen.size} modules scanned`)
})
