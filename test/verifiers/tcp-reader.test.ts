// The TCP reader bridge between a simulated Cognex/Keyence-style reader and the MQTT verifier, over real sockets.
import t from 'tap'
import { ManualClock } from '../../line/clock.ts'
import { GS } from '../../line/codes/index.ts'
import { endMqtt } from '../../broker/index.ts'
import { SimReader } from '../../sim/reader/reader.ts'
import { ResultFormat, parseGrade } from '../../verifiers/bridges/result-format.ts'
import { TcpReaderBridge } from '../../verifiers/bridges/tcp-reader.ts'
import type { ReaderFormatInput } from '../../verifiers/bridges/result-format.ts'
import { MqttVerifier } from '../../verifiers/mqtt-verifier.ts'
import type { VerificationResult } from '../../verifiers/types.ts'
import { brokerFixture, client } from '../broker/helpers.ts'

const CODE = `0104601653030046215abcde${GS}93Ab1+`

const until = async (cond: () => boolean, ms = 5000): Promise<boolean> => {
  const end = Date.now() + ms
  while (!cond() && Date.now() < end) await new Promise(resolve => setTimeout(resolve, 10))
  return cond()
}

async function rig (t: { teardown(fn: () => unknown): void }, format: ReaderFormatInput = {}) {
  const b = await brokerFixture(t)
  const ctl = await client(t, b.url, 'controller', 'c-secret')
  const clock = new ManualClock(9_000)
  const v = new MqttVerifier({ client: ctl, site: 's1', line: 'l1', clock })
  await v.start()
  t.teardown(() => v.stop())
  const results: VerificationResult[] = []
  v.on('result', (r: VerificationResult) => results.push(r))
  const statuses: boolean[] = []
  v.on('status', (s: { online: boolean }) => statuses.push(s.online))
  const reader = new SimReader({ format })
  await reader.start()
  t.teardown(() => reader.stop())
  // The bridge logs in as the camera it stands for, so the ACL holds for it too.
  const bridgeClient = await client(t, b.url, 'cam1', 'cam1-secret')
  const bridge = new TcpReaderBridge({ id: 'cam1', host: '127.0.0.1', port: reader.port, format, client: bridgeClient, site: 's1', line: 'l1', clock, reconnectMs: 50 })
  t.teardown(async () => { await bridge.stop(); await endMqtt(bridgeClient, true) })
  bridge.start()
  await until(() => reader.clients === 1)
  return { reader, bridge, results, statuses }
}

t.test('result format: grades as letters or ISO numbers, placeholders checked', async t => {
  t.equal(parseGrade('A'), 'A')
  t.equal(parseGrade('3.5'), 'B')
  t.equal(parseGrade('0'), 'F')
  t.equal(parseGrade('E'), null)
  t.throws(() => new ResultFormat({ template: '{code}' }))
  t.throws(() => new ResultFormat({ template: '{seq},{code},{bogus}' }), { code: 'LC_ERR_READER_FORMAT' })
  const f = new ResultFormat({ template: '{seq},{code},{grade},{sc}' })
  // the data may contain the separator
  t.same(f.parse('7,01046,0000,A,B'), { seq: 7, code: '01046,0000', grade: 'A', params: { symbolContrastGrade: 'B' } })
  t.same(f.parse('8,NoRead,C,'), { seq: 8, code: null, grade: 'F', params: {} }, 'a no-read is F whatever the reader says')
  t.throws(() => f.parse('x,abc,A,A'), { code: 'LC_ERR_READER_FORMAT' })
  t.throws(() => f.parse('1,abc\u0001,A,A'), { code: 'LC_ERR_READER_FORMAT' })
})

t.test('Cognex-style results with raw GS become camera results', async t => {
  const { reader, results, statuses } = await rig(t)
  t.ok(await until(() => statuses.at(-1) === true), 'the bridge reports the reader online')
  reader.trigger({ seq: 1, code: CODE, grade: 'B', params: { symbolContrastGrade: 'A', modulationGrade: 'B', unusedErrorCorrectionGrade: 'A' } })
  reader.trigger({ seq: 2, code: null, grade: 'F' })
  reader.trigger({ seq: 3, code: CODE, grade: 'A' }, true)
  t.ok(await until(() => results.length === 3))
  t.same(results[0], { camera: 'cam1', seq: 1, ts: 9000, code: CODE, grade: 'B', params: { symbolContrastGrade: 'A', modulationGrade: 'B', unusedErrorCorrectionGrade: 'A' }, receivedAt: 9000 })
  t.same([results[1]?.code, results[1]?.grade], [null, 'F'])
  t.equal(results[2]?.code, CODE, 'a result split over two TCP segments is reassembled')
})

t.test('Keyence-style: escaped GS, symbology prefix, ERROR for no-read', async t => {
  const format = { template: '{seq}:{grade}:{code}', gsToken: '<GS>', noRead: 'ERROR', terminator: '\r' }
  const { reader, results } = await rig(t, format)
  reader.send(`41:4:]d2${CODE.replace(GS, '<GS>')}\r42:0:ERROR\r`)
  t.ok(await until(() => results.length === 2))
  t.same([results[0]?.seq, results[0]?.code, results[0]?.grade, results[0]?.symbology], [41, CODE, 'A', ']d2'])
  t.same([results[1]?.seq, results[1]?.code, results[1]?.grade], [42, null, 'F'])
})

t.test('garbage from the reader is counted and dropped; good lines still pass', async t => {
  const { reader, bridge, results } = await rig(t)
  const invalid: Error[] = []
  bridge.on('invalid', (e: Error) => invalid.push(e))
  reader.send('hello\r\n')
  reader.send('\u0000\u00ff\u0013garbage,,,\r\n')
  reader.send('12,abc,Z,A,A,A,A,A,A\r\n')
  reader.send('x'.repeat(5000))
  reader.send('\r\n')
  reader.trigger({ seq: 5, code: CODE, grade: 'A' })
  t.ok(await until(() => results.length === 1))
  t.equal(results[0]?.seq, 5)
  t.ok(invalid.length >= 4, `garbage reported (${invalid.length})`)
  t.ok(invalid.every(e => (e as Error & { code: string }).code === 'LC_ERR_READER_FORMAT'))
  t.equal(bridge.stats().invalid, invalid.length)
})

t.test('the bridge reconnects after the reader drops the link', async t => {
  const { reader, bridge, results, statuses } = await rig(t)
  const down = new Promise(resolve => bridge.once('disconnected', resolve))
  reader.dropClients()
  t.match(await down, { code: 'LC_ERR_READER_LINK' })
  t.ok(await until(() => statuses.includes(false)), 'offline published')
  t.ok(await until(() => reader.clients === 1 && bridge.online), 'reconnected')
  reader.trigger({ seq: 9, code: CODE, grade: 'A' })
  t.ok(await until(() => results.length === 1))
  t.equal(bridge.stats().connects, 2)
})
