// The plant register (line/plant/registry.ts) on a real PostgreSQL server: two lines claiming codes, the first claim
// winning, a line's own earlier claim its own, claims batched per event-loop turn, and an outage as a clear error.
import pg from 'pg'
import t from 'tap'
import { PlantRegistry, PlantUnreachableError } from '../../../line/plant/registry.ts'
import { postgresBin, startPostgres } from '../../helpers/postgres.ts'

const code = (n: number): string => `0104601653030046215P${String(n).padStart(8, '0')}`

if (postgresBin() === null) {
  t.plan(0, 'PostgreSQL is not installed: apt-get install postgresql (.ci/run does it)')
} else {
  t.test('two lines, one register: the first claim of a code wins, and a line\'s own claim stays its own', async t => {
    const db = await startPostgres(t)
    const a = new PlantRegistry({ url: db.url, site: 's1', line: 'A', timeoutMs: 2000 })
    const b = new PlantRegistry({ url: db.url, site: 's1', line: 'B', timeoutMs: 2000 })
    t.teardown(async () => { await a.close(); await b.close() })
    t.same(await a.claim({ identity: code(1), jobId: 1, seq: 10 }), { first: true })
    t.match(await b.claim({ identity: code(1), jobId: 9, seq: 77 }), { first: false, site: 's1', line: 'A' }, 'line B is told line A had it')
    t.same(await a.claim({ identity: code(1), jobId: 1, seq: 11 }), { first: true }, 'line A\'s own claim: its own store judges')
    // the register names the pack that claimed it last on that line (the earlier one never took it), not line B's
    const pool = new pg.Pool({ connectionString: db.url, max: 1 })
    t.teardown(() => pool.end())
    t.match((await pool.query('SELECT line, seq FROM plant_codes WHERE identity = $1', [code(1)])).rows, [{ line: 'A', seq: '11' }])
    // both lines at once on the same 300 codes: each code is first on exactly one line
    const ids = Array.from({ length: 300 }, (_, i) => code(100 + i))
    const [ra, rb] = await Promise.all([Promise.all(ids.map((c, i) => a.claim({ identity: c, jobId: 1, seq: i }))), Promise.all(ids.map((c, i) => b.claim({ identity: c, jobId: 9, seq: i })))])
    const bad = ids.filter((_, i) => ra[i]!.first === rb[i]!.first)
    t.same(bad, [], 'no code first on both lines, none on neither')
    t.ok(a.batches < 20, `claims went out in batches (${a.batches} statements for ${ids.length + 2} claims)`)
    // the same code twice in one batch (two packs at once): the second loses
    const [x, y] = await Promise.all([a.claim({ identity: code(999), jobId: 1, seq: 1 }), a.claim({ identity: code(999), jobId: 1, seq: 2 })])
    t.same(x, { first: true })
    t.match(y, { first: false, line: 'A' })
  })

  t.test('the register down: a clear error within the timeout, and claims work again once it is back', async t => {
    const pg = await startPostgres(t)
    const a = new PlantRegistry({ url: pg.url, site: 's1', line: 'A', timeoutMs: 500 })
    t.teardown(() => a.close())
    t.same(await a.claim({ identity: code(1), jobId: 1, seq: 1 }), { first: true })
    pg.stop()
    const started = Date.now()
    const err = await a.claim({ identity: code(2), jobId: 1, seq: 2 }).then(() => null, (e: unknown) => e)
    t.ok(err instanceof PlantUnreachableError, 'PlantUnreachableError')
    t.equal((err as PlantUnreachableError).code, 'LC_ERR_PLANT')
    t.ok(Date.now() - started < 5000, `answered in ${Date.now() - started} ms`)
    await t.rejects(a.ping(), PlantUnreachableError)
    pg.start()
    await a.ping()
    t.same(await a.claim({ identity: code(2), jobId: 1, seq: 2 }), { first: true }, 'nothing was claimed while it was down')
    t.same(await a.claim({ identity: code(1), jobId: 1, seq: 1 }), { first: true }, 'and what it held survived')
  })
}
