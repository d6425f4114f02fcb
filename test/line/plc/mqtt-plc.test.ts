// The PLC link over MQTT against the real embedded broker (aedes on a free loopback port) with the PLC's own login:
// commands, triggers and gate reports in; rejects out at QoS 1; retained state; bad payloads dropped, logged, alarmed.
import t, { type Test } from 'tap'
import { join } from 'node:path'
import { pino } from 'pino'
import type { MqttClient } from 'mqtt'
import { AlarmBook } from '../../../line/alarms/alarms.ts'
import { ManualClock } from '../../../line/clock.ts'
import type { AlarmView } from '../../../line/control.ts'
import { MqttPlc } from '../../../line/plc/mqtt-plc.ts'
import { openDatabase } from '../../../line/store/open.ts'
import { brokerFixture, client, collect, publish, sleep, subscribe } from '../../broker/helpers.ts'
import { tempDir } from '../../helpers/tmp.ts'

interface Events { command: string[], trigger: Array<{ seq: number, ts?: number }>, gate: Array<{ seq: number, rejected: boolean }> }

async function rig (t: Test, options: { start?: boolean, subscribeFirst?: boolean } = {}) {
  const b = await brokerFixture(t)
  const ctl = await client(t, b.url, 'controller', 'c-secret')
  const plcDevice = await client(t, b.url, 'plc', 'plc-secret')
  const db = openDatabase(join(tempDir(t), 'line.db'), { synchronous: 'NORMAL' })
  t.teardown(() => db.close())
  const logs: Array<{ msg: string, topic?: string, error?: string }> = []
  const log = pino({ level: 'warn' }, { write: (s: string) => { logs.push(JSON.parse(s)) } })
  const alarms = new AlarmBook(db, { clock: new ManualClock(), log })
  const raised: AlarmView[] = []
  alarms.on('alarm', (a: AlarmView) => raised.push(a))
  // a durable session delivers its queue as soon as the client connects, before the line has wired its listeners
  if (options.subscribeFirst === true) await subscribe(ctl, 's1/l1/plc/#')
  const plc = new MqttPlc({ client: ctl, site: 's1', line: 'l1', log, alarms })
  const events: Events = { command: [], trigger: [], gate: [] }
  plc.on('command', (c: string) => events.command.push(c))
  plc.on('trigger', (d: { seq: number, ts?: number }) => events.trigger.push(d))
  plc.on('gate', (d: { seq: number, rejected: boolean }) => events.gate.push(d))
  if (options.start !== false) await plc.start()
  return { b, ctl, plcDevice, plc, events, logs, raised }
}

async function until (cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(5)
  }
}

t.test('commands, triggers and gate reports from the PLC become events, in order', async t => {
  const r = await rig(t)
  await publish(r.plcDevice, 's1/l1/plc/cmd', '{"cmd":"reset"}')
  for (let seq = 1; seq <= 5; seq++) await publish(r.plcDevice, 's1/l1/plc/trigger', JSON.stringify({ seq, ts: 1000 + seq }))
  await publish(r.plcDevice, 's1/l1/plc/gate', '{"seq":1,"rejected":false}')
  await publish(r.plcDevice, 's1/l1/plc/gate', '{"seq":2,"rejected":true}')
  await publish(r.plcDevice, 's1/l1/plc/cmd', '{"cmd":"start"}')
  await until(() => r.events.command.length === 2 && r.events.gate.length === 2 && r.events.trigger.length === 5, 'all events')
  t.same(r.events.command, ['reset', 'start'])
  t.same(r.events.trigger.map(e => e.seq), [1, 2, 3, 4, 5])
  t.same(r.events.trigger[0], { seq: 1, ts: 1001 })
  t.same(r.events.gate, [{ seq: 1, rejected: false }, { seq: 2, rejected: true }])
  t.same(r.plc.stats, { commands: 2, triggers: 5, rejects: 0, accepts: 0, gates: 2, invalid: 0 })
  t.same(r.raised, [], 'no alarm for good messages')
})

t.test('messages that arrive before start() are held and handed over in order by start()', async t => {
  const r = await rig(t, { start: false, subscribeFirst: true })
  await publish(r.plcDevice, 's1/l1/plc/trigger', '{"seq":7}')
  await publish(r.plcDevice, 's1/l1/plc/cmd', '{"cmd":"hold"}')
  await until(() => r.plc.stats.triggers === 1 && r.plc.stats.commands === 1, 'the broker delivered both')
  t.same(r.events, { command: [], trigger: [], gate: [] }, 'nothing is emitted before the line is wired')
  await r.plc.start()
  t.same(r.events.trigger, [{ seq: 7 }])
  t.same(r.events.command, ['hold'])
  await publish(r.plcDevice, 's1/l1/plc/trigger', '{"seq":8}')
  await until(() => r.events.trigger.length === 2, 'a trigger after start')
  t.equal(r.events.trigger[1]?.seq, 8, 'after start() events flow directly')
})

t.test('bad payloads are dropped, counted, logged with the reason and alarmed; never thrown', async t => {
  const r = await rig(t)
  const bad: Array<[string, string | Buffer, RegExp]> = [
    ['s1/l1/plc/cmd', 'not json', /JSON/],
    ['s1/l1/plc/cmd', '{"cmd":"explode"}', /^cmd: /],
    ['s1/l1/plc/trigger', '{"seq":-1}', /^seq: must be at least 0$/],
    ['s1/l1/plc/trigger', '{"seq":1.5}', /^seq: /],
    ['s1/l1/plc/trigger', '{"seq":3,"extra":true}', /^\(root\): unknown key "extra"$/],
    ['s1/l1/plc/gate', '{"seq":3}', /^rejected: required$/],
    ['s1/l1/plc/trigger', Buffer.alloc(5000, 0x20), /5000 bytes is over 4096/],
    ['s1/l1/plc/trigger', '[]', /^\(root\): /],
  ]
  for (const [topic, payload] of bad) await publish(r.plcDevice, topic, payload)
  await publish(r.plcDevice, 's1/l1/plc/trigger', '{"seq":9}')
  await until(() => r.events.trigger.length === 1, 'the good trigger after the bad ones')
  t.same(r.events, { command: [], trigger: [{ seq: 9 }], gate: [] }, 'only the valid message became an event')
  t.equal(r.plc.stats.invalid, bad.length)
  const dropped = r.logs.filter(l => l.msg === 'invalid PLC payload dropped')
  t.equal(dropped.length, bad.length, 'each one logged')
  bad.forEach(([topic, , why], i) => {
    t.equal(dropped[i]?.topic, topic)
    t.match(dropped[i]?.error, why, `payload ${i}: the reason names the field`)
  })
  t.equal(r.raised.length, 1, 'one alarm while the condition lasts, not one per message')
  // the operator's text comes from the catalogue; the reason is technical detail, kept apart
  t.match(r.raised[0], { code: 'PLC_PAYLOAD', severity: 'warning', source: 'plc', message: { en: /^Invalid PLC message on s1\/l1\/plc\/cmd/, ru: /^Неверное сообщение ПЛК/ }, detail: { topic: 's1/l1/plc/cmd', error: /./ } })
})

t.test('a reject reaches the PLC at QoS 1 and resolves once the broker has it', async t => {
  const r = await rig(t)
  t.same(await subscribe(r.plcDevice, 's1/l1/plc/reject'), [1])
  const got = collect(r.plcDevice, 2)
  await r.plc.reject(41, 'unreadable')
  t.equal(r.plc.stats.rejects, 1, 'counted once acknowledged')
  await r.plc.reject(42, 'low-grade')
  t.same((await got).map(m => JSON.parse(m.payload)), [{ seq: 41, reason: 'unreadable' }, { seq: 42, reason: 'low-grade' }])
  await r.b.close()
  await t.rejects(Promise.race([r.plc.reject(43, 'x'), sleep(2000).then(() => { throw new Error('no answer') })]), 'without a broker the reject does not resolve as sent')
  t.equal(r.plc.stats.rejects, 2)
})

t.test('state is retained for a PLC that connects later; counters and alarms are published', async t => {
  const r = await rig(t)
  r.plc.publishState({ state: 'Execute', stateNumber: 4, mode: 'Production', fault: null, since: 123 } as Parameters<MqttPlc['publishState']>[0])
  await sleep(100)
  const late = await client(t, r.b.url, 'plc', 'plc-secret', { clientId: 'plc-late' })
  const retained = collect(late, 1)
  await subscribe(late, 's1/l1/state')
  t.same((await retained).map(m => JSON.parse(m.payload)), [{ state: 'Execute', number: 4, mode: 'Production', fault: null, since: 123 }])
  const watcher = await client(t, r.b.url, 'controller', 'c-secret', { clientId: 'watcher' })
  await subscribe(watcher, 's1/l1/counters')
  await subscribe(watcher, 's1/l1/alarms')
  const got = collect(watcher, 2)
  r.plc.publishCounters({ printed: 3 } as unknown as Parameters<MqttPlc['publishCounters']>[0])
  r.plc.publishAlarm({ id: 1, code: 'X', severity: 'fault', source: 's', message: { ru: 'р', en: 'e' }, action: { ru: 'д', en: 'a' }, detail: null, raisedAt: 1, active: true, acknowledged: false, acknowledgedBy: null })
  const msgs = await got
  t.same(msgs.map(m => m.topic).sort(), ['s1/l1/alarms', 's1/l1/counters'])
  t.same(JSON.parse(msgs.find(m => m.topic === 's1/l1/counters')!.payload), { printed: 3 })
})

t.test('messages on other topics are not the PLC link\'s business', async t => {
  const r = await rig(t)
  await subscribe(r.ctl, 's1/l1/cam/+/result')
  const cam = await client(t, r.b.url, 'cam1', 'cam1-secret')
  await publish(cam, 's1/l1/cam/cam1/result', 'garbage')
  await sleep(150)
  t.equal(r.plc.stats.invalid, 0, 'a camera\'s message is neither parsed nor alarmed here')
  t.same(r.raised, [])
})
