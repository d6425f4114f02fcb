// The operator panel in a real browser (Debian's chromium through playwright-core) against the fake line.
import t from 'tap'
import { mkdirSync } from 'node:fs'
import { SHOTS, chromiumMissing, launchChromium, openPage } from '../../helpers/browser.ts'
import { USERS, startHmi } from './harness.ts'

if (chromiumMissing !== null) {
  t.plan(0, chromiumMissing)
} else {
  t.test('operator panel: login, job, counters, ink-out alarm and Held, ack, resume, forbidden command, language', async t => {
    const h = await startHmi(t, { users: USERS, config: { updateIntervalMs: 100 } })
    const browser = await launchChromium(t)
    const { context, page, pageErrors } = await openPage(browser, { width: 1440, height: 1000 }, 'ru-RU')
    // No network at run time: every request the panel makes goes to our own server.
    const foreign: string[] = []
    page.on('request', r => { if (!r.url().startsWith(h.url) && !r.url().startsWith(h.url.replace('http', 'ws'))) foreign.push(r.url()) })
    mkdirSync(SHOTS, { recursive: true })
    const shot = (name: string): Promise<Buffer> => page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true })
    const state = (): Promise<string | null> => page.getAttribute('#state', 'data-state')
    const counter = async (k: string): Promise<number> => Number(await page.textContent(`[data-counter="${k}"] b`))
    /** Controls the visible toast lies over (it must lie over none): each as tag#id or its text. */
    const underToast = (): Promise<string[]> => page.evaluate(() => {
      const toast = document.getElementById('toast')
      if (toast === null || toast.classList.contains('hidden')) return []
      const r = toast.getBoundingClientRect()
      return [...document.querySelectorAll('button, input, select, textarea, a, summary')].filter(el => {
        const b = el.getBoundingClientRect()
        return b.width > 0 && b.height > 0 && b.left < r.right && b.right > r.left && b.top < r.bottom && b.bottom > r.top
      }).map(el => `${el.tagName.toLowerCase()}${el.id === '' ? '' : `#${el.id}`} ${(el.textContent ?? '').trim().slice(0, 30)}`)
    })

    // --- login (Russian by default)
    await page.goto(h.url)
    await page.waitForSelector('#login')
    t.equal(await page.textContent('#login button[type=submit]'), 'Вход')
    await page.fill('input[name=username]', 'petrova')
    await page.fill('input[name=password]', 'wrong-password')
    await page.click('#login button[type=submit]')
    await page.waitForFunction(() => (document.querySelector('#login-error')?.textContent ?? '').length > 0)
    t.equal(await page.textContent('#login-error'), 'Неверное имя пользователя или пароль')
    await shot('01-login')
    await page.fill('input[name=password]', 'engineer-pass-1')
    await page.click('#login button[type=submit]')
    await page.waitForSelector('#state[data-state="Stopped"]')
    t.equal((await page.textContent('#state'))?.trim(), '0 · Остановлена')

    // --- job form: server-side validation messages, then a good job
    await page.click('#job-details summary')
    await page.fill('#job-form input[name=gtin]', '04601653030045')
    await page.fill('#job-form input[name=batch]', '')
    await page.click('#job-form button[type=submit]')
    await page.waitForFunction(() => (document.querySelector('.field-error[data-for="gtin"]')?.textContent ?? '') !== '')
    t.match(await page.textContent('.field-error[data-for="gtin"]'), /контрольная цифра, ожидается 6/)
    t.match(await page.textContent('.field-error[data-for="batch"]'), /Партия/)
    await shot('02-job-validation')
    await page.fill('#job-form input[name=gtin]', '04601653030046')
    await page.fill('#job-form input[name=batch]', 'П-2611')
    await page.fill('#job-form input[name=unitsPerBox]', '6')
    await page.fill('#job-form input[name=unitsPerMinute]', '1200')
    // the group's utilisation needs the expiry date (water: Table 124, docs/groups.md)
    await page.fill('#job-form input[name=expiryDate]', '2027-11-25')
    await page.click('#job-form button[type=submit]')
    await page.waitForSelector('#job [data-job-id="1"]')
    t.match(await page.textContent('#job'), /04601653030046/)

    // --- Reset, Start: the line runs and the counters move
    await page.click('[data-cmd="reset"]')
    await page.waitForSelector('#state[data-state="Idle"]')
    await page.click('[data-cmd="start"]')
    await page.waitForSelector('#state[data-state="Execute"]')
    await page.waitForFunction(() => Number(document.querySelector('[data-counter="printed"] b')?.textContent) >= 20)
    const p1 = await counter('printed')
    await page.waitForFunction(n => Number(document.querySelector('[data-counter="printed"] b')?.textContent) > n, p1)
    t.ok(await counter('printed') > p1, 'printed counter moves')
    t.ok(await counter('rejected') > 0, 'rejects counted')
    t.ok(await page.isVisible('[data-reason="low-grade"]'), 'rejects by reason shown')
    t.match(await page.textContent('[data-reason="low-grade"]'), /^Низкий класс качества печати: \d+$/, 'in the operator\'s language, not as a code')
    await page.waitForSelector('#last-image img')
    await page.waitForFunction(() => { const i = document.querySelector('#last-image img') as HTMLImageElement | null; return i !== null && i.complete && i.naturalWidth > 0 })
    t.ok(await page.isVisible('[data-grade]'), 'camera image and grade shown')
    t.ok(await page.isVisible('[data-box="count"]'), 'current box shown')
    const fill = await page.evaluate(() => {
      const f = document.querySelector('#box .fill') as HTMLElement
      return { fill: f.getBoundingClientRect().width, bar: (f.parentElement as HTMLElement).getBoundingClientRect().width, count: Number(f.dataset.fill) }
    })
    t.ok(Math.abs(fill.fill / fill.bar - fill.count / 6) < 0.02, 'box fill bar matches the count (no CSP-blocked inline style)')
    t.ok(Number(await page.textContent('[data-pool="minutes"]')) > 0, 'pool in minutes')
    await shot('03-execute')

    // --- ink out: alarm, printer tile in fault, Held
    h.line.simulateInkOut()
    await page.waitForSelector('#state[data-state="Held"]')
    t.equal((await page.textContent('#state'))?.trim(), '15 · Удержана')
    await page.waitForSelector('[data-alarm-code="LC_ALARM_INK_OUT"].active')
    t.match(await page.textContent('[data-alarm-code="LC_ALARM_INK_OUT"]'), /закончились чернила/)
    t.equal(await page.getAttribute('[data-device="printer-1"]', 'data-state'), 'fault')
    t.match(await page.textContent('#fault'), /чернила/)
    const held = await counter('printed')
    await shot('04-held-ink-out')

    // Unhold while the ink is still out: the line refuses, the panel says why.
    await page.click('[data-cmd="unhold"]')
    await page.waitForSelector('#toast.error')
    t.match(await page.textContent('#toast'), /замените картридж/)
    t.same(await underToast(), [], 'the toast covers no control (1440 px)')
    await page.setViewportSize({ width: 1024, height: 768 })
    t.same(await underToast(), [], 'nor at 1024×768')
    await page.setViewportSize({ width: 1280, height: 800 })
    t.same(await underToast(), [], 'nor at 1280×800')
    await page.setViewportSize({ width: 1440, height: 1000 })
    t.equal(await state(), 'Held')
    t.equal(await counter('printed'), held, 'nothing printed while Held')

    // --- acknowledge, refill, unhold: production resumes
    await page.click('[data-alarm-code="LC_ALARM_INK_OUT"] button.ack')
    await page.waitForSelector('[data-alarm-code="LC_ALARM_INK_OUT"].acked')
    t.match(await page.textContent('[data-alarm-code="LC_ALARM_INK_OUT"]'), /petrova/)
    h.line.simulateInkRefill()
    await page.click('[data-cmd="unhold"]')
    await page.waitForSelector('#state[data-state="Execute"]')
    await page.waitForFunction(n => Number(document.querySelector('[data-counter="printed"] b')?.textContent) > n + 5, held)
    t.pass('counters move again after Unhold')
    await shot('05-resumed')

    // --- language switch
    await page.click('#lang')
    await page.waitForFunction(() => document.documentElement.lang === 'en')
    await page.waitForSelector('#state[data-state="Execute"]')
    t.equal((await page.textContent('#state'))?.trim(), '4 · Execute')
    t.equal((await page.textContent('[data-cmd="hold"]'))?.trim(), 'Hold')
    t.match(await page.textContent('[data-alarm-code="LC_ALARM_INK_OUT"]'), /out of ink/)
    await shot('06-english')
    await page.click('#lang')
    await page.waitForFunction(() => document.documentElement.lang === 'ru')

    // --- an operator: Abort is shown locked and the server refuses it
    await page.click('#logout')
    await page.waitForSelector('#login')
    await page.fill('input[name=username]', 'ivanov')
    await page.fill('input[name=password]', 'operator-pass-1')
    await page.click('#login button[type=submit]')
    await page.waitForSelector('#state[data-state="Execute"]')
    t.ok(await page.isVisible('[data-cmd="abort"].locked'), 'abort shown locked for an operator')
    await page.click('[data-cmd="abort"]')
    await page.waitForSelector('#toast.error')
    t.equal(await page.textContent('#toast'), 'Действие «Прервать (Abort)» недоступно для роли «оператор»')
    t.equal(await state(), 'Execute', 'the line kept running')
    t.notOk(h.line.calls.some(c => c.args[0] === 'abort'), 'the refused command never reached the line')
    await shot('07-operator-forbidden')

    // --- hold by the operator, then the shift report
    await page.click('[data-cmd="stop"]')
    await page.waitForSelector('#state[data-state="Stopped"]')
    // --- close the partial box: only the box closes, the toast and the box section name its SSCC; then the pallet
    await page.waitForSelector('#toast.hidden', { state: 'attached' })
    const inBox = Number((await page.textContent('[data-box="count"]'))?.split('/')[0])
    if (inBox > 0) {
      await page.click('#close-box')
      await page.waitForSelector('#toast.ok')
      const closedSscc = /SSCC (\d{18})/.exec(await page.textContent('#toast') ?? '')?.[1]
      t.match(await page.textContent('#toast'), /^Короб закрыт: SSCC \d{18}$/, 'the toast says which box was closed')
      await page.waitForFunction(s => document.querySelector('[data-last="box"]')?.textContent === s, closedSscc)
      t.pass('the line view shows the SSCC of the box just closed')
      await page.waitForSelector('#toast.hidden', { state: 'attached' })
    }
    t.notOk(h.line.calls.some(c => c.method === 'closePartialPallet'), 'closing the box did not close the pallet')
    if ((h.line.snapshot().box?.palletCount ?? 0) === 0) {
      // the last box filled the pallet: there is none to close, and the panel says so
      await page.click('#close-pallet')
      await page.waitForSelector('#toast.error')
      t.match(await page.textContent('#toast'), /нет коробов/)
      await page.waitForSelector('#toast.hidden', { state: 'attached' })
      h.line.closeBoxForTest()
    }
    await page.click('#close-pallet')
    await page.waitForSelector('#toast.ok')
    const palletSscc = /SSCC (\d{18})/.exec(await page.textContent('#toast') ?? '')?.[1]
    t.match(await page.textContent('#toast'), /^Паллета закрыта: SSCC \d{18}$/, 'the pallet closes on its own button')
    await page.waitForFunction(s => document.querySelector('[data-last="pallet"]')?.textContent === s, palletSscc)

    await page.click('[data-tab="report"]')
    await page.waitForSelector('#report-table td')
    t.match(await page.textContent('#report-table'), /04601653030046/)
    t.match(await page.getAttribute('#csv', 'href'), /^\/api\/shift-report\.csv\?from=\d+&to=\d+&lang=ru$/)
    await shot('08-shift-report')

    t.same(pageErrors, [], 'no script errors in the page')
    t.same(foreign, [], 'no request leaves the controller')
    await context.close()
  })
}
