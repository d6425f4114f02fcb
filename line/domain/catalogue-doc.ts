// docs/alarms.md drawn from the catalogue, so the document cannot drift from the code (written by docs/gen-alarms.ts).
import { CATALOGUE, CODES, SEVERITIES, type CatalogueCode } from './catalogue.ts'

const cell = (s: string): string => s.replaceAll('|', '\\|').replaceAll('\n', ' ')

function table (codes: readonly CatalogueCode[]): string[] {
  const out = ['| code | severity | text (ru / en) | what to do (ru / en) |', '|---|---|---|---|']
  for (const c of codes) {
    const e = CATALOGUE[c]
    out.push(`| \`${c}\` | ${e.severity} | ${cell(e.text.ru)}<br>${cell(e.text.en)} | ${cell(e.action.ru)}<br>${cell(e.action.en)} |`)
  }
  return out
}

export function catalogueMarkdown (): string {
  const errors = CODES.filter(c => c.startsWith('LC_ERR_'))
  const alarms = CODES.filter(c => !c.startsWith('LC_ERR_'))
  const count = (s: string): number => CODES.filter(c => CATALOGUE[c].severity === s).length
  return [
    '# Error and alarm catalogue',
    '',
    '<!-- generated from line/domain/catalogue.ts by `npx tsx docs/gen-alarms.ts`; test/line/domain/catalogue.test.ts fails when it is stale -->',
    '',
    'Every error code (`LC_ERR_*`, carried by a `LineError`) and every alarm code the line raises is defined once, in',
    '`line/domain/catalogue.ts`: its severity, the operator\'s text in Russian and English (`{name}` is filled in from the',
    'alarm\'s parameters) and what the operator should do. A code that is not in the catalogue does not compile; no code is',
    'built at runtime (fault kinds map to `FAULT_*` codes in `line/alarms/faults.ts`, emission alarms name their `EMISSION_*`',
    'code). Any code may be raised as an alarm; technical detail (an API answer, an exception) travels apart from the',
    'text, in the alarm\'s `detail`, and the panel shows it folded away.',
    '',
    `Severity, one scale for the whole line (${SEVERITIES.map(s => `${s}: ${count(s)}`).join(', ')}):`,
    '- `info` — something to know, nothing to do now;',
    '- `warning` — the line runs on, somebody should look;',
    '- `fault` — the line cannot go on safely (it holds or aborts), or a product or report needs a person\'s hand.',
    '',
    'The emission module\'s former `alarm` and the outbox\'s former `error` levels are `fault`.',
    '',
    `## Alarms (${alarms.length})`,
    '',
    ...table(alarms),
    '',
    `## Errors (${errors.length})`,
    '',
    'Carried by `LineError` subclasses (callers branch on `code`, never on the message). The report outbox raises',
    '`LC_ERR_REPORT_REJECTED` and `LC_ERR_SIGNER` as alarms too.',
    '',
    ...table(errors),
    '',
  ].join('\n')
}
