// Child of exclusive.test.ts: opens a store, writes, makes its files immutable (chattr +i), writes again, and says
// what happened on stdout. A SIGBUS kills it without a word: the test sees the signal.
import { execFileSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { openDatabase } from '../../../line/store/open.ts'

const [dir, mode] = process.argv.slice(2) as [string, 'exclusive' | 'shared']
const db = openDatabase(join(dir, 'line.db'), { synchronous: 'FULL', exclusive: mode === 'exclusive' })
db.exec('CREATE TABLE t (x)')
for (let i = 0; i < 100; i++) db.prepare('INSERT INTO t VALUES (?)').run(i)
const files = readdirSync(dir).map(f => join(dir, f))
execFileSync('chattr', ['+i', ...files])
try {
  for (let i = 0; i < 1000; i++) db.prepare('INSERT INTO t VALUES (?)').run(i)
  process.stdout.write('written\n')
} catch (err) {
  process.stdout.write(`refused: ${(err as { code?: string }).code}\n`)
} finally {
  execFileSync('chattr', ['-i', ...files])
}
