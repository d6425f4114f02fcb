// The trigger and print streams slip (a lost or late confirmation, an extra print, a lost trigger, a duplicated
// result, a neighbour's code under the camera): the tracker re-aligns and writes off only the uncertain products.
import t from 'tap'
import { AlarmBook } from '../../../line/alarms/alarms.ts'
import { silentLogger } from '../../../line/log.ts'
import { Tracker, type GoodUnit } from '../../../line/tracking/tracker.ts'
import type { Grade, VerificationResult } from '../../../verifiers/types.ts'
import { GTIN_A, block, poolFixture } from '../../helpers/pool.ts'

async function setup (t: { teardown(fn: () => void): void }) {
  const f = poolFixture(t)
  await f.pool.importBlock(block(f, 'b', 100))
  const codes = await f.pool.reserve(GTIN_A, 50, 'head-1', { jobId: 1 })
  const alarms = new AlarmBook(f.db, { clock: f.clock, log: silentLogger() })
  const rejects: Array<{ seq: number, reason: string }> = []
  /** Codes in the store at the moment each reject reached the PLC: persist before telling. */
  const storeAtReject: Array<Record<number, string | undefined>> = []
  const tracker = new Tracker({
    pool: f.pool, clock: f.clock, log: silentLogger(), alarms,
    plc: { reject: async (seq, reason) => { rejects.push({ seq, reason }); storeAtReject.push(Object.fromEntries(codes.map(c => [c.id, f.pool.get(c.id)?.state]))) } },
    rejectDistance: 8, rejectMargin: 1, resultTimeoutMs: 1500, printTimeoutMs: 300, maxConsecutiveRejects: 100,
  })
  tracker.setJob({ id: 1, minGrade: 'C' })
  const good: GoodUnit[] = []
  const faults: string[] = []
  tracker.on('good', u => good.push(u))
  tracker.on('fault', x => faults.push(x.kind))
  const writtenOff: number[] = []
  tracker.on('writtenOff', (w: { codeIds: number[] }) => writtenOff.push(...w.codeIds))
  let counter = 0
  /** The head prints code `i` (its counter advances); `confirm: false` loses the confirmation. */
  const print = (i: number, confirm = true) => {
    const c = codes[i]!
    counter++
    if (confirm) tracker.onPrinted({ printer: 'head-1', item: { id: c.id, code: c.code }, counter, at: f.clock.now() })
    return c
  }
  const result = (seq: number, code: string | null, grade: Grade = 'A'): VerificationResult => ({ camera: 'cam-1', seq, ts: f.clock.now(), code, grade, receivedAt: f.clock.now() })
  const state = (i: number) => f.pool.get(codes[i]!.id)
  const alarmCodes = () => alarms.list().map(a => a.code)
  return { f, tracker, alarms, rejects, storeAtReject, good, faults, print, result, codes, state, alarmCodes, writtenOff }
}

t.test('late print confirmation: the given-up product takes its late print, the next product keeps its own code', async t => {
  const s = await setup(t)
  s.tracker.onTrigger(1); s.print(0)
  s.tracker.onResult(s.result(1, s.codes[0]!.code))
  s.f.clock.advance(100)
  s.tracker.onTrigger(2)
  s.f.clock.advance(301) // the head's answer is late: product 2 is given up
  s.tracker.tick()
  s.tracker.onTrigger(3)
  s.print(1) // product 2's print, confirmed late
  s.print(2) // product 3's
  s.tracker.onResult(s.result(2, s.codes[1]!.code))
  s.tracker.onResult(s.result(3, s.codes[2]!.code))
  await s.tracker.settled()
  t.same(s.good.map(g => [g.seq, g.id]), [[1, s.codes[0]!.id], [3, s.codes[2]!.id]], 'products 1 and 3 are good with their own codes')
  t.same(s.rejects.map(r => [r.seq, r.reason]), [[2, 'NO_PRINT']])
  t.match(s.state(1), { state: 'DEFECT', reason: 'UNCERTAIN', seq: 2 }, 'the late code is written off with the product that carries it')
  t.ok(s.alarmCodes().includes('PRINT_CONFIRMED_LATE'))
  t.same(s.writtenOff, [s.codes[1]!.id], 'announced once committed, so its dropout is reported')
  t.notOk(s.alarmCodes().includes('CODE_OF_OTHER_ITEM'), 'no code lands on a neighbour')
  t.same(s.faults, ['printer'], 'the missing confirmation itself still holds the line')
  t.match(s.tracker.counters, { printed: 2, verified: 2, rejected: 0 }, 'the written-off code is not a printed unit: counters agree with the store')
})

t.test('lost print confirmation: the head counter jumps, the product without a confirmed code is written off, the next is good', async t => {
  const s = await setup(t)
  for (let seq = 1; seq <= 4; seq++) s.tracker.onTrigger(seq)
  s.print(0)
  s.print(1, false) // confirmation lost for good
  s.print(2)
  s.print(3)
  for (let seq = 1; seq <= 4; seq++) s.tracker.onResult(s.result(seq, s.codes[seq - 1]!.code))
  await s.tracker.settled()
  t.same(s.good.map(g => [g.seq, g.id]), [[1, s.codes[0]!.id], [3, s.codes[2]!.id], [4, s.codes[3]!.id]])
  t.same(s.rejects.map(r => [r.seq, r.reason]), [[2, 'NO_PRINT']])
  t.ok(s.alarmCodes().includes('PRINT_CONFIRMATION_LOST'))
  t.same(s.faults, [], 'the counter proves where the lost print went: no hold')
})

t.test('extra print (print-go without a product): the camera shows the shift, the streams re-align', async t => {
  for (const late of [false, true]) {
    t.test(late ? 'the next print not yet confirmed' : 'the next print already confirmed', async t => {
      const s = await setup(t)
      s.tracker.onTrigger(1); s.print(0)
      s.print(1) // extra: printed on nothing
      for (let seq = 2; seq <= 4; seq++) s.tracker.onTrigger(seq)
      s.print(2); s.print(3) // physically on 2 and 3, paired with 3 and 4
      if (!late) s.print(4) // physically on 4, waits for a trigger
      s.tracker.onResult(s.result(1, s.codes[0]!.code))
      s.tracker.onResult(s.result(2, s.codes[2]!.code)) // product 2 carries the code paired with 3
      if (late) s.print(4)
      s.tracker.onResult(s.result(3, s.codes[3]!.code))
      s.tracker.onResult(s.result(4, s.codes[4]!.code))
      s.tracker.onTrigger(5); s.print(5)
      s.tracker.onResult(s.result(5, s.codes[5]!.code))
      await s.tracker.settled()
      t.same(s.good.map(g => [g.seq, g.id]), [[1, s.codes[0]!.id], [5, s.codes[5]!.id]], 'product 5 is good with its own code again')
      t.same(s.rejects.map(r => [r.seq, r.reason]), [[2, 'WRONG_CODE'], [3, 'WRONG_CODE'], [4, 'WRONG_CODE']], 'only the products between the slip and the camera are written off')
      for (const i of [1, 2, 3, 4]) t.equal(s.state(i)?.state, 'DEFECT', `code ${i} (on a rejected product or on nothing) is DEFECT`)
      t.equal(s.state(4)?.reason, 'UNCERTAIN', 'the print that landed on a product already written off')
      t.same(s.writtenOff, [s.codes[4]!.id])
      t.ok(s.storeAtReject.every((st, k) => k > 0 || st[s.codes[1]!.id] === 'DEFECT'), 'DEFECT committed before the PLC is told')
      t.ok(s.alarmCodes().includes('TRACKING_RESYNC'))
      t.notOk(s.alarmCodes().includes('RESULT_LATE_OR_DUPLICATE'), 'results of written-off products are expected, not alarms')
      t.equal(s.tracker.counters.printed, s.tracker.counters.verified + s.tracker.counters.rejected)
    })
  }
})

t.test('lost trigger: the PLC sequence number places the product, its print and result are its own', async t => {
  const s = await setup(t)
  s.tracker.onTrigger(1); s.print(0)
  s.print(1) // product 2's print; its trigger message is lost
  s.tracker.onResult(s.result(2, s.codes[1]!.code)) // ahead of any trigger
  s.tracker.onTrigger(3); s.print(2)
  for (const seq of [1, 3]) s.tracker.onResult(s.result(seq, s.codes[seq - 1]!.code))
  await s.tracker.settled()
  t.same(s.good.map(g => [g.seq, g.id]).sort((a, b) => a[0]! - b[0]!), [[1, s.codes[0]!.id], [2, s.codes[1]!.id], [3, s.codes[2]!.id]])
  t.same(s.rejects, [])
  t.ok(s.tracker.knows(2))
  t.ok(s.alarmCodes().includes('TRIGGER_LOST'))
  t.notOk(s.alarmCodes().includes('PRINT_WITHOUT_ITEM'))
})

t.test('duplicated camera result: applied once, before and after the decision, and ahead of its trigger', async t => {
  const s = await setup(t)
  s.tracker.onTrigger(1); s.print(0)
  s.tracker.onResult(s.result(2, s.codes[1]!.code)) // early, twice
  s.tracker.onResult(s.result(2, s.codes[1]!.code))
  s.tracker.onResult(s.result(1, null, 'F'))
  s.tracker.onResult(s.result(1, null, 'F'))
  s.tracker.onTrigger(2); s.print(1)
  s.tracker.onResult(s.result(2, s.codes[1]!.code))
  await s.tracker.settled()
  t.same(s.rejects.map(r => [r.seq, r.reason]), [[1, 'UNREADABLE']], 'one reject')
  t.same(s.good.map(g => g.seq), [2], 'one good unit')
  t.same(s.alarmCodes(), [], 'an identical repeat is not an alarm')
  t.match(s.tracker.counters, { printed: 2, verified: 1, rejected: 1 })
})

t.test("camera result for the wrong product (a neighbour's code): a product without its print-go shifts the stream back", async t => {
  const s = await setup(t)
  // product 1 passed without a print-go; every print after it belongs one product later than the tracker paired it
  for (let seq = 1; seq <= 4; seq++) s.tracker.onTrigger(seq)
  s.print(0); s.print(1); s.print(2) // physically on 2, 3, 4
  s.tracker.onResult(s.result(1, null, 'F'))
  s.tracker.onResult(s.result(2, s.codes[0]!.code)) // product 2 carries the code paired with 1
  s.tracker.onResult(s.result(3, s.codes[1]!.code))
  s.tracker.onTrigger(5); s.print(3)
  s.tracker.onResult(s.result(4, s.codes[2]!.code))
  s.tracker.onResult(s.result(5, s.codes[3]!.code))
  await s.tracker.settled()
  t.same(s.good.map(g => [g.seq, g.id]), [[5, s.codes[3]!.id]], 'product 5 is good with the code it carries')
  t.same(s.rejects.map(r => [r.seq, r.reason]).sort(), [[1, 'UNREADABLE'], [2, 'WRONG_CODE'], [3, 'WRONG_CODE'], [4, 'WRONG_CODE']])
  for (const i of [0, 1, 2]) t.equal(s.state(i)?.state, 'DEFECT', `code ${i} is on a rejected product`)
  t.ok(s.alarmCodes().includes('TRACKING_RESYNC'))
  t.equal(s.tracker.counters.printed, s.tracker.counters.verified + s.tracker.counters.rejected)
})

t.test('a stray code further away in the stream is a wrong code, not a slip', async t => {
  const s = await setup(t)
  for (let seq = 1; seq <= 4; seq++) { s.tracker.onTrigger(seq); s.print(seq - 1) }
  s.tracker.onResult(s.result(4, s.codes[0]!.code))
  for (let seq = 1; seq <= 3; seq++) s.tracker.onResult(s.result(seq, s.codes[seq - 1]!.code))
  await s.tracker.settled()
  t.same(s.good.map(g => g.seq), [1, 2, 3])
  t.same(s.rejects.map(r => [r.seq, r.reason]), [[4, 'WRONG_CODE']])
  t.notOk(s.alarmCodes().includes('TRACKING_RESYNC'))
})

t.test('a placeholder waits four result timeouts for its late print, then the next print is not its', async t => {
  const s = await setup(t)
  s.tracker.onTrigger(1)
  s.f.clock.advance(301)
  s.tracker.tick() // product 1 given up: no print came, no miss reported
  s.f.clock.advance(4 * 1500 - 400)
  s.tracker.tick()
  t.equal(s.good.length, 0)
  s.f.clock.advance(100)
  s.tracker.tick()
  s.tracker.onTrigger(2); s.print(0)
  s.tracker.onResult(s.result(2, s.codes[0]!.code))
  await s.tracker.settled()
  t.same(s.good.map(g => [g.seq, g.id]), [[2, s.codes[0]!.id]])
  t.same(s.rejects.map(r => [r.seq, r.reason]), [[1, 'NO_PRINT']])
})

t.test('after a new start (resync), placeholders, head counters and the PLC numbering start afresh', async t => {
  const s = await setup(t)
  s.tracker.onTrigger(1); s.print(0)
  s.tracker.onResult(s.result(1, s.codes[0]!.code))
  s.tracker.onTrigger(2)
  s.f.clock.advance(301)
  s.tracker.tick() // product 2 given up
  s.tracker.resync()
  s.print(1, false); s.print(1, false) // the head printed during the clear: its counter moved on
  s.tracker.onTrigger(40) // the PLC numbered products while the line was stopped
  s.print(1)
  s.tracker.onResult(s.result(40, s.codes[1]!.code))
  await s.tracker.settled()
  t.same(s.good.map(g => g.seq), [1, 40])
  t.notOk(s.alarmCodes().some(a => a === 'TRIGGER_LOST' || a === 'PRINT_CONFIRMATION_LOST'), 'no slip inferred across a new start')
})

t.test('a PLC that restarts its counter, or one trigger forged far ahead: numbering starts again, the line goes on', async t => {
  const s = await setup(t)
  // normal products 100..102
  for (const [seq, i] of [[100, 0], [101, 1], [102, 2]] as const) { s.tracker.onTrigger(seq); s.print(i); s.tracker.onResult(s.result(seq, s.codes[i]!.code)) }
  // one forged trigger a million ahead: no print-go came with it
  s.tracker.onTrigger(1_000_102)
  t.ok(s.alarmCodes().includes('TRIGGER_JUMP'), 'the jump is an alarm')
  // the PLC's real counter goes on at 103: far behind the forged number, so numbering starts again there
  s.tracker.onTrigger(103); s.print(3)
  s.tracker.onTrigger(104); s.print(4)
  s.tracker.onResult(s.result(103, s.codes[3]!.code))
  s.tracker.onResult(s.result(104, s.codes[4]!.code))
  // then the PLC reboots and counts from 1
  s.tracker.onTrigger(1); s.print(5)
  s.tracker.onTrigger(2); s.print(6)
  s.tracker.onResult(s.result(1, s.codes[5]!.code))
  s.tracker.onResult(s.result(2, s.codes[6]!.code))
  await s.tracker.settled()
  const goodSeqs = s.good.map(g => g.seq)
  for (const seq of [100, 101, 102, 1, 2]) t.ok(goodSeqs.includes(seq), `product ${seq} verified good`)
  t.ok(s.good.every(g => s.codes.some(c => c.id === g.id && c.code === g.code)), 'each with the code it carries')
  t.notOk(s.faults.includes('printer'), 'no hold that only a restart clears')
})

t.test('a PLC reboot early in a job, its new numbers still remembered as decided products: counted again, not ignored', async t => {
  const s = await setup(t)
  for (let i = 0; i < 40; i++) { s.tracker.onTrigger(i + 1); s.print(i); s.tracker.onResult(s.result(i + 1, s.codes[i]!.code)) }
  await s.tracker.settled()
  t.equal(s.good.length, 40)
  // the PLC reboots and counts from 1: numbers the tracker still holds, all decided
  s.tracker.onTrigger(1); s.print(40)
  s.tracker.onTrigger(2); s.print(41)
  s.tracker.onResult(s.result(1, s.codes[40]!.code))
  s.tracker.onResult(s.result(2, s.codes[41]!.code))
  await s.tracker.settled()
  t.same(s.good.slice(40).map(g => [g.seq, g.id]), [[1, s.codes[40]!.id], [2, s.codes[41]!.id]], 'the new products 1 and 2 are verified with their own codes')
  t.ok(s.alarmCodes().includes('TRIGGER_JUMP'))
  t.notOk(s.alarmCodes().includes('TRIGGER_SEQ'), 'not taken for repeats')
})
