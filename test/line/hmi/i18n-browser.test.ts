// Everything on the device tiles and in the audit trail is in the operator's language: the panel in chromium, in
// Russian and English, at 1280×800 and 1024×768, over device views built by the line's own code (every printer fault
// and warning, cameras of each role, broker, PLC) and an audit trail holding every action and result. It fails on any
// raw code (a fault, state or action name, a `word-word` identifier) and, in Russian, on any Latin word that is not
// a device id, a user name, an address or one of the few acronyms the texts use.
import t from 'tap'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { AlarmBook } from '../../../line/alarms/alarms.ts'
import { Cameras } from '../../../line/app/cameras.ts'
import { linkViews } from '../../../line/app/devices.ts'
import { startPlant } from '../../../line/app/plant.ts'
import { ManualClock } from '../../../line/clock.ts'
import type { DeviceView, LineOperation } from '../../../line/control.ts'
import { LineBus } from '../../../line/events.ts'
import { AUDIT_ACTIONS, AUDIT_RESULTS } from '../../../line/hmi/audit-names.ts'
import { HmiStore } from '../../../line/hmi/index.ts'
import { silentLogger } from '../../../line/log.ts'
import { LineViews } from '../../../line/runtime/views.ts'
import { openDatabase } from '../../../line/store/open.ts'
import { PRINTER_FAULTS, PRINTER_WARNINGS, type Printer, type PrinterStatus } from '../../../printers/types.ts'
import { SHOTS, chromiumMissing, launchChromium, openPage } from '../../helpers/browser.ts'
import { tempDir } from '../../helpers/tmp.ts'
import { Client, USERS, startHmi, until } from './harness.ts'

const printer = (id: string, s: Partial<PrinterStatus>): Printer => ({ id, status: () => ({ state: 'ready', faults: [], warnings: [], bufferLevel: 0, ...s }) }) as unknown as Printer

/**
 * The tiles as the line builds them: every fault and warning on some printer, each camera role, broker, PLC, and the
 * plant register (its server not there: checked locally, codes waiting).
 */
async function lineDevices (t: { teardown(fn: () => void | Promise<void>): void }): Promise<DeviceView[]> {
  const half = Math.ceil(PRINTER_FAULTS.length / 2)
  const views = new LineViews({
    clock: new ManualClock(), pool: { level: () => 0 },
    unitPrinters: [
      printer('head-1', { state: 'fault', faults: PRINTER_FAULTS.slice(0, half), bufferLevel: 30, detail: 'E5: нет чернил / ink out' }),
      printer('head-2', { state: 'fault', faults: PRINTER_FAULTS.slice(half), warnings: [...PRINTER_WARNINGS], bufferLevel: 2, detail: 'connect ECONNREFUSED 10.0.0.7:502' }),
      printer('head-3', { state: 'connecting' }),
      printer('unit-label', { warnings: ['labels-low'], bufferLevel: 4 }),
    ],
    labelPrinter: printer('box-label', { state: 'disconnected' }),
  })
  const bus = new LineBus()
  const cameras = new Cameras({
    bus, cameras: [{ id: 'cam-1', role: 'unit' }, { id: 'cam-box', role: 'box' }, { id: 'cam-pallet', role: 'pallet' }],
    tracker: { onResult: () => {} }, alarms: { raise: () => 1, clear: () => {} }, fault: () => {}, refreshStatus: async () => {}, log: silentLogger(), refreshMs: 60_000,
  })
  t.teardown(() => cameras.stop())
  bus.emit('camera:status', { camera: 'cam-1', online: true })
  bus.emit('camera:status', { camera: 'cam-box', online: false })
  const links = linkViews({
    broker: { connected: () => true, detail: 'mqtt://127.0.0.1:1883' },
    plc: { stats: { commands: 2, triggers: 18, rejects: 3, accepts: 15, gates: 0, invalid: 0 }, alive: () => false },
    cameras,
  })
  const db = openDatabase(join(tempDir(t), 'line.db'), { synchronous: 'NORMAL' })
  t.teardown(() => { db.close() })
  const plant = startPlant({
    config: { url: 'postgres://line:secret@127.0.0.1:1/plant', timeoutMs: 300, whenUnreachable: 'local', retryMs: 60_000 },
    site: 's', line: 'l', db, alarms: new AlarmBook(db, { clock: new ManualClock(), log: silentLogger() }), clock: new ManualClock(), log: silentLogger(), fault: () => null,
  })
  t.teardown(() => plant.close())
  await plant.check.probe()
  await plant.check.claim({ identity: '0104601653030046215P00000001', jobId: 1, seq: 1 })
  return [...views.devices(), ...links.devices(), plant.device()]
}

const DEVICE_IDS = ['head-1', 'head-2', 'head-3', 'unit-label', 'box-label', 'cam-1', 'cam-box', 'cam-pallet', 'broker', 'plc', 'plant-register']
const USER_NAMES = USERS.map(([name]) => name)
/** What the test itself types in: the plant system's job id, a command the panel does not know. */
const INPUT = ['J-7', 'fly']
/** Latin words the Russian texts use on purpose: acronyms, and the PackML command named beside its Russian (as on its button). */
const ACRONYMS = ['MQTT', 'L3', 'SSCC', 'GTIN', 'Abort']
/** What in `text` is not in the operator's language. */
function untranslated (text: string, lang: 'ru' | 'en'): string[] {
  const bad: string[] = []
  const allowed = new Set([...DEVICE_IDS, ...USER_NAMES, ...INPUT, ...ACRONYMS])
  for (const m of text.matchAll(/[A-Za-z][A-Za-z0-9]*(?:[-:./][A-Za-z0-9]+)*(?::\/\/\S+)?/g)) {
    const w = m[0]
    if (allowed.has(w) || /^(mqtt|postgres):\/\//.test(w)) continue
    if (/^[a-z0-9]+(?:[-:][a-z0-9]+)+$/.test(w)) bad.push(w) // an identifier: head-error, cmd:start, label-printer
    else if (lang === 'ru') bad.push(w) // Russian: no other Latin word
    else if (w === 'ok') bad.push(w) // the one state and result code that is not also its English word
  }
  if (lang === 'en') for (const m of text.matchAll(/[А-Яа-яЁё]+/g)) bad.push(m[0])
  return bad
}

if (chromiumMissing !== null) {
  t.plan(0, chromiumMissing)
} else {
  t.test('device tiles and audit trail: nothing raw, in Russian and English, at 1280×800 and 1024×768', async t => {
    const h = await startHmi(t, { users: USERS, config: { updateIntervalMs: 100 } })
    h.line.devices = await lineDevices(t)

    // --- the trail: real panel actions, what the line did for the PLC, the config and the plant system, and one row
    // of every action with every result
    const op = new Client(h.url)
    t.equal(await op.login('ivanov', 'wrong-password'), 401)
    await op.login('ivanov', 'operator-pass-1')
    t.equal((await op.req('POST', '/api/command', { command: 'abort' })).status, 403)
    t.equal((await op.req('POST', '/api/command', { command: 'start' })).status, 409, 'no job: refused with the line\'s reason')
    t.equal((await op.req('POST', '/api/command', { command: 'fly' })).status, 400)
    await op.req('POST', '/api/logout')
    const eng = new Client(h.url)
    await eng.login('petrova', 'engineer-pass-1')
    t.equal((await eng.req('POST', '/api/box/reprint', { sscc: '12' })).status, 400)
    h.line.emit('operation', { actor: 'plc', action: 'cmd:start', detail: { ok: true, from: 'Idle', to: 'Starting' } } satisfies LineOperation)
    h.line.emit('operation', { actor: 'config', action: 'job:start', detail: { jobId: 1, gtin: '04601653030046', batch: 'B', quantity: 10 } } satisfies LineOperation)
    h.line.emit('operation', { actor: 'l3:J-7', action: 'job:start', detail: { ok: false, reason: 'a job only on a stopped line' }, reason: { ru: 'Задание — только на остановленной линии', en: 'a job only on a stopped line' } } satisfies LineOperation)
    const store = new HmiStore(h.db)
    AUDIT_ACTIONS.forEach((action, i) => {
      const result = AUDIT_RESULTS[i % AUDIT_RESULTS.length] ?? 'ok'
      store.audit({ at: Date.now(), actor: 'petrova', role: 'engineer', action, detail: null, result, message: result === 'ok' ? null : { ru: 'Причина по-русски', en: 'The reason in English' } })
    })
    store.audit({ at: Date.now(), actor: 'root', role: 'admin', action: 'codes:import', detail: { code: 'LC_ERR_CODES_FILE_TWICE' }, result: 'refused', message: 'file a.csv imported before' })
    store.audit({ at: Date.now(), actor: 'root', role: 'admin', action: 'codes:import', detail: null, result: 'error', message: 'EACCES: permission denied, open /var/lib/line/in.csv' })

    const browser = await launchChromium(t)
    mkdirSync(SHOTS, { recursive: true })
    // the browser's locale is the other language: the panel must not follow it
    for (const lang of ['ru', 'en'] as const) {
      for (const [width, height] of [[1280, 800], [1024, 768]] as const) {
        const { context, page, pageErrors } = await openPage(browser, { width, height }, lang === 'ru' ? 'en-US' : 'ru-RU')
        await page.goto(h.url)
        await page.evaluate(l => { localStorage.setItem('lc-lang', l) }, lang)
        await page.reload()
        await page.waitForSelector('#login')
        await page.fill('input[name=username]', 'root')
        await page.fill('input[name=password]', 'admin-pass-001')
        await page.click('#login button[type=submit]')
        await page.waitForSelector('#devices [data-device="plc"]')
        t.equal(await page.evaluate(() => document.documentElement.lang), lang)
        const where = `${lang} ${width}×${height}`

        const tiles = await page.innerText('#devices')
        t.same(untranslated(tiles, lang), [], `device tiles, ${where}`)
        t.match(tiles, lang === 'ru' ? /нет чернил/ : /out of ink/, `a fault in words, ${where}`)
        t.match(tiles, lang === 'ru' ? /в буфере: 30/ : /in the buffer: 30/, `the buffer with its number, ${where}`)
        t.notMatch(tiles, /ECONNREFUSED|E5:/, `the device's own words are folded away, ${where}`)
        t.match(tiles, lang === 'ru' ? /реестр кодов завода[\s\S]*ждут проверки по заводу: 1/ : /plant code register[\s\S]*awaiting the plant check: 1/, `the plant register with the codes waiting, ${where}`)
        t.notMatch(tiles, /secret/, `no password on a tile, ${where}`)
        const wide = await page.evaluate(() => [...document.querySelectorAll('#devices .tile')].filter(e => e.scrollWidth > e.clientWidth + 1).map(e => (e as HTMLElement).dataset.device))
        t.same(wide, [], `no tile overflows, ${where}`)
        if (width === 1280) await page.screenshot({ path: `${SHOTS}i18n-01-devices-${lang}.png`, fullPage: true })

        await page.click('[data-tab="audit"]')
        await page.waitForSelector('#audit-table tr + tr')
        await until(async () => (await page.$$('#audit-table tr')).length > AUDIT_ACTIONS.length)
        const trail = await page.innerText('#audit-table')
        t.same(untranslated(trail, lang), [], `audit trail, ${where}`)
        t.match(trail, lang === 'ru' ? /Этот файл кодов уже загружен/ : /This codes file was imported before/, `a catalogue code in the catalogue's words, ${where}`)
        t.match(trail, lang === 'ru' ? /\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d/ : /\d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d/, `dates as the language writes them, ${where}`)
        t.notMatch(trail, /EACCES/, `an exception's text is folded away, ${where}`)
        if (width === 1280) await page.screenshot({ path: `${SHOTS}i18n-02-audit-${lang}.png`, fullPage: true })
        t.same(pageErrors, [], `no page errors, ${where}`)
        await context.close()
      }
    }
  })
}
