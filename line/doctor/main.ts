// `npm run doctor -- <config.yaml> [--sign-in-oms] [--json] [--lang en]`: checks the services a line's config
// names (the emulators or the real sandbox) and prints one verdict per line. Exit 0 when nothing failed, 1 when a
// check failed, 2 when the config itself cannot be read. Read-only (docs/doctor.md).
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { parseConfig } from '../config/load.ts'
import { systemClock } from '../clock.ts'
import { runDoctor, type Verdict } from './checks.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'sign-in-oms': { type: 'boolean' }, json: { type: 'boolean' }, lang: { type: 'string' } },
})
const path = positionals[0]
if (path === undefined) {
  process.stderr.write('usage: npm run doctor -- <config.yaml> [--sign-in-oms] [--json] [--lang ru|en]\n')
  process.exit(2)
}
const MARK: Record<Verdict['status'], string> = { ok: 'OK  ', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' }
const print = (v: Verdict): void => {
  if (values.json === true) process.stdout.write(JSON.stringify(v) + '\n')
  else process.stdout.write(`${MARK[v.status]} ${v.check}: ${values.lang === 'en' ? v.en : `${v.ru} / ${v.en}`}\n`)
}

let config
try {
  config = parseConfig(readFileSync(path, 'utf8'), path)
} catch (err) {
  print({ check: 'config', status: 'fail', ru: `Конфигурация не читается: ${(err as Error).message}`, en: `The config cannot be read: ${(err as Error).message}` })
  process.exit(2)
}
print({ check: 'config', status: 'ok', ru: `Конфигурация ${path} верна`, en: `Config ${path} is valid` })
const verdicts = await runDoctor(config, { clock: systemClock, signInOms: values['sign-in-oms'] === true })
for (const v of verdicts) print(v)
process.exit(verdicts.some(v => v.status === 'fail') ? 1 : 0)
