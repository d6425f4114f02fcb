// The broker under attack: client ids bound to users (no takeover, no session theft), packets over the size limit,
// and wills of a killed broker's clients published at the next start.
import t from 'tap'
import { spawn } from 'node:child_process'
import { connect as tcpConnect } from 'node:net'
import { join } from 'node:path'
import { connectMqtt, endMqtt, startBroker, waitConnected } from '../../broker/index.ts'
import { FixedHeaderScanner } from '../../broker/packet-limit.ts'
import { tempDir } from '../helpers/tmp.ts'
import { brokerFixture, client, collect, publish, sleep, subscribe, USERS } from './helpers.ts'

t.test('a login with another user\'s reserved client id is refused and the owner stays connected', async t => {
  const b = await brokerFixture(t, { reservedClientIds: { 'controller-s1-l1': 'controller' } })
  const ctl = await client(t, b.url, 'controller', 'c-secret', { clientId: 'controller-s1-l1', clean: false })
  let dropped = 0
  ctl.on('close', () => { dropped++ })
  const thief = connectMqtt({ url: b.url, username: 'cam1', password: 'cam1-secret', clientId: 'controller-s1-l1', clean: false, reconnectPeriodMs: 0 })
  t.teardown(() => endMqtt(thief, true))
  await t.rejects(waitConnected(thief, 3000), { code: 'LC_ERR_MQTT_CONNECT' })
  await sleep(200)
  t.equal(dropped, 0, 'the controller was not disconnected')
  t.ok(ctl.connected)
  t.equal(b.stats().refusedClientIds, 1)
})

t.test('a durable session is not handed to another user while its owner is away', async t => {
  const b = await brokerFixture(t)
  const owner = await client(t, b.url, 'controller', 'c-secret', { clientId: 'ctl-x', clean: false })
  await subscribe(owner, 's1/l1/plc/gate')
  await new Promise<void>(resolve => owner.end(false, {}, () => resolve()))
  const plc = await client(t, b.url, 'plc', 'plc-secret')
  for (let i = 1; i <= 3; i++) await publish(plc, 's1/l1/plc/gate', `{"seq":${i}}`)
  // a camera login under the owner's id gets nothing: refused before the session is looked at
  const thief = connectMqtt({ url: b.url, username: 'cam1', password: 'cam1-secret', clientId: 'ctl-x', clean: false, reconnectPeriodMs: 0 })
  t.teardown(() => endMqtt(thief, true))
  let stolen = 0
  thief.on('message', () => { stolen++ })
  await t.rejects(waitConnected(thief, 3000), { code: 'LC_ERR_MQTT_CONNECT' })
  t.equal(stolen, 0)
  // the owner comes back and receives all three
  const back = await client(t, b.url, 'controller', 'c-secret', { clientId: 'ctl-x', clean: false })
  t.same((await collect(back, 3)).map(m => m.payload), [1, 2, 3].map(i => `{"seq":${i}}`))
})

t.test('a connected client cannot be taken over by another user, but by itself it can', async t => {
  const b = await brokerFixture(t)
  const cam = await client(t, b.url, 'cam1', 'cam1-secret', { clientId: 'cam1-conn' })
  let dropped = 0
  cam.on('close', () => { dropped++ })
  const other = connectMqtt({ url: b.url, username: 'cam2', password: 'cam2-secret', clientId: 'cam1-conn', reconnectPeriodMs: 0 })
  t.teardown(() => endMqtt(other, true))
  await t.rejects(waitConnected(other, 3000), { code: 'LC_ERR_MQTT_CONNECT' })
  await sleep(200)
  t.equal(dropped, 0)
  // the same user reconnecting under its id (a restarted camera) replaces its old connection, as MQTT says
  const again = await client(t, b.url, 'cam1', 'cam1-secret', { clientId: 'cam1-conn', reconnectPeriodMs: 0 })
  t.ok(again.connected)
})

t.test('durable client id owners survive a broker restart', async t => {
  const path = join(tempDir(t), 'broker.db')
  const opts = { site: 's1', line: 'l1', port: 0, users: USERS, persistencePath: path }
  const b1 = await startBroker(opts)
  const c = await client(t, b1.url, 'cam1', 'cam1-secret', { clientId: 'cam-durable', clean: false, reconnectPeriodMs: 0 })
  await new Promise<void>(resolve => c.end(false, {}, () => resolve()))
  await b1.close()
  const b2 = await startBroker(opts)
  t.teardown(() => b2.close())
  const thief = connectMqtt({ url: b2.url, username: 'plc', password: 'plc-secret', clientId: 'cam-durable', clean: false, reconnectPeriodMs: 0 })
  t.teardown(() => endMqtt(thief, true))
  await t.rejects(waitConnected(thief, 3000), { code: 'LC_ERR_MQTT_CONNECT' })
})

t.test('the scanner reads MQTT fixed headers across chunk borders', async t => {
  const s = new FixedHeaderScanner(1000)
  // CONNECT-like packet of 10 bytes body, then a PUBLISH announcing 200 bytes (0xC8 0x01), split everywhere
  const bytes = Buffer.concat([Buffer.from([0x10, 10]), Buffer.alloc(10), Buffer.from([0x30, 0xc8, 0x01]), Buffer.alloc(200)])
  const refusals = [...bytes].map(b => s.feed(Buffer.from([b]))).filter(r => r !== null)
  t.same(refusals, [], 'fed byte by byte, nothing is refused')
  t.same(new FixedHeaderScanner(100).feed(Buffer.from([0x30, 0xc8, 0x01])), { reason: 'too-large', announced: 200 })
  t.same(new FixedHeaderScanner(1e9).feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff])), { reason: 'malformed' })
})

t.test('a packet over the size limit closes its connection before the broker buffers it', async t => {
  const b = await brokerFixture(t, { maxPacketBytes: 64 * 1024 })
  const ctl = await client(t, b.url, 'controller', 'c-secret')
  await subscribe(ctl, 's1/l1/cam/+/result')
  const got = collect(ctl, 2, 1500)
  const cam = await client(t, b.url, 'cam1', 'cam1-secret', { reconnectPeriodMs: 0 })
  await publish(cam, 's1/l1/cam/cam1/result', 'x'.repeat(32 * 1024))
  const closed = new Promise<void>(resolve => cam.once('close', () => resolve()))
  cam.publish('s1/l1/cam/cam1/result', Buffer.alloc(200 * 1024, 'y'), { qos: 1 })
  await closed
  const msgs = await got
  t.equal(msgs.length, 1, 'only the packet under the limit was delivered')
  t.equal(msgs[0]?.payload.length, 32 * 1024)

  // a raw client announcing 100 MB is cut off after the first bytes
  const rssBefore = process.memoryUsage().rss
  const sock = tcpConnect(b.ports.tcp, '127.0.0.1')
  await new Promise<void>(resolve => sock.once('connect', () => resolve()))
  const sockClosed = new Promise<void>(resolve => sock.once('close', () => resolve()))
  sock.on('error', () => {})
  // remaining length 100,000,000 = 0x80 0xC2 0xD7 0x2F (variable-length integer)
  sock.write(Buffer.from([0x30, 0x80, 0xc2, 0xd7, 0x2f]))
  const chunk = Buffer.alloc(1024 * 1024)
  for (let i = 0; i < 20 && !sock.destroyed; i++) sock.write(chunk)
  await sockClosed
  t.ok(b.stats().oversizedPackets >= 2)
  t.ok(process.memoryUsage().rss - rssBefore < 60 * 1024 * 1024, 'the broker did not hold the announced packet')
  t.ok(ctl.connected, 'other clients are untouched')
})

t.test('wills of the clients of a killed broker are published as soon as it starts again', async t => {
  const path = join(tempDir(t), 'broker.db')
  const child = spawn(process.execPath, ['--import=tsx', join(import.meta.dirname, '../fixtures/broker-child.ts'), path], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  const port = await new Promise<number>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); const m = /READY (\d+)/.exec(out); if (m !== null) resolve(Number(m[1])) })
    child.once('exit', code => reject(new Error(`broker child exited ${code}`)))
  })
  const url = `mqtt://127.0.0.1:${port}`
  const will = { topic: 's1/l1/cam/cam1/status', payload: Buffer.from('{"online":false}'), qos: 1 as const, retain: true }
  const cam = connectMqtt({ url, username: 'cam1', password: 'cam1-secret', clientId: 'cam1', clean: false, reconnectPeriodMs: 0, will })
  t.teardown(() => endMqtt(cam, true))
  await waitConnected(cam, 5000)
  await publish(cam, 's1/l1/cam/cam1/status', '{"online":true}', { qos: 1, retain: true })
  await sleep(100) // the journal batch commits on the next turn
  child.kill('SIGKILL')
  await new Promise(resolve => child.once('exit', resolve))
  endMqtt(cam, true)

  const b2 = await startBroker({ site: 's1', line: 'l1', port: 0, users: USERS, persistencePath: path })
  t.teardown(() => b2.close())
  const obs = await client(t, b2.url, 'controller', 'c-secret')
  const retained = collect(obs, 1, 2000)
  await subscribe(obs, 's1/l1/cam/cam1/status')
  t.equal((await retained)[0]?.payload, '{"online":false}', 'the camera shows offline at once, not after aedes\' 4-minute will check')
})
