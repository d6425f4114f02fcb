// Fail-safe verdicts over a real broker: the controller's link accepts good products, and the simulated PLC rejects
// at the gate every product it got no accept for — a verdict that comes too late costs a good product, never ships an
// unchecked one. Without fail-safe it passes everything it got no reject for.
import t from 'tap'
import { join } from 'node:path'
import { AlarmBook } from '../../line/alarms/alarms.ts'
import { systemClock } from '../../line/clock.ts'
import { silentLogger } from '../../line/log.ts'
import { MqttPlc } from '../../line/plc/mqtt-plc.ts'
import { openDatabase } from '../../line/store/open.ts'
import { Conveyor } from '../../sim/line/conveyor.ts'
import { brokerFixture, client, collect, publish, sleep, subscribe } from '../broker/helpers.ts'
import { tempDir } from '../helpers/tmp.ts'

async function rig (t: { teardown(fn: () => unknown): void }, failSafe: boolean) {
  const b = await brokerFixture(t)
  const ctl = await client(t, b.url, 'controller', 'c-secret')
  const db = openDatabase(join(tempDir(t), 'line.db'), { synchronous: 'NORMAL' })
  t.teardown(() => db.close())
  const plc = new MqttPlc({ client: ctl, site: 's1', line: 'l1', log: silentLogger(), alarms: new AlarmBook(db, { clock: systemClock, log: silentLogger() }) })
  await plc.start()
  const gates: Array<{ seq: number, rejected: boolean }> = []
  plc.on('gate', g => gates.push(g))
  const plcClient = await client(t, b.url, 'plc', 'plc-secret')
  let n = 0
  const conveyor = new Conveyor({ client: plcClient, site: 's1', line: 'l1', head: { trigger: () => `code-${++n}` }, cameras: [], rejectDistance: 10, unitsPerMinute: 60, now: () => Date.now(), failSafe })
  await conveyor.start()
  conveyor.stop() // stepped by hand below
  await publish(ctl, 's1/l1/state', JSON.stringify({ state: 'Execute', number: 4, since: 1 }), { qos: 1, retain: true })
  await sleep(100)
  return { plc, conveyor, gates, ctl }
}

t.test('fail-safe: accepted products pass, the others are rejected at the gate, a late accept is counted', async t => {
  const { plc, conveyor, gates } = await rig(t, true)
  for (let i = 0; i < 4; i++) conveyor.step() // products 1..4 on the conveyor
  await plc.accept(1)
  await plc.accept(3)
  await sleep(100)
  for (let i = 0; i < 10; i++) conveyor.step()
  await sleep(200)
  t.same(gates.filter(g => g.seq <= 4).map(g => [g.seq, g.rejected]), [[1, false], [2, true], [3, false], [4, true]], 'only the accepted ones pass')
  await plc.accept(2)
  await sleep(100)
  t.equal(conveyor.stats.acceptsLate, 1, 'an accept after the gate is too late')
  t.equal(plc.stats.accepts, 3)
})

t.test('without fail-safe the PLC passes every product it got no reject for', async t => {
  const { plc, conveyor, gates } = await rig(t, false)
  for (let i = 0; i < 4; i++) conveyor.step()
  await plc.reject(2, 'UNREADABLE')
  await sleep(100)
  for (let i = 0; i < 10; i++) conveyor.step()
  await sleep(200)
  t.same(gates.filter(g => g.seq <= 4).map(g => [g.seq, g.rejected]), [[1, false], [2, true], [3, false], [4, false]])
})

t.test('the PLC login may hear accepts (ACL)', async t => {
  const b = await brokerFixture(t)
  const plcClient = await client(t, b.url, 'plc', 'plc-secret')
  t.same(await subscribe(plcClient, 's1/l1/plc/accept'), [1])
  const ctl = await client(t, b.url, 'controller', 'c-secret')
  const got = collect(plcClient, 1)
  await publish(ctl, 's1/l1/plc/accept', '{"seq":5}')
  t.equal((await got)[0]?.payload, '{"seq":5}')
})
