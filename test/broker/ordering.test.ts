// A QoS 1 message to a durable subscriber waits for the session store (its journal commits on the next turn of the
// event loop) before aedes hands it on; a QoS 0 message published just after it by another client does not wait.
// aedes drops, per subscriber, any message whose broker counter is below the highest it has delivered ("dedupe"),
// so the overtaken QoS 1 message was silently lost: gate confirmations under a flood of other PLC traffic, a
// camera's retained "online" overtaken by a trigger. The broker delivers both, in whatever order they come.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { connectMqtt, endMqtt, waitConnected } from '../../broker/index.ts'
import { brokerFixture, subscribe } from './helpers.ts'

t.test('a QoS 1 message overtaken by another client\'s QoS 0 message still reaches a durable subscriber', async t => {
  const broker = await brokerFixture(t, { persistencePath: join(mkdtempSync(join(tmpdir(), 'ordering-')), 'broker.db') })
  const controller = connectMqtt({ url: broker.url, username: 'controller', password: 'c-secret', clientId: 'ctl-ordering', clean: false, reconnectPeriodMs: 0 })
  t.teardown(() => endMqtt(controller, true))
  await waitConnected(controller, 5000)
  await subscribe(controller, 's1/l1/plc/gate', 1)
  await subscribe(controller, 's1/l1/plc/trigger', 1)
  // Published inside the broker in one turn of the event loop, the order is certain: the QoS 1 message waits for
  // the journal, the QoS 0 one is delivered first. (Over the network the same happens whenever both arrive in one
  // poll of the sockets: 1 in 300 in a loop of two clients, and under a flood of PLC topics.)
  const rounds = 50
  const gates = new Set<number>()
  let triggers = 0
  controller.on('message', (topic, payload) => {
    if (topic.endsWith('/gate')) gates.add((JSON.parse(payload.toString()) as { seq: number }).seq)
    else triggers++
  })
  const inBroker = (topic: string, payload: string, qos: 0 | 1): Promise<void> => new Promise((resolve, reject) => {
    broker.aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos, retain: false, dup: false }, err => err ? reject(err) : resolve())
  })
  for (let i = 0; i < rounds; i++) {
    await Promise.all([inBroker('s1/l1/plc/gate', JSON.stringify({ seq: i, rejected: false }), 1), inBroker('s1/l1/plc/trigger', JSON.stringify({ seq: i }), 0)])
  }
  const until = Date.now() + 10_000
  while ((gates.size < rounds || triggers < rounds) && Date.now() < until) await new Promise(resolve => setTimeout(resolve, 50))
  const lost = Array.from({ length: rounds }, (_, i) => i).filter(i => !gates.has(i))
  t.same(lost, [], `every QoS 1 gate confirmation arrived (${lost.length} of ${rounds} lost)`)
  t.equal(triggers, rounds, 'and every QoS 0 trigger')
})

t.test('a camera\'s retained status overtaken by a PLC trigger still reaches the controller', async t => {
  const broker = await brokerFixture(t, { persistencePath: join(mkdtempSync(join(tmpdir(), 'ordering-')), 'broker.db') })
  const controller = connectMqtt({ url: broker.url, username: 'controller', password: 'c-secret', clientId: 'ctl-status', clean: false, reconnectPeriodMs: 0 })
  t.teardown(() => endMqtt(controller, true))
  await waitConnected(controller, 5000)
  await subscribe(controller, 's1/l1/cam/+/status', 1)
  await subscribe(controller, 's1/l1/plc/trigger', 1)
  const statuses: string[] = []
  controller.on('message', (topic, payload) => { if (topic.endsWith('/status')) statuses.push(payload.toString()) })
  const inBroker = (topic: string, payload: string, qos: 0 | 1, retain: boolean): Promise<void> => new Promise((resolve, reject) => {
    broker.aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos, retain, dup: false }, err => err ? reject(err) : resolve())
  })
  await Promise.all([inBroker('s1/l1/cam/cam1/status', '{"online":true}', 1, true), inBroker('s1/l1/plc/trigger', '{"seq":1}', 0, false)])
  const until = Date.now() + 5000
  while (statuses.length === 0 && Date.now() < until) await new Promise(resolve => setTimeout(resolve, 20))
  t.same(statuses, ['{"online":true}'], 'the camera\'s "online" arrived')
})

t.test('a client subscribed twice to the same topic still gets each message once', async t => {
  const broker = await brokerFixture(t, { persistencePath: join(mkdtempSync(join(tmpdir(), 'ordering-')), 'broker.db') })
  const controller = connectMqtt({ url: broker.url, username: 'controller', password: 'c-secret', clientId: 'ctl-twice', clean: false, reconnectPeriodMs: 0 })
  t.teardown(() => endMqtt(controller, true))
  await waitConnected(controller, 5000)
  await subscribe(controller, 's1/l1/plc/gate', 1)
  await subscribe(controller, 's1/l1/plc/gate', 1) // a re-subscription (the line re-reads a topic)
  const got: string[] = []
  controller.on('message', (_topic, payload) => got.push(payload.toString()))
  for (let i = 0; i < 20; i++) {
    await new Promise<void>((resolve, reject) => broker.aedes.publish({ cmd: 'publish', topic: 's1/l1/plc/gate', payload: Buffer.from(String(i)), qos: i % 2 === 0 ? 1 : 0, retain: false, dup: false }, err => err ? reject(err) : resolve()))
  }
  await new Promise(resolve => setTimeout(resolve, 500))
  t.same(got, Array.from({ length: 20 }, (_, i) => String(i)), 'each once, in order')
})
