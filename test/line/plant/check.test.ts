// What the line does when the plant register is unreachable (docs/modes.md): `hold` — the pack is not accepted
// (UNCHECKED), PLANT_UNREACHABLE is raised and the line is told to hold until the register answers; `local` — the
// line's own check stands, the code is kept in its store and claimed later, and a code another line had first is an
// alarm naming the code and that line. Real PostgreSQL, real SQLite file.
import t from 'tap'
import { join } from 'node:path'
import { AlarmBook } from '../../../line/alarms/alarms.ts'
import { ManualClock } from '../../../line/clock.ts'
import { silentLogger } from '../../../line/log.ts'
import { PlantCheck } from '../../../line/plant/check.ts'
import { PendingClaims } from '../../../line/plant/pending.ts'
import { PlantRegistry } from '../../../line/plant/registry.ts'
import { openDatabase } from '../../../line/store/open.ts'
import { postgresBin, startPostgres } from '../../helpers/postgres.ts'
import { tempDir } from '../../helpers/tmp.ts'

const code = (n: number): string => `0104601653030046215P${String(n).padStart(8, '0')}`

async function rig (t: Parameters<typeof startPostgres>[0] & { teardown(fn: () => unknown): void }, whenUnreachable: 'hold' | 'local') {
  const pg = await startPostgres(t)
  const clock = new ManualClock()
  const file = join(tempDir(t), 'line.db')
  const open = () => {
    const db = openDatabase(file, { synchronous: 'NORMAL' })
    const registry = new PlantRegistry({ url: pg.url, site: 's1', line: 'A', timeoutMs: 500 })
    const alarms = new AlarmBook(db, { clock, log: silentLogger() })
    const lost: boolean[] = []
    const check = new PlantCheck({ registry, pending: new PendingClaims(db), whenUnreachable, alarms, clock, log: silentLogger(), onLost: l => lost.push(l) })
    return { db, registry, alarms, lost, check, close: async () => { await registry.close(); db.close() } }
  }
  const other = new PlantRegistry({ url: pg.url, site: 's1', line: 'B', timeoutMs: 2000 })
  t.teardown(() => other.close())
  return { pg, open, other }
}

if (postgresBin() === null) {
  t.plan(0, 'PostgreSQL is not installed: apt-get install postgresql (.ci/run does it)')
} else {
  t.test('hold: an unanswered claim is UNCHECKED, the line is told to hold, and to go on once the register answers', async t => {
    const r = await rig(t, 'hold')
    const a = r.open()
    t.teardown(a.close)
    t.equal(await a.check.claim({ identity: code(1), jobId: 1, seq: 1 }), 'ok')
    await r.other.claim({ identity: code(2), jobId: 5, seq: 1 })
    t.equal(await a.check.claim({ identity: code(2), jobId: 1, seq: 2 }), 'duplicate', 'line B had it first')
    r.pg.stop()
    t.equal(await a.check.claim({ identity: code(3), jobId: 1, seq: 3 }), 'unchecked')
    t.equal(await a.check.claim({ identity: code(4), jobId: 1, seq: 4 }), 'unchecked')
    t.same(a.lost, [true], 'told once')
    t.ok(a.alarms.isActive('PLANT_UNREACHABLE', 'plant'))
    t.equal(a.check.pendingCount, 0, 'nothing accepted, nothing to claim later')
    await a.check.retry()
    t.same(a.lost, [true], 'still down')
    r.pg.start()
    await a.check.retry()
    t.same(a.lost, [true, false], 'the register answers: the line may go on')
    t.notOk(a.alarms.isActive('PLANT_UNREACHABLE', 'plant'), 'the alarm cleared')
    t.equal(await a.check.claim({ identity: code(3), jobId: 1, seq: 5 }), 'ok', 'the pack read again is accepted')
  })

  t.test('local: accepted on the line\'s own check, kept across a restart, claimed later; another line\'s earlier claim is an alarm', async t => {
    const r = await rig(t, 'local')
    let a = r.open()
    await r.other.claim({ identity: code(20), jobId: 5, seq: 1 })
    r.pg.stop()
    t.equal(await a.check.claim({ identity: code(10), jobId: 1, seq: 1 }), 'ok', 'accepted while the register is down')
    t.equal(await a.check.claim({ identity: code(20), jobId: 1, seq: 2 }), 'ok', 'this one line B had first: it cannot be known yet')
    t.equal(a.check.pendingCount, 2)
    t.ok(a.alarms.isActive('PLANT_UNREACHABLE', 'plant'))
    t.same(a.lost, [true])
    await a.close()
    a = r.open() // a restart while the register is down
    t.teardown(() => a.close())
    t.equal(a.check.pendingCount, 2, 'the pending claims survived the restart')
    r.pg.start()
    await a.check.retry()
    t.equal(a.check.pendingCount, 0, 'all claimed')
    t.notOk(a.alarms.isActive('PLANT_UNREACHABLE', 'plant'), 'the alarm raised before the restart cleared')
    t.match(a.alarms.list().filter(x => x.code === 'PLANT_DUPLICATE_FOUND'), [{ active: true, detail: { identity: code(20), otherLine: 'B' } }], 'the one line B had first is named')
    t.match(await r.other.claim({ identity: code(10), jobId: 5, seq: 9 }), { first: false, line: 'A' }, 'the other is line A\'s now')
  })
}
