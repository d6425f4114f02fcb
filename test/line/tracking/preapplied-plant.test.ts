// Two lines of one plant, one register (docs/modes.md, "Plant-wide duplicate check"): the same printing-house file
// imported on both lines, packs read on either. A code another line accepted first is DUPLICATE_CODE here, the store
// untouched; two lines reading one code at once accept it once; the register down is UNCHECKED and a hold under
// `hold`, and under `local` the line goes on and learns later. Real trackers, pools on SQLite, real PostgreSQL.
import t from 'tap'
import { AlarmBook } from '../../../line/alarms/alarms.ts'
import { silentLogger } from '../../../line/log.ts'
import { PlantCheck } from '../../../line/plant/check.ts'
import { PendingClaims } from '../../../line/plant/pending.ts'
import { PlantRegistry } from '../../../line/plant/registry.ts'
import { Tracker, type GoodUnit } from '../../../line/tracking/tracker.ts'
import type { VerificationResult } from '../../../verifiers/types.ts'
import { GTIN_A, block, poolFixture } from '../../helpers/pool.ts'
import { postgresBin, startPostgres } from '../../helpers/postgres.ts'

async function line (t: { teardown(fn: () => unknown): void }, name: string, url: string, whenUnreachable: 'hold' | 'local') {
  const f = poolFixture(t)
  await f.pool.importBlock(block(f, 'printing-house', 20))
  const codes = f.db.prepare('SELECT id, code FROM codes ORDER BY id').all() as Array<{ id: number, code: string }>
  await f.pool.transition({ ids: codes.map(c => c.id), to: 'HANDED_OVER', exportId: 'E-1' })
  const alarms = new AlarmBook(f.db, { clock: f.clock, log: silentLogger() })
  const registry = new PlantRegistry({ url, site: 'plant', line: name, timeoutMs: 400 })
  t.teardown(() => registry.close())
  const lost: boolean[] = []
  const plant = new PlantCheck({ registry, pending: new PendingClaims(f.db), whenUnreachable, alarms, clock: f.clock, log: silentLogger(), onLost: l => lost.push(l) })
  const rejects: Array<[number, string]> = []
  const tracker = new Tracker({
    pool: f.pool, clock: f.clock, log: silentLogger(), alarms,
    plc: { reject: async (seq, reason) => { rejects.push([seq, reason]) } },
    rejectDistance: 5, rejectMargin: 1, resultTimeoutMs: 5000, printTimeoutMs: 300, maxConsecutiveRejects: 100,
    plantClaim: c => plant.claim(c),
  })
  tracker.setJob({ id: 1, minGrade: 'C', reads: { gtin: GTIN_A } })
  const good: GoodUnit[] = []
  tracker.on('good', u => good.push(u))
  let seq = 0
  /** A pack passes the camera: its trigger, then the read of its code. */
  const pack = (code: string | null): number => {
    seq++
    tracker.onTrigger(seq)
    const r: VerificationResult = { camera: `cam-${name}`, seq, ts: f.clock.now(), code, grade: 'A', receivedAt: f.clock.now() }
    tracker.onResult(r)
    return seq
  }
  return { f, codes, alarms, plant: { check: plant }, lost, rejects, good, tracker, pack }
}

if (postgresBin() === null) {
  t.plan(0, 'PostgreSQL is not installed: apt-get install postgresql (.ci/run does it)')
} else {
  t.test('two lines, one file of codes, one register: each code is accepted on one pack of the plant', async t => {
    const pg = await startPostgres(t)
    const a = await line(t, 'A', pg.url, 'hold')
    const b = await line(t, 'B', pg.url, 'hold')
    const [c0, c1, c2] = a.codes as [{ id: number, code: string }, { id: number, code: string }, { id: number, code: string }]
    const a1 = a.pack(c0.code)
    await a.tracker.settled()
    const b1 = b.pack(c0.code)
    const b2 = b.pack(c1.code)
    await b.tracker.settled()
    const a2 = a.pack(c1.code)
    await a.tracker.settled()
    t.same(a.good.map(g => g.seq), [a1], 'line A: its first pack good')
    t.same(b.good.map(g => g.seq), [b2], 'line B: the code line A had is not accepted, its own is')
    t.same(b.rejects, [[b1, 'DUPLICATE_CODE']], 'line B rejects the pack whose code line A accepted')
    t.same(a.rejects, [[a2, 'DUPLICATE_CODE']], 'and line A the one line B had first')
    t.equal(b.f.pool.get(c0.id)?.state, 'HANDED_OVER', 'line B\'s store untouched by the duplicate')
    t.equal(a.f.pool.get(c0.id)?.state, 'VERIFIED')
    // both lines read one code at the same moment
    const x = a.pack(c2.code)
    const y = b.pack(c2.code)
    await Promise.all([a.tracker.settled(), b.tracker.settled()])
    const winners = [a.good.some(g => g.seq === x), b.good.some(g => g.seq === y)].filter(Boolean)
    t.equal(winners.length, 1, 'accepted on exactly one of the two lines')
    t.equal(a.rejects.length + b.rejects.length, 3, 'and rejected on the other')
  })

  t.test('the register down: hold — UNCHECKED and a hold, the store untouched; local — accepted, learnt later', async t => {
    const pg = await startPostgres(t)
    const a = await line(t, 'A', pg.url, 'hold')
    const b = await line(t, 'B', pg.url, 'local')
    const [c3, c4] = a.codes.slice(3) as [{ id: number, code: string }, { id: number, code: string }]
    pg.stop()
    const a1 = a.pack(c3.code)
    await a.tracker.settled()
    t.same(a.rejects, [[a1, 'UNCHECKED']], 'hold: the pack is not accepted unchecked')
    t.same(a.lost, [true], 'hold: the line is told to hold')
    t.equal(a.f.pool.get(c3.id)?.state, 'HANDED_OVER', 'its code untouched: the pack may be read again')
    const b1 = b.pack(c4.code)
    await b.tracker.settled()
    t.same(b.good.map(g => g.seq), [b1], 'local: accepted on the line\'s own check')
    t.equal(b.plant.check.pendingCount, 1, 'and kept for the register')
    pg.start()
    // line A gets to the register first with the same code: line B learns it had a duplicate
    const a2 = a.pack(c4.code)
    await a.tracker.settled()
    t.ok(a.good.some(g => g.seq === a2), 'line A, not knowing line B\'s pending claim, accepts it')
    await b.plant.check.retry()
    t.match(b.alarms.list().find(x => x.code === 'PLANT_DUPLICATE_FOUND'), { active: true, detail: { otherLine: 'A' } }, 'line B is told which code and which line')
    await a.plant.check.retry()
    t.same(a.lost, [true, false], 'hold: the register answers again, the line may go on')
    const a3 = a.pack(c3.code)
    await a.tracker.settled()
    t.ok(a.good.some(g => g.seq === a3), 'the pack rejected unchecked is accepted when read again')
  })
}
