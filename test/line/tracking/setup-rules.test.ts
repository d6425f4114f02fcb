// Set-up mode on the tracker (docs/setup-mode.md): a test print's confirmation and its camera read are nobody's
// product — not paired, not counted, not alarmed — and the reject rules an engineer sets (rejects per 100, distance)
// are the ones the tracker applies after setRejectRules.
import t from 'tap'
import { AlarmBook } from '../../../line/alarms/alarms.ts'
import { testPrintText } from '../../../line/domain/test-print.ts'
import { silentLogger } from '../../../line/log.ts'
import { Tracker } from '../../../line/tracking/tracker.ts'
import type { Grade, VerificationResult } from '../../../verifiers/types.ts'
import { GTIN_A, block, poolFixture } from '../../helpers/pool.ts'

async function setup (t: { teardown(fn: () => void): void }, o: { maxRejectsPer100?: number } = {}) {
  const f = poolFixture(t)
  await f.pool.importBlock(block(f, 'b', 300))
  const codes = await f.pool.reserve(GTIN_A, 250, 'head-1', { jobId: 1 })
  const alarms = new AlarmBook(f.db, { clock: f.clock, log: silentLogger() })
  const tracker = new Tracker({
    pool: f.pool, clock: f.clock, log: silentLogger(), alarms, plc: { reject: async () => {} },
    rejectDistance: 5, rejectMargin: 1, resultTimeoutMs: 1500, printTimeoutMs: 300, maxConsecutiveRejects: 100, maxRejectsPer100: o.maxRejectsPer100,
  })
  tracker.setJob({ id: 1, minGrade: 'C' })
  const faults: Array<{ kind: string, en: string }> = []
  tracker.on('fault', x => faults.push({ kind: x.kind, en: x.message.en }))
  let next = 0
  let counter = 0
  const print = () => { const c = codes[next++]!; tracker.onPrinted({ printer: 'head-1', item: { id: c.id, code: c.code }, counter: ++counter, at: f.clock.now() }); return c }
  const testPrint = (n: number) => tracker.onPrinted({ printer: 'head-1', item: { id: -n, code: testPrintText({ line: 'L1', at: f.clock.now(), n, of: 3 }), test: true }, counter: ++counter, at: f.clock.now() })
  const result = (seq: number, code: string | null, grade: Grade = 'A'): VerificationResult => ({ camera: 'cam-1', seq, ts: f.clock.now(), code, grade, receivedAt: f.clock.now() })
  return { f, tracker, alarms, faults, print, testPrint, result }
}

t.test('test prints are nobody\'s product: not paired, not counted, no alarm; the next real print pairs as before', async t => {
  const s = await setup(t)
  const before = s.f.pool.accounting()
  s.testPrint(1); s.testPrint(2); s.testPrint(3)
  // the camera read them while no product is tracked (the conveyor jogged by hand)
  s.tracker.onResult(s.result(1, testPrintText({ line: 'L1', at: s.f.clock.now(), n: 1, of: 3 })))
  s.tracker.onResult(s.result(900, testPrintText({ line: 'L1', at: s.f.clock.now(), n: 2, of: 3 })))
  s.f.clock.advance(5000)
  s.tracker.tick()
  await s.tracker.settled()
  t.match(s.tracker.counters, { triggered: 0, printed: 0, verified: 0, rejected: 0 })
  t.same(s.alarms.list().map(a => a.code), [], 'no alarm: neither a print without a trigger, nor a result of no product')
  t.same(s.faults, [])
  t.same(s.f.pool.accounting(), before, 'the pool is untouched')
  // production: the head's counter moved by three test prints, and that is no lost confirmation
  s.tracker.onTrigger(10)
  const c = s.print()
  s.tracker.onResult(s.result(10, c.code))
  await s.tracker.settled()
  t.equal(s.f.pool.get(c.id)?.state, 'VERIFIED')
  t.notOk(s.alarms.list().some(a => a.code === 'PRINT_CONFIRMATION_LOST'))
})

t.test('a test print read on a product in production is that product\'s wrong code', async t => {
  const s = await setup(t)
  s.tracker.onTrigger(1)
  const c = s.print()
  s.tracker.onResult(s.result(1, testPrintText({ line: 'L1', at: 0, n: 1, of: 1 })))
  await s.tracker.settled()
  t.match(s.f.pool.get(c.id), { state: 'DEFECT', reason: 'WRONG_CODE' })
})

t.test('N rejects among the last 100 products hold the line (reject-rate), counted afresh after', async t => {
  const s = await setup(t, { maxRejectsPer100: 3 })
  let seq = 0
  const unit = (good: boolean): void => { const q = ++seq; s.tracker.onTrigger(q); const c = s.print(); s.tracker.onResult(s.result(q, good ? c.code : null, good ? 'A' : 'F')) }
  // 2 rejects spread over 120 products, then 2 more within the last 100 of them: 3 in the window at the third
  for (let i = 0; i < 120; i++) unit(i !== 5 && i !== 60 && i !== 110)
  await s.tracker.settled()
  t.same(s.faults.map(f => f.kind), [], 'the first reject left the window before the third came')
  unit(false)
  await s.tracker.settled()
  t.same(s.faults.map(f => f.kind), ['reject-rate'])
  t.match(s.faults[0]?.en, /3 rejects among the last 100 products/)
  unit(false)
  await s.tracker.settled()
  t.equal(s.faults.length, 1, 'the products that made the rate do not hold the line twice')
})

t.test('setRejectRules: the new limits and distance apply from then on', async t => {
  const s = await setup(t)
  t.same(s.tracker.rejectRules, { rejectDistance: 5, rejectMargin: 1, maxConsecutiveRejects: 100, maxRejectsPer100: null })
  s.tracker.setRejectRules({ rejectDistance: 5, rejectMargin: 1, maxConsecutiveRejects: 2, maxRejectsPer100: null })
  for (let q = 1; q <= 2; q++) { s.tracker.onTrigger(q); s.print(); s.tracker.onResult(s.result(q, null, 'F')) }
  await s.tracker.settled()
  t.same(s.faults.map(f => f.kind), ['rejects'])
  // a shorter distance decides products sooner: 2 − 1 = 1 pitch between print and decision
  s.tracker.setRejectRules({ rejectDistance: 2, rejectMargin: 1, maxConsecutiveRejects: 100, maxRejectsPer100: null })
  s.tracker.onTrigger(3); const c3 = s.print()
  s.tracker.onTrigger(4); s.print()
  await s.tracker.settled()
  t.match(s.f.pool.get(c3.id), { state: 'DEFECT', reason: 'NO_RESULT' }, 'product 3 decided one pitch after its print')
})
