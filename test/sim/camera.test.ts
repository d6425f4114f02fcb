// The camera simulator publishing through the embedded broker to the MQTT verifier: image and fast mode, and faults.
import t from 'tap'
import { ManualClock } from '../../line/clock.ts'
import { ProfileRegistry } from '../../line/codes/index.ts'
import { SimCamera, connectCamera } from '../../sim/camera/index.ts'
import type { CameraScenarioInput } from '../../sim/camera/index.ts'
import { CodeFactory, gtinFrom } from '../../sim/codes/factory.ts'
import { MqttVerifier } from '../../verifiers/mqtt-verifier.ts'
import type { VerificationResult } from '../../verifiers/types.ts'
import { endMqtt } from '../../broker/index.ts'
import { brokerFixture, client } from '../broker/helpers.ts'

const codes = new CodeFactory(11).raw(new ProfileRegistry().get('water'), gtinFrom('0460165303004'), 200)

async function rig (t: { teardown(fn: () => unknown): void }, scenario: CameraScenarioInput, seed = 1) {
  const b = await brokerFixture(t)
  const ctl = await client(t, b.url, 'controller', 'c-secret')
  const clock = new ManualClock(5_000)
  const v = new MqttVerifier({ client: ctl, site: 's1', line: 'l1', clock })
  await v.start()
  t.teardown(() => v.stop())
  const camClient = await connectCamera({ url: b.url, username: 'cam1', password: 'cam1-secret', site: 's1', line: 'l1', id: 'cam1' })
  t.teardown(() => endMqtt(camClient, true))
  const cam = new SimCamera({ id: 'cam1', site: 's1', line: 'l1', client: camClient, clock, scenario, seed })
  t.teardown(() => cam.stop())
  const results: VerificationResult[] = []
  v.on('result', (r: VerificationResult) => results.push(r))
  const statuses: boolean[] = []
  v.on('status', (s: { online: boolean }) => statuses.push(s.online))
  await cam.start()
  return { b, v, cam, results, statuses, camClient }
}

const until = async (cond: () => boolean, ms = 5000): Promise<boolean> => {
  const end = Date.now() + ms
  while (!cond() && Date.now() < end) await new Promise(resolve => setTimeout(resolve, 10))
  return cond()
}

t.test('image mode: the verifier gets the decoded printed code, graded, and the last image is kept', async t => {
  const { cam, results } = await rig(t, { mode: 'image' })
  t.equal(await cam.lastImagePng(), null)
  for (let seq = 1; seq <= 3; seq++) await cam.trigger(seq, codes[seq] as string)
  await cam.trigger(4, null) // nothing printed on this unit
  t.ok(await until(() => results.length === 4))
  t.same(results.map(r => r.seq), [1, 2, 3, 4])
  t.same(results.slice(0, 3).map(r => r.code), codes.slice(1, 4))
  t.ok(results.slice(0, 3).every(r => r.grade === 'A' && r.symbology === ']d2' && r.params?.symbolContrastGrade === 'A'))
  t.same([results[3]?.code, results[3]?.grade], [null, 'F'])
  const png = await cam.lastImagePng()
  t.ok(png !== null && png.subarray(1, 4).toString() === 'PNG', 'last image is a PNG')
})

t.test('image mode with heavy blur on every item grades below C', async t => {
  const { cam, results } = await rig(t, { mode: 'image', defects: { blur: { p: 1, min: 2.6, max: 2.8 } } })
  for (let seq = 1; seq <= 3; seq++) await cam.trigger(seq, codes[seq] as string)
  t.ok(await until(() => results.length === 3))
  t.ok(results.every(r => r.grade === 'D' || r.grade === 'F'), results.map(r => r.grade).join(','))
})

t.test('fast mode: failure rates show up in the results', async t => {
  const { cam, results } = await rig(t, { mode: 'fast', noReadRate: 0.2, lowGradeRate: 0.2 })
  for (let seq = 0; seq < 200; seq++) await cam.trigger(seq, codes[seq] as string)
  t.ok(await until(() => results.length === 200))
  const noRead = results.filter(r => r.code === null).length
  const low = results.filter(r => r.grade === 'D').length
  t.ok(noRead > 15 && noRead < 70, `no-reads ${noRead}/200`)
  t.ok(low > 15 && low < 70, `low grades ${low}/200`)
  t.ok(results.filter(r => r.code !== null).every(r => r.code === codes[r.seq]), 'every read is the printed code')
  t.same(cam.stats().noRead, noRead)
})

t.test('faults: offline, duplicates, ghosts and late results', async t => {
  const { cam, results, statuses } = await rig(t, { mode: 'fast' })
  await t.test('offline publishes nothing and says so', async t => {
    await cam.setFaults({ offline: true })
    const shot = await cam.trigger(1, codes[1] as string)
    t.equal(shot.published, false)
    t.ok(await until(() => statuses.includes(false)), 'status offline seen by the verifier')
    await cam.setFaults({ offline: false })
    t.ok(await until(() => statuses.at(-1) === true))
    t.equal(results.length, 0)
  })
  await t.test('duplicates arrive twice with the same seq', async t => {
    await cam.setFaults({ duplicateRate: 1 })
    await cam.trigger(2, codes[2] as string)
    t.ok(await until(() => results.length === 2))
    t.same(results.map(r => r.seq), [2, 2])
    await cam.setFaults({ duplicateRate: 0 })
  })
  await t.test('a ghost result carries a code that was never printed', async t => {
    results.length = 0
    await cam.setFaults({ ghostRate: 1 })
    const shot = await cam.trigger(3, codes[3] as string)
    t.ok(shot.ghost)
    t.ok(await until(() => results.length === 1))
    t.not(results[0]?.code, codes[3])
    t.equal(results[0]?.code?.length, (codes[3] as string).length)
    t.notOk(codes.includes(results[0]?.code as string), 'not any code the factory issued')
    await cam.setFaults({ ghostRate: 0 })
  })
  await t.test('late results still arrive, each with its own seq', async t => {
    results.length = 0
    await cam.setFaults({ lateMs: [200, 600] })
    for (let seq = 10; seq < 16; seq++) await cam.trigger(seq, codes[seq] as string)
    t.equal(results.length, 0, 'nothing is there right after the triggers')
    t.ok(await until(() => results.length === 6))
    t.same(results.map(r => r.seq).sort((a, b) => a - b), [10, 11, 12, 13, 14, 15])
    t.equal(cam.stats().late, 6)
  })
})

t.test('the camera will reports offline when its connection dies', async t => {
  const { statuses, camClient } = await rig(t, { mode: 'fast' })
  t.ok(await until(() => statuses.at(-1) === true))
  camClient.stream.destroy() // an unclean drop: the broker publishes the will
  t.ok(await until(() => statuses.at(-1) === false))
})
