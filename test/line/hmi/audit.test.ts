// One audit trail: a panel action is one row (who, role, input, outcome, and what the line reported doing), and what
// the line did for the PLC or the config is a row of its own — nothing is recorded twice.
import t from 'tap'
import type { LineOperation } from '../../../line/control.ts'
import type { CommandResult } from '../../../line/state/packml.ts'
import { CATALOGUE } from '../../../line/domain/catalogue.ts'
import { HmiStore } from '../../../line/hmi/index.ts'
import { Client, startHmi, USERS, type Harness } from './harness.ts'

/** Make the fake line tell its operations as the runtime does ('operation', in the trail's action names). */
function tellOperations (h: Harness): void {
  const command = h.line.command.bind(h.line)
  h.line.command = async (cmd: string, actor: string): Promise<CommandResult> => {
    const r = await command(cmd, actor)
    h.line.emit('operation', { actor, action: `cmd:${cmd}`, detail: { ok: r.ok, ...(r.ok ? { from: r.from, to: r.to } : { reason: r.reason.en }) } } satisfies LineOperation)
    return r
  }
}

interface Row { actor: string, role: string | null, action: string, detail: any, result: string, message: string | null, text: { ru: string, en: string } | null }

t.test('a panel command is one row carrying the line\'s own account of it', async t => {
  const h = await startHmi(t, { users: USERS })
  tellOperations(h)
  const op = new Client(h.url)
  await op.login('ivanov', 'operator-pass-1')
  t.equal((await op.req('POST', '/api/command', { command: 'start' })).status, 409, 'no job: refused by the line')
  t.equal((await op.req('POST', '/api/command', { command: 'reset' })).status, 200)
  const eng = new Client(h.url)
  await eng.login('petrova', 'engineer-pass-1')
  const rows = (await eng.req('GET', '/api/audit?limit=50')).body.rows as Row[]
  const cmds = rows.filter(r => r.action.startsWith('cmd:')).reverse()
  t.equal(cmds.length, 2, 'one row per command, not one from the panel and one from the line')
  t.match(cmds[0], { actor: 'ivanov', role: 'operator', action: 'cmd:start', result: 'refused', message: 'No job', detail: { input: 'start', ok: false, reason: 'No job' } })
  t.match(cmds[1], { actor: 'ivanov', role: 'operator', action: 'cmd:reset', result: 'ok', detail: { input: 'reset', ok: true, from: 'Stopped', to: 'Resetting' } })
})

t.test('what the line did for the PLC or the config is recorded once, as its own row', async t => {
  const h = await startHmi(t, { users: USERS })
  h.line.emit('operation', { actor: 'plc', action: 'cmd:start', detail: { ok: true, from: 'Idle', to: 'Starting' } } satisfies LineOperation)
  h.line.emit('operation', { actor: 'plc', action: 'cmd:unhold', detail: { ok: false, reason: 'cannot resume: camera cam-1 offline' } } satisfies LineOperation)
  h.line.emit('operation', { actor: 'config', action: 'job:start', detail: { jobId: 1, gtin: '04601653030048', batch: 'B', quantity: 10 } } satisfies LineOperation)
  h.line.emit('operation', { actor: 'plc', action: 'cmd:start', detail: { ok: false, reason: 'cannot resume: camera cam-1 offline' }, reason: { ru: 'Нельзя продолжить: камера cam-1 не в сети', en: 'cannot resume: camera cam-1 offline' } } satisfies LineOperation)
  const eng = new Client(h.url)
  await eng.login('petrova', 'engineer-pass-1')
  const rows = ((await eng.req('GET', '/api/audit?limit=50')).body.rows as Row[]).filter(r => r.actor === 'plc' || r.actor === 'config').reverse()
  t.match(rows, [
    { actor: 'plc', role: null, action: 'cmd:start', result: 'ok', message: null, detail: { from: 'Idle', to: 'Starting' } },
    { actor: 'plc', role: null, action: 'cmd:unhold', result: 'refused', message: 'cannot resume: camera cam-1 offline' },
    { actor: 'config', role: null, action: 'job:start', result: 'ok', detail: { jobId: 1 } },
    { actor: 'plc', action: 'cmd:start', result: 'refused', message: 'cannot resume: camera cam-1 offline', text: { ru: 'Нельзя продолжить: камера cam-1 не в сети', en: 'cannot resume: camera cam-1 offline' } },
  ])
  t.equal(rows[1]?.text, null, 'a reason in English only has no text in both languages')
  t.equal(rows.length, 4)
})

t.test('an attempt stopped at the panel never reaches the line; a closed panel records nothing more', async t => {
  const h = await startHmi(t, { users: USERS })
  tellOperations(h)
  const op = new Client(h.url)
  await op.login('ivanov', 'operator-pass-1')
  t.equal((await op.req('POST', '/api/command', { command: 'abort' })).status, 403)
  const rows = () => h.db.prepare('SELECT actor, action, result, detail FROM hmi_audit WHERE action LIKE \'cmd:%\'').all() as Array<{ actor: string, action: string, result: string, detail: string }>
  t.match(rows(), [{ actor: 'ivanov', action: 'cmd:abort', result: 'forbidden' }])
  t.equal(rows().length, 1)
  t.equal(h.line.listenerCount('operation'), 1, 'the trail listens to the line')
  await h.server.close()
  t.equal(h.line.listenerCount('operation'), 0, 'and lets go when the panel closes')
})

t.test('a row answers in both languages: a message given in both, or a catalogue code in the message or the detail', async t => {
  const h = await startHmi(t, { users: USERS })
  const store = new HmiStore(h.db)
  const row = { at: 1, actor: 'petrova', role: 'engineer', detail: null }
  store.audit({ ...row, action: 'box:scrap', result: 'refused', message: { ru: 'Нет закрытого короба с таким SSCC', en: 'no closed box with that SSCC' } })
  store.audit({ ...row, action: 'codes:import', result: 'refused', detail: { code: 'LC_ERR_CODES_FILE_TWICE', file: 'a.csv' }, message: 'file a.csv imported on 2026-11-01' })
  store.audit({ ...row, action: 'cmd:start', result: 'refused', message: 'LC_ERR_HMI_FORBIDDEN' })
  store.audit({ ...row, action: 'codes:import', result: 'error', message: 'EACCES: permission denied' })
  const rows = store.auditTrail(10).reverse()
  t.same(rows.map(r => r.text), [
    { ru: 'Нет закрытого короба с таким SSCC', en: 'no closed box with that SSCC' },
    { ru: 'Этот файл кодов уже загружен', en: 'This codes file was imported before' },
    CATALOGUE.LC_ERR_HMI_FORBIDDEN.text,
    null,
  ])
  t.equal(rows[1]?.message, 'file a.csv imported on 2026-11-01', 'the message as written stays for the engineer')
})
