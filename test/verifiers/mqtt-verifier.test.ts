// The MQTT verifier against the real embedded broker: valid results delivered, every kind of malformed payload survived.
import t from 'tap'
import { ManualClock } from '../../line/clock.ts'
import { GS } from '../../line/codes/index.ts'
import { MqttVerifier } from '../../verifiers/mqtt-verifier.ts'
import type { InvalidResult, VerificationResult } from '../../verifiers/types.ts'
import { brokerFixture, client, publish } from '../broker/helpers.ts'

async function setup (t: { teardown(fn: () => unknown): void }, cameras?: string[]) {
  const b = await brokerFixture(t)
  const ctl = await client(t, b.url, 'controller', 'c-secret')
  const clock = new ManualClock(1_000_000)
  const v = new MqttVerifier({ client: ctl, site: 's1', line: 'l1', clock, ...(cameras === undefined ? {} : { cameras }) })
  await v.start()
  t.teardown(() => v.stop())
  const cam = await client(t, b.url, 'cam1', 'cam1-secret')
  return { b, v, cam, clock }
}

function next<T> (v: MqttVerifier, event: string): Promise<T> {
  return new Promise(resolve => v.once(event, resolve))
}

t.test('a camera result is validated and delivered with the controller receive time', async t => {
  const { v, cam } = await setup(t)
  const got = next<VerificationResult>(v, 'result')
  const code = `0104601653030046215abcde${GS}93Ab1+`
  // GS travels as the JSON escape \u001d
  const json = JSON.stringify({ seq: 42, ts: 1700000000000, code, grade: 'B', params: { symbolContrast: 81.5, modulationGrade: 'B' }, symbology: ']d2' })
  t.ok(json.includes('\\u001d'))
  await publish(cam, 's1/l1/cam/cam1/result', json)
  t.same(await got, { camera: 'cam1', seq: 42, ts: 1700000000000, code, grade: 'B', params: { symbolContrast: 81.5, modulationGrade: 'B' }, symbology: ']d2', receivedAt: 1_000_000 })
  t.same(v.stats(), { results: 1, invalid: 0 })
})

t.test('a no-read is a result with code null and grade F', async t => {
  const { v, cam } = await setup(t)
  const got = next<VerificationResult>(v, 'result')
  await publish(cam, 's1/l1/cam/cam1/result', '{"seq":1,"ts":5,"code":null,"grade":"F","extra":"ignored"}')
  const r = await got
  t.equal(r.code, null)
  t.equal(r.grade, 'F')
  t.notOk('extra' in r)
})

t.test('malformed payloads of every kind are counted and reported, never crash, and the next good one passes', async t => {
  const { v, cam } = await setup(t)
  const bad: Array<string | Buffer> = [
    '',
    'not json',
    '{"seq":1,',
    Buffer.from([0xff, 0xfe, 0x00, 0x1d, 0x80]),
    'null',
    '[]',
    '42',
    '"a string"',
    '{}',
    '{"seq":-1,"ts":1,"code":"x","grade":"A"}',
    '{"seq":1.5,"ts":1,"code":"x","grade":"A"}',
    '{"seq":"1","ts":1,"code":"x","grade":"A"}',
    '{"seq":1e300,"ts":1,"code":"x","grade":"A"}',
    '{"seq":1,"ts":-5,"code":"x","grade":"A"}',
    '{"seq":1,"code":"x","grade":"A"}',
    '{"seq":1,"ts":1,"code":"x","grade":"E"}',
    '{"seq":1,"ts":1,"code":"x","grade":4}',
    '{"seq":1,"ts":1,"code":"","grade":"A"}',
    '{"seq":1,"ts":1,"code":"ab\\u0000cd","grade":"A"}',
    '{"seq":1,"ts":1,"code":"абв","grade":"A"}',
    '{"seq":1,"ts":1,"code":"\\u001d0104601653030046","grade":"A"}',
    '{"seq":1,"ts":1,"code":null,"grade":"A"}',
    '{"seq":1,"ts":1,"code":"x","grade":"A","params":{"sc":{"nested":1}}}',
    '{"seq":1,"ts":1,"code":"x","grade":"A","params":[1,2]}',
    '{"seq":1,"ts":1,"code":"x","grade":"A","symbology":"d2"}',
    '{"seq":1,"ts":1,"code":"' + 'x'.repeat(2000) + '","grade":"A"}',
    '{"seq":1,"ts":1,"code":"x","grade":"A","pad":"' + 'y'.repeat(20_000) + '"}',
    '{"__proto__":{"seq":1},"ts":1,"code":"x","grade":"A"}',
  ]
  const invalid: InvalidResult[] = []
  v.on('invalid', (i: InvalidResult) => invalid.push(i))
  const results: VerificationResult[] = []
  v.on('result', (r: VerificationResult) => results.push(r))
  for (const p of bad) await publish(cam, 's1/l1/cam/cam1/result', p)
  const good = next<VerificationResult>(v, 'result')
  await publish(cam, 's1/l1/cam/cam1/result', '{"seq":2,"ts":1,"code":"ok","grade":"A"}')
  t.equal((await good).seq, 2)
  t.same(results.map(r => r.seq), [2], 'none of the bad payloads became a result')
  t.equal(invalid.length, bad.length, 'every bad payload reported')
  t.same(v.stats(), { results: 1, invalid: bad.length })
  t.ok(invalid.every(i => i.camera === 'cam1' && i.topic === 's1/l1/cam/cam1/result' && i.error.length > 0))
  t.ok(invalid.every(i => i.payload.length <= 256), 'payload previews are bounded')
  t.match(invalid.find(i => i.payload.includes('"grade":"E"'))?.error, /grade/)
})

t.test('results and statuses from unknown cameras and bad status payloads are invalid; a good status is an event', async t => {
  const b = await brokerFixture(t)
  const ctl = await client(t, b.url, 'controller', 'c-secret')
  const v = new MqttVerifier({ client: ctl, site: 's1', line: 'l1', clock: new ManualClock(), cameras: ['cam1'] })
  await v.start()
  t.teardown(() => v.stop())
  const invalid: InvalidResult[] = []
  v.on('invalid', (i: InvalidResult) => invalid.push(i))
  const cam2 = await client(t, b.url, 'cam2', 'cam2-secret')
  await publish(cam2, 's1/l1/cam/cam2/result', '{"seq":1,"ts":1,"code":"x","grade":"A"}')
  const cam1 = await client(t, b.url, 'cam1', 'cam1-secret')
  await publish(cam1, 's1/l1/cam/cam1/status', '{"online":"yes"}')
  // a camera the config does not name is no device of this line: its status is refused, not shown (a flood of
  // made-up ids must not grow the device list)
  await publish(cam2, 's1/l1/cam/cam2/status', '{"online":false}')
  const status = next<{ camera: string, online: boolean }>(v, 'status')
  await publish(cam1, 's1/l1/cam/cam1/status', '{"online":false}')
  t.same(await status, { camera: 'cam1', online: false })
  t.equal(invalid.length, 3)
  t.match(invalid[0]?.error, /unknown camera/)
  t.match(invalid[2]?.error, /status from unknown camera "cam2"/)
})

t.test('a listener that throws does not stop the verifier', async t => {
  const { v, cam } = await setup(t)
  let calls = 0
  v.on('result', () => { calls++; if (calls === 1) throw new Error('downstream bug') })
  const second = new Promise<void>(resolve => v.on('result', (r: VerificationResult) => { if (r.seq === 2) resolve() }))
  await publish(cam, 's1/l1/cam/cam1/result', '{"seq":1,"ts":1,"code":"a","grade":"A"}')
  await publish(cam, 's1/l1/cam/cam1/result', '{"seq":2,"ts":1,"code":"b","grade":"A"}')
  await second
  t.equal(calls, 2)
})

t.test('refreshStatus reads the cameras\' retained status again (a status message lost on the way is recovered)', async t => {
  const { v, cam } = await setup(t)
  const first = next<{ camera: string, online: boolean }>(v, 'status')
  await publish(cam, 's1/l1/cam/cam1/status', '{"online":true}', { qos: 1, retain: true })
  t.same(await first, { camera: 'cam1', online: true })
  const again = next<{ camera: string, online: boolean }>(v, 'status')
  await v.refreshStatus()
  t.same(await again, { camera: 'cam1', online: true }, 'the retained status is delivered once more')
})
