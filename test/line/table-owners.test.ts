// Each table of the line's store has one owner module holding all its SQL (issue 12 §3): a source scan of line/
// finds every CREATE TABLE, takes the folder that creates it as its owner, and fails on SQL naming the table anywhere else.
import { readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { sourceFiles } from '../helpers/sources.ts'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const LINE = join(ROOT, 'line')


/** Comments removed, so prose about a table ("rows FROM codes of…") is not taken for SQL; strings are kept. */
function code (text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1')
}

/** SQL that reads or writes `table`: the project writes SQL keywords in capitals. */
function sqlOn (table: string): RegExp {
  return new RegExp(`\\b(?:FROM|JOIN|UPDATE|INTO|TABLE(?: IF NOT EXISTS)?)\\s+${table}\\b`)
}

const files = sourceFiles(LINE).map(p => ({ path: relative(ROOT, p).split('\\').join('/'), text: code(readFileSync(p, 'utf8')) }))

function owners (): Map<string, string> {
  const out = new Map<string, string>()
  for (const f of files) {
    for (const m of f.text.matchAll(/\bCREATE TABLE(?: IF NOT EXISTS)?\s+(\w+)/g)) out.set(m[1] as string, dirname(f.path))
  }
  return out
}

function offenders (table: string, ownerDir: string): string[] {
  const re = sqlOn(table)
  const out: string[] = []
  for (const f of files) {
    if (f.path.startsWith(`${ownerDir}/`)) continue
    f.text.split('\n').forEach((line, i) => { if (re.test(line)) out.push(`${f.path}:${i + 1}: ${line.trim().slice(0, 160)}`) })
  }
  return out
}

t.test('the scan finds the tables and their owners', async t => {
  const o = owners()
  t.equal(o.get('codes'), 'line/pool')
  t.equal(o.get('blocks'), 'line/pool')
  t.equal(o.get('containers'), 'line/aggregation')
  t.equal(o.get('report_outbox'), 'line/reports')
  t.ok(o.size >= 10, `tables found: ${[...o.keys()].join(', ')}`)
  // the pattern itself: SQL on codes is seen, a report_codes query or prose is not
  t.ok(sqlOn('codes').test('SELECT id FROM codes WHERE state = 1'))
  t.ok(sqlOn('codes').test('x JOIN codes c ON c.id = r.code_id'))
  t.notOk(sqlOn('codes').test('SELECT 1 FROM report_codes WHERE kind = ?'))
  t.notOk(sqlOn('codes').test(code('// the code pool hands out codes from codes we imported')))
})

t.test('no SQL on the codes table outside line/pool', async t => {
  t.same(offenders('codes', 'line/pool'), [], 'what other modules need from codes is a named query of the pool (line/pool/queries.ts)')
})

t.test('every other table is queried only by the module that creates it', async t => {
  for (const [table, owner] of owners()) {
    t.same(offenders(table, owner), [], `${table} belongs to ${owner}`)
  }
})
