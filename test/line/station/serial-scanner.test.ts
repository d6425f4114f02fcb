// A serial scanner on a real serial line (a socat pty pair): reads framed by CR, LF or CR LF arrive with GS intact,
// split across writes or several in one; overlong lines, binary noise and a read without its terminator are refused
// with an alarm and never reach the station as reads; a port that goes away is reopened. Then a whole station
// session through the port: a unit accepted, the same unit again refused, garbage refused, the box closed by its label.
import t from 'tap'
import { symlinkSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'
import { SerialPort } from 'serialport'
import { AlarmBook } from '../../../line/alarms/alarms.ts'
import { Aggregator } from '../../../line/aggregation/aggregator.ts'
import type { JobView } from '../../../line/control.ts'
import { silentLogger } from '../../../line/log.ts'
import { SerialScanner } from '../../../line/station/serial-scanner.ts'
import { StationService, type StationDecision } from '../../../line/station/station.ts'
import { openPtyPair } from '../../../sim/printers/pty.ts'
import { block, GTIN_A, poolFixture } from '../../helpers/pool.ts'
import { tempDir } from '../../helpers/tmp.ts'
import { until, zplRig } from '../../printers/rigs.ts'

const GS = '\u001d'
type T = { teardown(fn: () => unknown): void }

/** The scanner's end of the pair, as a device writes it. */
async function scannerEnd (t: T, path: string): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: 9600, autoOpen: false })
  await new Promise<void>((resolve, reject) => port.open(err => err ? reject(err) : resolve()))
  t.teardown(() => new Promise<void>(resolve => { if (port.isOpen) port.close(() => resolve()); else resolve() }))
  return port
}
const write = (p: SerialPort, data: string | Buffer): Promise<void> => new Promise((resolve, reject) => { p.write(data, err => err ? reject(err) : p.drain(() => resolve())) })

/** `partialTimeoutMs` far above any pause between writes on a busy machine, unless a test is about it. */
async function rig (t: T, terminator: 'cr' | 'lf' | 'crlf' | 'any' = 'any', partialTimeoutMs = 10_000) {
  const pty = await openPtyPair()
  t.teardown(() => pty.close())
  const f = poolFixture(t)
  const alarms = new AlarmBook(f.db, { clock: f.clock, log: silentLogger() })
  const scanner = new SerialScanner({ id: 'sc1', transport: { kind: 'serial', path: pty.b, baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 }, terminator, maxLength: 200, partialTimeoutMs, reconnectMs: 100, alarms, log: silentLogger() })
  const reads: string[] = []
  const refused: string[] = []
  scanner.on('read', r => reads.push(r))
  scanner.on('refused', r => refused.push(r.reason))
  scanner.start()
  t.teardown(() => scanner.close())
  await until(() => scanner.online, 'the scanner port open')
  const dev = await scannerEnd(t, pty.a)
  return { f, alarms, scanner, reads, refused, dev, pty }
}

t.test('framing: CR, LF, CR LF; GS kept; split and joined writes', async t => {
  const r = await rig(t)
  const code = `0104601653030046215abcdEFGhij1${GS}93Ab1+`
  await write(r.dev, `${code}\r\n`)
  await write(r.dev, 'first\rsecond\n')
  await write(r.dev, `]d2${GS}0104601653030046`)
  await write(r.dev, `21xyz${GS}93Qw1=\r`)
  await until(() => r.reads.length >= 4, 'four reads')
  t.same(r.reads, [code, 'first', 'second', `]d2${GS}010460165303004621xyz${GS}93Qw1=`], 'each read once, as sent, the terminator off')
  t.same(r.refused, [])
})

t.test('overlong and binary input is refused with an alarm, and the next read passes', async t => {
  const r = await rig(t)
  await write(r.dev, `${'9'.repeat(500)}\r\n`)
  await write(r.dev, Buffer.from([0x30, 0x31, 0x00, 0xff, 0x1b, 0x0d]))
  await until(() => r.refused.length >= 2, 'two refusals')
  t.same(r.refused, ['overlong', 'binary'])
  const alarm = r.alarms.list().find(a => a.code === 'SCANNER_INPUT' && a.active)
  t.match(alarm?.message, { ru: /Сканер sc1 прислал не код/, en: /Scanner sc1 sent something that is not a code/ })
  await write(r.dev, 'good\r')
  await until(() => r.reads.length >= 1, 'a good read')
  t.same(r.reads, ['good'], 'nothing refused became a read')
  t.notOk(r.alarms.list().some(a => a.code === 'SCANNER_INPUT' && a.active), 'a good read clears the alarm')
})

t.test('a read without its terminator is refused after partialTimeoutMs', async t => {
  const r = await rig(t, 'any', 300)
  await write(r.dev, 'half a code')
  await until(() => r.refused.length >= 1, 'the unterminated read refused', 10_000)
  t.same(r.refused, ['partial'])
  t.same(r.reads, [])
  await write(r.dev, 'next\n')
  await until(() => r.reads.length >= 1, 'the next read')
  t.same(r.reads, ['next'], 'the next read is whole')
})

t.test('a port that goes away is reported and reopened', async t => {
  // the scanner's port is a symlink (as /dev/serial/by-id/… is): pointed at a new pty pair when the cable is back
  const dir = tempDir(t)
  const link = join(dir, 'ttyScanner')
  const first = await openPtyPair()
  symlinkSync(first.b, link)
  const f = poolFixture(t)
  const alarms = new AlarmBook(f.db, { clock: f.clock, log: silentLogger() })
  const scanner = new SerialScanner({ id: 'sc2', transport: { kind: 'serial', path: link, baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 }, terminator: 'any', maxLength: 200, partialTimeoutMs: 300, reconnectMs: 50, alarms, log: silentLogger() })
  const reads: string[] = []
  scanner.on('read', r => reads.push(r))
  scanner.start()
  t.teardown(() => scanner.close())
  await until(() => scanner.online, 'open')
  await first.close() // the cable is pulled
  await until(() => alarms.list().some(a => a.code === 'SCANNER_OFFLINE' && a.active), 'SCANNER_OFFLINE', 10_000)
  t.notOk(scanner.online)
  const second = await openPtyPair()
  t.teardown(() => second.close())
  unlinkSync(link)
  symlinkSync(second.b, link)
  await until(() => scanner.online, 'reopened', 10_000)
  t.notOk(alarms.list().some(a => a.code === 'SCANNER_OFFLINE' && a.active), 'the alarm is cleared')
  const dev = await scannerEnd(t, second.a)
  await write(dev, 'after\r\n')
  await until(() => reads.length >= 1, 'a read after the reopen')
  t.same(reads, ['after'])
})

t.test('a station session through the serial port', async t => {
  const r = await rig(t, 'crlf')
  const f = r.f
  await f.pool.importBlock(block(f, 'a', 20))
  const zpl = await zplRig(t)
  const agg = new Aggregator({ db: f.db, pool: f.pool, clock: f.clock, log: silentLogger(), alarms: r.alarms, companyPrefix: '4601653', extensionDigit: 0, labelPrinter: zpl.zpl })
  const job = { id: 1, gtin: GTIN_A, batch: 'S', group: 'water', unitsPerBox: 2, boxesPerPallet: 0 } as unknown as JobView
  agg.setJob({ id: 1, gtin: GTIN_A, batch: 'S', unitsPerBox: 2, boxesPerPallet: 0 })
  const station = new StationService({ aggregator: agg, pool: f.pool, jobs: { active: () => job, get: id => id === 1 ? job : null }, profiles: f.profiles, unitsPerBox: 2, clock: f.clock, log: silentLogger() })
  const decisions: StationDecision[] = []
  station.on('decision', d => decisions.push(d))
  r.scanner.on('read', text => { void station.scan(text, 'scanner:sc1') })
  r.scanner.on('refused', x => { void station.refuseInput('scanner:sc1', x.preview) })
  const codes = await f.pool.reserve(GTIN_A, 2, 'head-1', { jobId: 1 })
  for (const [i, c] of codes.entries()) await f.pool.transition({ ids: [c.id], to: 'PRINTED', seq: i + 1 })
  await f.pool.transition({ ids: codes.map(c => c.id), to: 'VERIFIED', grade: 'A' })

  await write(r.dev, `${codes[0]!.code}\r\n${codes[0]!.code}\r\n`)
  await write(r.dev, Buffer.concat([Buffer.from('01'), Buffer.from([0x07, 0x80]), Buffer.from('\r\n')]))
  await write(r.dev, `${codes[1]!.code}\r\n`)
  await until(() => decisions.length >= 4, 'four decisions')
  t.same(decisions.map(d => d.code), ['ADDED', 'DUPLICATE', 'BAD_INPUT', 'BOX_FULL'])
  t.ok(decisions.every(d => d.source === 'scanner:sc1'))
  const sscc = decisions[3]!.sscc!
  await write(r.dev, `00${sscc}\r\n`)
  await until(() => decisions.length >= 5, 'the label decision')
  t.equal(decisions[4]!.code, 'CLOSED')
  t.ok(codes.every(c => f.pool.get(c.id)?.state === 'AGGREGATED'))
})
