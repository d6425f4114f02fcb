// The panel's set-up tab (line/hmi/panel/setup.ts) in a real browser at 1024×768 over the real set-up service: a
// simulated Modbus head over TCP, a real store. Engineers only; a test print reaches the head; a parameter change is
// refused by the config's rule next to its field, then saved and shown as the panel's; nothing wider than the window.
import t from 'tap'
import { mkdirSync } from 'node:fs'
import { silentLogger } from '../../../line/log.ts'
import { LineParameters } from '../../../line/setup/parameters.ts'
import { SetupService } from '../../../line/setup/setup.ts'
import { SHOTS, chromiumMissing, launchChromium, logIn, openPage, overflowOf } from '../../helpers/browser.ts'
import { modbusRig, until as untilRig } from '../../printers/rigs.ts'
import { USERS, startHmi } from './harness.ts'

if (chromiumMissing !== null) {
  t.plan(0, chromiumMissing)
} else {
  t.test('set-up tab at 1024×768: engineers only, a test print, a parameter refused then saved, no overflow', async t => {
    const head = await modbusRig(t)
    const h = await startHmi(t, {
      users: USERS, config: { updateIntervalMs: 100 },
      setup: (db, clock, line) => new SetupService({
        printers: [head.printer], state: () => line.machine.state, line: 'L1', clock, log: silentLogger(),
        parameters: new LineParameters({ db, config: { rejectDistance: 5, rejectMargin: 2, maxConsecutiveRejects: 5, maxRejectsPer100: null }, cameras: [{ id: 'cam1', role: 'unit', distance: 2 }] }),
      }),
    })
    const browser = await launchChromium(t)
    const { context, page, pageErrors } = await openPage(browser, { width: 1024, height: 768 }, 'ru-RU')
    mkdirSync(SHOTS, { recursive: true })
    const overflow = (): Promise<string[]> => overflowOf(page, 'main *, nav *')
    const login = (user: string, password: string): Promise<void> => logIn(page, h.url, user, password)

    await login('ivanov', 'operator-pass-1')
    t.equal(await page.$('[data-tab="setup"]'), null, 'an operator has no set-up tab')
    await page.click('#logout')
    await page.waitForSelector('#login')

    await login('root', 'admin-pass-001')
    await page.click('[data-tab="setup"]')
    await page.waitForSelector('#setup-params tr[data-key="maxConsecutiveRejects"]')
    t.match(await page.textContent('[data-tab="setup"]'), 'Наладка')
    t.match(await page.textContent('#setup-state'), 'Остановлена (Stopped)')
    t.same(await overflow(), [], 'the tab fits 1024×768 (an administrator has every tab)')

    // a test print of two to the head
    await page.fill('#setup-print input[name=count]', '2')
    // a head that missed a poll under load is briefly not ready, and then rightly refuses
    await untilRig(() => head.printer.status().state === 'ready', 'the head ready', 10_000)
    await page.click('#setup-print button[type=submit]')
    await page.waitForFunction(() => (document.querySelector('#setup-print-result')?.textContent ?? '').includes('TEST L1') || document.querySelector('#toast.error') !== null)
    t.match(await page.textContent('#setup-print-result'), 'TEST L1', `the test print sent (toast: ${await page.textContent('#toast') ?? ''})`)
    await head.print(2)
    await untilRig(() => head.sim.printed.length === 2, 'two test prints')
    t.match(head.sim.printed.map(p => p.code), [/^TEST L1 .* #1\/2$/, /^TEST L1 .* #2\/2$/])

    // a margin not below the distance: the config's rule, next to the field, nothing stored
    await page.fill('#setup-params input[name=rejectMargin]', '6')
    await page.click('#setup-params button[type=submit]')
    await page.waitForFunction(() => (document.querySelector('#setup-params .field-error[data-for="rejectMargin"]')?.textContent ?? '') !== '')
    t.match(await page.textContent('#setup-params .field-error[data-for="rejectMargin"]'), /меньше расстояния до отсекателя/)
    t.equal(await page.getAttribute('#setup-params tr[data-key="rejectMargin"]', 'data-source'), 'config')

    // a valid change: saved, shown as the panel's (who), pending until the next start
    await page.fill('#setup-params input[name=rejectMargin]', '2')
    await page.fill('#setup-params input[name=maxConsecutiveRejects]', '7')
    await page.click('#setup-params button[type=submit]')
    await page.waitForSelector('#setup-params tr[data-key="maxConsecutiveRejects"][data-source="panel"]')
    const row = await page.textContent('#setup-params tr[data-key="maxConsecutiveRejects"]')
    t.match(row, /панель \(root/)
    t.match(row, /в конфигурации: 5/)
    t.match(row, /сейчас действует 5/)
    t.equal(await page.inputValue('#setup-params input[name=maxConsecutiveRejects]'), '7')
    t.match(await page.textContent('#setup-saved'), /5 → 7/)
    t.same(await overflow(), [], 'after the change, still within 1024×768')
    await page.screenshot({ path: `${SHOTS}setup-01-parameters.png`, fullPage: true })

    // English, and back to the configuration's value
    await page.click('#lang')
    await page.click('[data-tab="setup"]')
    await page.waitForSelector('#setup-params button[data-reset="maxConsecutiveRejects"]')
    t.same(await overflow(), [], 'English fits 1024×768')
    await page.click('#setup-params button[data-reset="maxConsecutiveRejects"]')
    await page.waitForSelector('#setup-params tr[data-key="maxConsecutiveRejects"][data-source="config"]')
    t.match(await page.textContent('#setup-saved'), /Rejects in a row before the line holds: 7 → 5/)
    t.same(pageErrors, [], 'no script errors in the page')
    await context.close()
  })
}
