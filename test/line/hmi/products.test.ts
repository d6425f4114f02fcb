// The panel's product catalogue and the job form that picks a product (issue #17): who may read, sync and enter cards,
// a job refused for a GTIN without a card, a job filled from the card, and the confirmation a job change needs.
import t from 'tap'
import type { Clock } from '../../../line/clock.ts'
import { silentLogger } from '../../../line/log.ts'
import { ProductCatalogue, ProductStore } from '../../../line/products/index.ts'
import type { Db } from '../../../line/store/open.ts'
import { Client, USERS, startHmi } from './harness.ts'

const products = (db: Db, clock: Clock): ProductCatalogue =>
  new ProductCatalogue({ store: new ProductStore(db, { clock }), client: null, clock, log: silentLogger(), alarms: { raise: () => 1, clear: () => {} } })

const CARD = { gtin: '04601653030046', name: 'Вода питьевая 0,5 л', group: 'water', tnvedCode: '2201101100', shelfLifeDays: 365, unitsPerBox: 12, boxesPerPallet: 40 }
const JOB = { gtin: '04601653030046', batch: 'B-1', productionDate: '2026-11-25', quantity: 1000, minGrade: 'C', unitsPerMinute: 600 }

async function clients (h: { url: string }): Promise<{ op: Client, eng: Client }> {
  const op = new Client(h.url)
  const eng = new Client(h.url)
  await op.login('ivanov', 'operator-pass-1')
  await eng.login('petrova', 'engineer-pass-1')
  return { op, eng }
}

t.test('cards: everyone reads, an operator may sync but not enter a card, an engineer enters one — audited', async t => {
  const h = await startHmi(t, { users: USERS, products })
  const anon = new Client(h.url)
  t.equal((await anon.req('GET', '/api/products')).status, 401)
  const { op, eng } = await clients(h)
  t.match((await op.req('GET', '/api/products')).body, { products: [], status: { configured: false } })
  const forbidden = await op.req('POST', '/api/products', CARD)
  t.equal(forbidden.status, 403)
  t.match(forbidden.body.error.message, { ru: /Ввод карточки товара вручную.*оператор/, en: /Enter a product card by hand/ })
  const sync = await op.req('POST', '/api/products/sync', {})
  t.equal(sync.status, 409, 'an operator may ask for a sync; without a catalogue it is refused with what to do')
  t.match(sync.body.error.message, { ru: /вручную/, en: /by hand/ })
  const bad = await eng.req('POST', '/api/products', { ...CARD, gtin: '04601653030045', unitsPerBox: 'many' })
  t.equal(bad.status, 400)
  t.ok(bad.body.error.fields.gtin && bad.body.error.fields.unitsPerBox, 'each bad field named')
  const ok = await eng.req('POST', '/api/products', CARD)
  t.equal(ok.status, 200)
  t.match(ok.body.result, { gtin: CARD.gtin, source: 'manual', updatedBy: 'petrova' })
  t.equal((await op.req('GET', '/api/products')).body.products.length, 1)
  const audit = (await eng.req('GET', '/api/audit?limit=50')).body.rows as Array<{ actor: string, action: string, result: string, detail: unknown }>
  t.ok(audit.some(r => r.actor === 'petrova' && r.action === 'product:edit' && r.result === 'ok' && JSON.stringify(r.detail).includes(CARD.gtin)), 'the entry is in the audit trail with the card')
  t.ok(audit.some(r => r.actor === 'ivanov' && r.action === 'product:edit' && r.result === 'forbidden'))
  t.ok(audit.some(r => r.actor === 'ivanov' && r.action === 'product:sync' && r.result === 'refused'))
})

t.test('the job form picks a product: no card, no job; the card gives group, TN VED, packing and expiry', async t => {
  const h = await startHmi(t, { users: USERS, products })
  const { eng } = await clients(h)
  const none = await eng.req('POST', '/api/job', JOB)
  t.equal(none.status, 409)
  t.equal(none.body.error.lineCode, 'LC_ERR_JOB_NO_PRODUCT')
  t.match(none.body.error.message, { ru: /нет карточки товара/, en: /has no product card/ })
  t.equal(h.line.calls.length, 0, 'nothing reached the line')
  await eng.req('POST', '/api/products', CARD)
  const clash = await eng.req('POST', '/api/job', { ...JOB, unitsPerBox: 6, group: 'milk' })
  t.equal(clash.status, 400, 'what the card says cannot be overridden in the form')
  t.match(clash.body.error.fields, { unitsPerBox: { en: /comes from the product card \(12\)/ }, group: { ru: /карточки товара/ } })
  const ok = await eng.req('POST', '/api/job', JOB)
  t.equal(ok.status, 200)
  t.match(h.line.calls.at(-1), { method: 'startJob', actor: 'petrova', args: [{ ...JOB, group: 'water', tnvedCode: '2201101100', unitsPerBox: 12, boxesPerPallet: 40, expiryDate: '2026-11-25'.replace('2026', '2027') }] })
})

t.test('a job while another is active: refused until confirmed, with the choice for the open box and pallet', async t => {
  const h = await startHmi(t, { users: USERS, products })
  const { eng } = await clients(h)
  await eng.req('POST', '/api/products', CARD)
  t.equal((await eng.req('POST', '/api/job', JOB)).status, 200)
  const again = await eng.req('POST', '/api/job', { ...JOB, batch: 'B-2' })
  t.equal(again.status, 409)
  t.equal(again.body.error.lineCode, 'LC_ERR_JOB_SWITCH', 'the panel knows to ask')
  t.match(again.body.error.message.en, /job 1 is active/)
  const half = await eng.req('POST', '/api/job', { ...JOB, batch: 'B-2', confirm: true })
  t.equal(half.status, 400, 'a confirmation without the box and pallet decision is incomplete')
  t.ok(half.body.error.fields.box && half.body.error.fields.pallet)
  const yes = await eng.req('POST', '/api/job', { ...JOB, batch: 'B-2', confirm: true, box: 'close', pallet: 'leave' })
  t.equal(yes.status, 200)
  t.same(h.line.calls.at(-1)?.args[1], { confirm: true, box: 'close', pallet: 'leave' }, 'the decision reaches the line')
  t.match(h.line.snapshot().job, { batch: 'B-2', id: 2 })
})
