// QoS 1 sessions survive a broker restart (SQLite journal), and a client resubscribes when the broker lost its session.
import t from 'tap'
import { join } from 'node:path'
import { startBroker } from '../../broker/index.ts'
import { tempDir } from '../helpers/tmp.ts'
import { client, collect, publish, subscribe, USERS } from './helpers.ts'

t.test('queued QoS 1 results wait for the controller across a broker restart', async t => {
  const path = join(tempDir(t), 'broker.db')
  const opts = { site: 's1', line: 'l1', port: 0, users: USERS, persistencePath: path }
  const b1 = await startBroker(opts)
  t.teardown(() => b1.close())
  const ctl1 = await client(t, b1.url, 'controller', 'c-secret', { clientId: 'ctl', clean: false })
  await subscribe(ctl1, 's1/l1/cam/+/result')
  await new Promise<void>(resolve => ctl1.end(false, {}, () => resolve()))
  const cam = await client(t, b1.url, 'cam1', 'cam1-secret', { reconnectPeriodMs: 0 })
  for (let i = 1; i <= 5; i++) await publish(cam, 's1/l1/cam/cam1/result', `{"seq":${i}}`)
  await publish(cam, 's1/l1/cam/cam1/status', '{"online":true}', { qos: 1, retain: true })
  t.equal(b1.persistence?.queuedOnDisk(), 5, 'the five results are on disk before the restart')
  await b1.close()

  const b2 = await startBroker(opts)
  t.teardown(() => b2.close())
  const ctl2 = await client(t, b2.url, 'controller', 'c-secret', { clientId: 'ctl', clean: false, reconnectPeriodMs: 0 })
  const got = await collect(ctl2, 5)
  t.same(got.map(m => m.payload), [1, 2, 3, 4, 5].map(i => `{"seq":${i}}`), 'delivered once each, in order')
  // the subscription itself survived too: a new result arrives without subscribing again
  const more = collect(ctl2, 1)
  const cam2 = await client(t, b2.url, 'cam1', 'cam1-secret')
  await publish(cam2, 's1/l1/cam/cam1/result', '{"seq":6}')
  t.equal((await more)[0]?.payload, '{"seq":6}')
  // acknowledged messages leave the journal
  await new Promise(resolve => setTimeout(resolve, 50))
  t.equal(b2.persistence?.queuedOnDisk(), 0)
  // the retained status came back as well
  const obs = await client(t, b2.url, 'controller', 'c-secret')
  const retained = collect(obs, 1)
  await subscribe(obs, 's1/l1/cam/cam1/status')
  t.equal((await retained)[0]?.payload, '{"online":true}')
})

t.test('connectMqtt resubscribes after the broker restarts without the session', async t => {
  const opts = { site: 's1', line: 'l1', port: 0, users: USERS, persistencePath: null }
  const b1 = await startBroker(opts)
  const port = b1.ports.tcp
  const ctl = await client(t, b1.url, 'controller', 'c-secret', { clientId: 'ctl', clean: false })
  await subscribe(ctl, 's1/l1/cam/+/result')
  const reconnected = new Promise<void>(resolve => ctl.once('close', () => ctl.once('connect', () => resolve())))
  await b1.close()
  const b2 = await startBroker({ ...opts, port })
  t.teardown(() => b2.close())
  await reconnected
  await new Promise(resolve => setTimeout(resolve, 100)) // the SUBSCRIBE follows the CONNACK
  const got = collect(ctl, 1)
  const cam = await client(t, b2.url, 'cam1', 'cam1-secret')
  await publish(cam, 's1/l1/cam/cam1/result', 'after-restart')
  t.equal((await got)[0]?.payload, 'after-restart')
})
