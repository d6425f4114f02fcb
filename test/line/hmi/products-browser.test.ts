// The panel in a real browser (Debian's chromium, 1280×800): an engineer enters a product card by hand, creates a job
// by picking the product — group, packing and expiry shown from the card, no GTIN typed — and changes the job through
// the confirmation dialog (the open box closed, the pallet left).
import t from 'tap'
import { mkdirSync } from 'node:fs'
import type { Clock } from '../../../line/clock.ts'
import { silentLogger } from '../../../line/log.ts'
import { ProductCatalogue, ProductStore } from '../../../line/products/index.ts'
import type { Db } from '../../../line/store/open.ts'
import { SHOTS, chromiumMissing, launchChromium, openPage } from '../../helpers/browser.ts'
import { USERS, startHmi } from './harness.ts'

const products = (db: Db, clock: Clock): ProductCatalogue =>
  new ProductCatalogue({ store: new ProductStore(db, { clock }), client: null, clock, log: silentLogger(), alarms: { raise: () => 1, clear: () => {} } })

if (chromiumMissing !== null) {
  t.plan(0, chromiumMissing)
} else {
  t.test('products tab, a job picked by product, and the job-change dialog', async t => {
    const h = await startHmi(t, { users: USERS, products, config: { updateIntervalMs: 200 } })
    const browser = await launchChromium(t)
    const { page, pageErrors } = await openPage(browser, { width: 1280, height: 800 }, 'ru-RU')
    mkdirSync(SHOTS, { recursive: true })
    const shot = (name: string): Promise<Buffer> => page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true })

    await page.goto(h.url)
    await page.fill('input[name=username]', 'petrova')
    await page.fill('input[name=password]', 'engineer-pass-1')
    await page.click('#login button[type=submit]')
    await page.click('[data-tab=products]')
    await page.waitForSelector('#product-form')
    t.match(await page.textContent('#catalogue-status'), /Национальный каталог не настроен/)

    // --- a card by hand (the catalogue is out of reach)
    await page.fill('#product-form input[name=gtin]', '04601653030046')
    await page.fill('#product-form input[name=name]', 'Вода питьевая 0,5 л')
    await page.selectOption('#product-form select[name=group]', 'water')
    await page.fill('#product-form input[name=tnvedCode]', '2201101100')
    await page.fill('#product-form input[name=shelfLifeDays]', '365')
    await page.fill('#product-form input[name=unitsPerBox]', '6')
    await page.fill('#product-form input[name=boxesPerPallet]', '20')
    await page.selectOption('#product-form select[name=certKind]', 'CONFORMITY_DECLARATION')
    await page.fill('#product-form input[name=certNumber]', 'ЕАЭС N RU Д-RU.1')
    await page.fill('#product-form input[name=certDate]', '2025-03-01')
    await page.click('#product-form button[type=submit]')
    await page.waitForSelector('#products tr[data-gtin="04601653030046"]')
    t.match(await page.textContent('#products tr[data-gtin="04601653030046"]'), /Вода питьевая 0,5 л.*water.*2201101100.*365.*Декларация о соответствии.*вручную/s)
    await shot('products-01-card-by-hand')

    // --- the job form: pick the product, the card fills the rest
    await page.click('[data-tab=line]')
    await page.click('#job-details summary')
    t.equal(await page.$('#job-form input[name=gtin]'), null, 'no GTIN is typed')
    await page.selectOption('#job-product', '04601653030046')
    await page.fill('#job-form input[name=productionDate]', '2026-11-25')
    await page.waitForSelector('#job-card [data-field=expiryDate]')
    t.equal(await page.textContent('#job-card [data-field=group]'), 'water')
    t.equal(await page.textContent('#job-card [data-field=unitsPerBox]'), '6')
    t.equal(await page.textContent('#job-card [data-field=expiryDate]'), '2027-11-25', 'expiry = production date + shelf life')
    await page.fill('#job-form input[name=batch]', 'П-2611')
    await page.fill('#job-form input[name=quantity]', '1200')
    await shot('products-02-job-from-product')
    await page.click('#job-form button[type=submit]')
    await page.waitForSelector('#job [data-job-id="1"]')
    t.match(h.line.calls.at(-1), { method: 'startJob', args: [{ gtin: '04601653030046', group: 'water', unitsPerBox: 6, boxesPerPallet: 20, tnvedCode: '2201101100', expiryDate: '2027-11-25', batch: 'П-2611' }] })

    // --- another job: the dialog asks what becomes of the open box and pallet
    await page.click('#job-details summary')
    await page.selectOption('#job-product', '04601653030046')
    await page.fill('#job-form input[name=batch]', 'П-2612')
    await page.click('#job-form button[type=submit]')
    await page.waitForSelector('dialog#job-change[open]')
    t.match(await page.textContent('dialog#job-change'), /Смена задания.*Активно задание №1.*Открытый короб.*Открытая паллета/s)
    await page.check('dialog#job-change input[name=pallet][value=leave]')
    await shot('products-03-job-change')
    await page.click('#job-change-confirm')
    await page.waitForSelector('#job [data-job-id="2"]')
    t.same(h.line.calls.at(-1)?.args[1], { confirm: true, box: 'close', pallet: 'leave' })
    t.same(pageErrors, [], 'no script errors')
  })
}
