// The store's identity outlives its folder, and a running line notices its store deleted or replaced under it.
import t from 'tap'
import { copyFileSync, existsSync, rmSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { openDatabase } from '../../line/store/open.ts'
import { StoreIdentityError, StoreWatch, checkStoreIdentity, defaultIdentityFile, type StoreFault } from '../../line/store/guard.ts'
import { tempDir } from '../helpers/tmp.ts'

t.test('the identity file sits beside the store folder, not inside it', async t => {
  t.equal(defaultIdentityFile('/srv/line/var/line.db'), '/srv/line/.var-line.db.store-id')
})

t.test('a line that had a store refuses an empty one until told, and a foreign one', async t => {
  const root = tempDir(t)
  const path = join(root, 'var', 'line.db')
  const db1 = openDatabase(path)
  const first = checkStoreIdentity(db1, { storePath: path, now: 1000 })
  t.equal(first.created, true)
  t.equal(checkStoreIdentity(db1, { storePath: path, now: 2000 }).storeId, first.storeId, 'the same store again is fine')
  db1.close()
  t.ok(existsSync(defaultIdentityFile(path)))

  rmSync(join(root, 'var'), { recursive: true, force: true }) // the folder deleted while stopped
  const db2 = openDatabase(path)
  t.throws(() => checkStoreIdentity(db2, { storePath: path, now: 3000 }), StoreIdentityError)
  try { checkStoreIdentity(db2, { storePath: path, now: 3000 }) } catch (err) {
    t.equal((err as StoreIdentityError).code, 'LC_ERR_STORE_IDENTITY')
    t.match((err as Error).message, /is new, but this line had store .* --accept-new-store/)
  }
  const accepted = checkStoreIdentity(db2, { storePath: path, now: 3000, acceptNew: true })
  t.not(accepted.storeId, first.storeId)
  t.equal(checkStoreIdentity(db2, { storePath: path, now: 4000 }).storeId, accepted.storeId, 'from then on the new store is the line\'s')
  db2.close()

  // a store file from another line copied over this one
  const other = join(root, 'other', 'line.db')
  const db3 = openDatabase(other)
  checkStoreIdentity(db3, { storePath: other, now: 5000 })
  db3.close()
  for (const suffix of ['-wal', '-shm']) rmSync(path + suffix, { force: true })
  copyFileSync(other, path)
  const db4 = openDatabase(path)
  t.throws(() => checkStoreIdentity(db4, { storePath: path, now: 6000 }), /is not the one this line used/)
  db4.close()
})

t.test('a running line notices its store deleted or replaced', async t => {
  const root = tempDir(t)
  const path = join(root, 'line.db')
  const db = openDatabase(path)
  t.teardown(() => db.close())
  db.exec('CREATE TABLE x (v INTEGER)')
  const watch = new StoreWatch(db, { path })
  const faults: StoreFault[] = []
  const recovered: string[] = []
  watch.on('fault', f => faults.push(f))
  watch.on('recovered', k => recovered.push(k))
  t.same(watch.check(), [], 'healthy')
  renameSync(path, path + '.moved')
  t.match(watch.check(), [{ kind: 'vanished' }])
  watch.check()
  t.equal(faults.length, 1, 'emitted once while it lasts')
  writeFileSync(path, 'not the store')
  t.match(watch.check(), [{ kind: 'replaced' }])
  rmSync(path)
  renameSync(path + '.moved', path)
  t.same(watch.check(), [])
  t.same(faults.map(f => f.kind), ['vanished', 'replaced'])
  t.same(recovered.sort(), ['replaced', 'vanished'])
})

t.test('a WAL that cannot be checkpointed is a fault', async t => {
  const root = tempDir(t)
  const path = join(root, 'line.db')
  const db = openDatabase(path, { synchronous: 'NORMAL' })
  t.teardown(() => db.close())
  db.pragma('wal_autocheckpoint = 0')
  db.exec('CREATE TABLE x (v BLOB)')
  const reader = openDatabase(path)
  t.teardown(() => reader.close())
  // an open read transaction pins the WAL: a checkpoint cannot fold it back
  reader.exec('BEGIN')
  reader.prepare('SELECT count(*) FROM x').get()
  const insert = db.prepare('INSERT INTO x VALUES (?)')
  for (let i = 0; i < 200; i++) insert.run(Buffer.alloc(4096))
  const watch = new StoreWatch(db, { path, walLimitBytes: 256 * 1024 })
  t.match(watch.check(), [{ kind: 'wal-growing' }])
  reader.exec('COMMIT')
  t.same(watch.check(), [], 'the checkpoint folds it once nothing pins it')
})
