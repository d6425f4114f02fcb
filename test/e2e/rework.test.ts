// Rework through both emulators (docs/rework.md): a job runs to the end with aggregation and introduction as True API
// documents; one box is scrapped while its aggregation is on its way (GIS MT refuses every document for a while);
// then a reported box is disaggregated and re-aggregated, one unit is taken out of a reported pallet, samples are
// taken, and a reported box is scrapped. After each step, what the True API emulator holds is compared with the
// store box by box, code by code, and the taken units are dropped out in the OMS emulator with their reasons.
import t from 'tap'
import { startLine } from '../../line/main.ts'
import { silentLogger } from '../../line/log.ts'
import { hashPassword } from '../../line/hmi/passwords.ts'
import { HmiStore } from '../../line/hmi/store.ts'
import { CodeState } from '../../line/pool/states.ts'
import { passOmsReportsToTrueApi } from '../../sim/gismt/from-oms.ts'
import { startTrueApiEmulator } from '../../sim/gismt/server.ts'
import { OmsEmulator } from '../../sim/oms/index.ts'
import { SimWorld } from '../../sim/world.ts'
import { Client } from '../line/hmi/harness.ts'
import { lineConfig, runLine, waitFor } from '../helpers/line.ts'
import { tempDir } from '../helpers/tmp.ts'

const GTIN = '04601653030046'
// two whole-line runs in this file (about a minute on an idle machine): longer than the suite's per-file default
t.setTimeout(600_000)

for (const via of ['true-api', 'oms'] as const) t.test(`rework of reported boxes and pallets, aggregation via ${via}: GIS MT holds what the store says, box by box, code by code`, async t => {
  const dir = tempDir(t)
  const oms = new OmsEmulator({ port: 0, clientToken: 'tok', activationDelayMs: 200, rateLimitPerSecond: 0, reportProcessingMs: 100 })
  await oms.start()
  const trueApi = await startTrueApiEmulator({ port: 0, checkDelayMs: 100 })
  passOmsReportsToTrueApi(oms, trueApi)
  t.teardown(async () => { await oms.close(); await trueApi.close() })
  const quantity = 72
  const base = lineConfig(dir, {
    pool: { lowWatermarkCodes: quantity + 100, targetCodes: quantity + 200, criticalCodes: 0, minRemainingValidity: 0 },
    oms: { url: oms.url, omsId: oms.omsId, clientToken: 'tok' },
    trueApi: { url: trueApi.url },
    reports: { aggregationVia: via, window: 300, pollIntervalMs: 100, tickMs: 50, retryBaseMs: 200, retryMaxMs: 1000 },
    job: { group: 'water', gtin: GTIN, batch: 'RW-1', productionDate: '2026-11-25', expiryDate: '2027-11-25', quantity, unitsPerBox: 6, boxesPerPallet: 3, minGrade: 'C', unitsPerMinute: 600, tnvedCode: '2201101100' },
  })
  const { world, config } = await SimWorld.devices(base, { camera: { mode: 'fast', noReadRate: 0 } })
  const line = await startLine(config, { log: silentLogger(), hmiBootstrap: { adminUser: 'admin', adminPassword: 'admin-test-pw' } })
  t.teardown(async () => { await world.close(); await line.close() })
  await world.attach(config, line.broker?.url ?? '')
  const rt = line.runtime
  const db = line.db
  const state = () => rt.snapshot().state.state

  // through the True API: GIS MT refuses every document for now, so aggregations stay on their way
  if (via === 'true-api') trueApi.outage({ mode: '5xx', path: '/lk/documents/create' })
  await waitFor('codes from the OMS emulator', () => rt.snapshot().pool.available >= quantity, 60_000)
  await runLine(world, config, state)
  await waitFor('Complete', () => state() === 'Complete', 120_000)
  await waitFor('the conveyor is empty', () => world.conveyor!.onConveyor === 0, 20_000)

  type Box = { sscc: string, units: number[] }
  const closedBoxes = (): Box[] => (db.prepare("SELECT id, sscc FROM containers WHERE level = 'box' AND state = 'closed' ORDER BY id").all() as Array<{ id: number, sscc: string }>)
    .map(b => ({ sscc: b.sscc, units: (db.prepare('SELECT code_id FROM container_items WHERE container_id = ? AND code_id IS NOT NULL ORDER BY code_id').pluck().all(b.id) as number[]) }))
  const reportStateOf = (kind: string, codeId: number): string | undefined =>
    db.prepare('SELECT o.state FROM report_codes rc JOIN report_outbox o ON o.id = rc.report_id WHERE rc.kind = ? AND rc.code_id = ?').pluck().get(kind, codeId) as string | undefined

  // --- a box scrapped while its aggregation is on its way (True API documents: held back by the outage above)
  let scrapped: Box | undefined
  if (via === 'true-api') {
    let inFlight: Box | undefined
    await waitFor('an aggregation document on its way', () => {
      inFlight = closedBoxes().find(b => ['SENDING', 'READY'].includes(reportStateOf('aggregation', b.units[0] as number) ?? ''))
      return inFlight !== undefined
    }, 30_000)
    scrapped = inFlight as Box
    t.ok((await rt.scrapBox(scrapped.sscc, 'crushed by the forklift', 'engineer')).ok, 'a box whose aggregation is on its way is scrapped')
    trueApi.outage(undefined)
  }

  const identityOf = (id: number): string => db.prepare('SELECT identity FROM codes WHERE id = ?').pluck().get(id) as string
  const settled = () => {
    const n = (sql: string): number => (db.prepare(sql).get() as { n: number }).n
    return {
      reports: n("SELECT count(*) AS n FROM report_outbox WHERE state != 'ACCEPTED'"),
      defects: n(`SELECT count(*) AS n FROM codes WHERE state = ${CodeState.DEFECT}`),
      boxedNotAggregated: n(`SELECT count(*) AS n FROM container_items i JOIN containers c ON c.id = i.container_id AND c.state = 'closed' AND c.level = 'box'
        JOIN codes k ON k.id = i.code_id WHERE k.agg_report IS NULL`),
      notPalletised: n(`SELECT count(*) AS n FROM containers b JOIN containers p ON p.id = b.parent_id AND p.state = 'closed'
        JOIN container_items i ON i.container_id = b.id JOIN codes k ON k.id = i.code_id WHERE b.state = 'closed' AND k.pallet_report IS NULL`),
      notIntroduced: n(`SELECT count(*) AS n FROM codes WHERE state = ${CodeState.REPORTED} AND intro_report IS NULL`),
    }
  }
  const settle = async (what: string): Promise<void> => {
    await waitFor(what, () => Object.values(settled()).every(v => v === 0), 90_000).catch(err => {
      const open = db.prepare("SELECT kind, state, attempts, last_error AS lastError, reason, codes, attributes FROM report_outbox WHERE state != 'ACCEPTED'").all()
      throw new Error(`${err.message}: ${JSON.stringify(settled())}; reports not accepted: ${JSON.stringify(open)}`)
    })
  }
  /** What the store says GIS MT should hold: closed boxes with their units, closed pallets with their boxes. */
  const storeHoldings = (): Map<string, string[]> => {
    const out = new Map<string, string[]>()
    for (const b of closedBoxes()) out.set(`00${b.sscc}`, b.units.map(identityOf).sort())
    const pallets = db.prepare("SELECT id, sscc FROM containers WHERE level = 'pallet' AND state = 'closed'").all() as Array<{ id: number, sscc: string }>
    for (const p of pallets) out.set(`00${p.sscc}`, (db.prepare("SELECT sscc FROM containers WHERE parent_id = ? AND state = 'closed' ORDER BY sscc").pluck().all(p.id) as string[]).map(s => `00${s}`).sort())
    return out
  }
  const compare = (step: string): void => {
    const held = new Map([...trueApi.aggregates()].map(([k, v]) => [k, [...v].sort()]))
    const store = storeHoldings()
    t.same([...held.keys()].sort(), [...store.keys()].sort(), `${step}: GIS MT holds exactly the store's boxes and pallets`)
    t.same([...store].filter(([k, v]) => JSON.stringify(held.get(k)) !== JSON.stringify(v)).map(([k]) => k), [], `${step}: each one with the same content, code by code`)
    const good = db.prepare(`SELECT identity, parent FROM codes WHERE state = ${CodeState.REPORTED}`).all() as Array<{ identity: string, parent: string | null }>
    t.same(good.filter(g => (trueApi.codeInfo(g.identity)?.aggregatedIn ?? null) !== g.parent).map(g => g.identity), [], `${step}: every good unit is in GIS MT under the box the store says (or in none)`)
    t.equal([...trueApi.receipts.byHash.values()].filter(n => n > 1).length, 0, `${step}: no document was created twice`)
  }

  await settle('every report accepted after the job')
  compare('after the job')
  const droppedCodes = () => new Map(oms.dropped().map(d => [d.code, d.reason]))
  const codeOf = (id: number): string => db.prepare('SELECT code FROM codes WHERE id = ?').pluck().get(id) as string
  if (scrapped !== undefined) {
    const box = scrapped
    t.notOk(trueApi.aggregates().has(`00${box.sscc}`), 'the box scrapped in flight was aggregated by GIS MT, then disaggregated')
    const disaggregations = [...trueApi.docs.values()].filter(d => d.type === 'DISAGGREGATION_DOCUMENT')
    t.same(disaggregations.map(d => d.body), [{ participant_inn: config.reports.participantInn, products_list: [{ uitu: `00${box.sscc}` }] }], 'one DISAGGREGATION_DOCUMENT of TA §4.1.2.3 shape, naming the scrapped box')
    t.ok(box.units.every(id => droppedCodes().has(codeOf(id))), 'its units are dropped out in the OMS')
    t.ok(box.units.every(id => line.pool.get(id)?.state === 'DROPPED'), 'and DROPPED in the store')
    const disaggregationCreated = Math.max(...disaggregations.map(d => d.createdAt))
    const dropoutSent = db.prepare("SELECT min(h.ts) FROM report_history h JOIN report_outbox o ON o.id = h.report_id WHERE o.kind = 'dropout' AND h.event = 'SENDING'").pluck().get() as number
    t.ok(dropoutSent >= disaggregationCreated, 'the dropout left only after the disaggregation was created')
  }

  // --- a reported box disaggregated and re-aggregated into a new box (new SSCC), on a new pallet
  const boxes = closedBoxes()
  const first = boxes[0] as Box
  const relabel = await line.rework.reworkBox({ sscc: first.sscc, take: [] }, 'engineer')
  t.ok(relabel.ok, 'a reported box is re-aggregated')
  const r1 = relabel.ok ? relabel.value : undefined
  t.ok(r1?.newBoxes.length === 1 && r1.newBoxes[0] !== first.sscc, 'under a new SSCC')
  t.equal(r1?.newPallets.length, 1, 'on a new pallet')
  t.equal(r1?.disaggregated.length, 2, 'its pallet and the box are disaggregated, the pallet first')
  t.equal(r1?.disaggregated[1], `00${first.sscc}`)
  await settle('the re-aggregation accepted')
  compare('re-aggregation')
  t.same(closedBoxes().find(b => b.sscc === r1?.newBoxes[0])?.units, first.units, 'the new box holds the same units')

  // --- one unit taken out of a reported pallet, one returned
  const second = closedBoxes().find(b => b.sscc !== r1?.newBoxes[0] && b.units.length >= 3) as Box
  const [outId, backId] = second.units as [number, number]
  const takeOut = await line.rework.reworkBox({ sscc: second.sscc, take: [{ code: identityOf(outId), fate: 'drop', reason: 'REMOVED' }, { code: identityOf(backId), fate: 'return' }] }, 'engineer')
  t.ok(takeOut.ok, 'a unit is taken out of a box on a reported pallet')
  await settle('the take-out accepted')
  compare('take-out')
  t.equal(line.pool.get(outId)?.state, 'DROPPED', 'the unit taken out is DROPPED')
  t.equal(droppedCodes().get(codeOf(outId)), 'DEFECT', 'with reason DEFECT in the OMS')
  t.equal(line.pool.get(backId)?.state, 'REPORTED', 'the returned unit stays good')
  t.equal(line.pool.get(backId)?.parent, null, 'in no box, in the store and in GIS MT')

  // --- samples for the lab from two boxes
  const third = closedBoxes().filter(b => b.units.length >= 2).slice(-2)
  const sampleIds = third.map(b => b.units[0] as number)
  const refused = await line.rework.takeSamples({ codes: sampleIds.map(identityOf), reason: 'OWN_USE_EXCISE' }, 'engineer')
  t.equal(refused.ok ? undefined : refused.code, 'LC_ERR_REWORK_REASON', 'a dropout reason the group does not take is refused (Table 244 note 2)')
  const samples = await line.rework.takeSamples({ codes: sampleIds.map(identityOf), reason: 'QA_SAMPLES' }, 'engineer')
  t.ok(samples.ok, 'samples are taken')
  t.equal(samples.ok ? samples.value?.disaggregated.filter(u => third.some(b => u === `00${b.sscc}`)).length : 0, 2, 'both boxes in one disaggregation')
  await settle('the samples accepted')
  compare('samples')
  t.same(sampleIds.map(id => droppedCodes().get(codeOf(id))), ['QA_SAMPLES', 'QA_SAMPLES'], 'samples are dropped out as QA_SAMPLES')

  // --- through the panel: a pallet taken apart and its boxes put on a new pallet; role-checked and audited
  const users = new HmiStore(db)
  users.addUser({ username: 'ivanov', role: 'operator', passwordHash: await hashPassword('operator-pass-1'), mustChange: false, createdBy: 'test' }, Date.now())
  users.addUser({ username: 'petrova', role: 'engineer', passwordHash: await hashPassword('engineer-pass-1'), mustChange: false, createdBy: 'test' }, Date.now())
  const operator = new Client(line.hmiUrl)
  const engineer = new Client(line.hmiUrl)
  t.equal(await operator.login('ivanov', 'operator-pass-1'), 200)
  t.equal(await engineer.login('petrova', 'engineer-pass-1'), 200)
  const pallet = db.prepare("SELECT sscc FROM containers WHERE level = 'pallet' AND state = 'closed' ORDER BY id LIMIT 1").pluck().get() as string
  t.equal((await operator.req('POST', '/api/rework/pallet', { sscc: pallet, rebuild: true })).status, 403, 'an operator may not rework')
  t.equal((await engineer.req('POST', '/api/rework/pallet', { sscc: pallet })).status, 400, 'the form is checked')
  t.equal((await engineer.req('POST', '/api/rework/samples', { codes: ['short'], reason: 'QA_SAMPLES' })).status, 400, 'codes are checked')
  const viaPanel = await engineer.req('POST', '/api/rework/pallet', { sscc: pallet, rebuild: true })
  t.equal(viaPanel.status, 200, 'an engineer takes a pallet apart and rebuilds it')
  t.equal(viaPanel.body.result?.newPallets?.length, 1, 'onto a new pallet')
  await settle('the pallet rework accepted')
  compare('pallet rework')
  const audit = await engineer.req('GET', '/api/audit?limit=50')
  const rows = (audit.body.rows as Array<{ actor: string, action: string, result: string }>).filter(r => r.action === 'box:rework')
  t.same(rows.map(r => [r.actor, r.result]).sort(), [['ivanov', 'forbidden'], ['petrova', 'invalid'], ['petrova', 'ok']].sort(), 'each attempt is in the audit trail')
  const notBox = await engineer.req('POST', '/api/rework/box', { sscc: viaPanel.body.result.newPallets[0], take: [{ code: identityOf(first.units[0] as number), fate: 'return' }] })
  t.equal(notBox.body.error?.lineCode, 'LC_ERR_REWORK_UNKNOWN', 'a pallet is not a box: refused with the catalogue code')

  // --- a reported box scrapped: through its disaggregation
  const last = closedBoxes()[0] as Box
  t.ok((await rt.scrapBox(last.sscc, 'wet cardboard', 'engineer')).ok, 'a reported box is scrapped')
  await settle('the scrap accepted')
  compare('scrap')
  t.ok(last.units.every(id => line.pool.get(id)?.state === 'DROPPED'), 'its units are DROPPED')
  t.equal(db.prepare("SELECT count(*) FROM report_outbox WHERE state = 'REJECTED'").pluck().get(), 0, 'no report was rejected')
  t.ok(line.pool.accounting().balanced, 'imported = sum of states')
})
