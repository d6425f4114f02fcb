// The station screen in a real browser (Debian's chromium through playwright-core) at 1024×768, the size of a
// packing-table panel: a keyboard-wedge scanner typing reads key by key with Enter, GS sent as Ctrl+] and as a
// substitute string set in the scanner; accepts green with a high tone, refusals red with low tones; the box fills,
// its label prints, a wrong label is refused and the right one closes the box; the audit trail holds every scan.
// The station runs on a real pool and aggregator (SQLite file) with the ZPL printer simulator over TCP.
import t from 'tap'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { AlarmBook } from '../../../line/alarms/alarms.ts'
import { Aggregator } from '../../../line/aggregation/aggregator.ts'
import { buildSscc } from '../../../line/codes/index.ts'
import type { JobView } from '../../../line/control.ts'
import { createHmiServer, HmiStore } from '../../../line/hmi/index.ts'
import { hashPassword } from '../../../line/hmi/passwords.ts'
import { silentLogger } from '../../../line/log.ts'
import { StationService } from '../../../line/station/station.ts'
import { SHOTS, chromiumMissing, launchChromium, openPage } from '../../helpers/browser.ts'
import { block, GTIN_A, GTIN_B, poolFixture } from '../../helpers/pool.ts'
import { zplRig } from '../../printers/rigs.ts'
import { FakeLine } from '../hmi/fake-line.ts'

const GS = '\u001d'
const PREFIX = '4601653'

if (chromiumMissing !== null) {
  t.plan(0, chromiumMissing)
} else {
  t.test('station screen: wedge scans with GS, colours and tones, box closed by its label', async t => {
    const f = poolFixture(t)
    await f.pool.importBlock(block(f, 'a', 30))
    await f.pool.importBlock(block(f, 'b', 5, { gtin: GTIN_B }))
    const rig = await zplRig(t)
    const alarms = new AlarmBook(f.db, { clock: f.clock, log: silentLogger() })
    const agg = new Aggregator({ db: f.db, pool: f.pool, clock: f.clock, log: silentLogger(), alarms, companyPrefix: PREFIX, extensionDigit: 0, labelPrinter: rig.zpl })
    agg.setJob({ id: 1, gtin: GTIN_A, batch: 'B-1', unitsPerBox: 3, boxesPerPallet: 0 })
    const job = { id: 1, gtin: GTIN_A, batch: 'B-1', group: 'water', unitsPerBox: 3, boxesPerPallet: 0, status: 'active', startedAt: 0, endedAt: null } as unknown as JobView
    const station = new StationService({ aggregator: agg, pool: f.pool, jobs: { active: () => job, get: id => id === 1 ? job : null }, profiles: f.profiles, unitsPerBox: 3, clock: f.clock, log: silentLogger() })
    const verified = async (gtin: string, jobId: number, n: number, seq: number) => {
      const codes = await f.pool.reserve(gtin, n, 'head-1', { jobId })
      for (const [i, c] of codes.entries()) await f.pool.transition({ ids: [c.id], to: 'PRINTED', seq: seq + i })
      await f.pool.transition({ ids: codes.map(c => c.id), to: 'VERIFIED', grade: 'A' })
      return codes.map(c => c.code)
    }
    const units = await verified(GTIN_A, 1, 4, 1)
    const otherJob = (await verified(GTIN_B, 2, 1, 50))[0]!
    const foreign = f.factory.raw(f.profiles.get('water'), GTIN_A, 1)[0]!

    const line = new FakeLine({ clock: f.clock })
    const users = new HmiStore(f.db)
    users.addUser({ username: 'ivanov', role: 'operator', passwordHash: await hashPassword('operator-pass-1'), mustChange: false, createdBy: 'test' }, Date.now())
    const server = createHmiServer({ control: line, db: f.db, log: silentLogger(), clock: f.clock, station, config: { host: '127.0.0.1', port: 0, sessionTtl: 3_600_000, updateIntervalMs: 200 } })
    const url = await server.listen()
    t.teardown(async () => { await server.close(); line.close() })

    const browser = await launchChromium(t, ['--autoplay-policy=no-user-gesture-required'])
    const { page, pageErrors } = await openPage(browser, { width: 1024, height: 768 }, 'ru-RU')
    mkdirSync(SHOTS, { recursive: true })
    const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(SHOTS, `${name}.png`) })

    await page.goto(url)
    await page.waitForSelector('#login')
    await page.fill('input[name=username]', 'ivanov')
    await page.fill('input[name=password]', 'operator-pass-1')
    await page.click('#login button[type=submit]')
    await page.click('[data-tab="station"]')
    await page.waitForSelector('#station-capture')
    t.equal(await page.evaluate(() => document.activeElement?.id), 'station-capture', 'the capture field has the focus: a wedge scan lands there')
    await page.waitForSelector('.station-count[data-count="0"][data-capacity="3"]')

    let decisions = 0
    /** A wedge scan: the characters as keystrokes, each GS as Ctrl+] (or the substitute), then Enter; the decision shown. */
    const scan = async (code: string, gs: 'ctrl' | string = 'ctrl'): Promise<{ result: string | null, decision: string | null, beep: string | undefined, text: string }> => {
      const parts = code.split(GS)
      for (const [i, p] of parts.entries()) {
        if (i > 0) { if (gs === 'ctrl') await page.keyboard.press('Control+BracketRight'); else await page.keyboard.type(gs) }
        await page.keyboard.type(p)
      }
      await page.keyboard.press('Enter')
      decisions++
      await page.waitForFunction(n => Number(document.body.dataset.stationBeeps ?? '0') >= n, decisions)
      return {
        result: await page.getAttribute('#station-result', 'data-result'),
        decision: await page.getAttribute('#station-result', 'data-decision'),
        beep: await page.evaluate(() => document.body.dataset.stationBeep),
        text: (await page.textContent('#station-result')) ?? '',
      }
    }
    const colour = (): Promise<string> => page.$eval('#station-result', el => getComputedStyle(el).backgroundColor)

    t.ok(units[0]!.includes(GS), 'the unit code has a GS in it')
    let r = await scan(units[0]!)
    t.same([r.result, r.decision, r.beep], ['accepted', 'ADDED', 'accept'], 'a good unit: accepted, high tone')
    t.equal(await colour(), 'rgb(46, 125, 50)', 'green')
    t.match(r.text, /ПРИНЯТО/)
    await page.waitForSelector('.station-count[data-count="1"]')
    await shot('station-01-accepted')
    r = await scan(units[0]!)
    t.same([r.result, r.decision, r.beep], ['refused', 'DUPLICATE', 'refuse'], 'the same unit again: refused, low tones')
    t.equal(await colour(), 'rgb(198, 40, 40)', 'red')
    t.match(r.text, /ОТКАЗ.*Повтор/)
    await shot('station-02-duplicate')
    r = await scan(foreign)
    t.equal(r.decision, 'FOREIGN')
    t.match(r.text, /Чужой код/)
    r = await scan(otherJob)
    t.equal(r.decision, 'OTHER_JOB')
    t.match(r.text, /другого задания/)
    r = await scan('garbage')
    t.equal(r.decision, 'NOT_A_CODE')
    // a scanner set to send "<GS>" for the separator
    await page.click('.station-settings summary')
    await page.fill('#station-gs', '<GS>')
    await page.dispatchEvent('#station-gs', 'change')
    await page.click('#station-capture')
    r = await scan(units[1]!, '<GS>')
    t.same([r.result, r.decision], ['accepted', 'ADDED'], 'the substitute becomes GS')
    r = await scan(units[2]!)
    t.equal(r.decision, 'BOX_FULL', 'the third unit fills the box and its label prints')
    await page.waitForSelector('#station-awaiting')
    const sscc = await page.getAttribute('#station-awaiting', 'data-sscc')
    t.match(sscc, /^\d{18}$/)
    t.ok(rig.sim.printed.some(l => l.barcodes.some(b => b.data === `00${sscc}`)), 'the label came out of the printer')
    await shot('station-03-awaiting-label')
    r = await scan(`00${buildSscc(0, PREFIX, 777).digits}`)
    t.equal(r.decision, 'WRONG_LABEL')
    t.match(r.text, /другого короба/)
    r = await scan(`00${sscc}`)
    t.same([r.result, r.decision], ['accepted', 'CLOSED'], 'its own label closes the box')
    await page.waitForSelector('.station-count[data-count="0"]')
    t.same(agg.containersOf(1).map(c => [c.sscc, c.items]), [[sscc, 3]])
    t.same(await page.$$eval('#station-recent li', els => els.slice(0, 3).map(e => e.getAttribute('data-decision'))), ['CLOSED', 'WRONG_LABEL', 'BOX_FULL'], 'the latest scans, newest first')
    // the panel PC switched to the Russian layout: the scanner's letter keys arrive as Cyrillic (KeyA → «ф»); the
    // screen takes the key positions back to what the scanner sent
    // what each key position types on the US layout and on the Russian one: [code, shift, russian]
    const keys: Record<string, [string, boolean, string]> = {}
    const row = (us: string, usShift: string, ru: string, ruShift: string, codes: string[]) => codes.forEach((c, i) => {
      keys[us[i]!] = [c, false, ru[i]!]
      keys[usShift[i]!] = [c, true, ruShift[i]!]
    })
    row('1234567890-=', '!@#$%^&*()_+', '1234567890-=', '!"№;%:?*()_+', ['Digit1', 'Digit2', 'Digit3', 'Digit4', 'Digit5', 'Digit6', 'Digit7', 'Digit8', 'Digit9', 'Digit0', 'Minus', 'Equal'])
    row('qwertyuiop[]', 'QWERTYUIOP{}', 'йцукенгшщзхъ', 'ЙЦУКЕНГШЩЗХЪ', [...'QWERTYUIOP'].map(c => `Key${c}`).concat(['BracketLeft', 'BracketRight']))
    row("asdfghjkl;'", 'ASDFGHJKL:"', 'фывапролджэ', 'ФЫВАПРОЛДЖЭ', [...'ASDFGHJKL'].map(c => `Key${c}`).concat(['Semicolon', 'Quote']))
    row('zxcvbnm,./', 'ZXCVBNM<>?', 'ячсмитьбю.', 'ЯЧСМИТЬБЮ,', [...'ZXCVBNM'].map(c => `Key${c}`).concat(['Comma', 'Period', 'Slash']))
    const events = [...units[3]!].map(ch => {
      if (ch === GS) return { key: 'ъ', code: 'BracketRight', ctrlKey: true, shiftKey: false }
      const [code, shiftKey, key] = keys[ch]!
      return { key, code, ctrlKey: false, shiftKey }
    })
    await page.evaluate(evs => {
      const el = document.getElementById('station-capture')!
      for (const e of evs) el.dispatchEvent(new KeyboardEvent('keydown', { ...e, bubbles: true, cancelable: true }))
      el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', code: 'Enter', bubbles: true, cancelable: true }))
    }, events)
    decisions++
    await page.waitForFunction(n => Number(document.body.dataset.stationBeeps ?? '0') >= n, decisions)
    t.equal(await page.getAttribute('#station-result', 'data-decision'), 'ADDED', 'a scan typed on the Russian layout is taken as the scanner sent it')
    // a serial scanner's read (decided on the server) shows up on the screen with its colour and sound
    const beepsBefore = Number(await page.evaluate(() => document.body.dataset.stationBeeps ?? '0'))
    await station.scan(foreign, 'scanner:table-1')
    await page.waitForFunction(n => Number(document.body.dataset.stationBeeps ?? '0') > n, beepsBefore, { timeout: 15_000 })
    t.same([await page.getAttribute('#station-result', 'data-decision'), await page.evaluate(() => document.body.dataset.stationBeep)], ['FOREIGN', 'refuse'], 'a serial read is shown and sounded too')
    // language and layout: English texts, nothing wider than the 1024 px screen
    await page.click('#lang')
    await page.click('[data-tab="station"]')
    await page.waitForSelector('#station-capture')
    t.match(await page.textContent('#station h2'), /Manual aggregation/)
    t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 1024), 'no horizontal scrolling at 1024×768')
    await shot('station-04-english')
    const audit = new HmiStore(f.db).auditTrail(100).filter(a => a.action === 'station:scan')
    t.equal(audit.length, decisions, 'every scan is an audit row')
    t.ok(audit.some(a => a.result === 'refused' && a.actor === 'ivanov'))
    t.same(pageErrors, [])
  })
}
