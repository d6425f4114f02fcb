import t from 'tap'
import { AlarmBook } from '../../../line/alarms/alarms.ts'
import { silentLogger } from '../../../line/log.ts'
import { Tracker, type GoodUnit } from '../../../line/tracking/tracker.ts'
import type { Grade, VerificationResult } from '../../../verifiers/types.ts'
import { GTIN_A, block, poolFixture } from '../../helpers/pool.ts'

async function setup (t: { teardown(fn: () => void): void }, options: { maxConsecutiveRejects?: number } = {}) {
  const f = poolFixture(t)
  await f.pool.importBlock(block(f, 'b', 200))
  const codes = await f.pool.reserve(GTIN_A, 100, 'head-1', { jobId: 1 })
  const alarms = new AlarmBook(f.db, { clock: f.clock, log: silentLogger() })
  const rejects: Array<{ seq: number, reason: string, stateAtReject: string | undefined }> = []
  let codeOf = new Map<number, number>()
  const tracker = new Tracker({
    pool: f.pool, clock: f.clock, log: silentLogger(), alarms,
    // Records what the PLC was told, and what the store said at that moment (persist before telling).
    plc: { reject: async (seq, reason) => { rejects.push({ seq, reason, stateAtReject: codeOf.has(seq) ? f.pool.get(codeOf.get(seq)!)?.state : undefined }) } },
    rejectDistance: 5, rejectMargin: 1, resultTimeoutMs: 1500, printTimeoutMs: 300, maxConsecutiveRejects: options.maxConsecutiveRejects ?? 100,
  })
  tracker.setJob({ id: 1, minGrade: 'C' })
  const good: GoodUnit[] = []
  const faults: string[] = []
  tracker.on('good', u => good.push(u))
  tracker.on('fault', x => faults.push(x.kind))
  let next = 0
  const print = (seq: number) => {
    const c = codes[next++]!
    codeOf.set(seq, c.id)
    tracker.onPrinted({ printer: 'head-1', item: { id: c.id, code: c.code }, counter: next, at: f.clock.now() })
    return c
  }
  const result = (seq: number, code: string | null, grade: Grade = 'A'): VerificationResult => ({ camera: 'cam-1', seq, ts: f.clock.now(), code, grade, receivedAt: f.clock.now() })
  return { f, tracker, alarms, rejects, good, faults, print, result, codes, reset: () => { codeOf = new Map() } }
}

t.test('good, unreadable, wrong code, low grade — matched by sequence number, not arrival order', async t => {
  const s = await setup(t)
  for (let seq = 1; seq <= 4; seq++) s.tracker.onTrigger(seq)
  const c1 = s.print(1); const c2 = s.print(2); const c3 = s.print(3); const c4 = s.print(4)
  s.tracker.onResult(s.result(4, c4.code, 'D'))
  s.tracker.onResult(s.result(3, c1.code, 'A'))
  s.tracker.onResult(s.result(2, null, 'F'))
  s.tracker.onResult(s.result(1, c1.code, 'B'))
  await s.tracker.settled()
  t.same(s.good.map(g => g.seq), [1])
  t.equal(s.f.pool.get(c1.id)?.state, 'VERIFIED')
  t.equal(s.f.pool.get(c1.id)?.grade, 'B')
  t.match(s.f.pool.get(c2.id), { state: 'DEFECT', reason: 'UNREADABLE', seq: 2 })
  t.match(s.f.pool.get(c3.id), { state: 'DEFECT', reason: 'WRONG_CODE' })
  t.match(s.f.pool.get(c4.id), { state: 'DEFECT', reason: 'LOW_GRADE' })
  t.same(s.rejects.map(r => [r.seq, r.reason]).sort(), [[2, 'UNREADABLE'], [3, 'WRONG_CODE'], [4, 'LOW_GRADE']])
  t.ok(s.rejects.every(r => r.stateAtReject === 'DEFECT'), 'every reject was persisted before the PLC was told')
  t.ok(s.alarms.list().some(a => a.code === 'CODE_OF_OTHER_ITEM'), "item 1's code read on item 3 raises an alarm")
  t.match(s.tracker.counters, { triggered: 4, printed: 4, verified: 1, rejected: 3, rejectsByReason: { UNREADABLE: 1, WRONG_CODE: 1, LOW_GRADE: 1 } })
})

t.test('a result that arrives before the print confirmation waits for it', async t => {
  const s = await setup(t)
  s.tracker.onTrigger(10)
  s.tracker.onResult(s.result(10, s.codes[0]!.code))
  t.equal(s.good.length, 0)
  s.print(10)
  await s.tracker.settled()
  t.same(s.good.map(g => g.seq), [10])
})

t.test('a result that overtakes its trigger (separate MQTT connections) is matched when the trigger comes', async t => {
  const s = await setup(t)
  s.tracker.onTrigger(1)
  const c1 = s.print(1)
  s.tracker.onResult(s.result(2, s.codes[1]!.code))
  s.tracker.onResult(s.result(1, c1.code))
  s.f.clock.advance(50)
  s.tracker.tick()
  s.tracker.onTrigger(2)
  s.print(2)
  await s.tracker.settled()
  t.same(s.good.map(g => g.seq), [1, 2], 'both good, nothing rejected for lack of a result')
  t.same(s.rejects, [])
  t.notOk(s.alarms.list().some(a => a.code === 'RESULT_UNKNOWN_SEQ'))
})

t.test('no result in time, or past the reject gate: NO_RESULT', async t => {
  const s = await setup(t)
  s.tracker.onTrigger(1); s.print(1)
  s.tracker.onTrigger(2); s.print(2)
  s.f.clock.advance(2000)
  s.tracker.tick()
  s.tracker.onTrigger(3); s.print(3)
  for (let seq = 4; seq <= 7; seq++) { s.tracker.onTrigger(seq); s.print(seq) }
  await s.tracker.settled()
  t.same(s.rejects.map(r => [r.seq, r.reason]), [[1, 'NO_RESULT'], [2, 'NO_RESULT'], [3, 'NO_RESULT']], 'item 3 is rejected when item 7 passes the printer: one pitch before the gate at 5')
  s.tracker.onResult(s.result(1, s.codes[0]!.code))
  t.ok(s.alarms.list().some(a => a.code === 'RESULT_LATE_OR_DUPLICATE'), 'a late result is noticed, not applied')
  t.equal(s.f.pool.get(s.codes[0]!.id)?.state, 'DEFECT')
})

t.test('no print confirmation: reject and hold (queue may be out of step)', async t => {
  const s = await setup(t)
  s.tracker.onTrigger(1)
  s.f.clock.advance(400)
  s.tracker.tick()
  await s.tracker.settled()
  t.same(s.rejects.map(r => [r.seq, r.reason]), [[1, 'NO_PRINT']])
  t.same(s.faults, ['printer'])
})

t.test('duplicates, unknown sequence numbers, prints without a product', async t => {
  const s = await setup(t)
  s.tracker.onTrigger(1)
  const c = s.print(1)
  s.tracker.onResult(s.result(1, c.code))
  s.tracker.onResult(s.result(1, c.code))
  s.tracker.onResult(s.result(99, c.code))
  s.tracker.onTrigger(1)
  const orphan = s.codes[1]!
  s.tracker.onPrinted({ printer: 'head-1', item: { id: orphan.id, code: orphan.code }, counter: 2, at: 0 })
  s.f.clock.advance(301)
  s.tracker.tick()
  t.notOk(s.alarms.list().some(a => a.code === 'RESULT_UNKNOWN_SEQ'), 'a result ahead of its trigger is kept a while')
  s.f.clock.advance(1500)
  s.tracker.tick()
  await s.tracker.settled()
  t.same(s.faults, ['printer'], 'a print that no trigger claims in time holds the line')
  t.equal(s.good.length, 1, 'a duplicate result is applied once')
  const codes = s.alarms.list().map(a => a.code).sort()
  t.same(codes, ['PRINT_WITHOUT_ITEM', 'RESULT_UNKNOWN_SEQ', 'TRIGGER_SEQ'])
  t.match(s.f.pool.get(orphan.id), { state: 'DEFECT', reason: 'UNCERTAIN' })
})

t.test('a print confirmed before its trigger arrives is paired with it', async t => {
  const s = await setup(t)
  const c = s.codes[0]!
  s.tracker.onPrinted({ printer: 'head-1', item: { id: c.id, code: c.code }, counter: 1, at: 0 })
  s.tracker.onTrigger(1)
  s.tracker.onResult(s.result(1, c.code))
  await s.tracker.settled()
  t.same(s.good.map(g => [g.seq, g.id]), [[1, c.id]])
  t.same(s.alarms.list(), [])
})

t.test('a missed print-go consumes its trigger: the next print goes to the next product', async t => {
  const s = await setup(t)
  s.tracker.onTrigger(1)
  s.tracker.onMissed({ printer: 'head-1', at: 0, ambiguous: false })
  s.tracker.onTrigger(2)
  const c = s.print(2)
  s.tracker.onResult(s.result(2, c.code))
  // a miss reported before its trigger arrived
  s.tracker.onMissed({ printer: 'head-1', at: 0, ambiguous: false })
  s.tracker.onTrigger(3)
  s.tracker.onTrigger(4)
  const c4 = s.print(4)
  s.tracker.onResult(s.result(4, c4.code))
  await s.tracker.settled()
  t.same(s.good.map(g => [g.seq, g.id]), [[2, c.id], [4, c4.id]])
  t.same(s.rejects.map(r => [r.seq, r.reason]).sort(), [[1, 'NO_PRINT'], [3, 'NO_PRINT']])
  t.same(s.faults, ['printer', 'printer'], 'each unprinted product holds the line')
  s.tracker.onMissed({ printer: 'head-1', at: 0, ambiguous: true })
  t.equal(s.faults.length, 3, 'a miss that cannot be ordered among prints holds the line')
})

t.test('without new triggers, deadlines run on the measured pitch', async t => {
  const s = await setup(t)
  for (let seq = 1; seq <= 3; seq++) { s.tracker.onTrigger(seq); s.print(seq); s.tracker.onResult(s.result(seq, s.codes[seq - 1]!.code)); s.f.clock.advance(40) }
  s.tracker.onTrigger(4); s.print(4)
  s.f.clock.advance(4 * 40 + 1) // gate 5 − margin 1 = 4 pitches of 40 ms; far below resultTimeoutMs
  s.tracker.tick()
  await s.tracker.settled()
  t.same(s.rejects.map(r => [r.seq, r.reason]), [[4, 'NO_RESULT']])
})

t.test('N rejects in a row raise a fault', async t => {
  const s = await setup(t, { maxConsecutiveRejects: 3 })
  for (let seq = 1; seq <= 3; seq++) { s.tracker.onTrigger(seq); s.print(seq); s.tracker.onResult(s.result(seq, null, 'F')) }
  await s.tracker.settled()
  t.same(s.faults, ['rejects'])
})

t.test('products after the job\'s last code pass unprinted without a fault, and do not count as rejects in a row', async t => {
  const s = await setup(t, { maxConsecutiveRejects: 3 })
  s.tracker.expectNoPrints(true)
  for (let seq = 1; seq <= 5; seq++) { s.tracker.onTrigger(seq); s.tracker.onMissed({ printer: 'head-1', ambiguous: false, at: s.f.clock.now() }) }
  await s.tracker.settled()
  t.same(s.faults, [], 'no printer fault, no "rejects in a row"')
  t.equal(s.tracker.counters.rejectsByReason.NO_PRINT, 5, 'each counted under NO_PRINT')
  t.same(s.rejects.map(r => r.reason), ['NO_PRINT', 'NO_PRINT', 'NO_PRINT', 'NO_PRINT', 'NO_PRINT'], 'and each rejected at the gate')
  s.tracker.expectNoPrints(false)
  for (let seq = 6; seq <= 8; seq++) { s.tracker.onTrigger(seq); s.tracker.onMissed({ printer: 'head-1', ambiguous: false, at: s.f.clock.now() }) }
  await s.tracker.settled()
  t.same([...s.faults].sort(), ['printer', 'printer', 'printer', 'rejects'], 'while codes are expected, missed prints are faults and count')
})
