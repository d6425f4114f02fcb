// The Find tab in a real browser (Debian's chromium through playwright-core) at the panel's 1024×768, on a real store
// (find-fixture.ts): a box found by a unit code pasted in the panel's ⟨GS⟩ form and opened, its label reprinted; a code
// looked up in HRI form and asked about in GIS MT (True API emulator, cises/info); a rejected report resent after the
// correction; every screen in Russian and English without horizontal overflow at 1024×768 and 1280×800.
import t from 'tap'
import { mkdirSync } from 'node:fs'
import { SHOTS, chromiumMissing, launchChromium, openPage, overflowOf } from '../../helpers/browser.ts'
import { findFixture } from './find-fixture.ts'
import { until } from './harness.ts'

if (chromiumMissing !== null) {
  t.plan(0, chromiumMissing)
} else {
  t.test('find tab: box by a pasted code, its contents and label, a code in GIS MT, a rejected report resent', async t => {
    const x = await findFixture(t)
    const browser = await launchChromium(t)
    const { page, pageErrors } = await openPage(browser, { width: 1024, height: 768 }, 'ru-RU')
    mkdirSync(SHOTS, { recursive: true })
    const shot = (name: string): Promise<Buffer> => page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true })
    const overflow = (): Promise<string[]> => overflowOf(page)
    const [box1] = x.boxes as [typeof x.boxes[0]]
    const raw = x.firstBoxCodes[2] as string
    const [identity, tail] = raw.split('\u001d') as [string, string]

    await page.goto(x.url)
    await page.waitForSelector('#login')
    await page.fill('input[name=username]', 'petrova')
    await page.fill('input[name=password]', 'engineer-pass-1')
    await page.click('#login button[type=submit]')
    await page.waitForSelector('[data-tab="find"]')
    t.equal((await page.textContent('[data-tab="find"]'))?.trim(), 'Поиск')
    await page.click('[data-tab="find"]')

    // ---- the job's boxes and pallet, then one box found by a unit code pasted as the panel shows it (⟨GS⟩)
    await page.waitForSelector(`#find-containers tr[data-sscc="${x.pallet.sscc}"]`)
    t.equal(await page.locator('#find-containers tr[data-sscc]').count(), 3, 'two boxes and the pallet of the job')
    t.match(await page.textContent(`#find-containers tr[data-sscc="${box1.sscc}"]`), /отклонён \(REJECTED\)/, 'the first box\'s aggregation report is shown rejected')
    t.same(await overflow(), [], 'the list fits 1024×768')
    await page.fill('#find-query', `${identity}⟨GS⟩${tail}`)
    await page.click('#find-form button[type=submit]')
    await page.waitForSelector('#find-containers[data-matched="code"]')
    t.equal(await page.locator('#find-containers tr[data-sscc]').count(), 2, 'the box holding the unit and its pallet')
    await page.waitForSelector(`#find-detail [data-container="${box1.sscc}"]`)
    t.equal(await page.locator('#find-units tr[data-code-id]').count(), 4, 'the opened box shows its four units')
    t.ok((await page.textContent('#find-units'))?.includes(`${identity}⟨GS⟩${tail}`), 'the unit among them, in the ⟨GS⟩ form')
    t.match(await page.textContent('#find-container-reports'), /агрегация.*отклонён/s)
    t.same(await overflow(), [], 'the opened box fits 1024×768')
    await shot('find-01-box')
    const labelsBefore = x.labels.length
    await page.click('#find-reprint')
    await page.waitForSelector('#toast.ok')
    t.match(await page.textContent('#toast'), new RegExp(`Этикетка отправлена на печать: SSCC ${box1.sscc}`))
    await until(() => x.labels.length === labelsBefore + 1)
    t.match(x.labels.at(-1), { sscc: box1.sscc, level: 'box', count: 4 }, 'the label printed again with the same SSCC')

    // ---- one code, in HRI form: where it is, its reports, and what GIS MT says
    await page.click('[data-find="code"]')
    const hri = `(01)${identity.slice(2, 16)}(21)${identity.slice(18)}(${tail.slice(0, 2)})${tail.slice(2)}`
    await page.fill('#code-query', hri)
    await page.click('#code-form button[type=submit]')
    await page.waitForSelector('#code-result [data-identity]')
    t.equal(await page.getAttribute('#code-result [data-identity]', 'data-identity'), identity, 'the code found by its identity')
    t.equal(await page.getAttribute('#code-result [data-state]', 'data-state'), 'AGGREGATED')
    t.match(await page.textContent('#code-result [data-where]'), new RegExp(`${box1.sscc}.*${x.pallet.sscc}`), 'unit → box → pallet')
    t.match(await page.textContent('#code-reports'), /агрегация.*отклонён/s, 'its aggregation report, rejected')
    await page.click('#gismt-ask')
    await page.waitForSelector('#gismt-result [data-gismt-status="404"]')
    t.match(await page.textContent('#gismt-result'), /КИ не найден/, 'GIS MT does not know it yet')
    t.same(await overflow(), [], 'the code card fits 1024×768')
    await page.waitForSelector('#toast.hidden', { state: 'attached' })
    await shot('find-02-code')

    // ---- the report queue: the rejected report resent after the cause is corrected
    x.correct()
    await page.click('[data-find="reports"]')
    const retry = page.locator(`#reports-table [data-retry="${x.reportId}"]`)
    await retry.waitFor()
    t.same(await overflow(), [], 'the report queue fits 1024×768')
    await shot('find-03-reports')
    await retry.click()
    t.equal((await retry.textContent())?.trim(), 'Подтвердить повтор', 'the first press only arms it')
    t.equal(x.outbox.get(x.reportId)?.state, 'REJECTED')
    await retry.click()
    await page.waitForSelector('#toast.ok')
    await until(() => x.outbox.get(x.reportId)?.state === 'ACCEPTED', 30_000)
    await page.click('#reports-refresh')
    await page.waitForSelector(`#reports-table tr[data-report="${x.reportId}"][data-state="ACCEPTED"]`)
    t.pass('the resent report is accepted')
    await page.click('[data-find="code"]')
    await page.waitForSelector('#code-result [data-identity]')
    await page.click('#gismt-ask')
    await page.waitForSelector('#gismt-result [data-gismt-status="APPLIED"]')
    t.ok((await page.textContent('#gismt-result'))?.includes(`00${box1.sscc}`), 'GIS MT now holds the code in its box')

    // ---- English, and both panel sizes: nothing wider than the window on any find screen
    await page.click('#lang')
    await page.click('[data-tab="find"]')
    for (const size of [{ width: 1024, height: 768 }, { width: 1280, height: 800 }]) {
      await page.setViewportSize(size)
      for (const [lang, label] of [['en', 'English'], ['ru', 'Русский']] as const) {
        await page.click('[data-find="containers"]')
        await page.waitForSelector(`#find-containers tr[data-sscc="${box1.sscc}"]`)
        await page.click(`#find-containers [data-open="${box1.sscc}"]`)
        await page.waitForSelector(`#find-detail [data-container="${box1.sscc}"]`)
        t.same(await overflow(), [], `boxes, ${lang}, ${size.width}×${size.height}`)
        await page.click('[data-find="code"]')
        await page.waitForSelector('#code-result [data-identity]')
        t.same(await overflow(), [], `code, ${lang}, ${size.width}×${size.height}`)
        await page.click('[data-find="reports"]')
        await page.waitForSelector('#reports-table tr[data-report]')
        t.same(await overflow(), [], `reports, ${lang}, ${size.width}×${size.height}`)
        if (lang === 'en') t.equal((await page.textContent('[data-find="reports"]'))?.trim(), 'Report queue')
        await page.click('#lang')
        await page.click('[data-tab="find"]')
        void label
      }
    }
    t.same(pageErrors, [], 'no script errors')
  })
}
