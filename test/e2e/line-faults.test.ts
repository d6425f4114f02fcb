// Faults on a running line over real transports: each drives the PackML state it should, the line recovers, and
// at the end the store agrees with what physically left the line.
import t from 'tap'
import { startBroker, type EmbeddedBroker } from '../../broker/index.ts'
import { ProfileRegistry } from '../../line/codes/index.ts'
import { pino } from 'pino'
import { silentLogger } from '../../line/log.ts'
import { startLine } from '../../line/main.ts'
import { CodeFactory } from '../../sim/codes/factory.ts'
import { SimWorld } from '../../sim/world.ts'
import { lineConfig, runLine, waitFor } from '../helpers/line.ts'
import { tempDir } from '../helpers/tmp.ts'

t.test('ink out, camera offline, wrong codes, pool exhausted, broker restart', async t => {
  const dir = tempDir(t)
  const gtin = '04601653030046'
  const base = lineConfig(dir, {
    plc: { rejectDistance: 20, maxConsecutiveRejects: 6 },
    job: { group: 'water', gtin, batch: 'F-1', productionDate: '2026-11-25', expiryDate: '2027-11-25', quantity: 100_000, unitsPerBox: 12, boxesPerPallet: 10, minGrade: 'C', unitsPerMinute: 1500 },
  })
  const { world, config: withDevices } = await SimWorld.devices(base, { camera: { mode: 'fast' } })
  const users = [...withDevices.broker.users, { username: 'controller', password: withDevices.broker.password, role: 'controller' as const }]
  // a plant broker keeps sessions across its restarts: QoS 1 gate confirmations queued for the controller survive
  const persistencePath = `${dir}/broker.db`
  let broker: EmbeddedBroker = await startBroker({ site: base.site, line: base.line, port: 0, users, persistencePath })
  const brokerPort = broker.ports.tcp
  const config = { ...withDevices, broker: { ...withDevices.broker, url: broker.url } }
  const log = process.env.LC_TEST_LOG === undefined ? silentLogger() : pino({ level: 'debug' }, pino.destination({ dest: process.env.LC_TEST_LOG, sync: true }))
  const line = await startLine(config, { log, hmiBootstrap: { adminUser: 'admin', adminPassword: 'admin-test-pw' } })
  t.teardown(async () => { await world.close(); await line.close(); await broker.close() })
  const profiles = new ProfileRegistry()
  const factory = new CodeFactory(21)
  const addCodes = (id: string, n: number) => line.pool.importBlockSync({ blockId: id, gtin, group: 'water', expiresAt: Date.now() + 30 * 86_400_000, codes: factory.raw(profiles.get('water'), gtin, n) })
  addCodes('f1', 400)
  await world.attach(config, broker.url)
  const rt = line.runtime
  const state = () => rt.snapshot().state.state
  const head = world.heads.get('head-1')!
  const alarmCodes = () => rt.snapshot().alarms.filter(a => a.active).map(a => a.code)
  const diag = () => JSON.stringify({ state: state(), conveyor: world.conveyor?.lineState, counters: rt.counters(), alarms: alarmCodes(), printer: line.printers[0]!.status(), head: { buffer: head.buffer.length, faults: [...head.faults] } })
  const run = async (label: string) => {
    await waitFor(`${label}: Execute`, () => state() === 'Execute', 20_000).catch(err => { throw new Error(`${err.message} ${diag()}`) })
    const before = rt.counters().printed
    await waitFor(`${label}: production`, () => rt.counters().printed >= before + 20, 20_000).catch(err => { throw new Error(`${err.message} ${diag()}`) })
  }
  const recoverByUnhold = async (label: string) => {
    await waitFor(`${label}: Held`, () => state() === 'Held', 20_000)
    t.pass(`${label} holds the line`)
  }

  await runLine(world, config, state)
  await run('start')

  // 1. ink out: printer fault → Held; refill, unhold, production resumes
  head.setFault('ink-out')
  await recoverByUnhold('ink out')
  t.ok(alarmCodes().includes('FAULT_PRINTER'), 'printer fault alarm')
  const refused = await rt.command('unhold', 'test')
  t.notOk(refused.ok, 'unhold is refused while the ink is out')
  t.equal(state(), 'Held')
  head.refillInk()
  await waitFor('printer ready', () => line.printers[0]!.status().state === 'ready')
  if (state() !== 'Held') await waitFor('Held again', () => state() === 'Held')
  t.ok((await rt.command('unhold', 'test')).ok, 'unhold after refill')
  await run('after ink refill')

  // 2. camera offline → Held; online again, unhold
  const cam = world.cameras.get('cam-1')!
  await cam.setFaults({ offline: true })
  await recoverByUnhold('camera offline')
  await cam.setFaults({ offline: false })
  await waitFor('camera online', () => rt.snapshot().devices.find(d => d.id === 'cam-1')?.online === true)
    .catch(err => { throw new Error(`${err.message} ${diag()} devices=${JSON.stringify(rt.snapshot().devices)} mqtt=${String(line.mqtt.connected)} cam=${JSON.stringify(cam.stats())}`) })
  t.ok((await rt.command('unhold', 'test')).ok)
  await run('camera back')

  // 3. the camera reads codes that were never printed → rejects in a row → Held
  await cam.setFaults({ ghostRate: 1 })
  await recoverByUnhold('wrong codes')
  t.ok((rt.counters().rejectsByReason.WRONG_CODE ?? 0) >= 6, 'wrong codes were rejected')
  await cam.setFaults({ ghostRate: 0 })
  t.ok((await rt.command('unhold', 'test')).ok)
  await run('camera reads again')

  // 4. pool exhausted → Held; codes arrive, stop/reset/start
  await waitFor('pool exhausted: Held', () => state() === 'Held', 60_000)
  t.ok(alarmCodes().includes('FAULT_POOL_LOW'), 'pool alarm')
  addCodes('f2', 400)
  t.ok((await rt.command('stop', 'test')).ok)
  await waitFor('Stopped', () => state() === 'Stopped')
  t.equal(line.pool.accounting().gtins[gtin]!.states.SENT, 0, 'stopping emptied the head: nothing left SENT')
  await rt.command('reset', 'test')
  await waitFor('Idle', () => state() === 'Idle')
  await rt.command('start', 'test')
  await run('after new codes')

  // 5. broker restart → Held (controller lost its broker); broker back, unhold
  await broker.close()
  await waitFor('broker lost: Held', () => state() === 'Held', 20_000)
  broker = await startBroker({ site: base.site, line: base.line, port: brokerPort, users, persistencePath })
  await waitFor('controller reconnected', () => line.mqtt.connected, 20_000)
  await waitFor('PLC sees Held again', () => world.conveyor!.lineState === 'Held', 20_000)
  t.ok((await rt.command('unhold', 'test')).ok)
  await run('after broker restart')

  // end: stop, let the conveyor empty, check the world against the store
  await rt.command('stop', 'test')
  await waitFor('Stopped', () => state() === 'Stopped', 20_000)
  await waitFor('conveyor empty', () => world.conveyor!.onConveyor === 0)
  await new Promise(resolve => setTimeout(resolve, 300))
  const printed = head.printed.map(p => p.code)
  t.equal(new Set(printed).size, printed.length, `no code printed twice (${printed.length})`)
  const acc = line.pool.accounting()
  t.ok(acc.balanced)
  const st = acc.gtins[gtin]!.states
  t.equal(st.SENT, 0)
  t.equal(st.PRINTED, 0, 'every printed code got a verdict')
  const stateOf = (code: string) => line.pool.findByIdentity(code.split('\u001d')[0]!)?.state
  const describe = (code: string) => { const r = line.pool.findByIdentity(code.split('\u001d')[0]!); return `${r?.id} ${r?.state} ${r?.reason} seq ${r?.seq}` }
  const conv = world.conveyor!.stats
  // A reject that reaches the gate too late (a camera result later than the margin allows) ships a defect: the
  // operator must be told, product by product.
  const missed = new Set(rt.snapshot().alarms.filter(a => a.code === 'REJECT_MISSED' || a.code === 'SHIPPED_UNVERIFIED').map(a => a.source))
  t.same(conv.shippedCodes.filter(c => !['VERIFIED', 'AGGREGATED', 'REPORTED'].includes(stateOf(c) ?? '') && !missed.has(`plc seq ${line.pool.findByIdentity(c.split('\u001d')[0]!)?.seq}`)).map(describe), [], 'shipped products carry good codes, or the operator was told to take them off')
  t.same(conv.rejectedCodes.filter(c => !['DEFECT', 'DROPPED'].includes(stateOf(c) ?? '')).map(describe), [], 'rejected products carry defect codes')
  t.same(printed.filter(c => stateOf(c) === 'AVAILABLE'), [], 'no printed code went back to the pool')
})
