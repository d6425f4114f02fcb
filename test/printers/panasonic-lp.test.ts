// panasonic-lp: the frame codec, and the driver against the laser marker simulator — negative answers, garbage,
// silence, lost answers, lost marking ends, alarms — each an alarm-worthy status, never a crash, every code accounted for.
import t from 'tap'
import { DataTooLongError, PrintDataCharsetError } from '../../printers/errors.ts'
import { createPrinter } from '../../printers/factory.ts'
import { checksum, encodeRequest, FrameReader, LpSyntaxError, markingEnd, NAK_CODES, parseAnswer, parseStatus, sinData, sinProblem } from '../../printers/panasonic-lp/codec.ts'
import { PanasonicLpPrinter } from '../../printers/panasonic-lp/driver.ts'
import type { PrintDone, PrinterStatus } from '../../printers/types.ts'
import { tcpStream } from '../../printers/transport.ts'
import { printerSchema } from '../../line/config/sections/devices.ts'
import { LpMarkerSim } from '../../sim/printers/panasonic-lp.ts'
import { codes, lpRig, until, untilStatus } from './rigs.ts'

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

t.test('codec: the manual\'s frames and check sums, answers parse back, malformed ones are refused', async t => {
  // The manual's own examples (pp. 32–34, 44): FNO S 2047 → check sum "05"; ACK "00" → "66"; NAK "06" → "7B"; FNO A 2047 → "F3".
  t.equal(encodeRequest('FNO', 'S', '2047', { checksum: true }).toString('latin1'), '\x02FNOS204705\r')
  t.equal(encodeRequest('STS', 'R').toString('latin1'), '\x02STSR\r', 'no check sum unless on (Ethernet never has one)')
  t.equal(checksum('\x0600'), '66')
  t.equal(checksum('\x1506'), '7B')
  t.same(parseAnswer('\x060066', { checksum: true }), { kind: 'ack' })
  t.same(parseAnswer('\x15067B', { checksum: true }), { kind: 'nak', code: '06' })
  t.same(parseAnswer('\x02FNOA2047F3', { checksum: true }), { kind: 'data', command: 'FNO', data: '2047' })
  t.same(parseAnswer('\x0600'), { kind: 'ack' })
  const code = '0104601653030048215ABCDEFGHIJKL\x1d93ab%c'
  t.equal(encodeRequest('SIN', 'S', sinData(0, code)).toString('latin1'), `\x02SINS00${code}\r`, 'GS goes as is (FNC1, p. 39)')
  t.throws(() => sinData(16, 'x'), /0–15/)
  t.throws(() => encodeRequest('sin', 'S'), /not a command/)
  t.throws(() => encodeRequest('SIN', 'S', 'a\rb'), /line end/)
  for (const [bad, o] of [['', {}], ['\x0601', {}], ['\x06', {}], ['ACK', {}], ['\x15A1', {}], ['\x02STSB02110', {}], ['\x02sts02110', {}], ['\x060067', { checksum: true }], ['\x06', { checksum: true }]] as const) {
    let thrown: unknown
    try { parseAnswer(bad, o) } catch (e) { thrown = e }
    t.ok(thrown instanceof LpSyntaxError, `${JSON.stringify(bad)} refused`)
  }
  t.same(parseStatus(parseAnswer('\x02STSA02110')), { error: false, pumping: 2, receptionOn: false, triggerReady: true, regularIntervals: false }, '"02110": trigger ready (p. 62)')
  t.same(parseStatus(parseAnswer('\x02STSA11000')), { error: true, pumping: 1, receptionOn: true, triggerReady: false, regularIntervals: false })
  t.throws(() => parseStatus(parseAnswer('\x02STSA0211')), /five status/)
  t.throws(() => parseStatus(parseAnswer('\x02STSA03110')), /five status/)
  t.throws(() => parseStatus(parseAnswer('\x02MKMA1')), /expected an STS/)
  t.same(markingEnd(parseAnswer('\x02MSTA0000')), { ok: true })
  t.same(markingEnd(parseAnswer('\x02MSTAE400')), { ok: false, error: 'E400' })
  t.equal(markingEnd(parseAnswer('\x02MSTA1')), undefined, 'the MST readout is no marking end')
  t.equal(markingEnd(parseAnswer('\x02MSTAE000')), undefined)
  t.equal(sinProblem('01046016530300482\x1d93AB%/+'), undefined)
  t.same(sinProblem('AB\x1cC'), { position: 2, charCode: 0x1c })
  t.same(sinProblem('AB\u0416'), { position: 2, charCode: 0x416 })
  for (const c of ['01', '03', '09', '10', '11']) t.ok(NAK_CODES[c] !== undefined, `NAK ${c} has the manual's text`)
  const r = new FrameReader(64)
  t.same(r.push(Buffer.from('\x0600\r\x02ST')), ['\x0600'])
  t.same(r.push(Buffer.from('SA02110\r\n\x1503\r')), ['\x02STSA02110', '\x1503'], 'split frames join; the CR LF end code works')
  t.throws(() => r.push(Buffer.alloc(100, 0x55)), /without an end code/)
})

t.test('a negative answer to the polls is a bad-response fault naming the manual\'s code; the driver recovers', async t => {
  const rig = await lpRig(t)
  rig.sim.misbehave({ mode: 'nak', code: '04' }, Infinity, 'STS')
  const s = await untilStatus(rig.lp, s => s.faults.includes('bad-response'), 'bad-response')
  t.equal(s.state, 'fault')
  t.match(s.detail, /STS refused \(NAK 04 no applicable command\)/)
  t.equal(rig.lp.room(), 0, 'no room while faulted')
  rig.sim.behave()
  await untilStatus(rig.lp, s => s.state === 'ready', 'ready again')
})

t.test('a code the marker refuses (NAK 09) is kept aside: an alarm, nothing lost, the rest still marked', async t => {
  const rig = await lpRig(t)
  const done = collect(rig.lp)
  const seen = statuses(rig.lp)
  rig.sim.misbehave({ mode: 'nak', code: '09' }, 1, 'SIN')
  const items = codes(3)
  await rig.lp.load(items)
  await until(() => seen.some(s => s.faults.includes('bad-response') && /SIN refused \(NAK 09/.test(s.detail ?? '')), 'the refusal seen')
  await untilStatus(rig.lp, s => s.state === 'ready', 'the alarm ends with the next good answer')
  await rig.print(2)
  await until(() => done.length === 2, '2 confirmations')
  t.same(done.map(d => d.item.id), [2, 3])
  const r = await rig.lp.clear()
  t.same(r.unprinted.map(i => i.id), [1], 'the refused code goes back')
  t.same(r.uncertain, [])
  t.same(rig.sim.marked.map(m => m.code), [items[1]?.code, items[2]?.code])
})

t.test('NAK 11 with the marker otherwise ready: the marker holds SIN data that is not ours; it is reset, then marked', async t => {
  const rig = await lpRig(t)
  const done = collect(rig.lp)
  const resets = (): number => rig.sim.frames.filter(f => f.startsWith('\x02MKMS0')).length
  const before = resets() // the reset at first contact
  rig.sim.sin.set(0, 'FOREIGN') // as if another host had written to the marker
  await rig.lp.load(codes(2))
  // The foreign data makes the trigger ready at once: a product now would carry it — no driver can stop that. The
  // driver finds out at its first SIN (NAK 11) and resets the marker before anything of its own is given.
  await until(() => resets() > before, 'the reset')
  await rig.print(2)
  await until(() => done.length === 2, '2 confirmations')
  t.same(done.map(d => d.item.id), [1, 2])
  t.notOk(rig.sim.marked.some(m => m.code === 'FOREIGN'), 'the foreign data never marked')
  t.ok(rig.sim.frames.some(f => f === '\x02SINS00FOREIGN') === false, 'never written by the driver')
})

t.test('garbage and line noise are link faults (comms-lost); the code waiting in the marker stays attributed', async t => {
  const rig = await lpRig(t, { timeoutMs: 300 })
  const done = collect(rig.lp)
  const seen = statuses(rig.lp)
  const items = codes(4)
  await rig.lp.load(items)
  await rig.print(1)
  await until(() => done.length === 1 && rig.sim.triggerReady, 'the second code in the marker')
  rig.sim.misbehave({ mode: 'garbage' }, 1)
  await until(() => seen.some(s => s.faults.includes('comms-lost') && /bad answer/.test(s.detail ?? '')), 'comms-lost on garbage')
  await untilStatus(rig.lp, s => s.state === 'ready', 'ready after garbage')
  seen.length = 0
  rig.sim.misbehave({ mode: 'noise' }, 1)
  await until(() => seen.some(s => s.faults.includes('comms-lost') && /line noise/.test(s.detail ?? '')), 'comms-lost on noise')
  await untilStatus(rig.lp, s => s.state === 'ready', 'ready after noise')
  await rig.print(3)
  await until(() => done.length === 4, '4 confirmations')
  t.same(done.map(d => d.item.id), [1, 2, 3, 4])
  t.same(rig.sim.marked.map(m => m.code), items.map(i => i.code))
})

t.test('a SIN whose answer was lost: the ready trigger proves it is in the marker', async t => {
  const rig = await lpRig(t, { timeoutMs: 200 })
  const done = collect(rig.lp)
  const seen = statuses(rig.lp)
  rig.sim.misbehave({ mode: 'lose-answer' }, 1, 'SIN')
  await rig.lp.load(codes(2))
  await until(() => seen.some(s => s.faults.includes('comms-lost')), 'the timeout')
  await untilStatus(rig.lp, s => s.state === 'ready', 'reconnected')
  t.equal(rig.lp.status().bufferLevel, 2)
  await rig.print(2)
  await until(() => done.length === 2, 'both marked and attributed')
  t.same(done.map(d => d.item.id), [1, 2])
})

t.test('a SIN that got no answer and no data in the marker is uncertain (it may have been marked unseen); reset, nothing lost', async t => {
  const rig = await lpRig(t, { timeoutMs: 200 })
  const seen = statuses(rig.lp)
  rig.sim.misbehave({ mode: 'silent' }, 1, 'SIN')
  await rig.lp.load(codes(3))
  await until(() => seen.some(s => s.faults.includes('comms-lost')), 'the timeout')
  await untilStatus(rig.lp, s => s.state === 'ready', 'reconnected')
  const r = await rig.lp.clear()
  t.same(r.uncertain.map(i => i.id), [1])
  t.same([...r.unprinted.map(i => i.id)].sort(), [2, 3])
  t.equal(rig.sim.trigger(), undefined, 'nothing can be marked')
})

t.test('a marking while the link is down (its end report lost): the code is uncertain, never marked twice', async t => {
  const rig = await lpRig(t, { timeoutMs: 200 })
  const done = collect(rig.lp)
  const items = codes(2)
  await rig.lp.load(items)
  await until(() => rig.sim.triggerReady, 'a code in the marker')
  rig.sim.mstEnabled = false // the report goes nowhere: the connection it was set on is gone
  rig.sim.dropConnections()
  rig.sim.trigger()
  await untilStatus(rig.lp, s => s.state === 'ready' && s.bufferLevel === 1, 'reconnected, the marked code settled')
  await rig.print(1)
  await until(() => done.length === 1, 'the next one confirmed')
  t.same(done.map(d => d.item.id), [2])
  const r = await rig.lp.clear()
  t.same(r.uncertain.map(i => i.id), [1], 'the code marked unseen is uncertain')
  t.same(rig.sim.marked.map(m => m.code), items.map(i => i.code), 'each code marked once')
})

t.test('an abnormal marking end (MST A E400) is a head-error alarm; the code is uncertain; the marker is reset', async t => {
  const rig = await lpRig(t)
  const done = collect(rig.lp)
  const seen = statuses(rig.lp)
  await rig.lp.load(codes(3))
  rig.sim.failNextMarking('E400')
  await until(() => rig.sim.triggerReady, 'a code in the marker')
  rig.sim.trigger()
  await until(() => seen.some(s => s.faults.includes('head-error') && /E400/.test(s.detail ?? '')), 'head-error E400')
  t.equal(rig.lp.room(), 0)
  rig.sim.resetAlarm()
  await untilStatus(rig.lp, s => s.state === 'ready', 'ready after the alarm is reset')
  await rig.print(2)
  await until(() => done.length === 2, '2 confirmations')
  t.same(done.map(d => d.item.id), [2, 3])
  const r = await rig.lp.clear()
  t.same(r.uncertain.map(i => i.id), [1])
})

t.test('the marker\'s status maps to faults: alarm, laser not ready, shutter closed (its SIN data gone: the code goes back)', async t => {
  const rig = await lpRig(t)
  const done = collect(rig.lp)
  rig.sim.alarm = 'E100'
  await untilStatus(rig.lp, s => s.faults.includes('head-error'), 'head-error on an alarm')
  rig.sim.resetAlarm()
  rig.sim.pumping = 1
  await untilStatus(rig.lp, s => s.faults.includes('paused') && /pumping/.test(s.detail ?? ''), 'paused while the laser pumps')
  rig.sim.pumping = 2
  await untilStatus(rig.lp, s => s.state === 'ready', 'ready')
  await rig.lp.load(codes(2))
  await until(() => rig.sim.triggerReady, 'a code in the marker')
  rig.sim.setShutter(false)
  await untilStatus(rig.lp, s => s.faults.includes('paused') && /shutter/.test(s.detail ?? ''), 'paused with the shutter closed')
  t.equal(rig.sim.trigger(), undefined, 'nothing marked with the shutter closed')
  await new Promise(resolve => setTimeout(resolve, 60)) // past markingMs: the code is proven back
  rig.sim.setShutter(true)
  await rig.print(2)
  await until(() => done.length === 2, 'both marked after the shutter opens')
  t.same(done.map(d => d.item.id), [1, 2])
})

t.test('a code that leaves the marker with no marking end and no reason (a marker too fast for its MST) is uncertain and an alarm', async t => {
  const rig = await lpRig(t)
  const seen = statuses(rig.lp)
  await rig.lp.load(codes(2))
  await until(() => rig.sim.triggerReady, 'a code in the marker')
  rig.sim.mstEnabled = false // marked, not reported
  rig.sim.trigger()
  await until(() => seen.some(s => s.faults.includes('bad-response') && /left the marker without a marking end/.test(s.detail ?? '')), 'out of step')
  t.equal(rig.lp.room(), 0, 'no room until clear()')
  const r = await rig.lp.clear()
  t.same(r.uncertain.map(i => i.id), [1])
  t.same(r.unprinted.map(i => i.id), [2])
  await untilStatus(rig.lp, s => s.state === 'ready', 'ready after clear()')
})

t.test('a code too long for SIN, or with a character SIN cannot carry, is refused before anything is written', async t => {
  const rig = await lpRig(t, { maxChars: 20 })
  const before = rig.sim.frames.filter(f => f.startsWith('\x02SIN')).length
  const err = await rig.lp.load([{ id: 1, code: 'SHORT' }, { id: 2, code: '0104601653030048215ABCDEFGHIJK' }]).catch((e: unknown) => e)
  t.ok(err instanceof DataTooLongError)
  t.match(err, { code: 'LC_ERR_PRINT_DATA_TOO_LONG', context: { id: 2, length: 30, max: 20 } })
  t.ok(rig.lp.status().faults.includes('data-too-long'))
  const ctl = await rig.lp.load([{ id: 3, code: 'A\x1eB' }]).catch((e: unknown) => e)
  t.ok(ctl instanceof PrintDataCharsetError)
  t.match(ctl, { code: 'LC_ERR_PRINT_DATA_CHARSET', context: { id: 3, position: 1, charCode: 0x1e } })
  await new Promise(resolve => setTimeout(resolve, 30))
  t.equal(rig.sim.frames.filter(f => f.startsWith('\x02SIN')).length, before, 'no SIN sent')
  t.equal(rig.lp.status().bufferLevel, 0)
  await rig.lp.load([{ id: 4, code: 'SHORT' }])
  t.notOk(rig.lp.status().faults.includes('data-too-long'), 'a good load clears it')
  t.throws(() => new PanasonicLpPrinter({ id: 'x', stream: tcpStream('127.0.0.1', 1, 100), stringNo: 16 }), /0–15/)
})

t.test('first contact: marking-end reports on, SIN data left in the marker reset; a config entry builds the driver', async t => {
  const sim = new LpMarkerSim({ stringNos: [3] })
  sim.sin.set(3, 'STALE')
  const port = await sim.listenTcp()
  t.teardown(async () => { await sim.close() })
  const cfg = printerSchema.parse({ id: 'laser-1', driver: 'panasonic-lp', transport: { kind: 'tcp', port }, stringNo: 3, pollIntervalMs: '5ms', settleMs: '10ms' })
  const p = createPrinter(cfg)
  t.ok(p instanceof PanasonicLpPrinter)
  t.equal(p.kind, 'panasonic-lp')
  const done = collect(p)
  await p.connect()
  t.equal(sim.mstEnabled, true)
  t.equal(sim.sin.size, 0, 'stale data reset')
  await p.load(codes(1))
  await until(() => sim.triggerReady, 'the code in string 03')
  t.equal(sim.trigger(), codes(1)[0]?.code)
  await until(() => done.length === 1, 'confirmed')
  await p.close()
  t.notOk(printerSchema.safeParse({ id: 'x', driver: 'panasonic-lp', transport: { kind: 'tcp', port: 1 }, checksum: true }).success, 'no check sum on Ethernet')
  t.notOk(printerSchema.safeParse({ id: 'x', driver: 'panasonic-lp', transport: { kind: 'tcp', port: 1 }, maxChars: 100 }).success, 'SIN carries 99 at most')
})
