// Export for a printing house on a real SQLite file: the hand-over is committed before the file is written, a re-run
// of the same export writes the same bytes, and exported codes are never given to a head.
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { exportCodes, manifestPathOf, resumeExports } from '../../../line/codefiles/index.ts'
import { parseCode } from '../../../line/codes/index.ts'
import { PoolEmptyError, PoolTransitionError } from '../../../line/pool/index.ts'
import { GTIN_A, block, poolFixture } from '../../helpers/pool.ts'
import { tempDir } from '../../helpers/tmp.ts'

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

t.test('an export hands codes over, writes them one per line with GS as 0x1D, and a manifest', async t => {
  const f = poolFixture(t)
  await f.pool.importBlock(block(f, 'b1', 60))
  await f.pool.importBlock(block(f, 'b2', 40))
  const out = join(tempDir(t), 'ph', 'milk-0425.txt')
  const r = await exportCodes(f.pool, f.clock, { gtin: GTIN_A, count: 70, out, exportId: 'E1' }, 'petrova')
  t.equal(r.created, true)
  t.equal(r.path, out)
  t.equal(r.manifestPath, manifestPathOf(out))
  const bytes = readFileSync(out)
  const lines = bytes.toString('utf8').split('\n')
  t.equal(lines.pop(), '', 'every line ends with LF')
  t.equal(lines.length, 70)
  for (const l of lines) t.equal(parseCode(f.profiles.get('water'), l).gtin, GTIN_A)
  t.ok(bytes.includes(0x1d), 'GS travels as the byte')
  t.notOk(bytes.toString('latin1').includes('\\u001d'))
  const manifest = JSON.parse(readFileSync(r.manifestPath, 'utf8'))
  t.match(manifest, {
    format: 'lc-codes-export/1', exportId: 'E1', gtin: GTIN_A, group: 'water', count: 70, file: 'milk-0425.txt',
    sha256: sha(bytes), bytes: bytes.length, orders: ['order-b1', 'order-b2'], blocks: ['b1', 'b2'], createdBy: 'petrova', lineEnd: 'LF',
  })
  const acc = f.pool.accounting()
  t.equal(acc.gtins[GTIN_A]?.states.HANDED_OVER, 70)
  t.equal(acc.gtins[GTIN_A]?.states.AVAILABLE, 30)
  t.ok(acc.balanced, 'every code still accounted for')
  t.match(f.pool.files.exportRecord('E1'), { status: 'written', sha256: sha(bytes), count: 70 })
  t.same(readdirSync(join(out, '..')).sort(), ['milk-0425.manifest.json', 'milk-0425.txt'], 'no temporary file left')
})

t.test('the same export again rewrites the same bytes and hands over nothing more', async t => {
  const f = poolFixture(t)
  await f.pool.importBlock(block(f, 'b1', 50))
  const out = join(tempDir(t), 'e.txt')
  await exportCodes(f.pool, f.clock, { gtin: GTIN_A, count: 20, out, exportId: 'E1', lineEnd: 'crlf' }, 'petrova')
  const first = readFileSync(out)
  const firstManifest = readFileSync(manifestPathOf(out), 'utf8')
  t.ok(first.toString().endsWith('\r\n'))
  f.clock.advance(60_000)
  const again = await exportCodes(f.pool, f.clock, { gtin: GTIN_A, count: 20, out, exportId: 'E1', lineEnd: 'crlf' }, 'sidorov')
  t.equal(again.created, false)
  t.same(readFileSync(out), first, 'same codes, same order, same bytes')
  t.equal(readFileSync(manifestPathOf(out), 'utf8'), firstManifest, 'same manifest: who and when are the first export\'s')
  t.equal(f.pool.accounting().gtins[GTIN_A]?.states.HANDED_OVER, 20)
  const other = await exportCodes(f.pool, f.clock, { gtin: GTIN_A, count: 25, out, exportId: 'E1' }, 'petrova').catch(e => e)
  t.equal(other.code, 'LC_ERR_CODES_EXPORT', 'an export id is one export')
  t.equal(f.pool.accounting().gtins[GTIN_A]?.states.HANDED_OVER, 20)
})

t.test('a crash between the commit and the file: codes are exported, not available, and a re-run writes the file', async t => {
  const f = poolFixture(t)
  await f.pool.importBlock(block(f, 'b1', 30))
  const dir = tempDir(t)
  const out = join(dir, 'e2.txt')
  const crash = await exportCodes(f.pool, f.clock, { gtin: GTIN_A, count: 10, out, exportId: 'E2' }, 'petrova', {
    afterCommit: () => { throw new Error('power lost') },
  }).catch(e => e)
  t.match(crash.message, /power lost/)
  t.notOk(existsSync(out), 'no file yet')
  t.same(readdirSync(dir), [])
  // the process is gone: a new one opens the store
  const g = f.reopen()
  t.equal(g.pool.level(GTIN_A), 20, 'the handed-over codes are not available')
  t.equal(g.pool.accounting().gtins[GTIN_A]?.states.HANDED_OVER, 10)
  t.same(g.pool.files.pendingExports().map(e => e.exportId), ['E2'])
  const done = await resumeExports(g.pool, 'petrova')
  t.same(done.map(d => d.exportId), ['E2'])
  const bytes = readFileSync(out)
  t.equal(bytes.toString().split('\n').filter(Boolean).length, 10)
  t.equal(JSON.parse(readFileSync(manifestPathOf(out), 'utf8')).sha256, sha(bytes))
  t.same(g.pool.files.pendingExports(), [])
  t.equal(g.pool.accounting().gtins[GTIN_A]?.states.HANDED_OVER, 10, 'nothing handed over twice')
  t.ok(g.pool.accounting().balanced)
})

t.test('exported codes are never reserved for a head; they may be read on the line later', async t => {
  const f = poolFixture(t)
  await f.pool.importBlock(block(f, 'b1', 10))
  const out = join(tempDir(t), 'e.txt')
  await exportCodes(f.pool, f.clock, { gtin: GTIN_A, count: 6, out, exportId: 'E3' }, 'petrova')
  const exported = new Set(readFileSync(out, 'utf8').split('\n').filter(Boolean))
  const err = await f.pool.reserve(GTIN_A, 5, 'head-1').catch(e => e)
  t.ok(err instanceof PoolEmptyError, 'only 4 are available')
  t.equal(err.context.available, 4)
  const got = await f.pool.reserve(GTIN_A, 10, 'head-1', { partial: true })
  t.equal(got.length, 4)
  for (const c of got) t.notOk(exported.has(c.code), 'a reserved code is not an exported one')
  t.rejects(f.pool.reserve(GTIN_A, 1, 'head-1'), PoolEmptyError)
  const handed = f.pool.files.exportPage('E3', 0, 100).map(c => c.id)
  t.equal(handed.length, 6)
  const sent = await f.pool.transition({ ids: [handed[0]!], to: 'SENT', printer: 'head-1' }).catch(e => e)
  t.ok(sent instanceof PoolTransitionError, 'HANDED_OVER → SENT is refused')
  await f.pool.markVerified([handed[1]!], 'B')
  t.equal(f.pool.get(handed[1]!)?.state, 'VERIFIED', 'read at grade on this line: a code of this line from now on')
  await f.pool.markDefect([handed[2]!], 'DAMAGE_LOSS')
  t.equal(f.pool.get(handed[2]!)?.state, 'DEFECT')
})

t.test('not enough codes: nothing is handed over', async t => {
  const f = poolFixture(t)
  await f.pool.importBlock(block(f, 'b1', 10))
  const out = join(tempDir(t), 'e.txt')
  const err = await exportCodes(f.pool, f.clock, { gtin: GTIN_A, count: 11, out }, 'petrova').catch(e => e)
  t.ok(err instanceof PoolEmptyError)
  t.equal(f.pool.level(GTIN_A), 10)
  t.notOk(existsSync(out))
  t.same(f.pool.files.recentExports(), [])
})
