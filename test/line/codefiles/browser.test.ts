// The panel's codes-files tab (line/hmi/panel/codes.ts) in a real browser at 1024×768 over the real codes API and a
// real pool: an operator has no tab; an engineer imports a file (the upload's bar reaches 100 %, the summary), is
// refused a file with bad lines (each line with its reason, in Russian and in English), exports codes and downloads
// them; nothing wider than the window.
import t from 'tap'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { CodeFiles } from '../../../line/codefiles/index.ts'
import { ProfileRegistry } from '../../../line/codes/index.ts'
import { silentLogger } from '../../../line/log.ts'
import { CodePool } from '../../../line/pool/index.ts'
import { ProductCatalogue, ProductStore } from '../../../line/products/index.ts'
import { CodeFactory } from '../../../sim/codes/factory.ts'
import { SHOTS, chromiumMissing, launchChromium, logIn, openPage, overflowOf } from '../../helpers/browser.ts'
import { GTIN_A, GTIN_B } from '../../helpers/pool.ts'
import { USERS, startHmi } from '../hmi/harness.ts'

if (chromiumMissing !== null) {
  t.plan(0, chromiumMissing)
} else {
  t.test('codes files tab at 1024×768: import with progress and summary, bad lines worded, export and downloads', async t => {
    const profiles = new ProfileRegistry()
    const factory = new CodeFactory(7)
    const water = profiles.get('water')
    let pool: CodePool | null = null
    const h = await startHmi(t, {
      users: USERS, config: { updateIntervalMs: 200 },
      products: (db, clock) => {
        const c = new ProductCatalogue({ store: new ProductStore(db, { clock }), client: null, clock, log: silentLogger(), alarms: { raise: () => 1, clear: () => {} } })
        t.ok(c.save({ gtin: GTIN_A, name: 'Вода питьевая 0,5 л', group: 'water', unitsPerBox: 12, boxesPerPallet: 40 }, 'test').ok, 'a product card')
        return c
      },
      codeFiles: (db, clock, dir) => {
        pool = new CodePool(db, { profiles, clock, minRemainingMs: 0 })
        return new CodeFiles({ pool, profiles, clock, exportDir: join(dir, 'exports') })
      },
    })
    const p = pool as unknown as CodePool
    // codes the line ordered, for the export
    await p.importBlock({ blockId: 'oms-1', orderId: 'order-1', gtin: GTIN_A, group: 'water', expiresAt: Date.now() + 30 * 86_400_000, codes: factory.raw(water, GTIN_A, 30) })

    const browser = await launchChromium(t)
    const { context, page, pageErrors } = await openPage(browser, { width: 1024, height: 768 }, 'en-GB')
    mkdirSync(SHOTS, { recursive: true })
    const overflow = (): Promise<string[]> => overflowOf(page, 'main *, nav *')
    const login = (user: string, password: string): Promise<void> => logIn(page, h.url, user, password)
    const file = (name: string, lines: string[]) => ({ name, mimeType: 'text/plain', buffer: Buffer.from(lines.join('\n') + '\n') })

    await login('ivanov', 'operator-pass-1')
    t.equal(await page.$('[data-tab="codes"]'), null, 'an operator has no codes files tab')
    await page.click('#logout')
    await page.waitForSelector('#login')

    await login('petrova', 'engineer-pass-1')
    // the product card arrives after the first rendering
    await page.waitForSelector('[data-tab="products"]')
    await page.click('[data-tab="codes"]')
    await page.waitForSelector('#codes-import')
    t.match(await page.textContent('[data-tab="codes"]'), 'Файлы кодов')
    t.same(await overflow(), [], 'the tab fits 1024×768')

    // ---- a good file: 3000 codes (~150 KB), so the upload reports progress; the group comes from the product card
    const good = factory.raw(water, GTIN_A, 3000)
    await page.setInputFiles('#codes-import input[name=file]', file('cabinet.txt', good))
    await page.fill('#codes-import input[name=gtin]', GTIN_A)
    t.equal(await page.isDisabled('#codes-import select[name=group]'), true, 'a GTIN with a card: the card gives the group')
    t.equal(await page.inputValue('#codes-import select[name=group]'), 'water')
    t.match(await page.textContent('#codes-group-note'), 'из карточки товара «Вода питьевая 0,5 л»')
    await page.evaluate(() => {
      // every width the bar takes, to see it move and end at 100 %
      const seen: string[] = []
      ;(window as unknown as { seenPct: string[] }).seenPct = seen
      const bar = document.getElementById('codes-progress') as HTMLElement
      new MutationObserver(() => { seen.push(bar.dataset.pct ?? '') }).observe(bar, { attributes: true, attributeFilter: ['data-pct'] })
    })
    await page.click('#codes-import button[type=submit]')
    await page.waitForSelector('#codes-summary [data-imported]')
    t.equal(await page.getAttribute('#codes-progress', 'data-pct'), '100')
    t.match(await page.textContent('#codes-progress-text'), /Передача: 100 % · 1\d\d(,\d)? КБ из 1\d\d(,\d)? КБ/)
    const seen = await page.evaluate(() => (window as unknown as { seenPct: string[] }).seenPct)
    t.equal(seen.at(-1), '100', `the bar ended at 100 % (${seen.join(' ')})`)
    t.match(await page.textContent('#codes-summary'), /Загружено кодов: 3000.*«cabinet\.txt»: строк 3000, пустых 0/s)
    t.equal(p.level(GTIN_A), 3030, 'the file is in the pool')

    // ---- a printing house's file, already on the packs: handed over, not there to print
    const press = factory.raw(water, GTIN_A, 40)
    await page.setInputFiles('#codes-import input[name=file]', file('press-run.txt', press))
    await page.selectOption('#codes-import select[name=printed]', '1')
    await page.click('#codes-import button[type=submit]')
    await page.waitForSelector('#codes-summary [data-printed="1"]')
    t.match(await page.textContent('#codes-summary'), /Загружено кодов: 40.*Переданы как нанесённые/s)
    t.equal(p.level(GTIN_A), 3030, 'nothing more to print')
    t.equal(p.accounting().gtins[GTIN_A]?.states.HANDED_OVER, 40)
    await page.selectOption('#codes-import select[name=printed]', '0')

    // ---- bad lines: refused whole, each line with its number and reason
    const bad = factory.raw(water, GTIN_A, 10)
    bad[2] = 'not a code'
    bad[5] = bad[1]!
    bad[7] = factory.raw(water, GTIN_B, 1)[0]!
    const badFile = file('bad.txt', bad)
    await page.setInputFiles('#codes-import input[name=file]', badFile)
    await page.click('#codes-import button[type=submit]')
    await page.waitForSelector('#codes-bad-lines')
    const rows = (): Promise<Array<[string, string]>> => page.$$eval('#codes-bad-lines tbody tr', trs => trs.map(tr => [tr.getAttribute('data-line') ?? '', (tr.children[1] as HTMLElement).innerText.split('\n')[0] ?? '']))
    t.same(await rows(), [
      ['3', 'не код маркировки этой товарной группы (неверный формат)'],
      ['6', 'тот же код, что в строке 2'],
      ['8', `код другого товара: GTIN ${GTIN_B}`],
    ])
    const summaryRu = await page.innerText('#codes-summary')
    t.match(summaryRu, /Файл не загружен.*Файл кодов содержит ошибочные строки.*Ошибочных строк: 3 из 10.*Что делать: Исправьте/s)
    // nothing English outside the folded details and the codes themselves (the content column)
    const words = await page.$$eval('#codes-summary > *', els => els.map(e => {
      const c = e.cloneNode(true) as HTMLElement
      c.querySelectorAll('details, td.mono').forEach(x => { x.remove() })
      return c.innerText
    }).join(' '))
    t.same(words.match(/\b(?!GTIN\b|SHA\b)[A-Za-z]{3,}\b/g), null, `no Latin word in Russian: ${words}`)
    t.equal(await page.textContent('#codes-import [data-file="file"]'), 'bad.txt', 'the file chosen, named by the panel')
    // the whole tab: no Latin word but acronyms, ids, user names, file names and codes
    const tab = await page.$eval('#codes', el => {
      const c = el.cloneNode(true) as HTMLElement
      c.querySelectorAll('details, td.mono, select, input, .codes-file-name').forEach(x => { x.remove() })
      return c.innerText
    })
    t.same(tab.match(/\b(?!GTIN\b|SHA\b|LF\b|CRLF\b|Linux\b|PH\b|petrova\b)[A-Za-z]{3,}\b/g), null, 'no Latin word on the Russian tab')
    t.equal(p.level(GTIN_A), 3030, 'nothing of the bad file imported')
    t.same(await overflow(), [], 'the refusal fits 1024×768')
    await page.screenshot({ path: `${SHOTS}codes-01-refused.png`, fullPage: true })

    // ---- the same in English
    await page.click('#lang')
    await page.click('[data-tab="codes"]')
    await page.setInputFiles('#codes-import input[name=file]', badFile)
    await page.fill('#codes-import input[name=gtin]', GTIN_A)
    await page.click('#codes-import button[type=submit]')
    await page.waitForSelector('#codes-bad-lines')
    t.same(await rows(), [
      ['3', 'not a marking code of this product group (wrong format)'],
      ['6', 'the same code as line 2'],
      ['8', `a code of another product: GTIN ${GTIN_B}`],
    ])
    t.match(await page.innerText('#codes-summary'), /File not imported.*The codes file has bad lines.*Bad lines: 3 of 10/s)
    t.same(await overflow(), [], 'English fits 1024×768')

    // ---- export: a bar while it runs, then the downloads; the list shows it written
    await page.fill('#codes-export input[name=gtin]', GTIN_A)
    await page.fill('#codes-export input[name=count]', '5')
    await page.fill('#codes-export input[name=exportId]', 'PH-1')
    await page.click('#codes-export button[type=submit]')
    await page.waitForSelector('#codes-export-result [data-export="PH-1"]')
    t.match(await page.textContent('#codes-export-result'), /Export PH-1: 5 codes of GTIN/)
    const href = await page.getAttribute('#codes-export-result a[data-download="file"]', 'href')
    t.equal(href, '/api/codes/exports/PH-1/file')
    const got = await context.request.get(`${h.url}${href ?? ''}`)
    t.equal(got.status(), 200)
    t.equal((await got.text()).split('\n').filter(Boolean).length, 5, 'the file downloads with its 5 codes')
    const manifest = await context.request.get(`${h.url}${await page.getAttribute('#codes-export-result a[data-download="manifest"]', 'href') ?? ''}`)
    t.match(await manifest.json(), { exportId: 'PH-1', count: 5 })
    await page.waitForSelector('#codes-exports tr[data-export="PH-1"][data-status="written"] a[data-download="file"]')
    t.same(await overflow(), [], 'with the export, still within 1024×768')

    // back to Russian: the result and the list worded, dates in the panel's form
    await page.click('#lang')
    await page.click('[data-tab="codes"]')
    await page.waitForSelector('#codes-exports tr[data-export="PH-1"]')
    t.match(await page.textContent('#codes-exports tr[data-export="PH-1"]'), /PH-1.*\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d · petrova.*записана.*коды.*манифест/s)
    await page.fill('#codes-export input[name=gtin]', GTIN_A)
    await page.fill('#codes-export input[name=count]', '100000')
    await page.click('#codes-export button[type=submit]')
    await page.waitForSelector('#codes-export-result [data-code="LC_ERR_POOL_EMPTY"]')
    t.match(await page.textContent('#codes-export-result'), /В пуле нет кодов для этого GTIN.*В пуле 3025 кодов, запрошено 100000/s)
    t.same(await overflow(), [], 'Russian fits 1024×768')
    await page.screenshot({ path: `${SHOTS}codes-02-export.png`, fullPage: true })
    t.same(pageErrors, [], 'no script errors in the page')
    await context.close()
  })
}
