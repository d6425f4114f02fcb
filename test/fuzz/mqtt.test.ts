// Fuzz: random payloads on the PLC's and the cameras' topics, through a real broker, are counted as valid or
// invalid, never thrown; only valid ones become events; made-up camera ids never become devices of the line.
import t from 'tap'
import fc from 'fast-check'
import { join } from 'node:path'
import { AlarmBook } from '../../line/alarms/alarms.ts'
import { systemClock } from '../../line/clock.ts'
import { silentLogger } from '../../line/log.ts'
import { MqttPlc } from '../../line/plc/mqtt-plc.ts'
import { plcCommandSchema, plcGateSchema, plcTriggerSchema } from '../../line/plc/topics.ts'
import { openDatabase } from '../../line/store/open.ts'
import { MqttVerifier } from '../../verifiers/mqtt-verifier.ts'
import { cameraResultSchema, cameraStatusSchema } from '../../verifiers/payload.ts'
import { brokerFixture, client, publish, sleep } from '../broker/helpers.ts'
import { tempDir } from '../helpers/tmp.ts'

const payload = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map(b => Buffer.from(b)),
  fc.jsonValue({ maxDepth: 3 }).map(v => Buffer.from(JSON.stringify(v))),
  fc.record({ seq: fc.oneof(fc.integer(), fc.double(), fc.string()), ts: fc.oneof(fc.integer({ min: 0 }), fc.string()), rejected: fc.oneof(fc.boolean(), fc.string()), cmd: fc.constantFrom('start', 'stop', 'reset', 'x', ''), code: fc.oneof(fc.constant(null), fc.string()), grade: fc.constantFrom('A', 'B', 'C', 'F', 'Z'), online: fc.oneof(fc.boolean(), fc.integer()) }, { requiredKeys: [] }).map(v => Buffer.from(JSON.stringify(v))),
  fc.constant(Buffer.alloc(20_000, 0x7b)),
)

function valid (schema: { safeParse(v: unknown): { success: boolean } }, p: Buffer): boolean {
  try { return schema.safeParse(JSON.parse(p.toString('utf8'))).success } catch { return false }
}

t.test('random PLC and camera payloads: counted, never thrown, only valid ones become events', async t => {
  const b = await brokerFixture(t)
  const ctl = await client(t, b.url, 'controller', 'c-secret')
  const db = openDatabase(join(tempDir(t), 'line.db'), { synchronous: 'NORMAL' })
  t.teardown(() => db.close())
  const alarms = new AlarmBook(db, { clock: systemClock, log: silentLogger() })
  const plc = new MqttPlc({ client: ctl, site: 's1', line: 'l1', log: silentLogger(), alarms })
  const events = { trigger: 0, gate: 0, command: 0, result: 0, status: 0, invalid: 0 }
  plc.on('trigger', () => events.trigger++)
  plc.on('gate', () => events.gate++)
  plc.on('command', () => events.command++)
  await plc.start()
  const verifier = new MqttVerifier({ client: ctl, site: 's1', line: 'l1', clock: systemClock, cameras: ['cam1'] })
  verifier.on('result', () => events.result++)
  verifier.on('status', () => events.status++)
  verifier.on('invalid', () => events.invalid++)
  await verifier.start()
  const plcClient = await client(t, b.url, 'plc', 'plc-secret')
  const cam = await client(t, b.url, 'cam1', 'cam1-secret')
  const expected = { trigger: 0, gate: 0, command: 0, result: 0, status: 0, invalidPlc: 0, invalidCam: 0 }
  await fc.assert(fc.asyncProperty(fc.constantFrom('trigger', 'gate', 'cmd', 'result', 'status'), payload, async (kind, p) => {
    if (kind === 'trigger') { if (valid(plcTriggerSchema, p)) expected.trigger++; else expected.invalidPlc++ }
    if (kind === 'gate') { if (valid(plcGateSchema, p)) expected.gate++; else expected.invalidPlc++ }
    if (kind === 'cmd') { if (valid(plcCommandSchema, p)) expected.command++; else expected.invalidPlc++ }
    if (kind === 'result') { if (valid(cameraResultSchema, p)) expected.result++; else expected.invalidCam++ }
    if (kind === 'status' && p.length > 0) { if (valid(cameraStatusSchema, p)) expected.status++; else expected.invalidCam++ }
    if (kind === 'result' || kind === 'status') await publish(cam, `s1/l1/cam/cam1/${kind}`, p, { qos: 1 })
    else await publish(plcClient, `s1/l1/plc/${kind}`, p, { qos: 1 })
    return true
  }), { numRuns: 400 })
  await sleep(300)
  t.same({ trigger: events.trigger, gate: events.gate, command: events.command, result: events.result, status: events.status },
    { trigger: expected.trigger, gate: expected.gate, command: expected.command, result: expected.result, status: expected.status }, 'events for exactly the valid payloads')
  t.equal(plc.stats.invalid, expected.invalidPlc)
  t.equal(events.invalid, expected.invalidCam)
  t.ok(ctl.connected, 'the controller is still connected')
})

t.test('3,000 made-up camera ids raise no device and no status', async t => {
  const b = await brokerFixture(t)
  const ctl = await client(t, b.url, 'controller', 'c-secret')
  const verifier = new MqttVerifier({ client: ctl, site: 's1', line: 'l1', clock: systemClock, cameras: ['cam1'] })
  const statuses: string[] = []
  const invalid: Array<string | null> = []
  verifier.on('status', s => statuses.push((s as { camera: string }).camera))
  verifier.on('invalid', e => invalid.push((e as { camera: string | null }).camera))
  await verifier.start()
  for (let i = 0; i < 3000; i++) {
    ctl.publish(`s1/l1/cam/fake${i}/status`, '{"online":true}', { qos: 0 })
    ctl.publish(`s1/l1/cam/fake${i}/result`, '{"seq":1,"ts":1,"code":null,"grade":"F"}', { qos: 0 })
  }
  await publish(ctl, 's1/l1/cam/cam1/status', '{"online":true}')
  await sleep(500)
  t.same(statuses, ['cam1'], 'only the configured camera')
  t.ok(invalid.length > 0)
  t.ok(invalid.every(c => c === null), 'refusals name no camera: one alarm source, not 3,000')
})
