// The product store and what the line does with a card: manual entry validated per field, the config's job bringing
// its own card without overwriting one from the catalogue or a person, and jobs refused for a GTIN without a card.
import t from 'tap'
import { join } from 'node:path'
import { ManualClock } from '../../../line/clock.ts'
import { ProfileRegistry } from '../../../line/codes/index.ts'
import type { JobInput } from '../../../line/control.ts'
import { JobStore } from '../../../line/jobs/jobs.ts'
import { silentLogger } from '../../../line/log.ts'
import { ProductCatalogue, ProductStore, expiryFrom, jobFieldsOf } from '../../../line/products/index.ts'
import { openDatabase } from '../../../line/store/open.ts'
import { tempDir } from '../../helpers/tmp.ts'

function fixture (t: { teardown(fn: () => unknown): void }): { store: ProductStore, products: ProductCatalogue, jobs: JobStore, clock: ManualClock, path: string } {
  const path = join(tempDir(t), 'line.db')
  const db = openDatabase(path, { synchronous: 'NORMAL' })
  t.teardown(() => db.close())
  const clock = new ManualClock(Date.parse('2026-11-25T08:00:00Z'))
  const store = new ProductStore(db, { clock })
  const products = new ProductCatalogue({ store, client: null, clock, log: silentLogger(), alarms: { raise: () => 1, clear: () => {} } })
  const jobs = new JobStore(db, { clock, profiles: new ProfileRegistry(), productOf: gtin => store.get(gtin) })
  return { store, products, jobs, clock, path }
}

const CARD = { gtin: '04601653030046', name: 'Вода 0,5 л', group: 'water', tnvedCode: '2201101100', shelfLifeDays: '365', unitsPerBox: '12', boxesPerPallet: '40', certificate: { kind: 'CONFORMITY_DECLARATION', number: 'ЕАЭС N RU Д-1', date: '2025-03-01' }, labelTemplate: '' }
const JOB: JobInput = { group: 'water', gtin: '04601653030046', batch: 'B-1', productionDate: '2026-11-25', expiryDate: '2027-11-25', quantity: 100, unitsPerBox: 12, boxesPerPallet: 40, minGrade: 'C', unitsPerMinute: 300 }

t.test('a card entered by hand: validated per field in both languages, stored with who entered it, kept across a restart', async t => {
  const f = fixture(t)
  const bad = f.products.save({ ...CARD, gtin: '04601653030045', group: 'caviar', shelfLifeDays: '-1', certificate: { kind: 'CONFORMITY_DECLARATION', number: '', date: '2025-02-30' } }, 'petrova')
  t.equal(bad.ok, false)
  t.match(bad.fields, { gtin: { ru: /контрольная цифра/, en: /check digit/ }, group: { en: /not known to the line/ }, shelfLifeDays: { en: /at least 1/ } })
  t.ok(Object.keys(bad.fields ?? {}).some(k => k.startsWith('certificate')), 'the permit document is checked too')
  t.equal(f.store.list().length, 0)
  const ok = f.products.save(CARD, 'petrova')
  t.match(ok, { ok: true, value: { gtin: '04601653030046', shelfLifeDays: 365, unitsPerBox: 12, labelTemplate: null, source: 'manual', updatedBy: 'petrova', updatedAt: f.clock.now() } })
  t.same(f.store.get('04601653030046')?.certificate, { kind: 'CONFORMITY_DECLARATION', number: 'ЕАЭС N RU Д-1', date: '2025-03-01' })
  const again = openDatabase(f.path)
  t.same(new ProductStore(again, { clock: f.clock }).get('04601653030046')?.name, 'Вода 0,5 л', 'persisted')
  again.close()
})

t.test('a job takes group, TN VED, packing and expiry (production date + shelf life) from its card', async t => {
  const f = fixture(t)
  const card = (f.products.save(CARD, 'x') as { value: NonNullable<ReturnType<ProductStore['get']>> }).value
  t.same(jobFieldsOf(card, '2026-11-25'), { group: 'water', tnvedCode: '2201101100', unitsPerBox: 12, boxesPerPallet: 40, expiryDate: '2027-11-25' })
  t.equal(expiryFrom('2028-02-28', 1), '2028-02-29', 'calendar days, leap years included')
  t.equal(expiryFrom('2026-11-25', null), null, 'no shelf life: no expiry from the card')
})

t.test('no card, no job: the job store refuses the GTIN (LC_ERR_JOB_NO_PRODUCT) and a group other than the card\'s', async t => {
  const f = fixture(t)
  t.throws(() => f.jobs.validate(JOB), { code: 'LC_ERR_JOB_NO_PRODUCT', message: /no product card.*нет карточки товара/s })
  f.products.save({ ...CARD, group: 'milk' }, 'x')
  t.throws(() => f.jobs.validate(JOB), { code: 'LC_ERR_JOB_GROUP_MISMATCH', message: /card of GTIN 04601653030046 says milk/ })
  f.products.save(CARD, 'x')
  t.ok(f.jobs.validate(JOB), 'with its card the job is valid')
})

t.test('the config job brings its own card, never overwriting one from the catalogue or a person', async t => {
  const f = fixture(t)
  t.match(f.products.registerConfigJob({ ...JOB, tnvedCode: '2201101100' }), { source: 'config', group: 'water', shelfLifeDays: 365, unitsPerBox: 12, tnvedCode: '2201101100', updatedBy: 'config' })
  t.ok(f.jobs.validate(JOB), 'a config that ran before still runs')
  t.match(f.products.registerConfigJob({ ...JOB, unitsPerBox: 6 }), { source: 'config', unitsPerBox: 6 }, 'a config card follows the config')
  f.products.save({ ...CARD, name: 'Вода от технолога', unitsPerBox: '24' }, 'petrova')
  t.match(f.products.registerConfigJob(JOB), { source: 'manual', name: 'Вода от технолога', unitsPerBox: 24 }, 'a person\'s card stays')
})
