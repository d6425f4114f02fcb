// The OMS emulator refuses, field by field, what the guide makes mandatory per product group — the other half of
// "each missing mandatory attribute is refused before the job starts and by the OMS if sent" (the line's half is
// test/line/jobs/jobs.test.ts and test/line/domain/groups.test.ts). Tables 10, 11 and 245 (tobacco orders), 122
// (milk), 124 (water), 126 (beer), 130 (softdrinks), 103 (tobacco dropout), 112 (tobacco aggregation).
import t from 'tap'
import { withCheckDigit } from '../../line/codes/index.ts'
import { OmsHttpError } from '../../line/emission/index.ts'
import { WATER_ORDER, omsFixture } from '../line/emission/fixture.ts'

const GTIN = withCheckDigit('0460165303004')
const code = '0104601653030046215abcdefghijkl\u001d93abcd'

/** The field errors of a 400, each as "fieldName: fieldError". */
async function refused (p: Promise<unknown>): Promise<string[]> {
  const err = await p.then(() => null, (e: unknown) => e)
  if (!(err instanceof OmsHttpError) || err.status !== 400) throw new Error(`expected a 400, got ${err === null ? 'success' : String(err)}`)
  return ((err.body as { fieldErrors?: Array<{ fieldName: string, fieldError: string }> }).fieldErrors ?? []).map(f => `${f.fieldName}: ${f.fieldError}`)
}
const names = (errors: string[], name: string): boolean => errors.some(e => e.startsWith(`${name}: `) || e.split(': ')[0]?.endsWith(name) === true)

t.test('each mandatory field of each group, missing, is refused with its name', async t => {
  const f = await omsFixture(t, { emu: {} })
  const c = f.client as unknown as Record<'utilisation' | 'dropout' | 'aggregation' | 'createOrder', (b: unknown) => Promise<unknown>>

  // Tables 10, 11: a tobacco order names its factory and product; each product its mrp; template 3 takes GROUP only
  const tobaccoOrder = {
    productGroup: 'tobacco',
    products: [{ gtin: GTIN, quantity: 5, serialNumberType: 'OPERATOR', templateId: 3, cisType: 'GROUP', attributes: { mrp: '15000' } }],
    attributes: { factoryId: 'F1', factoryCountry: 'RU', productCode: 'P1', productDescription: 'cigarettes' },
  }
  for (const field of ['factoryId', 'factoryCountry', 'productCode', 'productDescription']) {
    const attributes: Record<string, string> = { ...tobaccoOrder.attributes }
    delete attributes[field]
    t.ok((await refused(c.createOrder({ ...tobaccoOrder, attributes }))).some(e => e.startsWith(`attributes.${field}: `)), `tobacco order without ${field}`)
  }
  t.ok((await refused(c.createOrder({ ...tobaccoOrder, products: [{ ...tobaccoOrder.products[0], attributes: {} }] }))).some(e => e.startsWith('products[0].attributes.mrp: ')), 'tobacco product without mrp')
  t.ok((await refused(c.createOrder({ ...tobaccoOrder, products: [{ ...tobaccoOrder.products[0], cisType: 'UNIT' }] }))).some(e => e.startsWith('products[0].cisType: ')), 'template 3 with UNIT')
  t.ok(await c.createOrder(tobaccoOrder), 'the complete order is taken')
  t.ok(await c.createOrder(WATER_ORDER(GTIN, 5)), 'a water order needs none of these')

  // Table 122: milk units carry one of expDate, expDate72, expDateConditions
  t.ok((await refused(c.utilisation({ productGroup: 'milk', sntins: [code], attributes: {} }))).some(e => /expDate, expDate72, expDateConditions/.test(e)), 'milk without an expiry: one of the three is asked for')
  // Table 124: water units carry expirationDate
  t.ok((await refused(c.utilisation({ productGroup: 'water', sntins: [code], attributes: { productionDate: '2026-11-25' } }))).some(e => e.startsWith('attributes.expirationDate: ')), 'water without expirationDate')
  // Table 130: softdrinks name the participant, and kpp for an organisation
  const dates = { productionDate: '2026-11-25', expirationDate: '2027-11-25' }
  t.ok((await refused(c.utilisation({ productGroup: 'softdrinks', sntins: [code], attributes: { ...dates, kpp: '770001001' } }))).some(e => e.startsWith('attributes.participantId: ')), 'softdrinks without participantId')
  t.ok((await refused(c.utilisation({ productGroup: 'softdrinks', sntins: [code], attributes: { ...dates, participantId: '7700000000' } }))).some(e => /kpp|fiasId/.test(e)), 'softdrinks of an organisation without kpp')
  // Table 126: beer as softdrinks, and from 2025 its volume and the document
  const beer = { ...dates, participantId: '7700000000', kpp: '770001001', alcoholVolume: '4.5', documentNumber: 'D-1', documentDate: '2026-11-25' }
  for (const field of ['participantId', 'alcoholVolume', 'documentNumber', 'documentDate']) {
    const attributes: Record<string, string> = { ...beer }
    delete attributes[field]
    t.ok((await refused(c.utilisation({ productGroup: 'beer', sntins: [code], attributes }))).some(e => e.startsWith(`attributes.${field}: `)), `beer without ${field}`)
  }
  // Table 103: a tobacco dropout names the address, withChild and the participant
  for (const field of ['address', 'withChild', 'participantId']) {
    const attributes: Record<string, unknown> = { address: 'Moscow', withChild: false, participantId: '7700000000' }
    delete attributes[field]
    t.ok((await refused(c.dropout({ productGroup: 'tobacco', dropoutReason: 'DEFECT', sntins: [code], attributes }))).some(e => names([e], field)), `tobacco dropout without ${field}`)
  }
  // Table 112: a tobacco aggregation names its production line
  const unit = { unitSerialNumber: '00046016530000000017', aggregationType: 'AGGREGATION', aggregationUnitCapacity: 1, aggregatedItemsCount: 1, sntins: ['0104601653030046215abcdefghijkl'] }
  t.ok((await refused(c.aggregation({ productGroup: 'tobacco', participantId: '7700000000', aggregationUnits: [unit] }))).some(e => names([e], 'productionLineId')), 'tobacco aggregation without productionLineId')
})
