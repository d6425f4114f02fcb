// The error and alarm catalogue: every entry complete in both languages, and every code the source uses is in it.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CATALOGUE, CODES, SEVERITIES, isCatalogueCode, paramNames, textOf } from '../../../line/domain/catalogue.ts'
import { ALL_REASONS, REASONS, REJECT_REASONS, VERIFIED_DEFECTS, reasonLabel } from '../../../line/domain/reasons.ts'
import { FAULT_ALARMS } from '../../../line/alarms/faults.ts'
import { catalogueMarkdown } from '../../../line/domain/catalogue-doc.ts'
import { sourceFiles } from '../../helpers/sources.ts'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const SCANNED = ['line', 'printers', 'verifiers', 'broker']

t.test('every entry has a valid severity and non-empty Russian and English text and action', async t => {
  t.ok(CODES.length > 50, `${CODES.length} codes`)
  for (const code of CODES) {
    const e = CATALOGUE[code]
    t.match(code, /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/, `${code}: upper-case words joined by _`)
    t.ok(SEVERITIES.includes(e.severity), `${code}: severity ${e.severity}`)
    for (const part of [e.text, e.action]) {
      t.ok(part.ru.trim().length > 0 && part.en.trim().length > 0, `${code}: ru and en present`)
      t.match(part.ru, /[а-яё]/i, `${code}: the Russian text is Russian`)
    }
    t.same(paramNames(e.text.ru).sort(), paramNames(e.text.en).sort(), `${code}: same {parameters} in both languages`)
    t.same(paramNames(e.action.ru).concat(paramNames(e.action.en)), [], `${code}: the action needs no parameters`)
  }
})

t.test('parameters are filled in, bilingual ones per language', async t => {
  t.same(textOf({ code: 'LABEL_FAILED', params: { level: { ru: 'короба', en: 'Box' }, sscc: '00046016530000000017' } }),
    { ru: 'Этикетка короба 00046016530000000017 не напечатана', en: 'Box label 00046016530000000017 not printed' })
  t.same(textOf({ code: 'PRINT_WITHOUT_ITEM' }), CATALOGUE.PRINT_WITHOUT_ITEM.text)
  // @ts-expect-error an unknown code does not compile
  t.notOk(isCatalogueCode(({ code: 'NO_SUCH_ALARM' } satisfies { code: keyof typeof CATALOGUE }).code))
  // @ts-expect-error a missing parameter does not compile
  t.ok(textOf({ code: 'REJECT_MISSED' }).en.includes('{seq}'), 'and would show as a visible gap, never as undefined')
})

t.test('one list of reasons, each labelled in both languages', async t => {
  for (const r of ALL_REASONS) {
    const label: { ru: string, en: string } = REASONS[r].label
    t.ok(label.ru.length > 0 && label.en.length > 0 && label.ru !== label.en, r)
  }
  t.same([...REJECT_REASONS], ['UNREADABLE', 'WRONG_CODE', 'LOW_GRADE', 'NO_RESULT', 'STORE_ERROR'])
  t.same([...VERIFIED_DEFECTS], ['REMOVED', 'SCRAPPED', 'PLC_REJECT', 'QA_SAMPLES', 'PRODUCT_TESTING', 'DEMO_SAMPLES'], 'samples are taken of verified units (docs/rework.md)')
  t.same(reasonLabel('damaged by forklift'), { ru: 'damaged by forklift', en: 'damaged by forklift' }, 'a typed-in reason is shown as it is')
})

t.test('every fault kind has its own catalogue alarm', async t => {
  for (const [kind, code] of Object.entries(FAULT_ALARMS)) t.ok(isCatalogueCode(code), `${kind} → ${code}`)
})

// ---- the source scan ----------------------------------------------------------------------------------------

interface Finding { file: string, line: number, code: string, why: string }

/** Code literals where the line names an error or alarm code, and codes built from templates. */
export function scanSource (file: string, text: string): Finding[] {
  const out: Finding[] = []
  const lines = text.split('\n')
  lines.forEach((l, i) => {
    const at = { file, line: i + 1 }
    for (const m of l.matchAll(/['"`](LC_ERR_[A-Z0-9_]+)['"`]/g)) out.push({ ...at, code: m[1] as string, why: 'LC_ERR literal' })
    for (const m of l.matchAll(/\bcode: '([A-Z][A-Z0-9_]*)'/g)) out.push({ ...at, code: m[1] as string, why: 'code: literal' })
    for (const m of l.matchAll(/\.(?:raise|clear|isActive)\(\s*'([A-Z][A-Z0-9_]*)'/g)) out.push({ ...at, code: m[1] as string, why: 'alarm call' })
    for (const m of l.matchAll(/'(FAULT_[A-Z0-9_]+|EMISSION_[A-Z0-9_]+)'/g)) out.push({ ...at, code: m[1] as string, why: 'alarm-code literal' })
    // `PREFIX_${…}` or `code: `…${…}`` builds a code at runtime: never allowed (a type such as `LC_ERR_${string}` is no code)
    for (const m of l.matchAll(/`([A-Z][A-Z0-9]*_[A-Z0-9_]*)\$\{(?!string\})/g)) out.push({ ...at, code: `${m[1] as string}\${…}`, why: 'built at runtime' })
    for (const m of l.matchAll(/\bcode: `([^`]*\$\{[^`]*)`/g)) out.push({ ...at, code: m[1] as string, why: 'built at runtime' })
  })
  return out
}


t.test('the scanner flags unknown and template-built codes (it can fail)', async t => {
  const bad = scanSource('sample.ts', [
    "alarms.raise({ code: `FAULT_${kind.toUpperCase()}`, source })",
    "onAlarm: a => alarms.raise({ code: `EMISSION_${a.code}`, source: 'oms' })",
    "throw new LineError('LC_ERR_NOT_IN_CATALOGUE', 'x')",
    "alarms.clear('SOMETHING_NEW', p.id)",
    'export type ErrorCode = Extract<CatalogueCode, `LC_ERR_${string}`>',
  ].join('\n'))
  t.same(bad.map(f => f.why), ['built at runtime', 'built at runtime', 'built at runtime', 'built at runtime', 'LC_ERR literal', 'alarm call'])
  t.same(bad.filter(f => f.why !== 'built at runtime').map(f => isCatalogueCode(f.code)), [false, false])
  t.same(scanSource('ok.ts', "this.#o.alarms.raise({ code: 'TRIGGER_SEQ', source: 'plc', params: { seq } })").map(f => isCatalogueCode(f.code)), [true])
})

t.test('every code in line/, printers/, verifiers/ and broker/ is in the catalogue; none is built at runtime', async t => {
  const findings: Finding[] = []
  for (const dir of SCANNED) {
    for (const file of sourceFiles(join(ROOT, dir))) findings.push(...scanSource(relative(ROOT, file), readFileSync(file, 'utf8')))
  }
  t.ok(findings.length > 80, `${findings.length} code literals found (the scan sees the source)`)
  const built = findings.filter(f => f.why === 'built at runtime')
  t.same(built.map(f => `${f.file}:${f.line} ${f.code}`), [], 'no code built from a template')
  const unknown = findings.filter(f => f.why !== 'built at runtime' && !isCatalogueCode(f.code))
  t.same(unknown.map(f => `${f.file}:${f.line} ${f.code} (${f.why})`), [], 'no code missing from the catalogue')
  const used = new Set(findings.map(f => f.code))
  // LC_ERR_JOB_UNKNOWN is for an L3 job handler to throw (the L3 router answers it as the nack; test/line/l3/feed.test.ts)
  const forHandlers = new Set(['LC_ERR_JOB_UNKNOWN'])
  const unused = CODES.filter(c => !used.has(c) && !forHandlers.has(c))
  t.same(unused, [], 'and every catalogue code is used somewhere')
})

t.test('docs/alarms.md is the catalogue as it is (regenerate: npx tsx docs/gen-alarms.ts)', async t => {
  const doc = readFileSync(join(ROOT, 'docs', 'alarms.md'), 'utf8')
  t.equal(doc, catalogueMarkdown())
  for (const code of CODES) t.ok(doc.includes(`| \`${code}\` |`), code)
})
