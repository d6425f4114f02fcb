// Import of codes from a file on a real SQLite file: all or nothing, every bad line named, a file taken once.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { BadLinesError, FileTargetError, FileTooLargeError, FileTwiceError, TruncatedFileError, exportCodes, importCodesFile, manifestPathOf } from '../../../line/codefiles/index.ts'
import { GS } from '../../../line/codes/index.ts'
import { GTIN_A, GTIN_B, block, poolFixture, type PoolFixture } from '../../helpers/pool.ts'
import { tempDir } from '../../helpers/tmp.ts'

function codes (f: PoolFixture, n: number, gtin = GTIN_A): string[] {
  return f.factory.raw(f.profiles.get('water'), gtin, n)
}

function file (t: Parameters<typeof tempDir>[0], name: string, content: string | Buffer): string {
  const path = join(tempDir(t), name)
  writeFileSync(path, content)
  return path
}

const WATER = { gtin: GTIN_A, group: 'water' }

t.test('a good file is imported whole as one block of its own', async t => {
  const f = poolFixture(t)
  const c = codes(f, 50)
  const path = file(t, 'cabinet-0425.txt', c.join('\n') + '\n')
  const r = await importCodesFile(f.pool, f.profiles, { path, ...WATER }, 'petrova')
  t.match(r, { ok: true, imported: 50, lines: 50, fileName: 'cabinet-0425.txt', blockId: /^file:cabinet-0425\.txt:sha256:[0-9a-f]{16}$/ })
  t.equal(f.pool.level(GTIN_A), 50)
  t.ok(f.pool.accounting().balanced)
  t.match(f.pool.files.fileBlock(r.sha256), { blockId: r.blockId, count: 50, group: 'water', fileName: 'cabinet-0425.txt' })
  t.equal(f.pool.findByIdentity(`01${GTIN_A}21${c[0]!.slice(18, 31)}`)?.code, c[0], 'stored as in the file')
})

t.test('CRLF, a BOM, blank lines and the textual forms of GS are taken', async t => {
  const f = poolFixture(t)
  const c = codes(f, 6)
  const forms = [(s: string) => s, (s: string) => s.replace(GS, '\\u001d'), (s: string) => s.replace(GS, '<GS>'), (s: string) => s.replace(GS, '⟨GS⟩'),
    (s: string) => s.replace(GS, '\\x1D'), (s: string) => `]d2${s}`]
  const text = '\ufeff' + c.map((s, i) => forms[i]!(s)).join('\r\n') + '\r\n\r\n'
  const r = await importCodesFile(f.pool, f.profiles, { path: file(t, 'x.txt', text), ...WATER }, 'petrova')
  t.equal(r.imported, 6)
  t.equal(r.blankLines, 1)
  for (const s of c) t.ok(f.pool.findByIdentity(s.slice(0, s.indexOf(GS)))?.code.includes(GS), 'stored with the GS byte')
  // a last line without a line end is fine when it is a whole code
  const g = poolFixture(t)
  t.equal((await importCodesFile(g.pool, g.profiles, { path: file(t, 'y.txt', codes(g, 3).join('\n')), ...WATER }, 'p')).imported, 3)
})

t.test('bad lines: every one reported with its number and reason, nothing imported', async t => {
  const f = poolFixture(t)
  const c = codes(f, 100)
  c[2] = c[2]!.replace(GS + '93', GS + '94')
  c[16] = c[16]!.slice(0, 20)
  c[39] = codes(f, 1, GTIN_B)[0]!
  c[40] = '0104601653030047' + c[40]!.slice(16)
  c[70] = 'hello'
  const err = await importCodesFile(f.pool, f.profiles, { path: file(t, 'bad.txt', c.join('\n') + '\n'), ...WATER }, 'petrova').catch(e => e)
  t.ok(err instanceof BadLinesError)
  t.equal(err.code, 'LC_ERR_CODES_FILE_BAD_LINES')
  t.same(err.badLines.map((b: { line: number }) => b.line), [3, 17, 40, 41, 71])
  t.match(err.badLines[0].reason, /expected AI \(93\)/)
  t.match(err.badLines[2].reason, new RegExp(`code is for GTIN ${GTIN_B}, the file is imported for ${GTIN_A}`))
  t.match(err.badLines[3].reason, /check digit/)
  t.same(err.badLines.map((b: { kind: string }) => b.kind), ['format', 'format', 'gtin', 'format', 'format'], 'each line with its kind, for the panel to word')
  t.equal(err.badLines[2].gtin, GTIN_B, 'the GTIN the code of another product carries')
  t.same(err.context.byReason, { format: 4, gtin: 1 })
  t.equal(err.context.lines, 100)
  t.equal(f.pool.accounting().imported, 0, 'nothing half-imported')
  t.equal(f.pool.level(GTIN_A), 0)
})

t.test('the list of bad lines is capped, the count is not', async t => {
  const f = poolFixture(t)
  const lines = Array.from({ length: 500 }, (_, i) => `junk-${i}`)
  const err = await importCodesFile(f.pool, f.profiles, { path: file(t, 'junk.txt', lines.join('\n') + '\n'), ...WATER }, 'p',
    { maxLines: 1000, maxBytes: 1 << 20, maxListed: 50 }).catch(e => e)
  t.equal(err.badLines.length, 50)
  t.equal(err.context.badCount, 500)
})

t.test('a truncated file: the last line cut in the middle', async t => {
  const f = poolFixture(t)
  const c = codes(f, 20)
  const text = c.join('\n')
  const err = await importCodesFile(f.pool, f.profiles, { path: file(t, 'cut.txt', text.slice(0, text.length - 7)), ...WATER }, 'p').catch(e => e)
  t.ok(err instanceof TruncatedFileError)
  t.equal(err.code, 'LC_ERR_CODES_FILE_TRUNCATED')
  t.match(err.message, /ends in the middle of line 20/)
  t.equal(err.context.badLines[0].line, 20)
  t.equal(f.pool.accounting().imported, 0)
})

t.test('the same code twice in the file, or a code the pool has: refused with line numbers', async t => {
  const f = poolFixture(t)
  const c = codes(f, 30)
  c[9] = c[1]!
  const dup = await importCodesFile(f.pool, f.profiles, { path: file(t, 'dup.txt', c.join('\n') + '\n'), ...WATER }, 'p').catch(e => e)
  t.ok(dup instanceof BadLinesError)
  t.same(dup.badLines.map((b: { line: number, reason: string }) => [b.line, b.reason]), [[10, 'the same code as line 2']])
  t.match(dup.badLines[0], { kind: 'duplicate', sameAs: 2 })

  const oms = block(f, 'oms-1', 5)
  await f.pool.importBlock(oms)
  const mixed = [...codes(f, 10), oms.codes[3]!, ...codes(f, 2)]
  const inPool = await importCodesFile(f.pool, f.profiles, { path: file(t, 'mixed.txt', mixed.join('\n') + '\n'), ...WATER }, 'p').catch(e => e)
  t.same(inPool.badLines.map((b: { line: number, reason: string }) => [b.line, b.reason]), [[11, 'already in the pool']])
  t.equal(inPool.badLines[0].kind, 'in-pool')
  t.equal(f.pool.accounting().imported, 5, 'only the OMS block')
})

t.test('a file imported twice is refused: by its checksum, and by its codes under another name', async t => {
  const f = poolFixture(t)
  const c = codes(f, 25)
  const path = file(t, 'once.txt', c.join('\n') + '\n')
  const first = await importCodesFile(f.pool, f.profiles, { path, ...WATER }, 'p')
  const again = await importCodesFile(f.pool, f.profiles, { path, ...WATER }, 'p').catch(e => e)
  t.ok(again instanceof FileTwiceError)
  t.equal(again.code, 'LC_ERR_CODES_FILE_TWICE')
  t.match(again.message, new RegExp(`imported before as block ${first.blockId.replace(/[.]/g, '\\.')}`))
  const renamed = await importCodesFile(f.pool, f.profiles, { path: file(t, 'copy.txt', c.join('\r\n') + '\r\n'), ...WATER }, 'p').catch(e => e)
  t.ok(renamed instanceof FileTwiceError)
  t.match(renamed.message, /all its 25 codes are in the pool already/)
  t.equal(f.pool.accounting().imported, 25)
})

t.test('the GTIN and group named are checked before the file is read', async t => {
  const f = poolFixture(t)
  const path = file(t, 'g.txt', codes(f, 5).join('\n') + '\n')
  t.rejects(importCodesFile(f.pool, f.profiles, { path, gtin: '04601653030047', group: 'water' }, 'p'), FileTargetError)
  t.rejects(importCodesFile(f.pool, f.profiles, { path, gtin: GTIN_A, group: 'wine' }, 'p'), { code: 'LC_ERR_CODES_FILE_TARGET', message: /unknown product group/ })
  await f.pool.importBlock(block(f, 'milk-1', 3, { group: 'milk', gtin: GTIN_B }))
  t.rejects(importCodesFile(f.pool, f.profiles, { path, gtin: GTIN_B, group: 'water' }, 'p'), { message: /in the pool for group milk/ })
  // a file of another GTIN's codes: every line says so
  const other = await importCodesFile(f.pool, f.profiles, { path: file(t, 'o.txt', codes(f, 4, GTIN_B).join('\n') + '\n'), ...WATER }, 'p').catch(e => e)
  t.same(other.context.byReason, { gtin: 4 })
})

t.test('size limits: lines and bytes, and an empty file', async t => {
  const f = poolFixture(t)
  const path = file(t, 'big.txt', codes(f, 30).join('\n') + '\n')
  t.rejects(importCodesFile(f.pool, f.profiles, { path, ...WATER }, 'p', { maxLines: 20, maxBytes: 1 << 20, maxListed: 10 }), { code: 'LC_ERR_CODES_FILE_TOO_LARGE', message: /more than 20 lines/ })
  t.rejects(importCodesFile(f.pool, f.profiles, { path, ...WATER }, 'p', { maxLines: 100, maxBytes: 100, maxListed: 10 }), FileTooLargeError)
  t.rejects(importCodesFile(f.pool, f.profiles, { path: file(t, 'empty.txt', ''), ...WATER }, 'p'), { code: 'LC_ERR_CODES_FILE_BAD_LINES', message: /empty/ })
  const long = await importCodesFile(f.pool, f.profiles, { path: file(t, 'long.txt', 'x'.repeat(10_000) + '\n'), ...WATER }, 'p').catch(e => e)
  t.match(long.badLines[0], { line: 1, reason: /longer than 512 bytes/ })
  t.equal(f.pool.accounting().imported, 0)
})

t.test('an exported file goes into another line\'s pool with its manifest checked', async t => {
  const a = poolFixture(t)
  await a.pool.importBlock(block(a, 'b1', 40))
  const out = join(tempDir(t), 'ph.txt')
  const exp = await exportCodes(a.pool, a.clock, { gtin: GTIN_A, count: 30, out, exportId: 'E1' }, 'p')
  const b = poolFixture(t)
  const bad = await importCodesFile(b.pool, b.profiles, { path: out, ...WATER, expect: { count: 31, sha256: exp.manifest.sha256 } }, 'p').catch(e => e)
  t.ok(bad instanceof TruncatedFileError, 'a count that is not the manifest\'s')
  const wrongSum = await importCodesFile(b.pool, b.profiles, { path: out, ...WATER, expect: { sha256: '0'.repeat(64) } }, 'p').catch(e => e)
  t.match(wrongSum.message, /manifest says/)
  const r = await importCodesFile(b.pool, b.profiles, { path: out, ...WATER, expect: { count: 30, sha256: exp.manifest.sha256 } }, 'p')
  t.equal(r.imported, 30)
  t.equal(manifestPathOf(out).endsWith('ph.manifest.json'), true)
})

t.test('a printing house\'s file, already on the packs: handed over at once, never given to a head', async t => {
  const f = poolFixture(t)
  await f.pool.importBlock(block(f, 'oms-1', 5))
  const c = codes(f, 20)
  const r = await importCodesFile(f.pool, f.profiles, { path: file(t, 'press-run.txt', c.join('\n') + '\n'), ...WATER, printed: true }, 'petrova')
  t.match(r, { ok: true, imported: 20, printed: true })
  t.equal(f.pool.level(GTIN_A), 5, 'only the OMS block is there to print')
  for (const s of c) t.equal(f.pool.readCheck(s.slice(0, s.indexOf(GS)))?.state, 'HANDED_OVER')
  // a head gets the OMS block's five, then none: the file's codes are not there to print
  const reserved = await f.pool.reserve(GTIN_A, 5, 'head-1')
  t.notOk(reserved.some(x => c.includes(x.code)), 'no printed code reserved')
  await t.rejects(f.pool.reserve(GTIN_A, 1, 'head-1'), /has 0 codes/)
  t.ok(f.pool.accounting().balanced)
  const audit = f.db.prepare("SELECT detail FROM audit WHERE action = 'codes:import'").all() as Array<{ detail: string }>
  t.match(JSON.parse(audit[0]!.detail), { count: 20, printed: true })
  // the same file for printing on the line: refused as imported before, whatever the purpose
  const again = await importCodesFile(f.pool, f.profiles, { path: file(t, 'press-run-copy.txt', c.join('\n') + '\n'), ...WATER }, 'petrova').catch(e => e)
  t.ok(again instanceof FileTwiceError)
})
