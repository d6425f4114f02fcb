// The operator panel in a real browser against the real line on the simulated devices: log in, run, see the
// counters move, ink out on the simulated head → alarm and Held, resume refused while the ink is out,
// acknowledge, refill, resume.
import t from 'tap'
import { hashPassword } from '../../line/hmi/passwords.ts'
import { HmiStore } from '../../line/hmi/store.ts'
import { SHOTS, chromiumMissing, launchChromium, openPage } from '../helpers/browser.ts'
import { startTestLine } from '../helpers/line.ts'

if (chromiumMissing !== null) {
  t.plan(0, chromiumMissing)
} else {
  t.test('panel on the real simulated line: run, ink out, Held, refused resume, ack, refill, resume', async t => {
    const { line, world } = await startTestLine(t, {
      codes: 4000,
      world: { camera: { mode: 'fast', noReadRate: 0.02 } },
      config: { job: { group: 'water', gtin: '04601653030046', batch: 'UI-1', productionDate: '2026-11-25', expiryDate: '2027-11-25', quantity: 3000, unitsPerBox: 12, boxesPerPallet: 10, minGrade: 'C', unitsPerMinute: 600 } },
    })
    new HmiStore(line.db).addUser({ username: 'petrova', role: 'engineer', passwordHash: await hashPassword('engineer-pass-1'), mustChange: false, createdBy: 'test' }, Date.now())
    const browser = await launchChromium(t)
    const { page, pageErrors } = await openPage(browser, { width: 1440, height: 1000 }, 'ru-RU')
    const state = (): Promise<string | null> => page.getAttribute('#state', 'data-state')
    const printed = async (): Promise<number> => Number(await page.textContent('[data-counter="printed"] b'))

    await page.goto(line.hmiUrl)
    await page.waitForSelector('#login')
    await page.fill('input[name=username]', 'petrova')
    await page.fill('input[name=password]', 'engineer-pass-1')
    await page.click('#login button[type=submit]')
    await page.waitForSelector('#state[data-state="Stopped"]')
    t.match(await page.textContent('#job'), /04601653030046/, 'the job from the line is shown')

    // Reset and Start from the panel (pressed again if a device was not ready yet)
    for (let i = 0; i < 40 && (await state()) !== 'Execute'; i++) {
      const s = await state()
      if (s === 'Stopped') await page.click('[data-cmd="reset"]')
      if (s === 'Idle') await page.click('[data-cmd="start"]')
      await page.waitForTimeout(300)
    }
    t.equal(await state(), 'Execute')
    await page.waitForFunction(() => Number(document.querySelector('[data-counter="printed"] b')?.textContent) >= 10, undefined, { timeout: 30_000 })
    const p1 = await printed()
    await page.waitForFunction(n => Number(document.querySelector('[data-counter="printed"] b')?.textContent) > n + 5, p1, { timeout: 30_000 })
    t.pass('counters move on the panel')

    // ink out on the simulated Modbus head
    const head = world.heads.get('head-1')!
    head.setFault('ink-out')
    await page.waitForSelector('#state[data-state="Held"]', { timeout: 20_000 })
    // the head's own alarm; the tracker may also have raised FAULT_PRINTER for products that passed unprinted
    const inkAlarm = '[data-alarm-code="FAULT_PRINTER"][data-alarm-source="head-1"]'
    await page.waitForSelector(`${inkAlarm}.active`)
    t.match(await page.textContent(`${inkAlarm}.active`), /ink-out|чернил/)
    await page.waitForFunction(() => document.querySelector('[data-device="head-1"]')?.getAttribute('data-state') === 'fault')
    await page.screenshot({ path: `${SHOTS}09-real-line-ink-out.png`, fullPage: true })
    const held = line.runtime.counters().printed

    await page.click('[data-cmd="unhold"]')
    await page.waitForSelector('#toast.error')
    t.match(await page.textContent('#toast'), /ink-out|чернил|продолжить/, 'resume refused while the ink is out, with the reason')
    t.equal(await state(), 'Held')

    await page.click(`${inkAlarm}.active button.ack`)
    await page.waitForSelector(`${inkAlarm}.acked`)
    head.refillInk()
    await page.waitForFunction(() => document.querySelector('[data-device="head-1"]')?.getAttribute('data-state') !== 'fault', undefined, { timeout: 20_000 })
    for (let i = 0; i < 20 && (await state()) !== 'Execute'; i++) {
      await page.click('[data-cmd="unhold"]')
      await page.waitForTimeout(300)
    }
    t.equal(await state(), 'Execute')
    await page.waitForFunction(n => Number(document.querySelector('[data-counter="printed"] b')?.textContent) > n + 5, held, { timeout: 30_000 })
    t.pass('production resumes after acknowledge, refill and unhold')
    t.same(pageErrors, [], 'no script errors in the page')
  })
}
