// A store made immutable under a running line (chattr +i) ended the process with SIGBUS and no log line: SQLite's
// shared-memory WAL index (-shm) is a memory map, and writing through it to a file that cannot grow is a bus error.
// Opened exclusively (the default, store.exclusive) the index is in the process's memory: the same sabotage is a
// write error the line reports. A second process cannot open a store the line holds.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { openDatabase } from '../../../line/store/open.ts'
import { tempDir } from '../../helpers/tmp.ts'

const CHILD = join(import.meta.dirname, 'immutable-child.ts')

/** chattr needs root and a filesystem with the immutable flag (not tmpfs). */
function chattrWorks (): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'lc-chattr-'))
  const probe = join(dir, 'probe')
  writeFileSync(probe, 'x')
  try { execFileSync('chattr', ['+i', probe], { stdio: 'ignore' }); execFileSync('chattr', ['-i', probe], { stdio: 'ignore' }); return true } catch { return false } finally { rmSync(dir, { recursive: true, force: true }) }
}

function runChild (dir: string, mode: 'exclusive' | 'shared'): { status: number | null, signal: NodeJS.Signals | null, out: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CHILD, dir, mode], { encoding: 'utf8', timeout: 60_000 })
  return { status: r.status, signal: r.signal, out: r.stdout.trim() }
}

const skip = chattrWorks() ? false : 'chattr +i is not possible here (needs root and a filesystem with the immutable flag)'
t.test('an immutable store under a running line is a write error when opened exclusively, a SIGBUS when shared', { skip }, async t => {
  const exclusive = runChild(tempDir(t), 'exclusive')
  t.match(exclusive, { status: 0, signal: null, out: /^refused: SQLITE_IOERR/ }, 'exclusive: the write is refused with an I/O error, the process lives')
  const sharedDir = tempDir(t)
  const shared = runChild(sharedDir, 'shared')
  // the child died with its files immutable: made mutable again so they can be removed
  execFileSync('chattr', ['-i', ...readdirSync(sharedDir).map(f => join(sharedDir, f))])
  t.equal(shared.signal, 'SIGBUS', 'shared memory WAL index: the process dies of SIGBUS (why the line opens its store exclusively)')
})

t.test('a store the line holds cannot be opened by a second process: a clear error, not a hang', async t => {
  const dir = tempDir(t)
  const first = openDatabase(join(dir, 'line.db'), { exclusive: true })
  t.teardown(() => first.close())
  first.exec('CREATE TABLE t (x)')
  first.prepare('INSERT INTO t VALUES (1)').run()
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', `
    import('${join(import.meta.dirname, '../../../line/store/open.ts')}').then(m => {
      try { m.openDatabase('${join(dir, 'line.db')}', { exclusive: true }); console.log('opened') } catch (e) { console.log(e.code + ': ' + e.message) }
    })`], { encoding: 'utf8', timeout: 60_000 })
  t.match(r.stdout.trim(), /^LC_ERR_STORE\w*: the store at .* is in use by another process/, 'named: in use by another process')
})
