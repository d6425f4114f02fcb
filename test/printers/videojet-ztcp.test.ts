// videojet-ztcp: the command/answer codec, and the driver against the ZTCP simulator — failure answers, garbage,
// silence, lost answers, faults — each an alarm-worthy status, never a crash, every code accounted for.
import t from 'tap'
import { DataTooLongError, LoadInterruptedError, PrinterRefusedError, PrinterTimeoutError } from '../../printers/errors.ts'
import type { PrintDone, PrinterStatus } from '../../printers/types.ts'
import { encodeCommand, LineReader, parseErrorList, parseReply, parseState, ZtcpSyntaxError } from '../../printers/videojet-ztcp/codec.ts'
import { ZtcpPrinter } from '../../printers/videojet-ztcp/driver.ts'
import { tcpStream } from '../../printers/transport.ts'
import { codes, until, untilStatus, ztcpRig } from './rigs.ts'

/** Every status the driver published: a fault that clears within one reconnect is still seen. */
function statuses (p: { on(e: 'status', f: (s: PrinterStatus) => void): unknown }): PrinterStatus[] {
  const all: PrinterStatus[] = []
  p.on('status', s => all.push(s))
  return all
}

function collect (p: { on(e: 'printed', f: (d: PrintDone) => void): unknown }): PrintDone[] {
  const done: PrintDone[] = []
  p.on('printed', d => done.push(d))
  return done
}

t.test('codec: commands are MNE|p|…|CR, answers parse back, malformed ones are refused', async t => {
  t.equal(encodeCommand('GST').toString('latin1'), 'GST\r')
  t.equal(encodeCommand('SID', ['17', '0104601653030048215A\x1d93ab']).toString('latin1'), 'SID|17|0104601653030048215A\x1d93ab|\r')
  t.throws(() => encodeCommand('SID', ['1', 'a|b']), /separator/)
  t.throws(() => encodeCommand('SID', ['1', 'a\rb']), /line break/)
  t.throws(() => encodeCommand('sid'), /mnemonic/)
  t.same(parseReply('ACK'), { kind: 'ack' })
  t.same(parseReply('ERR'), { kind: 'err' })
  t.same(parseReply('SRC|12|'), { kind: 'data', tag: 'SRC', fields: ['12'] })
  t.same(parseState(parseReply('STS|3|0|MILK|12|3456|')), { overall: 3, error: 0, job: 'MILK', batchCount: 12, totalCount: 3456 })
  t.same(parseErrorList(parseReply('FLT|2|5308|0|Printhead Disconnected|5307|1|No Cartridge|'), 'FLT'), [
    { code: '5308', clearable: false, text: 'Printhead Disconnected' }, { code: '5307', clearable: true, text: 'No Cartridge' }])
  t.same(parseErrorList(parseReply('WRN|0|'), 'WRN'), [])
  for (const bad of ['', 'ACKX', 'SRC|12', 'src|1|', '\x15?#', 'SR|1|']) {
    let thrown: unknown
    try { parseReply(bad) } catch (e) { thrown = e }
    t.ok(thrown instanceof ZtcpSyntaxError, `${JSON.stringify(bad)} refused`)
  }
  t.throws(() => parseState(parseReply('STS|9|0|J|1|2|')), /unknown overall state/)
  t.throws(() => parseState(parseReply('STS|3|0|J|1|')), /fields/)
  t.throws(() => parseState(parseReply('SRC|1|')), /expected a STS/)
  t.throws(() => parseErrorList(parseReply('FLT|2|1|0|x|'), 'FLT'), /count 2/)
  const r = new LineReader(64)
  t.same(r.push(Buffer.from('ACK\rSR')), ['ACK'])
  t.same(r.push(Buffer.from('C|3|\r\nERR\r')), ['SRC|3|', 'ERR'], 'split lines join; a CR LF sender works')
  t.throws(() => r.push(Buffer.alloc(100, 0x55)), /without a line end/)
})

t.test('a failure answer (ERR) to the polls is a bad-response fault; the driver recovers when answers are good', async t => {
  const rig = await ztcpRig(t)
  rig.sim.misbehave({ mode: 'err' })
  const s = await untilStatus(rig.ztcp, s => s.faults.includes('bad-response'), 'bad-response')
  t.equal(s.state, 'fault')
  t.match(s.detail, /refused/)
  t.equal(rig.ztcp.room(), 0, 'no room while faulted')
  rig.sim.behave()
  await untilStatus(rig.ztcp, s => s.state === 'ready', 'ready again')
})

t.test('a refused record (ERR to SID): load interrupted, nothing lost, every code accounted for by clear()', async t => {
  const rig = await ztcpRig(t, { sim: { maxRecords: 2 } })
  const err = await rig.ztcp.load(codes(4)).catch((e: unknown) => e)
  t.ok(err instanceof LoadInterruptedError)
  t.ok((err as LoadInterruptedError).cause instanceof PrinterRefusedError, 'caused by LC_ERR_PRINTER_REFUSED')
  t.match(err, { context: { accepted: 2, notSent: 2, uncertain: 0 } })
  t.equal(rig.sim.records.length, 2)
  const r = await rig.ztcp.clear()
  t.same(r.unprinted.map(i => i.id).sort(), [1, 2, 3, 4])
  t.same(r.uncertain, [])
  t.same(rig.sim.records, [])
})

t.test('garbage and line noise are link faults (comms-lost); the link is rebuilt and prints stay attributed', async t => {
  const rig = await ztcpRig(t, { timeoutMs: 300 })
  const done = collect(rig.ztcp)
  const seen = statuses(rig.ztcp)
  const items = codes(6)
  await rig.ztcp.load(items)
  await rig.print(2)
  await until(() => done.length === 2, '2 confirmations')
  rig.sim.misbehave({ mode: 'garbage' }, 1)
  await until(() => seen.some(s => s.faults.includes('comms-lost') && /bad answer/.test(s.detail ?? '')), 'comms-lost on garbage')
  await rig.print(1)
  await untilStatus(rig.ztcp, s => s.state === 'ready', 'ready after garbage')
  seen.length = 0
  rig.sim.misbehave({ mode: 'noise' }, 1)
  await until(() => seen.some(s => s.faults.includes('comms-lost') && /line noise/.test(s.detail ?? '')), 'comms-lost on noise')
  await rig.print(1)
  await untilStatus(rig.ztcp, s => s.state === 'ready', 'ready after noise')
  await until(() => done.length === 4, '4 confirmations')
  t.same(done.map(d => d.item.id), [1, 2, 3, 4])
  const r = await rig.ztcp.clear()
  t.same(r.unprinted.map(i => i.id), [5, 6])
  t.same(rig.sim.printed.map(p => p.code), items.slice(0, 4).map(i => i.code))
})

t.test('silence: a record whose command got no answer is proven not added after reconnect', async t => {
  const rig = await ztcpRig(t, { timeoutMs: 200 })
  rig.sim.misbehave({ mode: 'silent' }, 1)
  // the next command may be a poll or the SID: load until the silence has hit one of them
  const err = await rig.ztcp.load(codes(3)).catch((e: unknown) => e)
  await untilStatus(rig.ztcp, s => s.state === 'ready', 'reconnected')
  if (err !== undefined) {
    t.ok(err instanceof LoadInterruptedError)
    t.ok((err as LoadInterruptedError).cause instanceof PrinterTimeoutError || (err as Error).message.length > 0)
  }
  const r = await rig.ztcp.clear()
  const all = [...r.unprinted, ...r.uncertain].map(i => i.id).sort()
  t.same(all, [1, 2, 3], 'every code accounted for')
  t.same(r.uncertain, [], 'silence proves nothing was added, so nothing is uncertain')
  t.same(rig.sim.records, [])
})

t.test('a record added by the printer whose answer was lost is recognised by the record count', async t => {
  const rig = await ztcpRig(t, { timeoutMs: 200, pollIntervalMs: 10_000 })
  const done = collect(rig.ztcp)
  rig.sim.misbehave({ mode: 'lose-answer' }, 1)
  const err = await rig.ztcp.load(codes(3)).catch((e: unknown) => e)
  t.match(err, { code: 'LC_ERR_PRINTER_LOAD_INTERRUPTED', context: { accepted: 0, notSent: 2, uncertain: 1 } })
  t.ok((err as LoadInterruptedError).cause instanceof PrinterTimeoutError, 'caused by LC_ERR_PRINTER_TIMEOUT')
  await untilStatus(rig.ztcp, s => s.state === 'ready', 'reconnected')
  t.equal(rig.ztcp.status().bufferLevel, 1, 'the added record is known to be in the printer')
  rig.sim.trigger()
  const r = await rig.ztcp.clear()
  t.same([...done.map(d => d.item.id), ...r.printed.map(i => i.id)], [1], 'its print is attributed')
  t.same(r.unprinted.map(i => i.id), [2, 3])
  t.same(r.uncertain, [])
})

t.test('clear() with the link down reports loaded codes uncertain and empties the printer on reconnect', async t => {
  const rig = await ztcpRig(t, { timeoutMs: 200 })
  await rig.ztcp.load(codes(4))
  rig.sim.misbehave({ mode: 'silent' }) // switched off: every command unanswered until behave()
  await untilStatus(rig.ztcp, s => s.faults.includes('comms-lost'), 'comms-lost')
  const r = await rig.ztcp.clear()
  t.same(r.uncertain.map(i => i.id), [1, 2, 3, 4])
  t.same(r.unprinted, [])
  rig.sim.behave()
  await untilStatus(rig.ztcp, s => s.state === 'ready', 'reconnected')
  await until(() => rig.sim.records.length === 0, 'printer buffer emptied')
  t.equal(rig.sim.trigger(), undefined, 'an uncertain code can never print later')
})

t.test('the printer\'s own state and listed faults map to printer faults', async t => {
  const rig = await ztcpRig(t, { sim: { ribbonPrints: 3, ribbonLowAt: 1 } })
  const done = collect(rig.ztcp)
  await rig.ztcp.load(codes(5))
  await rig.print(2)
  await untilStatus(rig.ztcp, s => s.warnings.includes('ink-low'), 'ribbon low warning')
  await rig.print(1)
  const s = await untilStatus(rig.ztcp, s => s.faults.includes('ribbon-out'), 'ribbon-out')
  t.equal(s.state, 'fault')
  t.match(s.detail, /1001 Ribbon Out/)
  t.equal(done.length, 3)
  rig.sim.ribbonPrints = 100
  rig.sim.faults.clear()
  await untilStatus(rig.ztcp, s => s.state === 'ready', 'ready after the ribbon is changed')
  rig.sim.overall = 4
  await untilStatus(rig.ztcp, s => s.faults.includes('paused'), 'offline is paused')
  rig.sim.overall = 3
  rig.sim.setFault('printhead')
  await untilStatus(rig.ztcp, s => s.faults.includes('head-error') && !s.faults.includes('paused'), 'head-error')
})

t.test('a code too long for the field, or with a field separator, is refused before anything is written', async t => {
  const rig = await ztcpRig(t, { maxChars: 20 })
  const before = rig.sim.commands.filter(c => c.startsWith('SID')).length
  const err = await rig.ztcp.load([{ id: 1, code: 'SHORT' }, { id: 2, code: '0104601653030048215ABCDEFGHIJK' }]).catch((e: unknown) => e)
  t.ok(err instanceof DataTooLongError)
  t.match(err, { code: 'LC_ERR_PRINT_DATA_TOO_LONG', context: { id: 2, length: 30, max: 20 } })
  const pipe = await rig.ztcp.load([{ id: 3, code: 'A|B' }]).catch((e: unknown) => e)
  t.ok(pipe instanceof DataTooLongError)
  t.equal(rig.sim.commands.filter(c => c.startsWith('SID')).length, before, 'no SID sent')
  t.ok(rig.ztcp.status().faults.includes('data-too-long'))
  await rig.ztcp.load([{ id: 4, code: 'SHORT' }])
  t.notOk(rig.ztcp.status().faults.includes('data-too-long'), 'a good load clears it')
})

t.test('records left in the printer by an earlier run are cleared on first connect; asynchronous messages are switched off', async t => {
  const rig = await ztcpRig(t)
  await rig.ztcp.close()
  rig.sim.records.push({ index: 900, data: ['STALE1'] }, { index: 901, data: ['STALE2'] })
  rig.sim.asyncEnabled = true
  const port = await rig.sim.listenTcp()
  const again = new ZtcpPrinter({ id: 'ztcp2', stream: tcpStream('127.0.0.1', port, 1000), field: 'CODE', job: 'MILK', timeoutMs: 1000, pollIntervalMs: 5 })
  await again.connect()
  t.same(rig.sim.records, [])
  t.equal(rig.sim.job, 'MILK', 'the configured job is selected')
  t.same(rig.sim.header, ['CODE'])
  t.equal(rig.sim.asyncEnabled, false)
  t.equal(again.status().bufferLevel, 0)
  await again.close()
})
