// The panel's rework screen (line/hmi/panel/rework.ts) in a real browser against a recording rework port: shown to
// engineers only, the forms post what the JSON API takes, the answer's new SSCCs are shown, field errors land next
// to their fields.
import t from 'tap'
import { mkdirSync } from 'node:fs'
import type { ReworkControl, ReworkOutcome } from '../../../line/control.ts'
import { SHOTS, chromiumMissing, launchChromium, logIn, openPage } from '../../helpers/browser.ts'
import { USERS, startHmi, until } from './harness.ts'

if (chromiumMissing !== null) {
  t.plan(0, chromiumMissing)
} else {
  t.test('rework screen: engineers only, forms as the API takes them, the new SSCCs shown', async t => {
    const calls: Array<{ op: string, input: unknown, actor: string }> = []
    const outcome: ReworkOutcome = { disaggregated: ['00046016530000000025', '00046016530000000018'], newBoxes: ['046016530000000032'], newPallets: ['046016530000000049'], dropped: 1, returned: 0 }
    const rework: ReworkControl = {
      reworkBox: async (input, actor) => { calls.push({ op: 'box', input, actor }); return { ok: true, value: outcome } },
      reworkPallet: async (input, actor) => { calls.push({ op: 'pallet', input, actor }); return { ok: true, value: { ...outcome, newBoxes: [] } } },
      takeSamples: async (input, actor) => { calls.push({ op: 'samples', input, actor }); return { ok: false, code: 'LC_ERR_REWORK_REASON', reason: { ru: 'Причина выбытия QA_SAMPLES не допускается', en: 'Dropout reason QA_SAMPLES is not allowed' } } },
      sampleReasons: () => ['QA_SAMPLES'],
    }
    const h = await startHmi(t, { users: USERS, rework, config: { updateIntervalMs: 100 } })
    const browser = await launchChromium(t)
    const { context, page, pageErrors } = await openPage(browser, { width: 1280, height: 800 }, 'ru-RU')
    mkdirSync(SHOTS, { recursive: true })
    const login = (user: string, password: string): Promise<void> => logIn(page, h.url, user, password)

    await login('ivanov', 'operator-pass-1')
    t.equal(await page.$('[data-tab="rework"]'), null, 'an operator has no rework tab')
    await page.click('#logout')
    await page.waitForSelector('#login')

    await login('petrova', 'engineer-pass-1')
    await page.click('[data-tab="rework"]')
    await page.waitForSelector('#rework-box')
    t.match(await page.textContent('[data-tab="rework"]'), 'Переупаковка')
    // a malformed SSCC: the server's field error next to the field, nothing reaches the line
    await page.fill('#rework-box input[name=sscc]', '123')
    await page.click('#rework-box button[type=submit]')
    await page.waitForFunction(() => (document.querySelector('#rework-box .field-error[data-for="sscc"]')?.textContent ?? '') !== '')
    t.match(await page.textContent('#rework-box .field-error[data-for="sscc"]'), /SSCC/)
    t.equal(calls.length, 0)
    // one unit out as lab samples, posted as the API takes it; the answer's new SSCCs are shown
    await page.fill('#rework-box input[name=sscc]', '00046016530000000018')
    await page.fill('#rework-box textarea[name=codes]', '0104601653030046215abcdefghijkl\n')
    await page.selectOption('#rework-box select[name=reason]', 'QA_SAMPLES')
    await page.click('#rework-box button[type=submit]')
    await page.waitForFunction(() => (document.querySelector('#rework-result')?.textContent ?? '').includes('046016530000000032'))
    t.same(calls[0], { op: 'box', input: { sscc: '046016530000000018', take: [{ code: '0104601653030046215abcdefghijkl', fate: 'drop', reason: 'QA_SAMPLES' }] }, actor: 'petrova' }, 'the box form posts sscc and the units to take out')
    t.match(await page.textContent('#rework-result'), /Новые паллеты: 046016530000000049/)
    await page.screenshot({ path: `${SHOTS}20-rework.png`, fullPage: true })
    // a pallet taken apart onto a new one
    await page.fill('#rework-pallet input[name=sscc]', '00046016530000000025')
    await page.click('#rework-pallet button[type=submit]')
    await until(() => calls.length >= 2)
    t.same(calls[1], { op: 'pallet', input: { sscc: '046016530000000025', rebuild: true }, actor: 'petrova' })
    // samples refused by the line: its bilingual reason in the toast
    await page.fill('#rework-samples textarea[name=codes]', '0104601653030046215abcdefghijkl')
    await page.click('#rework-samples button[type=submit]')
    await page.waitForSelector('#toast.error')
    t.match(await page.textContent('#toast'), /не допускается/)
    t.same(pageErrors, [], 'no script errors in the page')
    await context.close()
  })
}
