// The shared verifier contract run against each verifier and reader bridge in verifiers/, with the device it serves:
// an MQTT camera (own login, retained status, "offline" will) and fixed-mount readers over TCP in two result formats.
import t, { type Test } from 'tap'
import { ManualClock } from '../../line/clock.ts'
import { SimReader } from '../../sim/reader/reader.ts'
import { connectCamera } from '../../sim/camera/camera.ts'
import { endMqtt } from '../../broker/index.ts'
import type { ReaderFormatInput } from '../../verifiers/bridges/result-format.ts'
import { TcpReaderBridge } from '../../verifiers/bridges/tcp-reader.ts'
import { MqttVerifier } from '../../verifiers/mqtt-verifier.ts'
import { cameraResultPayload } from '../../verifiers/payload.ts'
import type { InvalidResult, VerificationResult } from '../../verifiers/types.ts'
import { brokerFixture, client, publish } from '../broker/helpers.ts'
import { activeHandles, verifierContract, type VerifierRig } from './contract.ts'

/** The line's side: the MQTT verifier on the controller's login, collecting what the line would see. */
async function lineSide (t: Test) {
  const b = await brokerFixture(t)
  const ctl = await client(t, b.url, 'controller', 'c-secret')
  const clock = new ManualClock(50_000)
  const verifier = new MqttVerifier({ client: ctl, site: 's1', line: 'l1', clock, cameras: ['cam1'] })
  const results: VerificationResult[] = []
  const statuses: Array<{ camera: string, online: boolean }> = []
  verifier.on('result', (r: VerificationResult) => results.push(r))
  verifier.on('status', (s: { camera: string, online: boolean }) => statuses.push(s))
  return { b, ctl, clock, verifier, results, statuses }
}

verifierContract(t, 'mqtt-verifier with an MQTT camera', async t => {
  const line = await lineSide(t)
  const cam = await connectCamera({ url: line.b.url, username: 'cam1', password: 'cam1-secret', site: 's1', line: 'l1', id: 'cam1' })
  t.teardown(() => endMqtt(cam, true))
  const other = await client(t, line.b.url, 'cam2', 'cam2-secret')
  await publish(cam, 's1/l1/cam/cam1/status', JSON.stringify({ online: true, ts: 1 }), { qos: 1, retain: true })
  const listenersBefore = line.ctl.listenerCount('message')
  const handlesBefore = activeHandles()
  const invalid: string[] = []
  line.verifier.on('invalid', (i: InvalidResult) => invalid.push(i.error))
  await line.verifier.start()
  t.teardown(() => line.verifier.stop())
  const rig: VerifierRig = {
    camera: 'cam1',
    unit: line.verifier,
    results: line.results,
    statuses: line.statuses,
    invalid,
    read: async r => { await publish(cam, 's1/l1/cam/cam1/result', cameraResultPayload({ ...r, ts: 1000 + r.seq })) },
    garbage: async () => {
      await publish(cam, 's1/l1/cam/cam1/result', 'not json')
      await publish(cam, 's1/l1/cam/cam1/result', '{"seq":-1,"ts":1,"code":null,"grade":"F"}')
      await publish(cam, 's1/l1/cam/cam1/result', '{"seq":3,"ts":1,"code":null,"grade":"A"}') // no read must be F
      await publish(cam, 's1/l1/cam/cam1/result', Buffer.alloc(20_000, 0x7b))
      await publish(cam, 's1/l1/cam/cam1/status', '{"online":"yes"}')
      await publish(other, 's1/l1/cam/cam2/result', cameraResultPayload({ seq: 4, ts: 1, code: null, grade: 'F' })) // a camera the line does not know
      return 6
    },
    disconnect: async () => { cam.stream.destroy() }, // the broker publishes the camera's retained "offline" will
    linked: () => line.ctl.listenerCount('message') > listenersBefore,
    handlesBefore,
  }
  return rig
})

const readerFormats: Array<[string, ReaderFormatInput]> = [
  ['Cognex-style CSV, raw GS', {}],
  ['Keyence-style, escaped GS and ERROR for no-read', { template: '{seq}:{grade}:{code}', gsToken: '<GS>', noRead: 'ERROR', terminator: '\r' }],
]

for (const [label, format] of readerFormats) {
  verifierContract(t, `tcp-reader bridge (${label})`, async t => {
    const line = await lineSide(t)
    await line.verifier.start()
    t.teardown(() => line.verifier.stop())
    const reader = new SimReader({ format })
    await reader.start()
    t.teardown(() => reader.stop())
    // the bridge logs in as the camera it stands for, so the ACL holds for it too
    const bridgeClient = await client(t, line.b.url, 'cam1', 'cam1-secret')
    const handlesBefore = activeHandles()
    const bridge = new TcpReaderBridge({ id: 'cam1', host: '127.0.0.1', port: reader.port, format, client: bridgeClient, site: 's1', line: 'l1', clock: line.clock, reconnectMs: 50 })
    const invalid: string[] = []
    bridge.on('invalid', (e: Error & { code: string }) => invalid.push(`${e.code}: ${e.message}`))
    t.teardown(async () => { await bridge.stop(); await endMqtt(bridgeClient, true) })
    const linkedOnce = new Promise(resolve => bridge.once('connected', resolve))
    bridge.start()
    await linkedOnce
    const term = format.terminator ?? '\r\n'
    const rig: VerifierRig = {
      camera: 'cam1',
      unit: bridge,
      results: line.results,
      statuses: line.statuses,
      invalid,
      read: async r => { reader.trigger(r) },
      garbage: async () => {
        reader.send(`hello${term}`)
        reader.send(`\u0000\u00ff\u0013garbage,,,${term}`)
        reader.send(`x${'y'.repeat(5000)}`) // no terminator within the limit
        reader.send(term)
        return 3
      },
      disconnect: async () => { reader.dropClients() },
      linked: () => reader.clients > 0,
      handlesBefore,
    }
    return rig
  })
}
