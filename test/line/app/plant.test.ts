// The plant check as the line runs it (line/app/plant.ts): under `hold`, an unreachable register holds the line
// (a `plant` fault) and blocks a pre-applied job's start until it answers; a direct-print job is never blocked.
import t from 'tap'
import { join } from 'node:path'
import { AlarmBook } from '../../../line/alarms/alarms.ts'
import { startPlant } from '../../../line/app/plant.ts'
import { ManualClock } from '../../../line/clock.ts'
import { silentLogger } from '../../../line/log.ts'
import { openDatabase } from '../../../line/store/open.ts'
import { postgresBin, startPostgres } from '../../helpers/postgres.ts'
import { tempDir } from '../../helpers/tmp.ts'

/** The line's plant link on a store of its own, against the register at `url`. */
function plantOf (t: { teardown(fn: () => unknown): void }, url: string, whenUnreachable: 'hold' | 'local', fault: Parameters<typeof startPlant>[0]['fault'] = () => null) {
  const db = openDatabase(join(tempDir(t), 'line.db'), { synchronous: 'NORMAL' })
  t.teardown(() => db.close())
  const clock = new ManualClock()
  const alarms = new AlarmBook(db, { clock, log: silentLogger() })
  const plant = startPlant({ config: { url, timeoutMs: 400, whenUnreachable, retryMs: 60_000 }, site: 's', line: 'l', db, alarms, clock, log: silentLogger(), fault })
  t.teardown(() => plant.close())
  return { plant, alarms }
}

if (postgresBin() === null) {
  t.plan(0, 'PostgreSQL is not installed: apt-get install postgresql (.ci/run does it)')
} else {
  t.test('hold: the register down holds the line and blocks a pre-applied start; back, the block lifts', async t => {
    const pg = await startPostgres(t)
    const faults: string[] = []
    const { plant, alarms } = plantOf(t, pg.url, 'hold', () => (kind, message) => faults.push(`${kind}: ${message.en}`))
    t.equal(await plant.check.claim({ identity: '0104601653030046215X00000001', jobId: 1, seq: 1 }), 'ok')
    t.same(plant.blockers(true), [])
    t.match(plant.device(), { id: 'plant-register', kind: 'plant-register', online: true, state: 'ok', facts: [{ key: 'address', value: pg.url }] }, 'the tile: reachable')
    pg.stop()
    t.equal(await plant.check.claim({ identity: '0104601653030046215X00000002', jobId: 1, seq: 2 }), 'unchecked')
    t.match(plant.device(), { online: false, state: 'fault' }, 'the tile: unreachable under hold is a fault')
    t.same(faults, ['plant: the plant code register is unreachable'], 'the line holds')
    t.match(plant.blockers(true), [{ en: /Plant-wide duplicate check/ }], 'a pre-applied job may not start or resume')
    t.same(plant.blockers(false), [], 'a direct-print job does not need the register')
    pg.start()
    await plant.check.retry()
    t.same(plant.blockers(true), [], 'the register answers: the block lifts')
    t.notOk(alarms.isActive('PLANT_UNREACHABLE', 'plant'))
    t.match(plant.device(), { online: true, state: 'ok' })
  })

  t.test('local: the tile counts the codes waiting for the register, and never shows its password', async t => {
    const pg = await startPostgres(t)
    const { plant } = plantOf(t, pg.url.replace('postgres://line@', 'postgres://line:s3cret@'), 'local')
    t.equal(await plant.check.claim({ identity: '0104601653030046215Y00000001', jobId: 1, seq: 1 }), 'ok')
    t.match(plant.device(), { state: 'ok', facts: [{ key: 'address' }, { key: 'pending', value: 0 }] })
    t.notMatch(JSON.stringify(plant.device()), /s3cret/, 'no password on the tile')
    pg.stop()
    t.equal(await plant.check.claim({ identity: '0104601653030046215Y00000002', jobId: 1, seq: 2 }), 'ok', 'accepted on the line\'s own check')
    t.match(plant.device(), { online: false, state: 'warning', facts: [{ key: 'address' }, { key: 'pending', value: 1 }] }, 'the line goes on: a warning, one code waiting')
    pg.start()
    await plant.check.retry()
    t.match(plant.device(), { online: true, state: 'ok', facts: [{ key: 'address' }, { key: 'pending', value: 0 }] })
  })
}

if (postgresBin() !== null) {
  t.test('a register down when the controller starts is known before the first pack: a pre-applied start is blocked', async t => {
    const pg = await startPostgres(t)
    pg.stop()
    const { plant, alarms } = plantOf(t, pg.url, 'hold')
    const end = Date.now() + 10_000
    while (plant.blockers(true).length === 0 && Date.now() < end) await new Promise(resolve => setTimeout(resolve, 20))
    t.match(plant.blockers(true), [{ en: /Plant-wide duplicate check/ }], 'blocked without a single claim')
    t.ok(alarms.isActive('PLANT_UNREACHABLE', 'plant'))
  })
}
