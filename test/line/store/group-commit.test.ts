// Group commit on a real SQLite file: promises settle only after COMMIT, a failing operation rejects only its caller,
// operations run and settle in the order they were submitted, and a failed COMMIT rejects the whole batch.
import t, { type Test } from 'tap'
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { GroupCommit } from '../../../line/store/group-commit.ts'
import { StoreError } from '../../../line/store/errors.ts'
import { openDatabase, type Db } from '../../../line/store/open.ts'
import { tempDir } from '../../helpers/tmp.ts'

function fixture (t: Test, options: { maxBatch?: number } = {}) {
  const path = join(tempDir(t), 'gc.db')
  const db = openDatabase(path, { synchronous: 'FULL' })
  db.exec(`CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
    CREATE TABLE parents (id INTEGER PRIMARY KEY);
    CREATE TABLE children (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES parents(id) DEFERRABLE INITIALLY DEFERRED)`)
  const gc = new GroupCommit(db, options)
  // A second connection sees only what is committed: the world outside the writer.
  const reader = new Database(path, { readonly: true })
  t.teardown(() => { gc.close(); reader.close(); db.close() })
  const committed = (): string[] => (reader.prepare('SELECT name FROM items ORDER BY id').all() as Array<{ name: string }>).map(r => r.name)
  const insert = (name: string) => (d: Db) => Number(d.prepare('INSERT INTO items (name) VALUES (?)').run(name).lastInsertRowid)
  return { db, gc, committed, insert }
}

t.test('a caller learns of its change only once it is committed and visible to other connections', async t => {
  const f = fixture(t)
  const seenAtResolve: string[][] = []
  const inTxAtResolve: boolean[] = []
  const ps = ['a', 'b', 'c'].map(n => f.gc.submit(f.insert(n)).then(id => {
    seenAtResolve.push(f.committed())
    inTxAtResolve.push(f.db.inTransaction)
    return id
  }))
  t.same(f.committed(), [], 'nothing is on disk while the batch waits')
  t.equal(f.gc.stats.commits, 0)
  const ids = await Promise.all(ps)
  t.same(ids, [1, 2, 3], 'each caller gets its own operation\'s result')
  t.same(seenAtResolve, [['a', 'b', 'c'], ['a', 'b', 'c'], ['a', 'b', 'c']], 'every promise settled after the COMMIT of the whole batch')
  t.same(inTxAtResolve, [false, false, false], 'no transaction open when callers run')
  t.match(f.gc.stats, { commits: 1, ops: 3, maxBatch: 3, maxStatements: 3 }, 'one transaction for the batch')
})

t.test('an operation that throws rejects only its own caller; its partial writes are undone', async t => {
  const f = fixture(t)
  const boom = new Error('refused by the operation')
  const a = f.gc.submit(f.insert('a'))
  const b = f.gc.submit(d => { f.insert('b-partial')(d); throw boom })
  const c = f.gc.submit(f.insert('c'))
  const dup = f.gc.submit(f.insert('a'), { savepoint: false }) // a single statement failing on its own
  const e = f.gc.submit(f.insert('e'))
  const settled = await Promise.allSettled([a, b, c, dup, e])
  t.same(settled.map(s => s.status), ['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled'])
  t.equal((settled[1] as PromiseRejectedResult).reason, boom, 'the caller gets its own error, unwrapped')
  t.match((settled[3] as PromiseRejectedResult).reason, { code: 'SQLITE_CONSTRAINT_UNIQUE' })
  t.same(f.committed(), ['a', 'c', 'e'], 'the rest of the batch is committed, the failed operation left nothing behind')
  t.equal(f.gc.stats.commits, 1)
})

t.test('operations run and settle in submission order; the next batch waits for the next turn', async t => {
  const f = fixture(t)
  const ran: number[] = []
  const settled: number[] = []
  const all: Array<Promise<unknown>> = []
  for (let i = 0; i < 20; i++) {
    all.push(f.gc.submit(d => { ran.push(i); return f.insert(`n${i}`)(d) }).then(() => {
      settled.push(i)
      // submitted while the first batch settles: goes into a later transaction, not lost, not reordered
      if (i === 0) all.push(f.gc.submit(f.insert('late')).then(() => { settled.push(100) }))
    }))
  }
  await Promise.all(all)
  await Promise.all(all) // the late one was pushed while awaiting
  t.same(ran, Array.from({ length: 20 }, (_, i) => i), 'in submission order')
  t.same(settled, [...Array.from({ length: 20 }, (_, i) => i), 100])
  t.same(f.committed().slice(0, 3), ['n0', 'n1', 'n2'])
  t.equal(f.committed().at(-1), 'late')
  t.equal(f.gc.stats.commits, 2, 'the late operation had its own transaction')
})

t.test('a full batch is committed at once; flush() commits what is queued now', async t => {
  const f = fixture(t, { maxBatch: 4 })
  const ps = [1, 2, 3].map(i => f.gc.submit(f.insert(`x${i}`)))
  t.same(f.committed(), [], 'below maxBatch: waits for the next turn of the event loop')
  ps.push(f.gc.submit(f.insert('x4')))
  t.same(f.committed(), ['x1', 'x2', 'x3', 'x4'], 'the fourth submit filled the batch: committed synchronously')
  ps.push(f.gc.submit(f.insert('x5')))
  f.gc.flush()
  t.same(f.committed(), ['x1', 'x2', 'x3', 'x4', 'x5'])
  await Promise.all(ps)
  t.equal(f.gc.stats.commits, 2)
  t.equal(f.gc.stats.maxBatch, 4)
  f.gc.flush()
  t.equal(f.gc.stats.commits, 2, 'flushing an empty queue starts no transaction')
})

t.test('a failing COMMIT rejects every caller of the batch and stores none of it', async t => {
  const f = fixture(t)
  const a = f.gc.submit(f.insert('a'))
  // a deferred foreign key is checked at COMMIT: the orphan makes the whole transaction fail there
  const orphan = f.gc.submit(d => d.prepare('INSERT INTO children (parent) VALUES (42)').run().changes)
  const c = f.gc.submit(f.insert('c'))
  const settled = await Promise.allSettled([a, orphan, c])
  t.same(settled.map(s => s.status), ['rejected', 'rejected', 'rejected'])
  for (const s of settled) {
    const err = (s as PromiseRejectedResult).reason
    t.ok(err instanceof StoreError)
    t.match(err, { code: 'LC_ERR_STORE', context: { ops: 3 } })
    t.match(String(err.cause), /FOREIGN KEY/)
  }
  t.same(f.committed(), [], 'nothing of that batch is stored')
  t.equal(f.db.inTransaction, false, 'the transaction was rolled back')
  t.equal(f.gc.stats.commits, 0)
  await f.gc.submit(f.insert('after'))
  t.same(f.committed(), ['after'], 'the next batch commits normally')
})

t.test('close() commits what is queued and refuses further work', async t => {
  const f = fixture(t)
  const queued = f.gc.submit(f.insert('q'))
  f.gc.close()
  t.same(f.committed(), ['q'], 'committed on close, not dropped')
  t.equal(await queued, 1)
  await t.rejects(f.gc.submit(f.insert('late')), { code: 'LC_ERR_STORE', message: 'store is closed' })
  t.same(f.committed(), ['q'])
})
