// DESIGN §2: line/domain imports nothing outside itself, and it is the only part of line/ the device folders import.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sourceFiles } from '../../helpers/sources.ts'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))


/** Every module a file imports or re-exports, resolved to a path relative to the repository (bare names as they are). */
function importsOf (file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)].map(m => {
    const spec = m[1] as string
    return spec.startsWith('.') ? relative(ROOT, resolve(dirname(file), spec)) : spec
  })
}

t.test('line/domain imports only itself (and no package at all)', async t => {
  const files = sourceFiles(join(ROOT, 'line', 'domain'))
  t.ok(files.length >= 5)
  const outside = files.flatMap(f => importsOf(f).filter(i => !i.startsWith('line/domain/')).map(i => `${relative(ROOT, f)} → ${i}`))
  t.same(outside, [])
})

t.test('printers/, verifiers/ and broker/ import nothing of line/ but line/domain', async t => {
  const files = ['printers', 'verifiers', 'broker'].flatMap(d => sourceFiles(join(ROOT, d)))
  const all = files.flatMap(f => importsOf(f).map(i => ({ from: relative(ROOT, f), to: i })))
  t.ok(all.some(x => x.to.startsWith('line/domain/')), 'the device folders do use the shared vocabulary')
  t.same(all.filter(x => x.to.startsWith('line/') && !x.to.startsWith('line/domain/')).map(x => `${x.from} → ${x.to}`), [])
})
