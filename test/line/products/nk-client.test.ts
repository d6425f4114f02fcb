// The National Catalogue client against the emulator (sim/catalogue) over real HTTP on loopback: a sync fills the
// catalogue from the cards (API НК §3.1.4 list, §3.1.1 cards), and what the catalogue refuses or fails at — a wrong
// apikey, an unknown GTIN, no answer, an endless answer — is a typed error, an alarm, and stored cards kept.
import t from 'tap'

type T = { teardown(fn: () => unknown): void }
import { join } from 'node:path'
import { ManualClock } from '../../../line/clock.ts'
import { silentLogger } from '../../../line/log.ts'
import { NkClient, ProductCatalogue, ProductStore, productOfCard } from '../../../line/products/index.ts'
import { openDatabase } from '../../../line/store/open.ts'
import { SIM_PRODUCTS, startCatalogueEmulator, type CatalogueEmulator } from '../../../sim/catalogue/server.ts'
import { tempDir } from '../../helpers/tmp.ts'

const KEY = 'test-apikey'

async function emulator (t: T): Promise<CatalogueEmulator> {
  const e = await startCatalogueEmulator({ apiKey: KEY })
  t.teardown(() => e.close())
  return e
}

function client (t: T, url: string, o: Partial<ConstructorParameters<typeof NkClient>[0]> = {}): NkClient {
  const c = new NkClient({ url, apiKey: KEY, timeoutMs: 2000, attempts: 1, log: silentLogger(), ...o })
  t.teardown(() => c.close())
  return c
}

function catalogue (t: T, nk: NkClient | null): { products: ProductCatalogue, store: ProductStore, alarms: Array<{ code: string, params?: unknown }>, cleared: string[] } {
  const db = openDatabase(join(tempDir(t), 'line.db'), { synchronous: 'NORMAL' })
  t.teardown(() => db.close())
  const clock = new ManualClock(Date.parse('2026-11-25T08:00:00Z'))
  const store = new ProductStore(db, { clock })
  const alarms: Array<{ code: string, params?: unknown }> = []
  const cleared: string[] = []
  const products = new ProductCatalogue({
    store, client: nk, clock, log: silentLogger(),
    alarms: { raise: a => { alarms.push(a); return alarms.length }, clear: code => { cleared.push(code) } },
  })
  return { products, store, alarms, cleared }
}

t.test('a sync takes every card of the account: group, TN VED, shelf life, packing and permit from the card', async t => {
  const e = await emulator(t)
  const { products, alarms, cleared } = catalogue(t, client(t, e.url))
  const r = await products.sync('engineer')
  t.same(r, { ok: true, value: { count: SIM_PRODUCTS.length } })
  const water = products.get('04601653030046')
  t.match(water, {
    name: 'Вода питьевая «Демо», 0,5 л', group: 'water', tnvedCode: '2201101100', shelfLifeDays: 360, unitsPerBox: 12, boxesPerPallet: 40,
    certificate: { kind: 'CONFORMITY_DECLARATION', number: 'ЕАЭС N RU Д-RU.РА01.В.12345/25', date: '2025-03-01' }, source: 'nk', updatedBy: 'engineer',
  })
  t.ok((water?.goodId ?? 0) > 0, 'the card keeps its good_id')
  t.match(products.get('04601653030114'), { group: 'milk', shelfLifeDays: 10, unitsPerBox: 12, boxesPerPallet: 30 })
  t.same(alarms, [])
  t.same(cleared, ['CATALOGUE_SYNC_FAILED'], 'a good sync clears an earlier failure')
  t.ok(e.calls.some(c => c.path === '/v4/product-list') && e.calls.some(c => c.path === '/v3/feed-product'), 'list (§3.1.4) then cards (§3.1.1)')
  t.match(products.status(), { configured: true, syncing: false, lastCount: SIM_PRODUCTS.length, lastError: null })
})

t.test('a wrong apikey is LC_ERR_NK_AUTH: an alarm, and the cards already stored stay', async t => {
  const e = await emulator(t)
  const good = catalogue(t, client(t, e.url))
  t.equal((await good.products.sync('x')).ok, true)
  await t.rejects(client(t, e.url, { apiKey: 'stolen' }).card('04601653030046'), { code: 'LC_ERR_NK_AUTH' })
  // the same store, now with a client holding a wrong key
  const bad = new ProductCatalogue({
    store: good.store, client: client(t, e.url, { apiKey: 'wrong' }), clock: new ManualClock(0), log: silentLogger(),
    alarms: { raise: a => { good.alarms.push(a); return 1 }, clear: () => {} },
  })
  const r = await bad.sync('operator')
  t.match(r, { ok: false, code: 'LC_ERR_NK_AUTH', reason: { ru: /apikey/, en: /apikey/ } })
  t.match(good.alarms, [{ code: 'CATALOGUE_SYNC_FAILED', source: 'catalogue', params: { reason: { en: /refused the access key/ } }, detail: { code: 'LC_ERR_NK_AUTH', status: 401 } }])
  t.equal(bad.list().length, SIM_PRODUCTS.length, 'stored cards are kept')
  t.match(bad.status().lastError, { ru: /ключ доступа/, en: /access key/ })
  t.ok(e.calls.filter(c => c.status === 401).length >= 2, 'the emulator answered 401 (§2.5)')
})

t.test('an unknown GTIN: 404 from §3.1.1 is LC_ERR_NK_NOT_FOUND; a list of unknown ones is simply empty', async t => {
  const e = await emulator(t)
  const c = client(t, e.url)
  await t.rejects(c.card('04601653099990'), { code: 'LC_ERR_NK_NOT_FOUND', context: { gtin: '04601653099990' } })
  t.same(await c.cards(['04601653099990']), [])
  const { store } = catalogue(t, c)
  const only = new ProductCatalogue({ store, client: c, gtins: ['04601653030046', '04601653099990'], clock: new ManualClock(0), log: silentLogger(), alarms: { raise: () => 1, clear: () => {} } })
  t.same(await only.sync('x'), { ok: true, value: { count: 1 } }, 'configured GTINs: the known one is taken')
})

t.test('the emulator refuses what §3.1.1 and §3.1.4 forbid', async t => {
  const e = await emulator(t)
  const get = async (q: string): Promise<number> => (await fetch(`${e.url}${q}`)).status
  t.equal(await get('/v3/feed-product?gtin=04601653030046'), 401, 'no apikey')
  t.equal(await get(`/v3/feed-product?apikey=${KEY}`), 400, 'no gtin / good_id')
  t.equal(await get(`/v3/feed-product?apikey=${KEY}&gtin=04601653030046&gtins=04601653030114`), 400, 'a single with a list')
  t.equal(await get(`/v3/feed-product?apikey=${KEY}&gtins=${Array.from({ length: 26 }, (_, i) => String(i).padStart(14, '0')).join(';')}`), 400, 'more than 25')
  t.equal(await get(`/v4/product-list?apikey=${KEY}&limit=1001`), 400, 'limit above 1000')
  t.equal(await get(`/v4/product-list?apikey=${KEY}&limit=1000&offset=9500`), 413, 'limit + offset above 10000')
  t.equal(await get(`/v3/nothing?apikey=${KEY}`), 501, 'no such method')
})

t.test('no answer within the deadline, or an endless one: typed errors, never a hang or a flood in memory', async t => {
  const e = await emulator(t)
  e.fault = 'hang'
  const started = Date.now()
  await t.rejects(client(t, e.url, { timeoutMs: 300 }).card('04601653030046'), { code: 'LC_ERR_NK_UNREACHABLE' })
  t.ok(Date.now() - started < 3000, 'the deadline holds')
  e.fault = 'huge'
  await t.rejects(client(t, e.url, { maxResponseBytes: 256 * 1024 }).card('04601653030046'), { code: 'LC_ERR_NK_RESPONSE' })
  e.fault = '503'
  const { products, alarms } = catalogue(t, client(t, e.url))
  t.match(await products.sync('x'), { ok: false, code: 'LC_ERR_NK_UNREACHABLE' })
  t.match(alarms, [{ code: 'CATALOGUE_SYNC_FAILED', params: { reason: { ru: /недоступен/ } } }])
})

t.test('a card of a group the line does not run is skipped with why', async t => {
  const r = productOfCard({ good_id: 1, good_name: 'Шины', identified_by: [{ value: '4601653030046', type: 'gtin', multiplier: 1, level: 'trade-unit' }], good_attrs: [{ attr_id: 23768, attr_value: 'tires' }] })
  t.match(r, { gtin: '04601653030046', problem: /tires is not one the line runs/ })
})

t.test('no catalogue configured: a sync is refused with what to do instead', async t => {
  const { products } = catalogue(t, null)
  t.match(await products.sync('x'), { ok: false, reason: { en: /enter the card by hand/ } })
  t.same(products.status().configured, false)
})
