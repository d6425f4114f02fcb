// Box label checks end to end below the line: boxes close on a real pool (SQLite file) with labels printed on the
// ZPL printer simulator; the simulated camera (role box) reads each label and publishes on the embedded broker as a
// unit camera does; the MQTT verifier and the line's camera routing hand the result to the label check. A good read
// passes, a swapped label, a wrong count and a missed label each mark the box and raise a bilingual alarm; a reprint
// (same SSCC) and a good read clear it.
import t from 'tap'
import { EventEmitter } from 'node:events'
import { AlarmBook } from '../../../line/alarms/alarms.ts'
import { Aggregator, type ClosedContainer } from '../../../line/aggregation/aggregator.ts'
import { LabelCheck, parseContainerLabel } from '../../../line/aggregation/label-check.ts'
import { Cameras } from '../../../line/app/cameras.ts'
import { buildSscc } from '../../../line/codes/index.ts'
import type { AlarmView } from '../../../line/control.ts'
import { LineBus, relayCameras } from '../../../line/events.ts'
import { silentLogger } from '../../../line/log.ts'
import type { Printer } from '../../../printers/types.ts'
import { MqttVerifier } from '../../../verifiers/mqtt-verifier.ts'
import { SimCamera } from '../../../sim/camera/camera.ts'
import { brokerFixture, client } from '../../broker/helpers.ts'
import { block, GTIN_A, poolFixture } from '../../helpers/pool.ts'
import { until, zplRig } from '../../printers/rigs.ts'

const PREFIX = '4601653'
const JOB = { id: 1, gtin: GTIN_A, batch: 'LC-1', unitsPerBox: 2, boxesPerPallet: 0 }
const GS = '\u001d'

t.test('parseContainerLabel reads what label readers send', async t => {
  const sscc = buildSscc(0, PREFIX, 12).digits
  t.same(parseContainerLabel(`00${sscc}`), { sscc })
  t.same(parseContainerLabel(`]C1${GS}00${sscc}`), { sscc }, 'GS1-128 with its AIM identifier and FNC1')
  t.same(parseContainerLabel(`]d2${GS}00${sscc}02${GTIN_A}3712`), { sscc, gtin: GTIN_A, count: 12 }, "the label's DataMatrix")
  t.same(parseContainerLabel(`00${sscc}3712${GS}02${GTIN_A}`), { sscc, count: 12, gtin: GTIN_A }, 'GS after the variable-length count')
  t.same(parseContainerLabel(`(00)${sscc}(02)${GTIN_A}(37)5`), { sscc, gtin: GTIN_A, count: 5 }, 'HRI in brackets')
  for (const bad of ['', 'hello', `01${GTIN_A}21abc`, `00${sscc.slice(1)}`, `00${sscc}99x`, `00${sscc}37`]) t.equal(parseContainerLabel(bad), null, `refused: ${JSON.stringify(bad)}`)
})

t.test('a box camera over MQTT: good read, swapped label, wrong count, miss; reprint and a good read clear it', async t => {
  const f = poolFixture(t)
  await f.pool.importBlock(block(f, 'a', 40))
  const rig = await zplRig(t)
  const alarms = new AlarmBook(f.db, { clock: f.clock, log: silentLogger() })
  const raised: AlarmView[] = []
  alarms.on('alarm', (a: AlarmView) => raised.push(a))
  const agg = new Aggregator({ db: f.db, pool: f.pool, clock: f.clock, log: silentLogger(), alarms, companyPrefix: PREFIX, extensionDigit: 0, labelPrinter: rig.zpl })
  agg.setJob(JOB)
  const closed: ClosedContainer[] = []
  agg.on('closed', c => closed.push(c))
  const check = new LabelCheck({ aggregator: agg, levels: new Set(['box']), labelsPrinted: true, gtinOf: id => id === 1 ? GTIN_A : null, alarms, log: silentLogger() })

  // the broker, the controller's verifier and the line's camera routing, as line/main.ts wires them
  const b = await brokerFixture(t)
  const ctl = await client(t, b.url, 'controller', 'c-secret')
  const verifier = new MqttVerifier({ client: ctl, site: 's1', line: 'l1', clock: f.clock, cameras: ['cam1'] })
  await verifier.start()
  t.teardown(() => verifier.stop())
  const bus = new LineBus()
  t.teardown(relayCameras(bus, verifier))
  const outcomes: Array<{ sscc: string | null, ok: boolean, reason?: string }> = []
  new Cameras({
    bus, cameras: [{ id: 'cam1', role: 'box' }], tracker: { onResult: () => { throw new Error('a box camera result reached the unit tracker') } }, alarms, log: silentLogger(),
    labels: { onResult: async (r, level) => { const o = await check.onResult(r, level); outcomes.push(o); return o } },
    fault: () => {}, refreshStatus: async () => {}, refreshMs: 60_000,
  })
  const camClient = await client(t, b.url, 'cam1', 'cam1-secret')
  const cam = new SimCamera({ id: 'cam1', site: 's1', line: 'l1', client: camClient, clock: f.clock, scenario: { mode: 'fast', noReadRate: 0 } })
  await cam.start()
  t.teardown(() => cam.stop())

  // four boxes of two units close, each with its label
  const codes = await f.pool.reserve(GTIN_A, 8, 'head-1', { jobId: 1 })
  for (const [i, c] of codes.entries()) await f.pool.transition({ ids: [c.id], to: 'PRINTED', seq: i + 1 })
  await f.pool.transition({ ids: codes.map(c => c.id), to: 'VERIFIED', grade: 'A' })
  await Promise.all(codes.map(c => agg.addUnit(c.id)))
  await agg.settled()
  await check.settled()
  const boxes = closed.map(c => c.sscc)
  t.equal(boxes.length, 4)
  t.same(agg.pendingLabelChecks('box'), boxes, 'each closed box waits for its label to be read, in closing order')
  const state = (sscc: string) => agg.labelFacts(sscc)?.check
  const read = async (n: number) => { await until(() => outcomes.length >= n, `label result ${n}`, 15_000); await check.settled() }

  // box 1: read as printed
  await cam.readLabel(1, { sscc: boxes[0]!, gtin: GTIN_A, count: 2 })
  await read(1)
  t.equal(state(boxes[0]!), 'ok')
  // box 2: carries box 3's label (swapped at the applicator)
  await cam.readLabel(2, { sscc: boxes[2]!, gtin: GTIN_A, count: 2 }, { misread: boxes[2]! })
  await read(2)
  t.equal(state(boxes[1]!), 'failed')
  t.same(outcomes[1], { sscc: boxes[1], level: 'box', ok: false, reason: 'SSCC_MISMATCH', read: `00${boxes[2]}02${GTIN_A}372` })
  // box 3: its label says 3 units, the store holds 2
  await cam.readLabel(3, { sscc: boxes[2]!, gtin: GTIN_A, count: 2 }, { count: 3 })
  await read(3)
  t.equal(outcomes[2]?.reason, 'COUNT_MISMATCH')
  // box 4: no label read at all
  await cam.readLabel(4, { sscc: boxes[3]!, count: 2 }, { miss: true })
  await read(4)
  t.equal(outcomes[3]?.reason, 'NO_READ')
  t.same(agg.pendingLabelChecks('box'), [], 'nothing left waiting')
  t.same(agg.failedLabelChecks().map(x => [x.sscc, x.reason]), [[boxes[1], 'SSCC_MISMATCH'], [boxes[2], 'COUNT_MISMATCH'], [boxes[3], 'NO_READ']], 'the failed boxes are marked in the store with their reason')
  const failedAlarms = alarms.list().filter(a => a.active && a.code === 'LABEL_CHECK_FAILED')
  t.equal(failedAlarms.length, 3, 'one alarm per failed box')
  const a2 = failedAlarms.find(a => a.message.en.includes(boxes[1]!))
  t.ok(a2 !== undefined && a2.severity === 'fault', 'a fault naming the SSCC')
  t.match(a2?.message, { ru: /Этикетка короба \d{18} не прошла проверку: на этикетке другой SSCC/, en: /Box label \d{18} failed its check: the label carries another SSCC/ })

  // the operator reprints box 2's label (same SSCC): it is read again, correctly this time
  t.ok(await agg.reprint(boxes[1]!))
  await check.settled()
  t.equal(state(boxes[1]!), 'pending', 'a reprinted label is expected at the reader again')
  await cam.readLabel(5, { sscc: boxes[1]!, gtin: GTIN_A, count: 2 })
  await read(5)
  t.equal(state(boxes[1]!), 'ok')
  t.notOk(alarms.list().some(a => a.active && a.code === 'LABEL_CHECK_FAILED' && a.message.en.includes(boxes[1]!)), "that box's alarm is cleared")
  // a read when nothing is expected changes nothing
  await cam.readLabel(6, { sscc: boxes[0]!, count: 2 })
  await read(6)
  t.equal(outcomes[5]?.sscc, null)
  t.equal(state(boxes[0]!), 'ok')
})

t.test('a box whose label did not print is not awaited at the reader until its reprint', async t => {
  const f = poolFixture(t)
  await f.pool.importBlock(block(f, 'a', 20))
  const alarms = new AlarmBook(f.db, { clock: f.clock, log: silentLogger() })
  let fail = false
  const printer = Object.assign(new EventEmitter(), {
    id: 'box-label',
    printSscc: async () => { if (fail) throw new Error('paper out') },
  }) as unknown as Printer
  const agg = new Aggregator({ db: f.db, pool: f.pool, clock: f.clock, log: silentLogger(), alarms, companyPrefix: PREFIX, extensionDigit: 0, labelPrinter: printer })
  agg.setJob(JOB)
  const closed: string[] = []
  agg.on('closed', c => closed.push(c.sscc))
  const check = new LabelCheck({ aggregator: agg, levels: new Set(['box']), labelsPrinted: true, gtinOf: () => GTIN_A, alarms, log: silentLogger() })
  const codes = await f.pool.reserve(GTIN_A, 6, 'head-1', { jobId: 1 })
  for (const [i, c] of codes.entries()) await f.pool.transition({ ids: [c.id], to: 'PRINTED', seq: i + 1 })
  await f.pool.transition({ ids: codes.map(c => c.id), to: 'VERIFIED', grade: 'A' })
  const add = async (from: number) => { for (const c of codes.slice(from, from + 2)) await agg.addUnit(c.id); await agg.settled(); await check.settled() }
  await add(0)
  fail = true
  await add(2)
  fail = false
  await add(4)
  t.equal(closed.length, 3)
  t.same(agg.pendingLabelChecks('box'), [closed[0], closed[2]], 'the box without a label is not awaited')
  const result = (sscc: string | null, seq: number) => ({ camera: 'cam1', seq, ts: 0, code: sscc === null ? null : `00${sscc}02${GTIN_A}372`, grade: sscc === null ? 'F' as const : 'A' as const, receivedAt: 0 })
  t.equal((await check.onResult(result(closed[0]!, 1), 'box')).ok, true)
  t.ok(await agg.reprint(closed[1]!))
  await check.settled()
  t.same(agg.pendingLabelChecks('box'), [closed[2], closed[1]], 'its reprint is awaited, after the label already on its way')
  t.equal((await check.onResult(result(closed[2]!, 2), 'box')).ok, true, 'the read after the missing label is compared with its own box')
  t.same(await check.onResult(result(closed[1]!, 3), 'box'), { sscc: closed[1], level: 'box', ok: true, read: `00${closed[1]}02${GTIN_A}372` })
})
