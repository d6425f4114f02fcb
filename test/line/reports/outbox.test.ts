import t from 'tap'
import { SignerError, type Signer } from '../../../line/signer/index.ts'
import { TestSigner } from '../../../line/signer/index.ts'
import { REASONS } from '../../../sim/gismt/server.ts'
import { boxedCodes, reportsFixture, runUntil } from './fixture.ts'

t.test('codes are stored in a report before sending, sent once, accepted, linked and REPORTED', async t => {
  const f = await reportsFixture(t)
  const { ids, identities, boxes } = await boxedCodes(f, 'b1', 120, 12)
  f.emu.registerCodes(identities)
  const added = await f.outbox.add({ kind: 'aggregation', group: 'water', codeIds: ids })
  t.equal(added.added, 120)
  t.equal(added.reportIds.length, 1)
  const again = await f.outbox.add({ kind: 'aggregation', group: 'water', codeIds: ids.slice(0, 10) })
  t.same([again.added, again.skipped], [0, 10], 'a code is never put into two reports of one kind')
  const id = added.reportIds[0] as string
  t.equal(f.outbox.get(id)?.state, 'OPEN')
  t.equal(f.emu.receipts.creates, 0, 'nothing is sent while the window is open')
  const events: string[] = []
  f.outbox.on('report', e => events.push(e.state))
  const rounds = await runUntil(f, () => f.outbox.get(id)?.state === 'ACCEPTED')
  t.ok(rounds >= 0, 'accepted')
  t.same(events, ['SENDING', 'SENT', 'ACCEPTED'])
  t.equal(f.emu.receipts.creates, 1)
  const r = f.outbox.get(id)
  const row = f.pool.get(ids[0] as number)
  t.equal(row?.state, 'REPORTED')
  t.equal(row?.reports.aggregation, r?.remoteId, 'the pool links the accepted document')
  t.equal(f.pool.accounting().gtins[Object.keys(f.pool.accounting().gtins)[0] as string]?.states.REPORTED, 120)
  const doc = f.emu.docs.get(r?.remoteId as string)
  const body = doc?.body as { aggregationUnits: Array<{ unitSerialNumber: string, sntins: string[] }> }
  t.equal(body.aggregationUnits.length, 10)
  t.equal(body.aggregationUnits[0]?.unitSerialNumber, `00${boxes[0]}`)
  t.same(body.aggregationUnits.flatMap(u => u.sntins).sort(), [...identities].sort(), 'matched code for code')
})

t.test('batches close at maxCodes without waiting for the window', async t => {
  const f = await reportsFixture(t, { outbox: { maxCodes: 50, windowMs: 3_600_000 } })
  const { ids, identities } = await boxedCodes(f, 'b1', 120, 10)
  f.emu.registerCodes(identities)
  const added = await f.outbox.add({ kind: 'aggregation', group: 'water', codeIds: ids })
  t.equal(added.reportIds.length, 3)
  const reports = f.outbox.list({ kind: 'aggregation' })
  t.same(reports.map(r => [r.state, r.codes]), [['READY', 50], ['READY', 50], ['OPEN', 20]])
  await runUntil(f, () => f.outbox.summary().ACCEPTED.reports === 2, 1000, 50)
  t.equal(f.outbox.summary().OPEN.codes, 20, 'the last batch waits for its window')
})

t.test('a 6-hour outage (5 h of 5xx, then 1 h of hanging requests) loses nothing and catches up', async t => {
  const f = await reportsFixture(t, { timeoutMs: 300, outbox: { retryBaseMs: 5_000, retryMaxMs: 600_000 } })
  const { ids, identities } = await boxedCodes(f, 'b1', 600, 20)
  f.emu.registerCodes(identities)
  // Three reports go out before the outage and are waiting for their status; three more are written during it.
  for (let i = 0; i < 3; i++) await f.outbox.add({ kind: 'aggregation', group: 'water', codeIds: ids.slice(i * 100, (i + 1) * 100), attributes: { batch: i } })
  await f.outbox.closeOpen()
  await f.outbox.tick()
  t.equal(f.outbox.summary().SENT.reports, 3)
  f.emu.outage({ mode: '5xx' })
  for (let i = 3; i < 6; i++) await f.outbox.add({ kind: 'aggregation', group: 'water', codeIds: ids.slice(i * 100, (i + 1) * 100), attributes: { batch: i } })
  await f.outbox.closeOpen()
  const start = f.clock.now()
  let switched = false
  while (f.clock.now() - start < 6 * 3_600_000) {
    await f.outbox.tick()
    if (!switched && f.clock.now() - start >= 5 * 3_600_000) { f.emu.outage({ mode: 'hang' }); switched = true }
    f.clock.advance(20 * 60_000)
  }
  const s = f.outbox.summary()
  t.equal(s.ACCEPTED.reports, 0)
  t.equal(s.REJECTED.reports, 0, 'an outage rejects nothing')
  t.equal(s.READY.codes + s.SENDING.codes + s.SENT.codes, 600, 'every code still waits in a report')
  t.equal(s.SENT.reports, 3, 'sent reports keep waiting for their status')
  f.emu.outage(undefined)
  const rounds = await runUntil(f, () => f.outbox.summary().ACCEPTED.codes === 600, 60_000, 100)
  t.ok(rounds >= 0, 'caught up after the outage')
  t.equal(f.emu.docs.size, 6, 'six documents, none twice')
  t.ok([...f.emu.receipts.byCode.values()].every(n => n === 1), 'each code received exactly once')
  t.equal(f.emu.receipts.byCode.size, 600)
  const acc = f.pool.accounting()
  t.ok(acc.balanced)
  t.equal(Object.values(acc.gtins)[0]?.states.REPORTED, 600)
})

t.test('a rejected document raises an alarm with the reason, codes stay unreported, and it can be retried after correction', async t => {
  const f = await reportsFixture(t)
  const { ids, identities } = await boxedCodes(f, 'b1', 30, 10)
  f.emu.registerCodes(identities.slice(0, 25))
  f.emu.registerCodes(identities.slice(25, 28), { applied: false })
  const alarms: Array<{ code: string, text: { ru: string, en: string }, context: Record<string, unknown> }> = []
  f.outbox.on('alarm', a => alarms.push(a))
  const { reportIds } = await f.outbox.add({ kind: 'aggregation', group: 'water', codeIds: ids })
  const id = reportIds[0] as string
  await f.outbox.closeOpen()
  await runUntil(f, () => f.outbox.get(id)?.state === 'REJECTED')
  const r = f.outbox.get(id)
  t.equal(r?.state, 'REJECTED')
  t.match(r?.reason, /CHECKED_NOT_OK/)
  t.equal(alarms.length, 1)
  t.equal(alarms[0]?.code, 'LC_ERR_REPORT_REJECTED')
  t.match(alarms[0]?.text.ru, /отклонён/)
  const errors = alarms[0]?.context.errors as string[]
  t.ok(errors.some(e => e.includes(REASONS.notApplied)), 'reason: code not applied')
  t.ok(errors.some(e => e.includes(REASONS.unknown)), 'reason: unknown code')
  t.equal(f.pool.get(ids[0] as number)?.state, 'AGGREGATED', 'codes stay visibly unreported')
  t.equal(f.pool.get(ids[0] as number)?.reports.aggregation, null)

  // Correction: the missing utilisation went through, the unknown codes are taken out of the report.
  f.emu.markApplied(identities.slice(25, 28))
  const unknown = ids.slice(28)
  await f.outbox.retry(id, { removeCodeIds: unknown })
  await runUntil(f, () => f.outbox.get(id)?.state === 'ACCEPTED')
  t.equal(f.outbox.get(id)?.state, 'ACCEPTED')
  t.equal(f.outbox.get(id)?.codes, 28)
  t.equal(f.pool.get(ids[0] as number)?.state, 'REPORTED')
  t.equal(f.pool.get(unknown[0] as number)?.state, 'AGGREGATED', 'removed codes are free for another report')
  t.same(f.outbox.history(id).map(h => h.event), ['OPEN', 'READY', 'SENDING', 'SENT', 'REJECTED', 'RETRY', 'SENDING', 'SENT', 'ACCEPTED'])
  await t.rejects(f.outbox.retry(id), { code: 'LC_ERR_OUTBOX' }, 'only rejected reports can be retried')
})

t.test('a signing failure (sign-in or document) holds the reports, not the caller, and they go out once signing works again', async t => {
  let broken: 'attached' | 'detached' | 'none' = 'attached'
  const inner = new TestSigner()
  const flaky: Signer = {
    kind: 'flaky',
    sign: async (data, o) => {
      if ((broken === 'detached') === o.detached && broken !== 'none') throw new SignerError(`token not present (${broken})`, { slot: 0 })
      return inner.sign(data, o)
    },
  }
  const f = await reportsFixture(t, { signer: flaky })
  const { ids, identities } = await boxedCodes(f, 'b1', 20, 10)
  f.emu.registerCodes(identities)
  const alarms: string[] = []
  f.outbox.on('alarm', a => alarms.push(a.code))
  const { reportIds } = await f.outbox.add({ kind: 'aggregation', group: 'water', codeIds: ids })
  await f.outbox.closeOpen()
  const id = reportIds[0] as string
  await runUntil(f, () => false, 1000, 5)
  t.equal(f.outbox.get(id)?.state, 'READY', 'sign-in cannot be signed: held, not rejected')
  t.match(f.outbox.get(id)?.lastError, /token not present \(attached\)/)
  broken = 'detached'
  await runUntil(f, () => false, 60_000, 5)
  t.equal(f.outbox.get(id)?.state, 'READY', 'document cannot be signed: held')
  t.match(f.outbox.get(id)?.lastError, /token not present \(detached\)/)
  t.same(alarms, ['LC_ERR_SIGNER', 'LC_ERR_SIGNER'], 'one alarm per distinct failure, not one per retry')
  t.equal(f.emu.receipts.creates, 0)
  broken = 'none'
  await runUntil(f, () => f.outbox.get(id)?.state === 'ACCEPTED', 60_000, 20)
  t.equal(f.outbox.get(id)?.state, 'ACCEPTED')
})

t.test('an answer lost after the server took the document is reconciled, not sent again', async t => {
  const f = await reportsFixture(t, { timeoutMs: 300 })
  const { ids, identities } = await boxedCodes(f, 'b1', 20, 10)
  f.emu.registerCodes(identities)
  const { reportIds } = await f.outbox.add({ kind: 'aggregation', group: 'water', codeIds: ids })
  const id = reportIds[0] as string
  await f.outbox.closeOpen()
  // Sign in first, so only the create is slow.
  await f.client.auth.getToken()
  f.emu.outage({ mode: 'slow', delayMs: 1500, path: 'documents/create' })
  await f.outbox.tick()
  t.equal(f.outbox.get(id)?.state, 'SENDING', 'the timeout leaves the report SENDING (outcome unknown)')
  t.equal(f.emu.receipts.creates, 1)
  f.emu.outage(undefined)
  await runUntil(f, () => f.outbox.get(id)?.state === 'ACCEPTED', 5_000, 20)
  t.equal(f.outbox.get(id)?.state, 'ACCEPTED')
  t.equal(f.emu.receipts.creates, 1, 'found by its content hash, not created twice')
  t.ok(f.outbox.history(id).some(h => h.event === 'RECONCILED'))
})

t.test('add refuses a kind without a sender and codes the pool does not hold', async t => {
  const f = await reportsFixture(t)
  await t.rejects(f.outbox.add({ kind: 'dropout', group: 'water', codeIds: [1] }), { code: 'LC_ERR_OUTBOX' })
  const { ids } = await boxedCodes(f, 'b1', 5, 5)
  await t.rejects(f.outbox.add({ kind: 'aggregation', group: 'water', codeIds: [...ids, 999_999] }), { code: 'LC_ERR_OUTBOX', context: { codeId: 999_999 } })
  t.same(f.outbox.list(), [], 'a refused add writes nothing')
})

t.test('introduction documents: by unit or by aggregate, accepted codes become REPORTED', async t => {
  const f = await reportsFixture(t)
  const { ids, identities, boxes } = await boxedCodes(f, 'b1', 40, 10)
  f.emu.registerCodes(identities)
  // GIS MT knows the last two boxes as aggregates (aggregated earlier, e.g. through the OMS)
  boxes.slice(2).forEach((b, i) => f.emu.registerAggregate(`00${b}`, identities.slice(20 + 10 * i, 30 + 10 * i)))
  const attrs = { productionDate: '2026-01-02', tnvedCode: '2201101100' }
  const byUnit = await f.outbox.add({ kind: 'introduction', group: 'water', codeIds: ids.slice(0, 20), attributes: attrs })
  const byBox = await f.outbox.add({ kind: 'introduction', group: 'water', codeIds: ids.slice(20), attributes: { ...attrs, byAggregate: true } })
  t.not(byUnit.reportIds[0], byBox.reportIds[0], 'different attributes, different reports')
  await f.outbox.closeOpen()
  await runUntil(f, () => f.outbox.summary().ACCEPTED.reports === 2)
  const docs = [...f.emu.docs.values()].map(d => d.body as { production_date: string, products: Array<{ uit_code?: string, uitu_code?: string, tnved_code: string }> })
  const unitDoc = docs.find(d => d.products[0]?.uit_code !== undefined)
  const boxDoc = docs.find(d => d.products[0]?.uitu_code !== undefined)
  t.same(unitDoc?.products.map(p => p.uit_code), identities.slice(0, 20))
  t.same(boxDoc?.products.map(p => p.uitu_code), boxes.slice(2).map(b => `00${b}`), 'the aggregates, not the units')
  t.equal(unitDoc?.production_date, '2026-01-02')
  t.ok(ids.every(id => f.pool.get(id)?.state === 'REPORTED'))
  t.ok(ids.every(id => f.pool.get(id)?.reports.introduction !== null), 'every code linked to its document')
})

t.test('an introduction report without its attributes is rejected locally with the reason', async t => {
  const f = await reportsFixture(t)
  const { ids } = await boxedCodes(f, 'b1', 5, 5)
  const { reportIds } = await f.outbox.add({ kind: 'introduction', group: 'water', codeIds: ids })
  await f.outbox.closeOpen()
  await f.outbox.tick()
  t.equal(f.outbox.get(reportIds[0] as string)?.state, 'REJECTED')
  t.match(f.outbox.get(reportIds[0] as string)?.reason, /productionDate and tnvedCode/)
  t.equal(f.emu.receipts.creates, 0)
})

t.test('start() runs the loop in the background until stop()', async t => {
  const f = await reportsFixture(t, { outbox: { tickMs: 10, pollIntervalMs: 0 } })
  const { ids, identities } = await boxedCodes(f, 'b1', 10, 10)
  f.emu.registerCodes(identities)
  const { reportIds } = await f.outbox.add({ kind: 'aggregation', group: 'water', codeIds: ids })
  await f.outbox.closeOpen()
  const accepted = new Promise<void>(resolve => f.outbox.on('report', e => { if (e.state === 'ACCEPTED') resolve() }))
  f.outbox.start()
  await accepted
  await f.outbox.stop()
  t.equal(f.outbox.get(reportIds[0] as string)?.state, 'ACCEPTED')
})
