import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError, loadConfig, parseConfig } from '../../line/config/load.ts'
import { tempDir } from '../helpers/tmp.ts'
import { createPrinter, type ZplLabelConfig } from '../../printers/factory.ts'
import { DEFAULT_UNIT_TEMPLATE, ssccTemplateFor, unitTemplateFor } from '../../printers/zpl-label/zpl.ts'
import { ZplPrinterSim } from '../../sim/printers/zpl-printer.ts'

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
  t.match(p, /^printers\[2\]\.driver: expected driver "modbus-head", "zpl-label", "videojet-ztcp" or "panasonic-lp"$/m)
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
  writeFileSync(join(dir, 'x.yaml'), 'site: s\nline: l\njob: { group: water, gtin: "123", batch: b, productionDate: "25.11.2026", expiryDate: "2027-11-25", quantity: 0 }\n')
  const e4 = t.throws(() => loadConfig(join(dir, 'x.yaml'))) as ConfigError
  t.same(e4.problems.sort(), ['job.gtin: expected 14 digits', 'job.productionDate: expected a date yyyy-MM-dd', 'job.quantity: must be at least 1'].sort())
})

t.test('box and pallet cameras read the labels of a box/pallet label printer; without one they are refused', async t => {
  const err = t.throws(() => parseConfig('site: s\nline: l\ncameras: [{ id: u }, { id: b, role: box }, { id: p, role: pallet }]\n')) as ConfigError
  t.same(err.problems, [
    'cameras[1].role: a box camera reads box/pallet labels: configure a zpl-label printer with role box or pallet',
    'cameras[2].role: a pallet camera reads box/pallet labels: configure a zpl-label printer with role box or pallet',
  ])
  const c = parseConfig('site: s\nline: l\nprinters: [{ id: lbl, driver: zpl-label, role: box, transport: { kind: tcp, port: 9100 } }]\ncameras: [{ id: u }, { id: b, role: box, distance: 30 }]\n')
  t.same(c.cameras.map(x => x.role), ['unit', 'box'], 'a box camera is accepted, and it is not bound by the reject decision point')
  t.equal(parseConfig('site: s\nline: l\ncameras: [{ id: u, role: unit }]\n').cameras[0]?.role, 'unit')
})

t.test('a unit camera must see the product before the reject decision point', async t => {
  // decision point: rejectDistance − rejectMargin = 10 − 2 = 8 pitches after the print station
  const ok = parseConfig('site: s\nline: l\nplc: { rejectDistance: 10, rejectMargin: 2 }\ncameras: [{ id: c, distance: 7 }]\n')
  t.equal(ok.cameras[0]?.distance, 7, 'one pitch before the decision point is fine')
  const err = t.throws(() => parseConfig('site: s\nline: l\nplc: { rejectDistance: 10, rejectMargin: 2 }\ncameras: [{ id: a, distance: 3 }, { id: c, distance: 8 }, { id: d, distance: 12 }]\n')) as ConfigError
  t.equal(err.problems.length, 2)
  t.match(err.problems[0], /^cameras\[1\]\.distance: must be below plc\.rejectDistance − plc\.rejectMargin \(10 − 2 = 8\)/)
  t.match(err.problems[1], /^cameras\[2\]\.distance: must be below plc\.rejectDistance − plc\.rejectMargin/)
  // the defaults (camera 2 pitches, gate 5, margin 2) hold together
  t.equal(parseConfig('site: s\nline: l\ncameras: [{ id: c }]\n').cameras[0]?.distance, 2)
})

t.test('a reject margin that leaves no pitch before the decision is refused', async t => {
  const over = t.throws(() => parseConfig('site: s\nline: l\nplc: { rejectDistance: 3, rejectMargin: 4 }\n')) as ConfigError
  t.same(over.problems, ['plc.rejectMargin: must be below plc.rejectDistance (3): products are decided rejectMargin pitches before the gate'])
  const equal = t.throws(() => parseConfig('site: s\nline: l\nplc: { rejectDistance: 3, rejectMargin: 3 }\ncameras: [{ id: c, distance: 0 }]\n')) as ConfigError
  t.same(equal.problems, ['plc.rejectMargin: must be below plc.rejectDistance (3): products are decided rejectMargin pitches before the gate'], 'named once, not once per camera')
  t.equal(parseConfig('site: s\nline: l\nplc: { rejectDistance: 3, rejectMargin: 2 }\n').plc.rejectMargin, 2)
})

t.test('label dpi: validated and used to scale the built-in layouts', async t => {
  const err = t.throws(() => parseConfig('site: s\nline: l\nprinters: [{ id: z, driver: zpl-label, dpi: 250, transport: { kind: tcp, port: 9100 } }]\n')) as ConfigError
  t.same(err.problems, ['printers[0].dpi: expected 203, 300 or 600'])
  const c = parseConfig('site: s\nline: l\nprinters: [{ id: z, driver: zpl-label, dpi: 300, transport: { kind: tcp, port: 9100 } }]\n')
  const p = c.printers[0]
  t.equal(p?.driver === 'zpl-label' ? p.dpi : undefined, 300)
  t.equal(unitTemplateFor(203), DEFAULT_UNIT_TEMPLATE, 'the built-in layout is drawn at 203 dpi')
  const at300 = unitTemplateFor(300)
  t.match(at300, /\^PW591\^LL443\^/, 'a 50 mm label is 591 dots wide at 300 dpi')
  t.match(at300, /\^BXN,9,/, 'the DataMatrix module keeps its size in millimetres')
  t.match(ssccTemplateFor(600), /\^PW2365\^LL1773\^/)
  // the printer built from that entry prints the 300-dpi layout on a real (simulated) printer over TCP
  const sim = new ZplPrinterSim()
  const port = await sim.listenTcp()
  const printer = createPrinter({ ...p as ZplLabelConfig, statusIntervalMs: 20, transport: { kind: 'tcp', host: '127.0.0.1', port } })
  t.teardown(async () => { await printer.close(); await sim.close() })
  await printer.connect()
  await printer.load([{ id: 1, code: '0104601653003004215abcdef\u001d93xyzw' }])
  const end = Date.now() + 5000
  while (sim.printed.length === 0 && Date.now() < end) await new Promise(resolve => setTimeout(resolve, 5))
  t.match(sim.printed[0]?.zpl, /\^PW591\^LL443\^FO44,44\^BXN,9,/, 'the label on the wire is the 300-dpi layout')
})

t.test("the job section: what its product group's reports need, named per field with the guide table (docs/groups.md)", async t => {
  const job = 'group: beer, gtin: "04601653030046", batch: b, productionDate: "2026-11-25", expiryDate: "2027-11-25", quantity: 10'
  const e = t.throws(() => parseConfig(`site: s\nline: l\njob: { ${job} }\n`)) as ConfigError
  t.same(e.problems.map(p => p.replace(/:.*/s, '')).sort(), ['job.alcoholVolume', 'job.documentDate', 'job.documentNumber', 'job.participantId'])
  t.match(e.problems.join('\n'), /^job\.participantId: Participant INN: required for beer \(Table 126\) \/ ИНН участника: обязательно для группы beer/m)
  t.ok(parseConfig(`site: s\nline: l\njob: { ${job}, participantId: "7700000000", kpp: "770001001", alcoholVolume: "4.5", documentNumber: "D-1", documentDate: "2026-11-25" }\n`).job)
  const pharma = t.throws(() => parseConfig('site: s\nline: l\njob: { group: pharma, gtin: "04601653030046", batch: b, productionDate: "2026-11-25", quantity: 10 }\n')) as ConfigError
  t.match(pharma.problems.join('\n'), /^job\.group: medicines: everything after emission goes through MDLP/m)
  // §4.4.10 note 1: no OMS aggregation for nabeer
  const oms = 'oms: { url: "http://127.0.0.1:1", omsId: "cdf12109-10d3-11e6-8b6f-0050569977a1", clientToken: t }'
  const nabeer = 'job: { group: nabeer, gtin: "04601653030046", batch: b, productionDate: "2026-11-25", expiryDate: "2027-11-25", kpp: "770001001", quantity: 10, unitsPerBox: 6 }'
  const viaOms = t.throws(() => parseConfig(`site: s\nline: l\n${oms}\n${nabeer}\n`)) as ConfigError
  t.match(viaOms.problems.join('\n'), /^job\.unitsPerBox: the OMS takes no aggregation reports for nabeer/m)
})

t.test('plant: the register of pre-applied codes — off by default, a postgres URL, hold unless told otherwise', async t => {
  t.equal(parseConfig('site: s\nline: l\n').plant, undefined, 'off unless configured')
  t.same(parseConfig('site: s\nline: l\nplant: { url: "postgres://line@db.plant:5432/codes" }\n').plant, { url: 'postgres://line@db.plant:5432/codes', timeoutMs: 300, whenUnreachable: 'hold', retryMs: 5000 })
  t.equal(parseConfig('site: s\nline: l\nplant: { url: "postgresql://db/codes", whenUnreachable: local, timeoutMs: 1s }\n').plant?.timeoutMs, 1000)
  const bad = t.throws(() => parseConfig('site: s\nline: l\nplant: { url: "http://db/codes", whenUnreachable: maybe }\n')) as ConfigError
  t.match(bad.message, /plant\.url.*postgres/s)
  t.match(bad.message, /plant\.whenUnreachable/)
})
