// Head register maps as data: the map file's schema refuses bad maps key by key, the shipped maps load, the codec
// follows the map, and a single-field head (the Hitachi UX map) is driven over Modbus TCP on loopback.
import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseConfig } from '../../line/config/load.ts'
import { preflightProblems } from '../../line/config/preflight.ts'
import { PrintDataCharsetError } from '../../printers/errors.ts'
import { createPrinter } from '../../printers/factory.ts'
import { charCodes, chunks, codesToText, counterDelta, counterValue, counterWords, decodeCodes, encodeCodes } from '../../printers/modbus-head/codec.ts'
import { HeadMapError, headMapPath, loadHeadMap, parseHeadMap } from '../../printers/modbus-head/head-map.ts'
import type { PrintDone, PrintMissed } from '../../printers/types.ts'
import { ModbusHeadSim } from '../../sim/printers/modbus-head.ts'
import { tempDir } from '../helpers/tmp.ts'
import { codes, hitachiTestMap, modbusRig, until, untilStatus } from './rigs.ts'

/** The generic map file as parsed JSON, to break one key at a time. */
function genericRaw (): Record<string, any> {
  return JSON.parse(readFileSync(headMapPath('generic'), 'utf8')) as Record<string, any>
}

function problemsOf (raw: unknown): string[] {
  try { parseHeadMap(raw, 'test.json') } catch (err) {
    if (err instanceof HeadMapError) return err.problems
    throw err
  }
  return []
}

t.test('the shipped maps load and say where their numbers come from', async t => {
  for (const name of ['generic', 'hitachi-ux']) {
    const m = loadHeadMap(name)
    t.equal(m.name, name)
    t.ok(m.source.document.length > 0, `${name}: cites its document`)
  }
  const h = loadHeadMap('hitachi-ux')
  t.equal(h.buffer.kind, 'single')
  t.equal(h.record.write, 'transaction')
  t.same([h.counter.register.area, h.counter.register.address, h.counter.width], ['holding', 0x25b2, 32])
  t.match(h.source.urls?.join(' '), /manualslib\.com\/manual\/1352637/)
})

t.test('a bad map is refused with every problem named by its key', async t => {
  const cases: Array<[string, (m: Record<string, any>) => void, RegExp]> = [
    ['unknown key', m => { m.colour = 'red' }, /^\(root\): unknown key "colour"/],
    ['missing counter', m => { delete m.counter }, /^counter: required/],
    ['counter width', m => { m.counter.width = 24 }, /^counter\.width: /],
    ['word order', m => { m.counter.wordOrder = 'middle' }, /^counter\.wordOrder: /],
    ['register outside every poll block', m => { m.counter.register.address = 40 }, /^counter\.register: input register 40…41 is in no poll block/],
    ['register area', m => { m.online.register.area = 'coil' }, /^online\.register\.area: /],
    ['hex address', m => { m.record.seq = '0xZZ' }, /^record\.seq: expected 0…65535 or hex text/],
    ['status kind', m => { m.status[0].kind = 'flags' }, /^status\[0\]\.kind: expected kind "bits"/],
    ['status bit', m => { m.status[0].bits['16'] = 'ready' }, /^status\[0\]\.bits\.16: expected a bit number 0…15/],
    ['status condition', m => { m.status[0].bits['0'] = 'sleepy' }, /^status\[0\]\.bits\.0: /],
    ['error text', m => { m.errors.codes['1'] = { ru: 'нет чернил' } }, /^errors\.codes\.1\.en: required/],
    ['encoding', m => { m.encoding = { kind: 'ebcdic' } }, /^encoding\.kind: expected kind "ascii-packed", "ucs2" or "attributed-ucs2"/],
    ['record too long for one write', m => { m.record.maxChars = 250 }, /^record\.maxChars: a block of 127 registers does not fit one write/],
    ['record layout', m => { m.record.data = 120 }, /^record\.length: a block record is \[seq, length, data…\]/],
    ['buffer kind', m => { m.buffer.kind = 'ring' }, /^buffer\.kind: expected kind "fifo"/],
    ['fifo with a transaction record', m => { m.record = { write: 'transaction', transaction: { register: 0, start: 1, stop: 2 }, length: 100, data: 101, maxChars: 150 } }, /^record\.write: a fifo buffer commits by sequence number/],
    ['function code not listed', m => { m.functionCodes = [3, 6, 16] }, /^poll\[0\]\.area: reading input registers needs function code 4/],
    ['poll block too long', m => { m.maxReadRegisters = 10 }, /^poll\[0\]\.length: 11 registers is more than maxReadRegisters \(10\)/],
    ['charset above 8 bits for ascii', m => { m.charset.max = '0x100' }, /^charset\.max: ascii-packed holds 8-bit characters/],
    ['substitute key', m => { m.charset.substitute = { GS: 29 } }, /^charset\.substitute\.GS: expected one character/],
    ['no source', m => { delete m.source }, /^source: required/],
  ]
  for (const [what, breakIt, expected] of cases) {
    const raw = genericRaw()
    breakIt(raw)
    const p = problemsOf(raw)
    t.ok(p.some(x => expected.test(x)), `${what}: ${JSON.stringify(p)}`)
  }
  t.same(problemsOf(genericRaw()), [], 'the generic map itself is fine')
})

t.test('a map file is a .json or .yaml file; a bad one stops the line before it starts, named by its key', async t => {
  const dir = tempDir(t)
  const yamlPath = join(dir, 'my-head.yaml')
  const { stringify } = await import('yaml')
  writeFileSync(yamlPath, stringify({ ...genericRaw(), name: 'my-head' }))
  t.equal(loadHeadMap(yamlPath).name, 'my-head', 'YAML works too')
  const bad = join(dir, 'bad.json')
  writeFileSync(bad, JSON.stringify({ ...genericRaw(), counter: { register: { area: 'input', address: 4 }, width: 8 } }))
  t.throws(() => loadHeadMap(bad), { code: 'LC_ERR_PRINTER_CONFIG' })
  t.throws(() => loadHeadMap(join(dir, 'missing.json')), /cannot read the file/)
  const c = parseConfig(`site: s\nline: l\nstore: { path: ${join(dir, 'line.db')} }\nhmi: { port: 0 }\nbroker: { port: 0 }\nprinters:\n  - { id: h1, driver: modbus-head, transport: { kind: tcp, port: 1502 }, map: ${bad} }\n  - { id: h2, driver: modbus-head, transport: { kind: tcp, port: 1503 }, map: no-such-head }\n  - { id: h3, driver: modbus-head, transport: { kind: tcp, port: 1504 } }\n`)
  t.equal(c.printers[2]?.driver === 'modbus-head' ? c.printers[2].map : undefined, 'generic', 'the generic map by default')
  const problems = await preflightProblems(c)
  t.match(problems, [/^printers\[0\]\.map: .*bad\.json: counter\.width: /, /^printers\[1\]\.map: .*no-such-head\.json: cannot read the file/])
  t.equal(problems.length, 2)
})

t.test('the codec follows the map: word order, counter width, character layouts, chunks', async t => {
  const c32 = { register: { area: 'input' as const, address: 0 }, width: 32 as const, wordOrder: 'low-first' as const }
  t.equal(counterValue([0x5678, 0x1234], c32), 0x12345678)
  t.same(counterWords(0x12345678, c32), [0x5678, 0x1234])
  t.equal(counterDelta(0xfffe, 1, 16), 3, '16-bit counters wrap at 65536')
  t.equal(counterDelta(0xffffffff, 0, 32), 1)
  t.same(encodeCodes([0x41, 0x42, 0x43], { kind: 'ascii-packed', byteOrder: 'low-first' }), [0x4241, 0x0043])
  t.same(decodeCodes([0x4241, 0x0043], 3, { kind: 'ascii-packed', byteOrder: 'low-first' }), [0x41, 0x42, 0x43])
  // Hitachi UX manual §4.7 (2): "ABC123" is written as 0000 0041 0000 0042 0000 0043 … 0000 0033.
  const h = loadHeadMap('hitachi-ux')
  const abc = charCodes('ABC123', h.charset)
  t.same('codes' in abc ? encodeCodes(abc.codes, h.encoding) : null, [0, 0x41, 0, 0x42, 0, 0x43, 0, 0x31, 0, 0x32, 0, 0x33])
  t.same(charCodes('01\u001d93', h.charset), { bad: { at: 2, code: 0x1d } }, 'GS is outside the manual\'s 0x0020…0xFFFF')
  const sub = hitachiTestMap().charset
  const gs = charCodes('01\u001d93', sub)
  t.same(gs, { codes: [0x30, 0x31, 0xe01d, 0x39, 0x33] })
  t.equal(codesToText((gs as { codes: number[] }).codes, sub), '01\u001d93')
  t.same(chunks(new Array(250).fill(0), 123, h.encoding).map(c => c.length), [122, 122, 6], 'never splits a character\'s two registers')
})

function collect (p: { on(e: 'printed', f: (d: PrintDone) => void): unknown, on(e: 'missed', f: (d: PrintMissed) => void): unknown }): { done: PrintDone[], missed: PrintMissed[] } {
  const r = { done: [] as PrintDone[], missed: [] as PrintMissed[] }
  p.on('printed', d => r.done.push(d))
  p.on('missed', m => r.missed.push(m))
  return r
}

t.test('Hitachi UX: the field is written as one Start/Stop transaction and holds one code; the rest wait on the host', async t => {
  const rig = await modbusRig(t, { map: hitachiTestMap() })
  const items = codes(3)
  await rig.head.load(items)
  await until(() => rig.sim.fresh, 'the first code in the field')
  t.same(rig.sim.buffer, [items[0]?.code], 'one code in the head')
  t.equal(rig.head.status().bufferLevel, 3, 'all three are the driver\'s to account for')
  t.equal(rig.head.room(), 16 - 3, 'bufferDepth is the host-side depth')
})

t.test('Hitachi UX: a product that comes before the next code is written repeats the last code: reported missed', async t => {
  const rig = await modbusRig(t, { map: hitachiTestMap(), pollIntervalMs: 200 })
  const ev = collect(rig.head)
  await rig.head.load(codes(1))
  await until(() => rig.sim.fresh && rig.sim.readsSinceChange >= 4, 'the code applied and seen')
  rig.sim.trigger()
  rig.sim.trigger() // the second product arrives before the driver could replace or erase the code
  await until(() => ev.done.length === 1 && ev.missed.length === 1, 'one print, one repeat')
  t.same(ev.done.map(d => d.item.id), [1])
  t.same(ev.missed.map(m => m.ambiguous), [false], 'it is known which product got the repeat')
  t.equal(rig.sim.printed.length, 2, 'the head did print the code twice: the line must reject the second product')
  await until(() => rig.sim.buffer.length === 0, 'the printed code erased from the field')
  rig.sim.trigger()
  t.equal(rig.sim.printed.length, 2, 'an erased field prints nothing')
})

t.test('Hitachi UX: a product passing while the field changes makes that code uncertain, never reused', async t => {
  const rig = await modbusRig(t, { map: hitachiTestMap(), pollIntervalMs: 5 })
  const ev = collect(rig.head)
  await rig.head.load(codes(2))
  await until(() => rig.sim.fresh && rig.sim.readsSinceChange >= 4, 'the first code applied and seen')
  rig.sim.misbehave({ mode: 'delay', ms: 60 }) // a slow head: the next write takes several hundred ms
  rig.sim.trigger()
  await until(() => ev.done.length === 1, 'first print confirmed', 3000)
  await new Promise(resolve => setTimeout(resolve, 250)) // the driver is now writing code 2
  rig.sim.trigger()
  await until(() => ev.missed.length === 1, 'the product in the window reported', 5000)
  t.same(ev.missed.map(m => m.ambiguous), [true], 'which code it got is unknown')
  rig.sim.behave()
  const r = await rig.head.clear()
  t.same(r.uncertain.map(i => i.id), [2], 'code 2 may be on that product: it is written off, not reused')
  t.same(r.unprinted, [])
  t.same(rig.sim.buffer, [], 'and erased from the field')
})

t.test('Hitachi UX: a link drop between codes: the driver reconnects and carries on with the queued codes in order', async t => {
  const rig = await modbusRig(t, { map: hitachiTestMap() })
  const ev = collect(rig.head)
  const items = codes(3)
  await rig.head.load(items)
  await rig.print(1)
  await until(() => ev.done.length === 1, 'first print confirmed')
  // Between codes: code 2 written and read back. (A drop during the transaction would leave code 2 queued, or, on
  // a lost answer to "stop", uncertain: the previous test's rules.)
  await until(() => rig.sim.fresh && rig.sim.readsSinceChange >= 4, 'code 2 in the field and seen')
  rig.sim.dropConnections()
  await untilStatus(rig.head, s => s.state === 'ready' && !s.faults.includes('comms-lost'), 'ready again')
  await rig.print(2)
  await until(() => ev.done.length === 3, 'all three confirmed')
  t.same(ev.done.map(d => d.item.id), [1, 2, 3])
  t.same(rig.sim.printed.map(p => p.code), items.map(i => i.code), 'each code printed once')
  t.same(ev.missed, [])
})

t.test('Hitachi UX: clear() erases the field; a loaded code never printed is proven unprinted', async t => {
  const rig = await modbusRig(t, { map: hitachiTestMap() })
  await rig.head.load(codes(3))
  await until(() => rig.sim.fresh, 'code 1 in the field')
  const r = await rig.head.clear()
  t.same(r.unprinted.map(i => i.id).sort(), [1, 2, 3])
  t.same(r.uncertain, [])
  t.same(rig.sim.buffer, [])
  rig.sim.trigger()
  t.equal(rig.sim.printed.length, 0)
})

t.test('Hitachi UX: the shipped map refuses a GS separator before writing anything', async t => {
  const rig = await modbusRig(t, { map: loadHeadMap('hitachi-ux') })
  const before = rig.sim.requests
  const err = await rig.head.load(codes(1)).catch((e: unknown) => e)
  t.ok(err instanceof PrintDataCharsetError)
  t.match(err, { code: 'LC_ERR_PRINT_DATA_CHARSET', context: { id: 1, charCode: 0x1d } })
  await new Promise(resolve => setTimeout(resolve, 20))
  t.same(rig.sim.buffer, [])
  t.ok(rig.head.status().faults.includes('data-too-long'))
  t.ok(rig.sim.requests >= before, 'only polls reached the head')
})

t.test('Hitachi UX: operation and warning codes map onto the status model with their texts', async t => {
  const rig = await modbusRig(t, { map: hitachiTestMap(), sim: { inkPrints: 3, inkLowAt: 2 } })
  rig.sim.setFault('cover-open')
  let s = await untilStatus(rig.head, s => s.faults.includes('head-open'), 'head-open')
  t.match(s.detail, /0x38: открыта крышка печатающей головки \/ Print head cover open/)
  rig.sim.setFault('cover-open', false)
  await rig.head.load(codes(3))
  await rig.print(2)
  s = await untilStatus(rig.head, s => s.warnings.includes('ink-low'), 'ink-low from the warning status word')
  t.equal(s.state, 'ready')
  await rig.print(1)
  s = await untilStatus(rig.head, s => s.faults.includes('ink-out'), 'ink-out')
  t.match(s.detail, /0x44/)
})

t.test('the factory builds a head with the map its config names', async t => {
  const sim = new ModbusHeadSim({ map: hitachiTestMap() })
  const port = await sim.listenTcp()
  const p = createPrinter({ id: 'ux', driver: 'modbus-head', transport: { kind: 'tcp', host: '127.0.0.1', port }, map: 'hitachi-ux', unitId: 1, bufferDepth: 4, pollIntervalMs: 5, timeoutMs: 1000 })
  t.teardown(async () => { await p.close(); await sim.close() })
  await p.connect()
  t.equal(p.status().state, 'ready')
  t.throws(() => createPrinter({ id: 'x', driver: 'modbus-head', transport: { kind: 'tcp', host: '127.0.0.1', port }, map: 'no-such-head', unitId: 1, bufferDepth: 4, pollIntervalMs: 5, timeoutMs: 1000 }), { code: 'LC_ERR_PRINTER_CONFIG' })
})

