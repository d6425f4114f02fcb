import t from 'tap'
import { ProfileRegistry, parseCode, withCheckDigit } from '../../line/codes/index.ts'
import { OmsHttpError } from '../../line/emission/index.ts'
import type { CreateOrderRequest } from '../../line/emission/api.ts'
import { WATER_ORDER, omsFixture } from '../line/emission/fixture.ts'

const GTIN = withCheckDigit('0460165303004')
const HOUR = 3_600_000
const profiles = new ProfileRegistry()

async function activeCodes (f: Awaited<ReturnType<typeof omsFixture>>, n: number, group: CreateOrderRequest = WATER_ORDER(GTIN, n)): Promise<{ orderId: string, codes: string[] }> {
  const o = await f.client.createOrder(group)
  f.clock.advance(10_000)
  const gtin = group.products[0]!.gtin
  const b = await f.client.getCodes(o.orderId, gtin, n)
  return { orderId: o.orderId, codes: b.codes }
}

t.test('every product group gets codes that parse under its profile', async t => {
  const f = await omsFixture(t)
  const cases: Array<[string, string, number]> = [['milk', 'milk', 20], ['water', 'water', 16], ['softdrinks', 'softdrinks', 29], ['beer', 'beer', 18], ['nabeer', 'nabeer', 28], ['lp', 'lp', 10], ['pharma', 'pharma', 5], ['shoes', 'shoes', 1], ['tobacco', 'tobacco-block', 3], ['tobacco', 'tobacco-pack', 4]]
  let i = 0
  for (const [productGroup, profile, templateId] of cases) {
    const gtin = withCheckDigit(String(4607000000000 + i++))
    const base = WATER_ORDER(gtin, 5)
    // tobacco: Table 10 order attributes, Table 11 mrp per product; template 3 takes only GROUP (Table 245)
    const tobacco = productGroup === 'tobacco'
    const order = {
      ...base, productGroup,
      ...(tobacco ? { attributes: { ...base.attributes, factoryId: 'F1', factoryCountry: 'RU', productCode: 'P1', productDescription: 'cigarettes' } } : {}),
      products: [{ ...base.products[0]!, templateId, ...(templateId === 3 ? { cisType: 'GROUP' as const } : {}), ...(tobacco ? { attributes: { mrp: '15000' } } : {}) }],
    }
    const { codes } = await activeCodes(f, 5, order)
    t.equal(codes.length, 5, productGroup)
    for (const c of codes) t.equal(parseCode(profiles.get(profile), c).gtin, gtin, `${profile} code parses`)
  }
  const bad = await f.client.createOrder({ ...WATER_ORDER(GTIN, 5), products: [{ ...WATER_ORDER(GTIN, 5).products[0]!, templateId: 99 }] }).catch(e => e)
  t.match(bad.body.fieldErrors[0].fieldName, 'templateId')
})

t.test('150,000 cap per request, 2,000,000 per single-GTIN order, 150,000 per GTIN in multi-GTIN orders', async t => {
  const f = await omsFixture(t)
  const o = await f.client.createOrder(WATER_ORDER(GTIN, 160_000))
  t.ok(o.orderId)
  const second = withCheckDigit('0460165303011')
  const multi = await f.client.createOrder({ ...WATER_ORDER(GTIN, 150_001), products: [WATER_ORDER(GTIN, 150_001).products[0]!, WATER_ORDER(second, 10).products[0]!] }).catch(e => e)
  t.ok(multi instanceof OmsHttpError)
  t.match(multi.body.fieldErrors[0].fieldError, /150000/)
  // The server's own check, past the client's: a raw request with quantity over the cap.
  const r = await fetch(`${f.emu.url}/api/v3/codes?omsId=${f.emu.omsId}&orderId=${o.orderId}&gtin=${GTIN}&quantity=150001`, { headers: { clientToken: f.emu.clientToken } })
  t.equal(r.status, 400)
  t.match(await r.json(), { success: false, fieldErrors: [{ fieldName: 'quantity' }] })
})

t.test('orders auto-close 48 h after creation on the simulated clock; rejected buffers report a reason', async t => {
  const f = await omsFixture(t)
  const o = await f.client.createOrder(WATER_ORDER(GTIN, 100))
  f.clock.advance(47 * HOUR)
  t.equal((await f.client.orderStatus(o.orderId))[0]?.bufferStatus, 'ACTIVE')
  const b = await f.client.getCodes(o.orderId, GTIN, 10)
  f.clock.advance(HOUR)
  t.equal((await f.client.orderStatus(o.orderId))[0]?.bufferStatus, 'CLOSED')
  t.ok(await f.client.retryBlock(b.blockId).catch(e => e) instanceof OmsHttpError, 'no block retry after auto-close')

  const g2 = withCheckDigit('0460165303028')
  f.emu.rejectGtin(g2)
  const r = await f.client.createOrder(WATER_ORDER(g2, 10))
  f.clock.advance(10_000)
  const [s] = await f.client.orderStatus(r.orderId)
  t.equal(s?.bufferStatus, 'REJECTED')
  t.equal(s?.availableCodes, -1)
  t.match(s?.rejectionReason, /отклонён/)
})

t.test('utilisation: taken at once, processed later with a result per code (Table 253) and a receipt (§4.4.18)', async t => {
  const f = await omsFixture(t, { emu: { reportProcessingMs: 5_000, rateLimitPerSecond: 0 } })
  const { codes } = await activeCodes(f, 100)
  const attributes = { expirationDate: '2026-06-01' }
  const rep = await f.client.utilisation({ productGroup: 'water', sntins: codes.slice(0, 40), attributes })
  t.equal((await f.client.reportInfo(rep.reportId)).reportStatus, 'PENDING')
  t.same(f.emu.utilised(), [], 'nothing takes effect before processing')
  f.clock.advance(5_000)
  t.equal((await f.client.reportInfo(rep.reportId)).reportStatus, 'SUCCESS')
  t.same(f.emu.utilised(), codes.slice(0, 40))

  // a copy of codes already utilised is taken, then processed with code 1 "Duplicate"
  const again = await f.client.utilisation({ productGroup: 'water', sntins: codes.slice(39, 41), attributes })
  f.clock.advance(5_000)
  t.equal((await f.client.reportInfo(again.reportId)).reportStatus, 'PARTIALLY')
  const get = async (path: string, init: RequestInit = {}) => {
    const r = await fetch(`${f.emu.url}${path}${path.includes('?') ? '&' : '?'}omsId=${f.emu.omsId}`, { ...init, headers: { clientToken: f.emu.clientToken, 'content-type': 'application/json' } })
    return { status: r.status, body: await r.json() as any }
  }
  const receipt = (await get(`/api/v3/receipts/receipt?resultDocId=${again.reportId}`)).body.results[0]
  t.match(receipt, { resultDocId: again.reportId, state: 'PARTIALLY', code: 3, workflow: 'REPORT_UTILIZE', details: { productGroupIds: [13], txType: 'REPORT_UTILIZE' } })
  const processed = receipt.operations.find((o: any) => o.operationType === 'RNMS_GIS_PROCESSED')
  t.match(processed.details, { state: 'PARTIALLY', processed: 1, total: 2 })
  const doc = await get(`/api/v3/receipts/document?resultDocId=${again.reportId}&docId=${processed.docId}`)
  const cisList = JSON.parse(doc.body.content).cisList
  t.same(cisList.map((c: any) => c.code), [1, 0], 'code 1 for the duplicate, 0 for the new one')
  t.notOk(cisList[0].cis.includes('\u001d'), 'codes in the results document carry no crypto part (Table 201)')
  const source = await get(`/api/v3/receipts/document?resultDocId=${again.reportId}&docId=${receipt.sourceDocId}`)
  t.same(JSON.parse(source.body.content).sntins, codes.slice(39, 41), 'the source document as sent (§4.4.20 item 1)')
  const search = await get('/api/v3/receipts/receipt/search', { method: 'POST', body: JSON.stringify({ filter: { workflowTypes: ['REPORT_UTILIZE'], resultCodes: [3] } }) })
  t.match(search.body, { totalCount: 1, results: [{ resultDocId: again.reportId }] })
  t.equal((await get('/api/v3/receipts/receipt/search', { method: 'POST', body: JSON.stringify({ filter: { startCreateDocDate: 0, endCreateDocDate: 8 * 86_400_000 } }) })).status, 400, 'a date range over 7 days → 400')

  const forged = (codes[50] as string).replace(/^(.{20})./, '$1!')
  const never = await f.client.utilisation({ productGroup: 'water', sntins: [forged], attributes })
  f.clock.advance(5_000)
  t.equal((await f.client.reportInfo(never.reportId)).reportStatus, 'FAILED', 'a never-issued code: code 2, the report FAILED')

  const missing = await f.client.utilisation({ productGroup: 'water', sntins: [codes[60] as string] }).catch(e => e)
  t.match(missing.body.fieldErrors, [{ fieldName: 'attributes.expirationDate' }], 'water units need expirationDate (Table 124)')
  const lp = await f.client.utilisation({ productGroup: 'lp', sntins: [codes[60] as string] }).catch(e => e)
  t.equal(lp.status, 400, 'no utilisation for lp: the OMS makes it (§4.4.11 note 2)')

  const raw = await fetch(`${f.emu.url}/api/v3/utilisation?omsId=${f.emu.omsId}`, { method: 'POST', headers: { clientToken: f.emu.clientToken, 'content-type': 'application/json' }, body: JSON.stringify({ productGroup: 'water', sntins: Array.from({ length: 30_001 }, () => codes[0]), attributes }) })
  t.equal(raw.status, 400, 'over 30,000 codes → 400')
  t.match(await raw.json(), { success: false, globalErrors: [{ error: /30000/ }] })

  f.emu.rejectNextReports(1)
  const doomed = await f.client.utilisation({ productGroup: 'water', sntins: codes.slice(60, 70), attributes })
  f.clock.advance(5_000)
  t.equal((await f.client.reportInfo(doomed.reportId)).reportStatus, 'REJECTED')
  t.equal(f.emu.utilised().length, 41, 'a rejected report leaves its codes unutilised')
  const resent = await f.client.utilisation({ productGroup: 'water', sntins: codes.slice(60, 70), attributes })
  f.clock.advance(5_000)
  t.equal((await f.client.reportInfo(resent.reportId)).reportStatus, 'SUCCESS', 'and they can be reported again')
  t.equal(f.emu.utilised().length, 51)
})

t.test('dropout and aggregation reports', async t => {
  const f = await omsFixture(t, { emu: {} })
  const { codes } = await activeCodes(f, 30)
  const d = await f.client.dropout({ productGroup: 'water', dropoutReason: 'DEFECT', sntins: codes.slice(0, 3) })
  f.clock.advance(1_000)
  t.equal((await f.client.reportInfo(d.reportId)).reportStatus, 'SUCCESS')
  t.same(f.emu.dropped(), codes.slice(0, 3).map(code => ({ code, reason: 'DEFECT' })))
  const twice = await f.client.dropout({ productGroup: 'water', dropoutReason: 'DEFECT', sntins: codes.slice(2, 4) })
  f.clock.advance(1_000)
  t.equal((await f.client.reportInfo(twice.reportId)).reportStatus, 'PARTIALLY', 'the dropped one is a duplicate (Table 253 code 1)')
  const soft = await f.client.dropout({ productGroup: 'softdrinks', dropoutReason: 'DEFECT', sntins: [codes[9] as string] }).catch(e => e)
  t.equal(soft.status, 400, 'no dropout for softdrinks (§4.4.9 note 1)')
  const f2 = await f.client.dropout({ productGroup: 'milk', dropoutReason: 'EXPIRY', sntins: [codes[29] as string] }).catch(e => e)
  t.match(f2.body.fieldErrors[0], { fieldName: 'dropoutReason' }, 'milk: DEFECT, QA_SAMPLES only (Table 244 note 1)')

  const identity = (c: string) => parseCode(profiles.get('water'), c).identity
  const unit = { unitSerialNumber: '00046000000000000017', aggregationType: 'AGGREGATION' as const, aggregationUnitCapacity: 12, aggregatedItemsCount: 12, sntins: codes.slice(10, 22).map(identity) }
  // not utilised: refused when processed (Table 254 code 24)
  const early = await f.client.aggregation({ productGroup: 'water', participantId: '7700000000', aggregationUnits: [unit] })
  f.clock.advance(1_000)
  t.equal((await f.client.reportInfo(early.reportId)).reportStatus, 'FAILED', 'codes never utilised cannot be aggregated')
  await f.client.utilisation({ productGroup: 'water', sntins: codes.slice(10, 22), attributes: { expirationDate: '2026-06-01' } })
  const a = await f.client.aggregation({ productGroup: 'water', participantId: '7700000000', aggregationUnits: [unit] })
  f.clock.advance(1_000)
  t.equal((await f.client.reportInfo(a.reportId)).reportStatus, 'SUCCESS', 'processed after the utilisation sent before it')
  t.same(f.emu.aggregated(), [{ unitSerialNumber: unit.unitSerialNumber, sntins: unit.sntins }])
  const nabeer = await f.client.aggregation({ productGroup: 'nabeer', participantId: '7700000000', aggregationUnits: [unit] }).catch(e => e)
  t.equal(nabeer.status, 400, 'no OMS aggregation for nabeer (§4.4.10 note 1)')
  const count = await f.client.aggregation({ productGroup: 'water', participantId: '7700000000', aggregationUnits: [{ ...unit, aggregationUnitCapacity: 1, aggregatedItemsCount: 1 }] }).catch(e => e)
  t.match(count.body.fieldErrors[0], { fieldName: 'aggregationUnits[0].aggregatedItemsCount' }, 'water: the count is the number of items (Table 111)')
})

t.test('a partly filled milk box goes with capacity = count = 1 (§4.4.10.1.2, Figure 77)', async t => {
  const f = await omsFixture(t, { emu: {} })
  const gtin = withCheckDigit('0460165303035')
  const { codes } = await activeCodes(f, 4, { ...WATER_ORDER(gtin, 4), productGroup: 'milk', products: [{ ...WATER_ORDER(gtin, 4).products[0]!, templateId: 20 }] })
  await f.client.utilisation({ productGroup: 'milk', sntins: codes, attributes: { expDate: '2026-03-01' } })
  const sntins = codes.map(c => parseCode(profiles.get('milk'), c).identity)
  const a = await f.client.aggregation({ productGroup: 'milk', participantId: '7700000000', aggregationUnits: [{ unitSerialNumber: '00046000000000000024', aggregationType: 'AGGREGATION', aggregationUnitCapacity: 1, aggregatedItemsCount: 1, sntins }] })
  f.clock.advance(1_000)
  t.equal((await f.client.reportInfo(a.reportId)).reportStatus, 'SUCCESS')
})

t.test('client tokens: issued for a registered installation, 10 h on the clock, a newer one voids the older (§9.1)', async t => {
  const f = await omsFixture(t, { emu: {} })
  const status = async (token: string) => (await fetch(`${f.emu.url}/api/v3/report/info?omsId=${f.emu.omsId}&reportId=x`, { headers: { clientToken: token } })).status
  t.equal(f.emu.issueClientToken('not-registered'), undefined)
  const first = f.emu.issueClientToken()!
  t.equal(await status(first.token), 404, 'valid: the call reaches the method')
  f.clock.advance(9 * HOUR)
  const second = f.emu.issueClientToken()!
  t.equal(await status(first.token), 401, 'replaced by the newer token')
  t.equal(await status(second.token), 404)
  f.clock.advance(10 * HOUR)
  t.equal(await status(second.token), 401, 'expired after 10 h')
  t.equal(await status(f.emu.clientToken), 404, 'the configured fixed token stays valid')
})

t.test('truncated answers, outages and wrong omsId', async t => {
  const f = await omsFixture(t, { client: { attempts: 1 } })
  const o = await f.client.createOrder(WATER_ORDER(GTIN, 100))
  f.clock.advance(10_000)
  f.emu.inject({ kind: 'truncate', path: '/api/v3/codes' })
  const e = await f.client.getCodes(o.orderId, GTIN, 60).catch(e => e)
  t.ok(['LC_ERR_OMS_RESPONSE', 'LC_ERR_OMS_NETWORK'].includes(e.code), `truncated body → ${e.code}`)
  const blocks = await f.client.listBlocks(o.orderId, GTIN)
  t.equal(blocks.length, 1, 'the OMS did hand out the block')
  t.equal((await f.client.retryBlock(blocks[0]!.blockId)).codes.length, 60, 'and it can be fetched again')

  f.emu.setOutage('http503')
  t.equal((await f.client.orderStatus(o.orderId).catch(e => e)).status, 503)
  f.emu.setOutage('drop')
  t.equal((await f.client.orderStatus(o.orderId).catch(e => e)).code, 'LC_ERR_OMS_NETWORK')
  f.emu.setOutage(null)
  t.equal((await f.client.orderStatus(o.orderId))[0]?.bufferStatus, 'ACTIVE')

  const r = await fetch(`${f.emu.url}/api/v3/order/status?omsId=nope&orderId=${o.orderId}`, { headers: { clientToken: f.emu.clientToken } })
  t.equal(r.status, 400)
})

t.test('orders have CREATE_ORDER receipts (§10.1.1), found by production order id or order id (§4.4.19); the order as sent is their source document (§4.4.20)', async t => {
  const f = await omsFixture(t)
  const prod = 'f00dcafe-0000-4000-8000-000000000001'
  const sent = { ...WATER_ORDER(GTIN, 40), attributes: { ...WATER_ORDER(GTIN, 40).attributes, productionOrderId: prod } }
  const o = await f.client.createOrder(sent)
  await f.client.createOrder(WATER_ORDER(GTIN, 10)) // another order, no production order id
  const search = (filter: Record<string, unknown>) => f.client.searchReceipts(filter)
  let found = (await search({ productionOrderIds: [prod], workflowTypes: ['CREATE_ORDER'] })).results
  t.equal(found.length, 1, 'one receipt for that production order')
  t.match(found[0], { sourceDocId: o.orderId, workflow: 'CREATE_ORDER', state: 'IN_PROGRESS', details: { txType: 'CREATE_ORDER', orderId: o.orderId, productionOrderId: prod } })
  t.same(found[0]?.operations?.map(x => x.operationType), ['CREATE_ORDER_RECEIVED'], 'received, not yet through')
  f.clock.advance(10_000)
  found = (await search({ orderIds: [o.orderId] })).results
  t.match(found[0], { state: 'SUCCESS', code: 0 })
  t.same(found[0]?.operations?.map(x => x.operationType), ['CREATE_ORDER_RECEIVED', 'CREATE_ORDER_VALIDATION', 'CREATE_ORDER_VALIDATION_RESULT', 'CREATE_ORDER_EMISSION_TASK_SEND', 'CREATE_ORDER_SUBORDER_RESULT'])
  t.same(JSON.parse(await f.client.receiptDocument(found[0]?.resultDocId as string, o.orderId)), sent, 'the order as it was sent')
  t.equal((await search({ workflowTypes: ['CREATE_ORDER'] })).results.length, 2, 'both orders by workflow')
  t.equal((await search({ workflowTypes: ['REPORT_UTILIZE'] })).results.length, 0, 'none as a report')
  t.equal((await search({ productionOrderIds: ['f00dcafe-0000-4000-8000-00000000ffff'] })).results.length, 0, 'an unknown production order finds nothing')
  f.emu.state.orderReceiptIds = false
  t.notOk((await search({ productionOrderIds: [prod] })).results[0]?.details?.productionOrderId, 'details as in Figure 220: no ids')
})
