import t from 'tap'
import { ProfileRegistry, parseCode, withCheckDigit } from '../../line/codes/index.ts'
import { OmsHttpError } from '../../line/emission/index.ts'
import { WATER_ORDER, omsFixture } from '../line/emission/fixture.ts'

const GTIN = withCheckDigit('0460165303004')
const HOUR = 3_600_000
const profiles = new ProfileRegistry()

async function activeCodes (f: Awaited<ReturnType<typeof omsFixture>>, n: number, group = WATER_ORDER(GTIN, n)): Promise<{ orderId: string, codes: string[] }> {
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
    const { codes } = await activeCodes(f, 5, { ...WATER_ORDER(gtin, 5), productGroup, products: [{ ...WATER_ORDER(gtin, 5).products[0]!, templateId }] })
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

t.test('utilisation is checked against codes really issued; reports move to SUCCESS or REJECTED', async t => {
  const f = await omsFixture(t, { emu: { reportProcessingMs: 5_000 } })
  const { codes } = await activeCodes(f, 100)
  const rep = await f.client.utilisation({ productGroup: 'water', sntins: codes.slice(0, 40), attributes: { expirationDate: '2026-06-01' } })
  t.equal((await f.client.reportInfo(rep.reportId)).reportStatus, 'PENDING')
  f.clock.advance(5_000)
  t.equal((await f.client.reportInfo(rep.reportId)).reportStatus, 'SUCCESS')
  t.same(f.emu.utilised(), codes.slice(0, 40))

  const again = await f.client.utilisation({ productGroup: 'water', sntins: codes.slice(39, 41) }).catch(e => e)
  t.ok(again instanceof OmsHttpError && again.status === 400, 'already utilised → 400')
  t.match(again.body, { success: false, globalErrors: [{ error: /отклонён/ }], fieldErrors: [{ fieldName: 'sntins[0]', fieldError: /already utilised/ }] })

  const forged = (codes[50] as string).replace(/^(.{20})./, '$1!')
  const never = await f.client.utilisation({ productGroup: 'water', sntins: [forged] }).catch(e => e)
  t.match(never.body.fieldErrors[0].fieldError, /never issued/)

  const raw = await fetch(`${f.emu.url}/api/v3/utilisation?omsId=${f.emu.omsId}`, { method: 'POST', headers: { clientToken: f.emu.clientToken, 'content-type': 'application/json' }, body: JSON.stringify({ productGroup: 'water', sntins: Array.from({ length: 30_001 }, () => codes[0]) }) })
  t.equal(raw.status, 400, 'over 30,000 codes → 400')
  t.match(await raw.json(), { success: false, globalErrors: [{ error: /30000/ }] })

  f.emu.rejectNextReports(1)
  const doomed = await f.client.utilisation({ productGroup: 'water', sntins: codes.slice(60, 70) })
  f.clock.advance(5_000)
  t.equal((await f.client.reportInfo(doomed.reportId)).reportStatus, 'REJECTED')
  t.equal(f.emu.utilised().length, 40, 'a rejected report leaves its codes unutilised')
  const retry = await f.client.utilisation({ productGroup: 'water', sntins: codes.slice(60, 70) })
  t.ok(retry.reportId, 'and they can be reported again')
})

t.test('dropout and aggregation reports', async t => {
  const f = await omsFixture(t)
  const { codes } = await activeCodes(f, 30)
  const d = await f.client.dropout({ productGroup: 'water', dropoutReason: 'DEFECT', sntins: codes.slice(0, 3) })
  t.ok(d.reportId)
  t.same(f.emu.dropped(), codes.slice(0, 3).map(code => ({ code, reason: 'DEFECT' })))
  const twice = await f.client.dropout({ productGroup: 'water', dropoutReason: 'DEFECT', sntins: codes.slice(2, 4) }).catch(e => e)
  t.match(twice.body.fieldErrors[0].fieldError, /already dropped/)

  const identity = (c: string) => parseCode(profiles.get('water'), c).identity
  const unit = { unitSerialNumber: '00046000000000000017', aggregationType: 'AGGREGATION' as const, aggregationUnitCapacity: 12, aggregatedItemsCount: 12, sntins: codes.slice(10, 22).map(identity) }
  const a = await f.client.aggregation({ productGroup: 'water', participantId: '7700000000', aggregationUnits: [unit] })
  t.ok(a.reportId)
  t.same(f.emu.aggregated(), [{ unitSerialNumber: unit.unitSerialNumber, sntins: unit.sntins }])
  const withCrypto = await f.client.aggregation({ productGroup: 'water', participantId: '7700000000', aggregationUnits: [{ ...unit, aggregatedItemsCount: 1, sntins: [codes[25] as string] }] }).catch(e => e)
  t.match(withCrypto.body.fieldErrors[0].fieldError, /without crypto/)
  const f2 = await f.client.dropout({ productGroup: 'milk', dropoutReason: 'EXPIRY', sntins: [codes[29] as string] }).catch(e => e)
  t.match(f2.body.fieldErrors[0], { fieldName: 'dropoutReason' })

  await f.client.utilisation({ productGroup: 'water', sntins: [codes[5] as string] })
  f.emu.rejectNextReports(1)
  const rd = await f.client.dropout({ productGroup: 'water', dropoutReason: 'DEFECT', sntins: [codes[5] as string] })
  f.clock.advance(1_000)
  t.equal((await f.client.reportInfo(rd.reportId)).reportStatus, 'REJECTED')
  t.notOk(f.emu.dropped().some(d => d.code === codes[5]), 'a rejected dropout drops nothing')
  const again = await f.client.utilisation({ productGroup: 'water', sntins: [codes[5] as string] }).catch(e => e)
  t.match(again.body.fieldErrors[0].fieldError, /already utilised/, 'and the code is back to utilised, not issued')
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
