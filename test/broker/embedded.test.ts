// The embedded broker on loopback: delivery, logins, topic ACLs by role, WebSocket and TLS listeners.
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { connectMqtt, endMqtt, waitConnected } from '../../broker/index.ts'
import { tempDir } from '../helpers/tmp.ts'
import { brokerFixture, client, collect, publish, sleep, subscribe } from './helpers.ts'

t.test('a camera publishes its result and the controller receives it', async t => {
  const b = await brokerFixture(t)
  const ctl = await client(t, b.url, 'controller', 'c-secret')
  t.same(await subscribe(ctl, 's1/l1/cam/+/result'), [1])
  const cam = await client(t, b.url, 'cam1', 'cam1-secret')
  const got = collect(ctl, 1)
  await publish(cam, 's1/l1/cam/cam1/result', '{"seq":1}')
  t.same(await got, [{ topic: 's1/l1/cam/cam1/result', payload: '{"seq":1}' }])
})

t.test('wrong password, unknown user and anonymous clients are refused', async t => {
  const b = await brokerFixture(t)
  for (const [user, pass] of [['cam1', 'wrong'], ['nobody', 'x'], [undefined, undefined]] as const) {
    const c = connectMqtt({ url: b.url, ...(user === undefined ? {} : { username: user, password: pass }), reconnectPeriodMs: 0 })
    t.teardown(() => endMqtt(c, true))
    await t.rejects(waitConnected(c, 3000), { code: 'LC_ERR_MQTT_CONNECT' }, `login ${user ?? 'anonymous'} refused`)
  }
  t.equal(b.stats().refusedLogins, 3)
})

t.test('ACL: a camera cannot publish as the PLC or as another camera', async t => {
  const b = await brokerFixture(t)
  const ctl = await client(t, b.url, 'controller', 'c-secret')
  await subscribe(ctl, 's1/l1/#')
  const got = collect(ctl, 10, 800)
  for (const topic of ['s1/l1/plc/trigger', 's1/l1/cam/cam2/result', 's1/l2/cam/cam1/result', 's1/l1/state']) {
    const cam = await client(t, b.url, 'cam1', 'cam1-secret', { reconnectPeriodMs: 0 })
    const closed = new Promise<void>(resolve => cam.once('close', () => resolve()))
    cam.publish(topic, '{"seq":1,"cmd":"start"}', { qos: 1 })
    await closed // aedes drops a client whose publish is not authorised
  }
  // an allowed publish still goes through, so the silence above is the ACL and not a dead broker
  const cam = await client(t, b.url, 'cam1', 'cam1-secret')
  await publish(cam, 's1/l1/cam/cam1/status', '{"online":true}')
  const msgs = await got
  t.same(msgs.map(m => m.topic), ['s1/l1/cam/cam1/status'])
  t.equal(b.stats().deniedPublish, 4)
})

t.test('ACL: the PLC publishes plc/… and subscribes only to plc/reject and state', async t => {
  const b = await brokerFixture(t)
  const ctl = await client(t, b.url, 'controller', 'c-secret')
  await subscribe(ctl, 's1/l1/plc/#')
  const plc = await client(t, b.url, 'plc', 'plc-secret')
  t.same(await subscribe(plc, 's1/l1/plc/reject'), [1])
  t.same(await subscribe(plc, 's1/l1/state'), [1])
  t.same(await subscribe(plc, 's1/l1/cam/#'), [128], 'cameras are not the PLC\'s business')
  t.same(await subscribe(plc, 's1/l1/#'), [128], 'a wider filter is refused too')
  const got = collect(ctl, 1)
  await publish(plc, 's1/l1/plc/trigger', '{"seq":7,"ts":1}')
  t.equal((await got)[0]?.topic, 's1/l1/plc/trigger')
  const rej = collect(plc, 1)
  await publish(ctl, 's1/l1/plc/reject', '{"seq":7,"reason":"unreadable"}')
  t.equal((await rej)[0]?.payload, '{"seq":7,"reason":"unreadable"}')
})

t.test('MQTT over WebSocket', async t => {
  const b = await brokerFixture(t, { wsPort: 0 })
  t.ok(b.ports.ws !== undefined && b.ports.ws > 0)
  const ctl = await client(t, b.url, 'controller', 'c-secret')
  await subscribe(ctl, 's1/l1/cam/+/result')
  const cam = await client(t, `ws://127.0.0.1:${b.ports.ws}`, 'cam1', 'cam1-secret')
  const got = collect(ctl, 1)
  await publish(cam, 's1/l1/cam/cam1/result', 'x')
  t.equal((await got).length, 1)
  const bad = connectMqtt({ url: `ws://127.0.0.1:${b.ports.ws}`, username: 'cam1', password: 'nope', reconnectPeriodMs: 0 })
  t.teardown(() => endMqtt(bad, true))
  await t.rejects(waitConnected(bad, 3000), { code: 'LC_ERR_MQTT_CONNECT' })
})

let haveOpenssl = true
try { execFileSync('openssl', ['version'], { stdio: 'ignore' }) } catch { haveOpenssl = false }

t.test('MQTT over TLS', { skip: haveOpenssl ? false : 'openssl is not installed: cannot make a test certificate' }, async t => {
  const dir = tempDir(t)
  const key = join(dir, 'key.pem')
  const cert = join(dir, 'cert.pem')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' })
  const b = await brokerFixture(t, { tls: { key, cert, port: 0 } })
  const ctl = await client(t, b.url, 'controller', 'c-secret')
  await subscribe(ctl, 's1/l1/cam/+/result')
  const { readFileSync } = await import('node:fs')
  const cam = await client(t, `mqtts://localhost:${b.ports.tls}`, 'cam1', 'cam1-secret', { ca: readFileSync(cert, 'utf8') })
  const got = collect(ctl, 1)
  await publish(cam, 's1/l1/cam/cam1/result', 'tls')
  t.equal((await got)[0]?.payload, 'tls')
})

t.test('a port already in use is a typed start error', async t => {
  const b = await brokerFixture(t)
  const { startBroker } = await import('../../broker/index.ts')
  await t.rejects(startBroker({ site: 's1', line: 'l1', port: b.ports.tcp, users: [], persistencePath: null }), { code: 'LC_ERR_BROKER_START' })
  await sleep(10)
})
