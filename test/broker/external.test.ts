// External-broker mode (`broker.url`) against a real Mosquitto started here on a free loopback port.
import t from 'tap'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ManualClock } from '../../line/clock.ts'
import { connectMqtt, controllerConnectOptions, endMqtt, usesEmbeddedBroker, waitConnected } from '../../broker/index.ts'
import { MqttVerifier } from '../../verifiers/mqtt-verifier.ts'
import type { VerificationResult } from '../../verifiers/types.ts'
import { tempDir } from '../helpers/tmp.ts'
import { client, collect, publish, subscribe } from './helpers.ts'
import { freePort, portOpen } from '../../sim/net.ts'

const haveMosquitto = spawnSync('mosquitto', ['-h']).error === undefined && spawnSync('mosquitto_passwd', ['-h']).error === undefined
const skip = haveMosquitto ? false : 'mosquitto is not installed (apt-get install mosquitto; .ci/run installs it)'


async function startMosquitto (t: { teardown(fn: () => unknown): void }, dir: string, port: number): Promise<ChildProcess> {
  const conf = join(dir, 'mosquitto.conf')
  writeFileSync(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous false', `password_file ${join(dir, 'passwd')}`, 'persistence false', ''].join('\n'))
  const p = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' })
  const exited = new Promise<void>(resolve => p.once('exit', () => resolve()))
  t.teardown(async () => { if (p.exitCode === null) { p.kill('SIGTERM'); await exited } })
  if (!await portOpen(port)) throw new Error(`mosquitto did not open port ${port}`)
  return p
}

t.test('the controller uses an external Mosquitto when broker.url is set', { skip }, async t => {
  const dir = tempDir(t)
  const passwd = join(dir, 'passwd')
  spawnSync('mosquitto_passwd', ['-b', '-c', passwd, 'controller', 'c-secret'])
  spawnSync('mosquitto_passwd', ['-b', passwd, 'cam1', 'cam1-secret'])
  // Started as root, mosquitto drops to its own user: it must be able to read the temp dir and password file.
  chmodSync(dir, 0o755)
  chmodSync(passwd, 0o644)
  const port = await freePort()
  let mosq = await startMosquitto(t, dir, port)
  const url = `mqtt://127.0.0.1:${port}`

  const section = { url, host: '127.0.0.1', port: 1883, users: [], username: 'controller', password: 'c-secret' }
  t.notOk(usesEmbeddedBroker(section), 'broker.url switches the embedded broker off')
  const opts = controllerConnectOptions(section, 's1', 'l1')
  t.equal(opts.url, url)
  const ctl = connectMqtt({ ...opts, reconnectPeriodMs: 100 })
  t.teardown(() => endMqtt(ctl, true))
  await waitConnected(ctl)
  const v = new MqttVerifier({ client: ctl, site: 's1', line: 'l1', clock: new ManualClock(1) })
  await v.start()
  t.teardown(() => v.stop())
  const results: VerificationResult[] = []
  v.on('result', (r: VerificationResult) => results.push(r))

  const cam = await client(t, url, 'cam1', 'cam1-secret')
  await publish(cam, 's1/l1/cam/cam1/result', '{"seq":1,"ts":1,"code":"abc","grade":"A"}')
  await publish(cam, 's1/l1/cam/cam1/result', '{"seq":2,"ts":1,"code":"abc","grade":"Q"}')
  await publish(cam, 's1/l1/cam/cam1/result', '{"seq":3,"ts":1,"code":null,"grade":"F"}')
  const end = Date.now() + 5000
  while (results.length < 2 && Date.now() < end) await new Promise(resolve => setTimeout(resolve, 10))
  t.same(results.map(r => r.seq), [1, 3])
  t.same(v.stats(), { results: 2, invalid: 1 })

  await t.test('a wrong password is refused by Mosquitto too', async t => {
    const bad = connectMqtt({ url, username: 'cam1', password: 'nope', reconnectPeriodMs: 0 })
    t.teardown(() => endMqtt(bad, true))
    await t.rejects(waitConnected(bad, 3000), { code: 'LC_ERR_MQTT_CONNECT' })
  })

  await t.test('after Mosquitto restarts without the session, the verifier is resubscribed', async t => {
    const reconnected = new Promise<void>(resolve => ctl.once('close', () => ctl.once('connect', () => resolve())))
    const exited = new Promise(resolve => mosq.once('exit', resolve))
    mosq.kill('SIGTERM')
    await exited
    mosq = await startMosquitto(t, dir, port)
    await reconnected
    const cam2 = await client(t, url, 'cam1', 'cam1-secret')
    // wait until the controller's subscription is back: a probe on our own topic tree
    const probe = await client(t, url, 'controller', 'c-secret')
    await subscribe(probe, 's1/l1/cam/+/result')
    const before = results.length
    const end = Date.now() + 5000
    let seq = 100
    while (results.length === before && Date.now() < end) {
      await publish(cam2, 's1/l1/cam/cam1/result', `{"seq":${seq++},"ts":1,"code":"abc","grade":"A"}`)
      await collect(probe, 1, 200)
    }
    t.ok(results.length > before, 'results flow again after the restart')
  })
})
