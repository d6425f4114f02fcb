// Set-up mode through the panel API (docs/setup-mode.md) on real parts: a real SQLite file with a real code pool, a
// Modbus head and a ZPL unit label printer simulated over TCP, the tracker listening to both. Test prints reach the
// devices and leave the pool, the tracker and the alarms untouched; they are refused outside the allowed states and
// for an operator; parameter changes are checked by the config's rules, refused in Execute, audited, and persist.
import t from 'tap'
import { AlarmBook } from '../../../line/alarms/alarms.ts'
import type { ManualClock } from '../../../line/clock.ts'
import { ProfileRegistry, parseCode, parseHri } from '../../../line/codes/index.ts'
import { silentLogger } from '../../../line/log.ts'
import { CodePool } from '../../../line/pool/index.ts'
import { LineParameters } from '../../../line/setup/parameters.ts'
import { SetupService } from '../../../line/setup/setup.ts'
import { openDatabase, type Db } from '../../../line/store/open.ts'
import { Feeder } from '../../../line/tracking/feeder.ts'
import { Tracker } from '../../../line/tracking/tracker.ts'
import type { Printer } from '../../../printers/types.ts'
import { CodeFactory } from '../../../sim/codes/factory.ts'
import { modbusRig, until as untilRig, zplRig } from '../../printers/rigs.ts'
import { GTIN_A } from '../../helpers/pool.ts'
import { Client, USERS, startHmi, until } from './harness.ts'
import type { FakeLine } from './fake-line.ts'

const CONFIG = { rejectDistance: 5, rejectMargin: 2, maxConsecutiveRejects: 5, maxRejectsPer100: null }
const CAMERAS = [{ id: 'cam1', role: 'unit', distance: 2 }]

async function rig (t: { teardown(fn: () => unknown): void, equal(a: unknown, b: unknown): void }) {
  const head = await modbusRig(t)
  const label = await zplRig(t)
  const printers: Printer[] = [head.printer, label.printer]
  let pool!: CodePool
  let tracker!: Tracker
  let alarms!: AlarmBook
  let line!: FakeLine
  const h = await startHmi(t, {
    users: USERS,
    setup: (db, clock, fake) => {
      line = fake
      const profiles = new ProfileRegistry()
      pool = new CodePool(db, { profiles, clock, minRemainingMs: 0 })
      pool.importBlockSync({ blockId: 'b1', orderId: 'o1', gtin: GTIN_A, group: 'water', expiresAt: clock.now() + 86_400_000, codes: new CodeFactory(3).raw(profiles.get('water'), GTIN_A, 50) })
      pool.reserveSync(GTIN_A, 10, 'head1', { jobId: 1 })
      alarms = new AlarmBook(db, { clock, log: silentLogger() })
      // the line's tracker hears every confirmed print of the unit printers, as DirectMode connects it
      tracker = new Tracker({ pool, clock, log: silentLogger(), alarms, plc: { reject: async () => {} }, ...CONFIG, maxRejectsPer100: undefined, resultTimeoutMs: 1500, printTimeoutMs: 300 })
      for (const p of printers) p.on('printed', d => tracker.onPrinted(d))
      const parameters = new LineParameters({ db, config: CONFIG, cameras: CAMERAS })
      return new SetupService({ printers, state: () => fake.machine.state, line: 'L1', parameters, clock, log: silentLogger() })
    },
  })
  t.teardown(() => pool.commit.close())
  const engineer = new Client(h.url)
  t.equal(await engineer.login('petrova', 'engineer-pass-1'), 200)
  return { h, head, label, pool: () => pool, tracker: () => tracker, alarms: () => alarms, line: () => line, engineer }
}

const auditRows = (db: Db, action: string): Array<{ actor: string, result: string, detail: any, message: string | null }> =>
  (db.prepare('SELECT actor, result, detail, message FROM hmi_audit WHERE action = ? ORDER BY id').all(action) as Array<{ actor: string, result: string, detail: string, message: string | null }>)
    .map(r => ({ ...r, detail: JSON.parse(r.detail) }))

async function toState (line: FakeLine, commands: string[], state: string): Promise<void> {
  for (const c of commands) {
    const r = line.machine.command(c)
    if (!r.ok) throw new Error(`${c}: ${r.reason.en}`)
    await until(() => !['Resetting', 'Starting', 'Stopping', 'Aborting', 'Clearing', 'Completing'].includes(line.machine.state))
  }
  if (line.machine.state !== state) throw new Error(`expected ${state}, got ${line.machine.state}`)
}

t.test('test prints reach the head and the label printer, and leave the pool, the tracker and the alarms untouched', async t => {
  const r = await rig(t)
  const pool = r.pool()
  const before = pool.accounting()
  const sentBefore = pool.sentTo('head1').length
  let res = await r.engineer.req('POST', '/api/setup/test-print', { printer: 'head1', count: 3 })
  t.equal(res.status, 200, JSON.stringify(res.body))
  t.equal(res.body.result.count, 3)
  t.match(res.body.result.texts[0], /^TEST L1 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d #1\/3$/)
  await r.head.print(3)
  await untilRig(() => r.head.sim.printed.length === 3, 'three test prints from the head')
  const printed = r.head.sim.printed.map(p => p.code)
  t.same(printed, res.body.result.texts, 'the head printed the test texts, in order')
  // nothing a test print carries is a marking code for any product group, raw or in HRI form
  const profiles = new ProfileRegistry()
  for (const text of printed) {
    for (const g of profiles.groups()) {
      t.throws(() => parseCode(profiles.get(g), text), { code: 'LC_ERR_CODE_FORMAT' }, `${g} does not take "${text}" for a code`)
      t.throws(() => parseHri(profiles.get(g), text), `${g} does not take "${text}" in HRI form`)
    }
  }

  res = await r.engineer.req('POST', '/api/setup/test-print', { printer: 'label1', count: 2 })
  t.equal(res.status, 200, JSON.stringify(res.body))
  await untilRig(() => r.label.sim.printed.length === 2, 'two test labels')
  const dm = r.label.sim.printed.map(l => l.barcodes[0])
  t.match(dm, [{ type: 'datamatrix', gs1: false, data: /^TEST L1 .* #1\/2$/ }, { gs1: false, data: /#2\/2$/ }], 'a plain DataMatrix, no FNC1: no reader takes it for GS1')

  await until(() => (r.engineer.req('GET', '/api/setup').then(x => x.body.printers.find((p: any) => p.id === 'label1')?.testPrinted === 2)))
  await r.tracker().settled()
  t.same(pool.accounting(), before, 'no code state changed, no row added')
  t.equal(pool.sentTo('head1').length, sentBefore)
  t.match(r.tracker().counters, { triggered: 0, printed: 0, verified: 0, rejected: 0 }, 'the tracker counted nothing')
  t.same(r.alarms().list(), [], 'and raised nothing')
  const view = (await r.engineer.req('GET', '/api/setup')).body
  t.match(view.printers, [{ id: 'head1', testSent: 3, testPrinted: 3 }, { id: 'label1', testSent: 2, testPrinted: 2 }])
  t.same(view.testPrintStates, ['Stopped', 'Complete', 'Aborted'])
  t.match(auditRows(r.h.db, 'setup:print'), [
    { actor: 'petrova', result: 'ok', detail: { printer: 'head1', count: 3, state: 'Stopped' } },
    { actor: 'petrova', result: 'ok', detail: { printer: 'label1', count: 2, state: 'Stopped' } },
  ])
})

t.test('test prints: refused while producing or in Idle, for an operator, and for a bad count or printer', async t => {
  const r = await rig(t)
  await toState(r.line(), ['reset', 'start'], 'Execute')
  let res = await r.engineer.req('POST', '/api/setup/test-print', { printer: 'head1', count: 1 })
  t.equal(res.status, 409)
  t.equal(res.body.error.lineCode, 'LC_ERR_SETUP_STATE')
  t.match(res.body.error.message, { ru: /только при состояниях .*сейчас Работа \(Execute\)/, en: /test prints only in Stopped, Complete, Aborted; the line is Execute/ })
  await toState(r.line(), ['stop', 'reset'], 'Idle')
  res = await r.engineer.req('POST', '/api/setup/test-print', { printer: 'head1', count: 1 })
  t.equal(res.status, 409, 'Idle goes to Starting without emptying the heads: no test print there')
  t.equal(r.head.sim.printed.length + r.head.printer.status().bufferLevel, 0, 'nothing reached the head')

  const operator = new Client(r.h.url)
  await operator.login('ivanov', 'operator-pass-1')
  res = await operator.req('POST', '/api/setup/test-print', { printer: 'head1', count: 1 })
  t.equal(res.status, 403)
  t.equal((await operator.req('GET', '/api/setup')).status, 403, 'an operator does not see the set-up tab')
  await toState(r.line(), ['stop'], 'Stopped')
  t.equal((await r.engineer.req('POST', '/api/setup/test-print', { printer: 'head1', count: 21 })).status, 400)
  res = await r.engineer.req('POST', '/api/setup/test-print', { printer: 'box-label', count: 1 })
  t.equal(res.status, 409)
  t.equal(res.body.error.lineCode, 'LC_ERR_SETUP_PRINTER')
  t.match(auditRows(r.h.db, 'setup:print').map(x => [x.actor, x.result]), [['petrova', 'refused'], ['petrova', 'refused'], ['ivanov', 'forbidden'], ['petrova', 'invalid'], ['petrova', 'refused']])
  t.match(auditRows(r.h.db, 'setup:print')[0]?.detail, { state: 'Execute', code: 'LC_ERR_SETUP_STATE' })
})

t.test('parameters: the config\'s rules, refused in Execute, audited old → new, persisted over a reopened store', async t => {
  const r = await rig(t)
  let res = await r.engineer.req('GET', '/api/setup')
  t.match(res.body.parameters, [
    { key: 'rejectDistance', value: 5, source: 'config', configValue: 5 },
    { key: 'rejectMargin', value: 2, source: 'config' },
    { key: 'maxConsecutiveRejects', value: 5, source: 'config' },
    { key: 'maxRejectsPer100', value: null, source: 'config' },
  ])
  // rejectMargin below rejectDistance (config/rules.ts)
  res = await r.engineer.req('POST', '/api/setup/parameters', { rejectMargin: 5 })
  t.equal(res.status, 400)
  t.equal(res.body.error.lineCode, 'LC_ERR_SETUP_PARAMETER')
  t.match(res.body.error.fields.rejectMargin, { ru: /меньше расстояния до отсекателя/, en: /must be below plc.rejectDistance \(5\)/ })
  // the camera must see the product before its decision point: 4 − 2 = 2 is not beyond camera distance 2
  res = await r.engineer.req('POST', '/api/setup/parameters', { rejectDistance: 4 })
  t.equal(res.status, 400)
  t.match(res.body.error.fields.rejectDistance, { en: /the camera must see the product before it is decided/ })
  // the bounds of the config keys themselves
  res = await r.engineer.req('POST', '/api/setup/parameters', { maxConsecutiveRejects: 0, maxRejectsPer100: 101 })
  t.equal(res.status, 400)
  t.match(res.body.error.fields, { maxConsecutiveRejects: { ru: 'не меньше 1', en: 'at least 1' }, maxRejectsPer100: { en: 'at most 100' } })
  t.equal((await r.engineer.req('POST', '/api/setup/parameters', { rejectDistance: 'seven' })).status, 400)

  res = await r.engineer.req('POST', '/api/setup/parameters', { rejectDistance: 7, rejectMargin: 3, maxRejectsPer100: 10, maxConsecutiveRejects: 5 })
  t.equal(res.status, 200, JSON.stringify(res.body))
  t.same(res.body.result.changes, [
    { key: 'rejectDistance', from: 5, to: 7, source: 'panel' },
    { key: 'rejectMargin', from: 2, to: 3, source: 'panel' },
    { key: 'maxRejectsPer100', from: null, to: 10, source: 'panel' },
  ], 'an unchanged value is not stored as the panel\'s')
  t.match(res.body.result.view.parameters, [
    { key: 'rejectDistance', value: 7, source: 'panel', configValue: 5, changedBy: 'petrova', applied: 5 },
    { key: 'rejectMargin', value: 3, source: 'panel' },
    { key: 'maxConsecutiveRejects', value: 5, source: 'config' },
    { key: 'maxRejectsPer100', value: 10, source: 'panel' },
  ])
  const ok = auditRows(r.h.db, 'setup:params').filter(x => x.result === 'ok')
  t.match(ok, [{ actor: 'petrova', detail: { changes: [{ key: 'rejectDistance', from: 5, to: 7 }, { key: 'rejectMargin', from: 2, to: 3 }, { key: 'maxRejectsPer100', from: null, to: 10 }] } }])
  t.equal(auditRows(r.h.db, 'setup:params').filter(x => x.result !== 'ok').length, 4, 'each refusal is a row too')

  await toState(r.line(), ['reset', 'start'], 'Execute')
  res = await r.engineer.req('POST', '/api/setup/parameters', { rejectDistance: 8 })
  t.equal(res.status, 409)
  t.equal(res.body.error.lineCode, 'LC_ERR_SETUP_STATE')
  const operator = new Client(r.h.url)
  await operator.login('ivanov', 'operator-pass-1')
  t.equal((await operator.req('POST', '/api/setup/parameters', { rejectDistance: 8 })).status, 403)
  await toState(r.line(), ['stop'], 'Stopped')
  // back to the config's value, and the rule off again
  res = await r.engineer.req('POST', '/api/setup/parameters', { maxRejectsPer100: null, reset: ['rejectMargin'] })
  t.equal(res.status, 200, JSON.stringify(res.body))
  t.same(res.body.result.changes, [{ key: 'rejectMargin', from: 3, to: 2, source: 'config' }, { key: 'maxRejectsPer100', from: 10, to: null, source: 'panel' }])

  // a restart: the store reopened, the same config — the panel's values override it
  const path = (r.h.db as unknown as { name: string }).name
  const db2 = openDatabase(path, { synchronous: 'NORMAL' })
  t.teardown(() => db2.close())
  const again = new LineParameters({ db: db2, config: CONFIG, cameras: CAMERAS })
  t.same(again.effective(), { rejectDistance: 7, rejectMargin: 2, maxConsecutiveRejects: 5, maxRejectsPer100: null })
  t.match(again.view().map(p => [p.key, p.source]), [['rejectDistance', 'panel'], ['rejectMargin', 'config'], ['maxConsecutiveRejects', 'config'], ['maxRejectsPer100', 'panel']])
})

t.test('test prints left unprinted are emptied by the drain of Resetting, and the pool does not hear of them', async t => {
  const r = await rig(t)
  const pool = r.pool()
  const before = pool.accounting()
  const res = await r.engineer.req('POST', '/api/setup/test-print', { printer: 'head1', count: 4 })
  t.equal(res.status, 200, JSON.stringify(res.body))
  await r.head.print(1)
  await untilRig(() => r.head.sim.printed.length === 1 && r.head.printer.status().bufferLevel === 3, 'one printed, three waiting')
  const drained = await new Feeder({ pool, printers: [r.head.printer, r.label.printer], log: silentLogger(), alarms: r.alarms() }).drain()
  t.match(drained, { returned: 0, uncertain: 0, writtenOff: [] }, 'nothing returned to or written off in the pool')
  t.equal(r.head.printer.status().bufferLevel, 0, 'the head is empty: no test print can land on a product')
  t.same(pool.accounting(), before)
  t.same(r.alarms().list(), [])
})
