import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError, loadConfig, parseConfig } from '../../line/config/load.ts'
import { tempDir } from '../helpers/tmp.ts'

t.test('the demo config is valid and gets defaults', async t => {
  const c = loadConfig('config/demo.yaml')
  t.equal(c.site, 'demo-plant')
  t.equal(c.printers.length, 2)
  t.equal(c.printers[0]?.driver, 'modbus-head')
  t.equal(c.pool.minRemainingValidity, 86_400_000, '"24h" became milliseconds')
  t.equal(c.oms?.timeoutMs, 15_000)
  t.equal(c.hmi.port, 8080)
})

t.test('minimal config: only site and line', async t => {
  const c = parseConfig('site: s\nline: l\n')
  t.equal(c.store.synchronous, 'FULL')
  t.same(c.printers, [])
})

t.test('every problem is listed with its path', async t => {
  const yaml = `
site: plant
line: "line 1"
printers:
  - id: head-1
    driver: modbus-head
    transport: { kind: tcp, port: 502 }
  - id: head-1
    driver: modbus-head
    transport: { kind: tcp, port: "502" }
  - id: p3
    driver: inkjet
  - id: p4
    driver: zpl-label
    transport: { kind: serial, path: /dev/ttyS0, baudRate: 12345 }
    colour: red
hmi: { sessionTtl: "soon" }
`
  const err = t.throws(() => parseConfig(yaml, 'bad.yaml')) as ConfigError
  t.ok(err instanceof ConfigError)
  t.equal(err.code, 'LC_ERR_CONFIG')
  const p = err.problems.join('\n')
  t.match(p, /^line: letters, digits/m)
  t.match(p, /^printers\[1\]\.transport\.port: expected integer, received "502"$/m)
  t.match(p, /^printers\[2\]\.driver: expected driver "modbus-head" or "zpl-label"$/m)
  t.match(p, /^printers\[3\]\.transport\.baudRate: expected a standard baud rate/m)
  t.match(p, /^printers\[3\]: unknown key "colour"$/m)
  t.match(p, /^hmi\.sessionTtl: /m)
  t.match(err.message, /^invalid config bad\.yaml:/)
  t.notMatch(err.message, /at .*\.ts:\d+/, 'no stack trace in the message')
})

t.test('cross-field checks once fields are valid', async t => {
  const err = t.throws(() => parseConfig(`
site: s
line: l
pool: { lowWatermarkMinutes: 100, targetMinutes: 50 }
printers:
  - { id: head-1, driver: modbus-head, transport: { kind: tcp, port: 502 } }
  - { id: head-1, driver: zpl-label, transport: { kind: tcp, port: 9100 } }
cameras: [{ id: c }, { id: c }]
`)) as ConfigError
  t.same(err.problems, [
    'printers[1].id: duplicate id "head-1" (also printers[0])',
    'cameras[1].id: duplicate id "c" (also cameras[0])',
    'pool.targetMinutes: must not be below lowWatermarkMinutes',
  ])
})

t.test('missing required keys, YAML syntax errors and unreadable files', async t => {
  const e1 = t.throws(() => parseConfig('line: l\n')) as ConfigError
  t.same(e1.problems, ['site: required'])
  const e2 = t.throws(() => parseConfig('site: [unclosed\n')) as ConfigError
  t.match(e2.problems[0], /^line \d+: /)
  const e3 = t.throws(() => loadConfig('/nonexistent/line.yaml')) as ConfigError
  t.match(e3.problems[0], /cannot read the file/)
  const dir = tempDir(t)
  writeFileSync(join(dir, 'x.yaml'), 'site: s\nline: l\njob: { group: water, gtin: "123", batch: b, productionDate: "25.11.2026", quantity: 0 }\n')
  const e4 = t.throws(() => loadConfig(join(dir, 'x.yaml'))) as ConfigError
  t.same(e4.problems.sort(), ['job.gtin: expected 14 digits', 'job.productionDate: expected a date yyyy-MM-dd', 'job.quantity: must be at least 1'].sort())
})
