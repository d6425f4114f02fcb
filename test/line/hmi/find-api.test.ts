// The find API on a real store (find-fixture.ts): boxes and pallets of a job with their report state, found by a unit
// code in every form the panel shows or by an SSCC in every accepted form; a box's contents; a code's whereabouts and
// reports; cises/info against the True API emulator; the report queue and the retry of a rejected report (engineer
// only, audited), which then goes through once its cause is corrected.
import t from 'tap'
import { Client, until } from './harness.ts'
import { findFixture } from './find-fixture.ts'

t.test('find: boxes, codes, GIS MT status, report queue and retry', async t => {
  const x = await findFixture(t)
  const eng = new Client(x.url)
  const op = new Client(x.url)
  t.equal(await eng.login('petrova', 'engineer-pass-1'), 200)
  t.equal(await op.login('ivanov', 'operator-pass-1'), 200)
  const [box1, box2] = x.boxes as [typeof x.boxes[0], typeof x.boxes[0]]
  const raw = x.firstBoxCodes[1] as string
  const [identity, tail] = raw.split('\u001d') as [string, string]
  const gtin = identity.slice(2, 16)
  const serial = identity.slice(18)

  t.equal((await new Client(x.url).req('GET', '/api/find/jobs')).status, 401, 'a session is needed')
  const jobs = await op.req('GET', '/api/find/jobs')
  t.match(jobs.body, { jobs: [{ batch: 'П-16' }], gismt: true })
  const jobId = jobs.body.jobs[0].id as number

  const all = await op.req('GET', `/api/find/containers?job=${jobId}`)
  t.equal(all.status, 200)
  t.match(all.body, { matched: 'all' })
  t.same(all.body.rows.map((r: { sscc: string }) => r.sscc), [box1.sscc, box2.sscc, x.pallet.sscc], 'the job\'s boxes and pallet in closing order')
  t.match(all.body.rows, [
    { level: 'box', items: 4, parent: x.pallet.sscc, report: { state: 'REJECTED', reports: [x.reportId] } },
    { level: 'box', items: 4, report: { state: null } },
    { level: 'pallet', items: 2, parent: null },
  ], 'items, pallet and the aggregation report state')

  // a unit code in each form the panel shows or a scanner gives
  const forms = { raw, display: `${identity}⟨GS⟩${tail}`, hri: `(01)${gtin}(21)${serial}(${tail.slice(0, 2)})${tail.slice(2)}`, identity, noGs: `${identity}${tail}` }
  for (const [name, q] of Object.entries(forms)) {
    const r = await op.req('GET', `/api/find/containers?q=${encodeURIComponent(q)}`)
    t.equal(r.status, 200, name)
    t.match(r.body, { matched: 'code' }, `${name}: found as a code`)
    t.same(r.body.rows.map((c: { sscc: string }) => c.sscc), [box1.sscc, x.pallet.sscc], `${name}: its box and the box's pallet`)
  }
  for (const q of [box1.sscc, `00${box1.sscc}`, `(00)${box1.sscc}`]) {
    const r = await op.req('GET', `/api/find/containers?q=${encodeURIComponent(q)}`)
    t.match(r.body, { matched: 'sscc', rows: [{ sscc: box1.sscc }] }, `SSCC as ${q}`)
  }
  t.match((await op.req('GET', '/api/find/containers?q=hello')).body, { error: { code: 'LC_ERR_HMI_INPUT', fields: { q: { ru: /не код/, en: /not a marking code/ } } } })
  t.match((await op.req('GET', `/api/find/containers?q=01${gtin}21NOSUCHSERIAL`)).body, { matched: 'none', rows: [] })

  const detail = await op.req('GET', `/api/find/containers/${box1.sscc}`)
  t.equal(detail.status, 200)
  t.match(detail.body.container, { level: 'box', sscc: box1.sscc, state: 'closed', items: 4, reportsList: [{ id: x.reportId, kind: 'aggregation', state: 'REJECTED' }] })
  t.same(detail.body.container.units.map((u: { code: string }) => u.code), x.firstBoxCodes, 'its units, raw')
  t.match((await op.req('GET', `/api/find/containers/${x.pallet.sscc}`)).body.container, { level: 'pallet', boxes: [{ sscc: box1.sscc, items: 4 }, { sscc: box2.sscc, items: 4 }] })
  const unknownSscc = await op.req('GET', '/api/find/containers/046016530009999990')
  t.equal(unknownSscc.status, 404)
  t.match(unknownSscc.body.error, { code: 'LC_ERR_FIND_NOT_FOUND', message: { ru: /Не найдено/, en: /Not found/ } })

  const code = await op.req('GET', `/api/find/code?q=${encodeURIComponent(forms.hri)}`)
  t.equal(code.status, 200)
  t.match(code.body.code, { identity, state: 'AGGREGATED', job: { id: jobId, batch: 'П-16' }, box: { sscc: box1.sscc }, pallet: { sscc: x.pallet.sscc }, reports: [{ id: x.reportId, kind: 'aggregation', state: 'REJECTED', channel: 'true-api' }] })
  t.ok(code.body.code.reports[0].reason.length > 0, 'with GIS MT\'s reason')
  t.equal((await op.req('GET', `/api/find/code?q=01${gtin}21NOSUCHSERIAL`)).status, 404)

  const before = await op.req('POST', '/api/find/code/gismt', { code: forms.display })
  t.equal(before.status, 200, 'an operator may ask GIS MT')
  t.match(before.body.result, { identity, info: [{ requestedCis: identity, errorCode: '404' }] }, 'unknown to GIS MT yet')

  // the queue and the retry
  const rejected = await op.req('GET', '/api/find/reports?state=REJECTED')
  t.match(rejected.body.reports, [{ id: x.reportId, kind: 'aggregation', channel: 'true-api', state: 'REJECTED', codes: 4 }])
  t.ok(rejected.body.reports[0].remoteId !== null, 'with the document id GIS MT gave it')
  t.equal((await op.req('GET', '/api/find/reports?state=NOPE')).status, 400)
  t.equal((await op.req('POST', `/api/find/reports/${x.reportId}/retry`, {})).status, 403, 'an operator may not resend')
  x.correct()
  const retried = await eng.req('POST', `/api/find/reports/${x.reportId}/retry`, {})
  t.equal(retried.status, 200, 'the engineer resends it')
  t.match(retried.body.result, { id: x.reportId, state: 'READY', generation: 2 })
  await until(() => x.outbox.get(x.reportId)?.state === 'ACCEPTED', 30_000)
  const again = await eng.req('POST', `/api/find/reports/${x.reportId}/retry`, {})
  t.equal(again.status, 409, 'an accepted report is not resent')
  t.match(again.body.error, { code: 'LC_ERR_REPORT_RETRY' })
  const history = await eng.req('GET', `/api/find/reports/${x.reportId}`)
  t.ok(history.body.history.some((h: { event: string }) => h.event === 'RETRY'), 'the retry is in the report\'s history')
  t.match((await op.req('GET', `/api/find/containers?job=${jobId}`)).body.rows[0], { report: { state: 'ACCEPTED' } })
  const after = await op.req('POST', '/api/find/code/gismt', { code: raw })
  t.match(after.body.result.info, [{ status: 'APPLIED', parent: `00${box1.sscc}`, packageType: 'UNIT', errorCode: null }], 'GIS MT now holds it in its box')

  const audit = await eng.req('GET', '/api/audit?limit=100')
  const rows = audit.body.rows as Array<{ actor: string, action: string, result: string, detail: any }>
  t.match(rows.filter(r => r.action === 'report:retry').map(r => [r.actor, r.result]), [['petrova', 'refused'], ['petrova', 'ok'], ['ivanov', 'forbidden']], 'every retry, allowed or not, in the trail')
  t.equal(rows.filter(r => r.action === 'code:gismt' && r.result === 'ok').length, 2, 'GIS MT lookups in the trail')
})
