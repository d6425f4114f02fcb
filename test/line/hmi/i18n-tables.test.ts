// The panel's translation tables are complete: every device kind, state, printer fault and warning, every audit
// action and result the types allow has a Russian and an English text, and the panel's dates do not follow the
// browser's locale. The lists come from the exported const arrays, so a new value without its texts fails here.
import t, { type Test } from 'tap'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEVICE_FACT_KEYS, DEVICE_KINDS, DEVICE_STATES, type DeviceFact } from '../../../line/control.ts'
import { AUDIT_ACTIONS, AUDIT_RESULTS } from '../../../line/hmi/audit-names.ts'
import { ACTIONS } from '../../../line/hmi/roles.ts'
import { fmtDateTime, fmtTime } from '../../../line/hmi/panel/dates.ts'
import { AUDIT_ACTION_TEXT, AUDIT_RESULT_TEXT, actionText, actorText, resultText } from '../../../line/hmi/panel/i18n-audit.ts'
import { DEVICE_KIND_TEXT, DEVICE_STATE_TEXT, PRINTER_FAULT_TEXT, PRINTER_WARNING_TEXT, factText } from '../../../line/hmi/panel/i18n-devices.ts'
import { PRINTER_FAULTS, PRINTER_WARNINGS } from '../../../printers/types.ts'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const CYRILLIC = /[А-Яа-яЁё]/

function complete (t: Test, what: string, values: readonly string[], table: Readonly<Record<string, { ru: string, en: string } | undefined>>): void {
  for (const v of values) {
    const text = table[v]
    if (text === undefined) { t.fail(`${what} ${v}: no text`); continue }
    t.match(text.ru, CYRILLIC, `${what} ${v}: Russian text`)
    t.ok(text.en.trim().length > 0, `${what} ${v}: English text`)
    t.not(text.ru, v, `${what} ${v}: not the raw code in Russian`)
  }
  t.same(Object.keys(table).sort(), [...values].sort(), `${what}: no text for a value that does not exist`)
}

t.test('device tiles: every kind, state, fault and warning in both languages', async t => {
  complete(t, 'kind', DEVICE_KINDS, DEVICE_KIND_TEXT)
  complete(t, 'state', DEVICE_STATES, DEVICE_STATE_TEXT)
  complete(t, 'fault', PRINTER_FAULTS, PRINTER_FAULT_TEXT)
  complete(t, 'warning', PRINTER_WARNINGS, PRINTER_WARNING_TEXT)
})

t.test('every fact a tile carries is worded, with no code left raw', async t => {
  const facts: DeviceFact[] = [
    ...PRINTER_FAULTS.map(value => ({ key: 'fault' as const, value })),
    ...PRINTER_WARNINGS.map(value => ({ key: 'warning' as const, value })),
    { key: 'connecting', value: true }, { key: 'buffer', value: 30 },
    { key: 'role', value: 'unit' }, { key: 'role', value: 'box' }, { key: 'role', value: 'pallet' },
    { key: 'triggers', value: 18 }, { key: 'rejects', value: 2 }, { key: 'address', value: 'mqtt://10.0.0.5:1883' }, { key: 'pending', value: 7 },
  ]
  t.same([...new Set(facts.map(f => f.key))].sort(), [...DEVICE_FACT_KEYS].sort(), 'every kind of fact is tried')
  for (const f of facts) {
    const ru = factText(f, 'ru')
    const en = factText(f, 'en')
    if (f.key === 'address') { t.equal(ru, f.value, 'an address is shown as it is'); continue }
    t.match(ru, CYRILLIC, `${f.key} ${String(f.value)} in Russian: ${ru}`)
    t.notMatch(en, /\b[a-z]+-[a-z]+\b/, `${f.key} ${String(f.value)} in English has no raw code: ${en}`)
    if (typeof f.value === 'number') t.match(ru, String(f.value), 'the number is kept')
  }
})

t.test('audit trail: every action and result in both languages', async t => {
  complete(t, 'action', AUDIT_ACTIONS, AUDIT_ACTION_TEXT)
  complete(t, 'result', AUDIT_RESULTS, AUDIT_RESULT_TEXT)
  t.equal(actionText('cmd:start', 'ru'), 'Пуск')
  t.equal(resultText('refused', 'en'), 'refused by the line')
  t.equal(actorText('plc', 'ru'), 'ПЛК')
  t.equal(actorText('ivanov', 'ru'), 'ivanov', 'a person is their user name')
  t.match(actorText('l3:J-7', 'ru'), /L3\), задание J-7$/)
})

/** Every .ts file under a directory of the line. */
function sources (dir: string): string[] {
  return readdirSync(dir).flatMap(name => {
    const p = join(dir, name)
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : []
  })
}

t.test('every action name the server and the line write into the trail is one the panel has words for', async t => {
  const written = new Set<string>()
  for (const file of sources(join(ROOT, 'line'))) {
    const src = readFileSync(file, 'utf8')
    // audit(s, 'x', …), store.audit({ … action: 'x' …}), act(req, 'x', …), admin(req, 'x'), this.#operation(actor, 'x', …) …
    for (const m of src.matchAll(/(?:\baudit|\badmin|\bact|\brun|\bpermitted|\baudited|#operation)\([^,()]*, '([a-z0-9:-]+)'/g)) written.add(m[1] as string)
    for (const m of src.matchAll(/\baudit\(\{[^}]*\baction: '([a-z0-9:-]+)'/g)) written.add(m[1] as string)
  }
  t.ok(written.size >= 25, `found the trail's writers (${written.size} names)`)
  for (const a of written) t.ok((AUDIT_ACTIONS as readonly string[]).includes(a), `${a} is an audit action with texts`)
  // the line's commands are written as cmd:<command>: the role table names every one
  t.ok(ACTIONS.filter(a => a.startsWith('cmd:')).length >= 10)
})

t.test('dates as the operator\'s language writes them, never the browser\'s locale', async t => {
  const at = new Date(2026, 10, 5, 7, 3, 9).getTime()
  t.equal(fmtDateTime(at, 'ru'), '05.11.2026 07:03:09')
  t.equal(fmtDateTime(at, 'en'), '05 Nov 2026 07:03:09')
  t.equal(fmtTime(at), '07:03:09')
  t.equal(fmtDateTime(null, 'ru'), '—')
})
