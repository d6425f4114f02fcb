// The pre-applied mode in the tracker (docs/modes.md): no print stream; the code the camera reads on a pack is that
// pack's code when it was handed over for the job's GTIN and seen on no other pack. Everything else is rejected
// without touching the store: a duplicate's first pack stays good, a code not handed over stays where it was.
import t from 'tap'
import { AlarmBook } from '../../../line/alarms/alarms.ts'
import { silentLogger } from '../../../line/log.ts'
import { Tracker, type GoodUnit } from '../../../line/tracking/tracker.ts'
import type { Grade, VerificationResult } from '../../../verifiers/types.ts'
import { GTIN_A, GTIN_B, block, poolFixture } from '../../helpers/pool.ts'

async function setup (t: { teardown(fn: () => void): void }) {
  const f = poolFixture(t)
  const a = await f.pool.importBlock(block(f, 'a', 30))
  await f.pool.importBlock(block(f, 'b', 5, { gtin: GTIN_B }))
  const all = (gtin: string) => f.db.prepare('SELECT id, code FROM codes WHERE gtin = ? ORDER BY id').all(gtin) as Array<{ id: number, code: string }>
  const codes = all(GTIN_A)
  const other = all(GTIN_B)
  // handed over to the printing house: 20 of GTIN A, all of GTIN B; the last 10 of A stay AVAILABLE
  await f.pool.transition({ ids: codes.slice(0, 20).map(c => c.id), to: 'HANDED_OVER', exportId: 'E-1' })
  await f.pool.transition({ ids: other.map(c => c.id), to: 'HANDED_OVER', exportId: 'E-2' })
  const alarms = new AlarmBook(f.db, { clock: f.clock, log: silentLogger() })
  const rejects: Array<{ seq: number, reason: string }> = []
  const tracker = new Tracker({
    pool: f.pool, clock: f.clock, log: silentLogger(), alarms,
    plc: { reject: async (seq, reason) => { rejects.push({ seq, reason }) } },
    rejectDistance: 5, rejectMargin: 1, resultTimeoutMs: 1500, printTimeoutMs: 300, maxConsecutiveRejects: 100,
  })
  tracker.setJob({ id: 7, minGrade: 'C', reads: { gtin: GTIN_A } })
  const good: GoodUnit[] = []
  const faults: string[] = []
  tracker.on('good', u => good.push(u))
  tracker.on('fault', x => faults.push(x.kind))
  const result = (seq: number, code: string | null, grade: Grade = 'A'): VerificationResult => ({ camera: 'cam-1', seq, ts: f.clock.now(), code, grade, receivedAt: f.clock.now() })
  if (a.imported !== 30) throw new Error(`imported ${a.imported}`)
  return { f, tracker, alarms, rejects, good, faults, result, codes, other }
}

t.test('a handed-over code read on a pack is its code; duplicates, codes not handed over and forgeries are rejected, the store untouched', async t => {
  const s = await setup(t)
  const [c0, c1, c2, c3] = s.codes as [{ id: number, code: string }, { id: number, code: string }, { id: number, code: string }, { id: number, code: string }]
  const available = s.codes[25] as { id: number, code: string }
  // each pack is read two pitches after its trigger, before the reject gate (4 pitches on)
  const reads: Array<[string | null, Grade]> = [
    [c0.code, 'A'],
    [c0.code, 'A'], // the same code on a second pack
    [available.code, 'A'], // a code of the pool that was never handed over
    [`${c1.code.slice(0, -1)}~`, 'A'], // a handed-over code with another crypto tail
    ['0104601653030046215unknownCode\u001d93abcd', 'A'], // not in the pool
    [s.other[0]!.code, 'A'], // handed over, but for another product
    [c2.code, 'D'], // below the job's minimum grade
    [null, 'F'], // nothing readable
    [c3.code, 'B'],
  ]
  for (let seq = 1; seq <= reads.length; seq++) {
    s.tracker.onTrigger(seq)
    if (seq > 1) s.tracker.onResult(s.result(seq - 1, ...reads[seq - 2]!))
  }
  s.tracker.onResult(s.result(reads.length, ...reads[reads.length - 1]!))
  await s.tracker.settled()

  t.same(s.good.map(g => [g.seq, g.id]), [[1, c0.id], [9, c3.id]], 'the two good packs')
  t.match(s.f.pool.get(c0.id), { state: 'VERIFIED', seq: 1, grade: 'A', printer: 'cam-1' }, 'the code takes its pack\'s number and the camera')
  t.equal((s.f.db.prepare('SELECT job_id AS j FROM codes WHERE id = ?').get(c0.id) as { j: number }).j, 7, 'and the job')
  t.same(s.rejects.map(r => [r.seq, r.reason]).sort((x, y) => Number(x[0]) - Number(y[0])), [
    [2, 'DUPLICATE_CODE'], [3, 'FOREIGN_CODE'], [4, 'FOREIGN_CODE'], [5, 'FOREIGN_CODE'], [6, 'WRONG_CODE'], [7, 'LOW_GRADE'], [8, 'UNREADABLE'],
  ])
  t.equal(s.f.pool.get(available.id)?.state, 'AVAILABLE', 'a code never handed over stays in the pool')
  t.equal(s.f.pool.get(c1.id)?.state, 'HANDED_OVER', 'a forged copy does not touch the real code')
  t.equal(s.f.pool.get(s.other[0]!.id)?.state, 'HANDED_OVER', 'another product\'s code stays with its product')
  t.match(s.f.pool.get(c2.id), { state: 'DEFECT', reason: 'LOW_GRADE', seq: 7 }, 'a poor print of a real code: that code is written off')
  t.ok(s.alarms.list().some(a => a.code === 'CODE_OF_OTHER_ITEM'), 'the duplicate is alarmed with the pack that had it first')
  t.match(s.tracker.counters, { triggered: 9, printed: 3, verified: 2, rejected: 1, rejectsByReason: { DUPLICATE_CODE: 1, FOREIGN_CODE: 3, WRONG_CODE: 1, LOW_GRADE: 1, UNREADABLE: 1 } })
  t.same(s.faults, [], 'nothing waits for a print: no printer fault')
})

t.test('a code read on a pack earlier (already verified) is a duplicate; a result before its trigger is claimed when it comes; no result is NO_RESULT', async t => {
  const s = await setup(t)
  const c0 = s.codes[0] as { id: number, code: string }
  s.tracker.onTrigger(1)
  s.tracker.onResult(s.result(1, c0.code))
  await s.tracker.settled()
  // a later pack, long after the first one was forgotten by the tracker: the store says it was seen
  s.tracker.onResult(s.result(3, (s.codes[1] as { code: string }).code)) // overtakes its trigger
  s.tracker.onTrigger(2)
  s.tracker.onTrigger(3)
  s.tracker.onTrigger(4)
  s.tracker.onResult(s.result(4, c0.code))
  await s.tracker.settled()
  t.same(s.good.map(g => g.seq), [1, 3], 'the early result claimed its code when its trigger came')
  t.match(s.rejects, [{ seq: 4, reason: 'DUPLICATE_CODE' }])
  t.equal(s.f.pool.get(c0.id)?.state, 'VERIFIED', 'the first pack keeps its good code')
  s.f.clock.advance(2000)
  s.tracker.tick()
  await s.tracker.settled()
  t.match(s.rejects.find(r => r.seq === 2), { reason: 'NO_RESULT' }, 'a pack the camera never reported is rejected')
  t.same(s.faults, [])
})

t.test('a code the store has not recorded yet stays known to the tracker: a repeat far behind is still a duplicate', async t => {
  const s = await setup(t)
  const more = await s.f.pool.importBlock(block(s.f, 'c', 2100))
  t.equal(more.imported, 2100)
  const codes = s.f.db.prepare("SELECT id, code FROM codes WHERE block_id = 'c' ORDER BY id").all() as Array<{ id: number, code: string }>
  await s.f.pool.transition({ ids: codes.map(c => c.id), to: 'HANDED_OVER', exportId: 'E-3' })
  // the store falls behind: no verdict is written until released (a long commit, a slow disk)
  const held: Array<() => void> = []
  const transition = s.f.pool.transition.bind(s.f.pool)
  s.f.pool.transition = op => new Promise((resolve, reject) => { held.push(() => { transition(op).then(resolve, reject) }) })
  let seq = 0
  for (const c of codes) { s.tracker.onTrigger(++seq); s.tracker.onResult(s.result(seq, c.code)) }
  // more packs than the tracker keeps in memory went by: the first code's verdict is still not in the store
  s.tracker.onTrigger(++seq)
  s.tracker.onResult(s.result(seq, codes[0]!.code))
  const settled = s.tracker.settled()
  await new Promise(resolve => setImmediate(resolve))
  t.equal(held.length, 2100, 'no verdict in the store yet')
  while (held.length > 0) { held.splice(0).forEach(f => f()); await new Promise(resolve => setImmediate(resolve)) }
  await settled
  t.match(s.rejects.filter(r => r.seq > 2000), [{ seq, reason: 'DUPLICATE_CODE' }], 'the repeat is a duplicate, not a second good pack')
  t.equal(s.good.length, 2100, 'every first read good')
  t.match(s.f.pool.get(codes[0]!.id), { state: 'VERIFIED', seq: 1 }, 'the first pack keeps its code')
})
