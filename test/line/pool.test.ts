import t from 'tap'
import { GS } from '../../line/codes/index.ts'
import { ALLOWED_FROM, PoolEmptyError, PoolImportError, PoolTransitionError, STATE_NAMES, TRANSITIONS } from '../../line/pool/index.ts'
import { DAY, GTIN_A, GTIN_B, block, poolFixture } from '../helpers/pool.ts'

t.test('import is block-idempotent and accounted', async t => {
  const f = poolFixture(t)
  const b = block(f, 'b1', 500)
  t.same(await f.pool.importBlock(b), { blockId: 'b1', imported: 500, duplicateBlock: false })
  t.same(await f.pool.importBlock(b), { blockId: 'b1', imported: 0, duplicateBlock: true }, 'same block again adds nothing')
  await f.pool.importBlock(block(f, 'b2', 300, { gtin: GTIN_B }))
  const acc = f.pool.accounting()
  t.equal(acc.imported, 800)
  t.ok(acc.balanced)
  t.equal(acc.gtins[GTIN_A]?.states.AVAILABLE, 500)
  t.equal(acc.gtins[GTIN_B]?.states.AVAILABLE, 300)
  t.equal(f.pool.level(GTIN_A), 500)
})

t.test('a bad block is refused whole and touches nothing', async t => {
  const f = poolFixture(t)
  const good = block(f, 'good', 100)
  await f.pool.importBlock(good)
  const before = f.pool.accounting()

  const wrongProfile = block(f, 'bad1', 10)
  wrongProfile.codes[3] = (wrongProfile.codes[3] as string).replace(GS + '93', GS + '94')
  const e1 = await f.pool.importBlock(wrongProfile).catch(e => e)
  t.ok(e1 instanceof PoolImportError)
  t.equal(e1.code, 'LC_ERR_POOL_IMPORT')
  t.equal(e1.context.problems[0].index, 3)
  t.match(e1.context.problems[0].error, /expected AI \(93\)/)

  const wrongGtin = block(f, 'bad2', 10, { gtin: GTIN_B })
  const e2 = await f.pool.importBlock({ ...wrongGtin, gtin: GTIN_A }).catch(e => e)
  t.match(e2.message, /is for GTIN/)

  const dupInBlock = block(f, 'bad3', 10)
  dupInBlock.codes[9] = dupInBlock.codes[0] as string
  const e3 = await f.pool.importBlock(dupInBlock).catch(e => e)
  t.match(e3.context.problems[0].error, /twice in the block/)

  const dupWithPool = block(f, 'bad4', 10)
  dupWithPool.codes[5] = good.codes[42] as string
  const e4 = await f.pool.importBlock(dupWithPool).catch(e => e)
  t.ok(e4 instanceof PoolImportError)
  t.match(e4.message, /code 5 is already in the pool/)

  const truncated = block(f, 'bad5', 10)
  truncated.codes[9] = (truncated.codes[9] as string).slice(0, 20)
  t.rejects(f.pool.importBlock(truncated), PoolImportError)

  t.throws(() => f.pool.importBlockSync({ ...block(f, 'bad6', 1), group: 'caviar' }), { code: 'LC_ERR_PROFILE' })

  t.same(f.pool.accounting(), before, 'nothing of any refused block is in the pool')
  // a refused block id can be imported later, once corrected
  const fixed = block(f, 'bad4', 10)
  t.equal((await f.pool.importBlock(fixed)).imported, 10)
})

t.test('reserve: nearest expiry first, never expired, atomic shortfall', async t => {
  const f = poolFixture(t, { minRemainingMs: DAY })
  await f.pool.importBlock(block(f, 'late', 5, { expiresInMs: 20 * DAY }))
  await f.pool.importBlock(block(f, 'soon', 5, { expiresInMs: 2 * DAY }))
  await f.pool.importBlock(block(f, 'too-soon', 5, { expiresInMs: DAY / 2 }))
  t.equal(f.pool.level(GTIN_A), 10, 'codes expiring within the margin do not count')
  const first = await f.pool.reserve(GTIN_A, 5, 'head-1')
  t.ok(first.every(c => f.pool.get(c.id)?.blockId === 'soon'), 'the block nearest expiry goes first')
  t.ok(first.every(c => f.pool.get(c.id)?.state === 'SENT' && f.pool.get(c.id)?.printer === 'head-1'))
  const err = await f.pool.reserve(GTIN_A, 6, 'head-1').catch(e => e)
  t.ok(err instanceof PoolEmptyError)
  t.same(err.context, { gtin: GTIN_A, requested: 6, available: 5 })
  t.equal(f.pool.level(GTIN_A), 5, 'a refused reservation reserved nothing')
  const part = await f.pool.reserve(GTIN_A, 6, 'head-1', { partial: true })
  t.equal(part.length, 5)
  f.clock.advance(3 * DAY)
  t.equal(await f.pool.expireAvailable(), 5, 'the too-soon block expired')
  t.equal(f.pool.accounting().gtins[GTIN_A]?.states.DEFECT, 5)
  t.equal(f.pool.get(part[0]!.id)?.state, 'SENT', 'expiry only touches AVAILABLE codes')
})

t.test('concurrent reservations never share a code', async t => {
  const f = poolFixture(t)
  await f.pool.importBlock(block(f, 'b', 5000))
  const results = await Promise.all(Array.from({ length: 100 }, (_, i) => f.pool.reserve(GTIN_A, 50, `p${i % 4}`)))
  const ids = results.flat().map(r => r.id)
  t.equal(ids.length, 5000)
  t.equal(new Set(ids).size, 5000)
  t.ok(f.pool.commit.stats.commits < 100, `batched into ${f.pool.commit.stats.commits} commit(s)`)
  await t.rejects(f.pool.reserve(GTIN_A, 1, 'p0'), PoolEmptyError)
})

t.test('the whole lifecycle, and nothing outside the table', async t => {
  const f = poolFixture(t)
  await f.pool.importBlock(block(f, 'b', 20))
  const codes = await f.pool.reserve(GTIN_A, 10, 'head')
  const ids = codes.map(c => c.id)
  await f.pool.markPrinted(ids.slice(0, 9), 77)
  await f.pool.markVerified(ids.slice(0, 8), 'B')
  await f.pool.markDefect([ids[8]!], 'LOW_GRADE')
  await f.pool.aggregate(ids.slice(0, 6), '00046000000000000017')
  await f.pool.markReported(ids.slice(0, 6), 'r-1')
  await f.pool.markDropped([ids[8]!], 'd-1')
  await f.pool.markReported([ids[6]!], 'r-2')
  await f.pool.returnUnprinted([ids[9]!], 'buffer cleared, counter 100 before and after')
  const row = f.pool.get(ids[0]!)!
  t.match(row, { state: 'REPORTED', printer: 'head', seq: 77, grade: 'B', parent: '00046000000000000017', reportId: 'r-1' })
  t.match(f.pool.get(ids[8]!), { state: 'DROPPED', reason: 'LOW_GRADE', reportId: 'd-1' })
  t.match(f.pool.get(ids[9]!), { state: 'AVAILABLE', printer: null })
  t.match(f.pool.get(ids[9]!)?.reason, /^RETURNED: /)

  // every pair outside the table is refused with a typed error, and changes nothing
  const fresh = (await f.pool.importBlock(block(f, 'c', 0))) && null
  t.equal(fresh, null)
  for (const from of STATE_NAMES) {
    for (const to of STATE_NAMES) {
      if (TRANSITIONS[from].includes(to)) continue
      const id = ids.find(i => f.pool.get(i)?.state === from)
      if (id === undefined) continue
      const err = await f.pool.transition({ ids: [id], to, reason: 'X', parent: 'P', reportId: 'R', printer: 'p' }).catch(e => e)
      t.ok(err instanceof PoolTransitionError, `${from} → ${to} refused`)
      t.equal(err.context.from, from)
      t.equal(f.pool.get(id)?.state, from, `${from} stays`)
    }
  }
  t.same(ALLOWED_FROM.DROPPED, ['DEFECT'])
  t.rejects(f.pool.markDefect([ids[0]!], ''), { code: 'LC_ERR_POOL_TRANSITION', message: /needs reason/ })
  t.rejects(f.pool.markPrinted([999_999]), { message: /not in the pool/ })
})

t.test('a multi-code transition is all or nothing; other ops in the batch commit', async t => {
  const f = poolFixture(t)
  await f.pool.importBlock(block(f, 'b', 10))
  const ids = (await f.pool.reserve(GTIN_A, 10, 'h')).map(c => c.id)
  await f.pool.markPrinted([ids[9]!])
  const [bad, good] = await Promise.allSettled([
    f.pool.markPrinted(ids.slice(5)), // ids[9] is already PRINTED: the whole op fails
    f.pool.markPrinted(ids.slice(0, 5)),
  ])
  t.equal(bad.status, 'rejected')
  t.equal(good.status, 'fulfilled')
  t.same(ids.map(i => f.pool.get(i)?.state), ['PRINTED', 'PRINTED', 'PRINTED', 'PRINTED', 'PRINTED', 'SENT', 'SENT', 'SENT', 'SENT', 'PRINTED'])
})

t.test('state survives reopening; SENT of unknown fate becomes DEFECT/UNCERTAIN', async t => {
  let f = poolFixture(t)
  await f.pool.importBlock(block(f, 'b', 30))
  const a = await f.pool.reserve(GTIN_A, 10, 'head-1')
  const b = await f.pool.reserve(GTIN_A, 5, 'head-2')
  await f.pool.markPrinted(a.slice(0, 4).map(c => c.id))
  await f.pool.linkReport('utilisation', 'u-9', a.slice(0, 4).map(c => c.id))
  f = f.reopen()
  t.same(f.pool.sentTo('head-2').map(r => r.id), b.map(c => c.id))
  const recovered = f.pool.recoverUncertain('head-1')
  t.same(recovered, a.slice(4).map(c => c.id))
  t.same(f.pool.recoverUncertain(), b.map(c => c.id))
  const acc = f.pool.accounting().gtins[GTIN_A]!
  t.match(acc, { imported: 30, balanced: true })
  t.match(acc.states, { AVAILABLE: 15, SENT: 0, PRINTED: 4, DEFECT: 11 })
  t.equal(f.pool.get(a[0]!.id)?.reports.utilisation, 'u-9')
  t.equal(f.pool.get(a[9]!.id)?.reason, 'UNCERTAIN')
  const again = await f.pool.reserve(GTIN_A, 15, 'head-1')
  t.equal(new Set([...again, ...a, ...b].map(c => c.id)).size, 30, 'no code handed out twice across the restart')
})
