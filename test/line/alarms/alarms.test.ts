// AlarmBook: raised by catalogue code, text and action from the catalogue, detail apart, one active alarm per
// (code, source), and all of it kept in a real SQLite file across a reopen.
import t from 'tap'
import { join } from 'node:path'
import { AlarmBook } from '../../../line/alarms/alarms.ts'
import { ManualClock } from '../../../line/clock.ts'
import type { AlarmView } from '../../../line/control.ts'
import { CATALOGUE } from '../../../line/domain/catalogue.ts'
import { silentLogger } from '../../../line/log.ts'
import { openDatabase } from '../../../line/store/open.ts'
import { tempDir } from '../../helpers/tmp.ts'

t.test('raise: severity, text and action come from the catalogue; the detail stays apart', async t => {
  const db = openDatabase(join(tempDir(t), 'line.db'))
  t.teardown(() => db.close())
  const book = new AlarmBook(db, { clock: new ManualClock(), log: silentLogger() })
  const seen: AlarmView[] = []
  book.on('alarm', (a: AlarmView) => seen.push(a))
  const omsAnswer = { success: false, globalErrors: [{ error: 'Товар с GTIN 04601653030046 не найден', errorCode: 4001 }] }
  const id = book.raise({ code: 'EMISSION_ORDER_REFUSED', source: 'oms', params: { gtin: '04601653030046' }, detail: { status: 400, body: omsAnswer } })
  const [a] = book.list()
  t.equal(a?.id, id)
  t.equal(a?.severity, CATALOGUE.EMISSION_ORDER_REFUSED.severity)
  t.same(a?.message, { ru: 'СУЗ отклонил заказ кодов для GTIN 04601653030046', en: 'OMS refused the code order for GTIN 04601653030046' })
  t.same(a?.action, CATALOGUE.EMISSION_ORDER_REFUSED.action)
  t.same(a?.detail, { status: 400, body: omsAnswer }, 'the API answer is kept as detail')
  t.notMatch(a?.message.ru, /не найден|\{|success/, 'and never pasted into the operator text')
  t.equal(seen.length, 1, 'announced once')

  book.raise({ code: 'FAULT_PRINTER', source: 'head-1', params: { reason: { ru: 'Принтер head-1: ink-out', en: 'printer head-1: ink-out' } } })
  t.equal(book.list()[0]?.message.ru, 'Неисправность принтера: Принтер head-1: ink-out', 'a bilingual parameter is filled per language')
  t.equal(book.list()[0]?.message.en, 'Printer fault: printer head-1: ink-out')
  t.equal(book.list()[0]?.detail, null, 'no detail: null')

  book.raise({ code: 'STATE_FAILED', source: 'line', params: { state: 'Starting' }, detail: { error: new Error('disk I/O error'), body: 'x'.repeat(100_000) } })
  const big = book.list()[0]
  t.equal(big?.message.en, 'Starting failed', 'the exception is not in the text')
  t.match(big?.detail, { truncated: true, excerpt: /disk I\/O error/ }, 'an Error in the detail is readable, an endless body is cut')
  t.ok(JSON.stringify(big?.detail).length < 10_000)

  // @ts-expect-error an unknown code does not compile
  t.throws(() => book.raise({ code: 'FAULT_COFFEE_MACHINE', source: 'x' }))
  // @ts-expect-error nor does a missing parameter
  book.raise({ code: 'TRIGGER_SEQ', source: 'plc-test' })
  t.match(book.list()[0]?.message.en, /\{seq\}/, 'which would show as a visible gap')
})

t.test('one active alarm per (code, source); cleared and raised again is a new one', async t => {
  const db = openDatabase(join(tempDir(t), 'line.db'))
  t.teardown(() => db.close())
  const clock = new ManualClock()
  const book = new AlarmBook(db, { clock, log: silentLogger() })
  const a = book.raise({ code: 'TRIGGER_SEQ', source: 'plc', params: { seq: 7 } })
  t.equal(book.raise({ code: 'TRIGGER_SEQ', source: 'plc', params: { seq: 8 } }), a, 'same code and source: the active one')
  const b = book.raise({ code: 'TRIGGER_SEQ', source: 'plc-2', params: { seq: 8 } })
  t.not(b, a, 'another source: another alarm')
  t.ok(book.isActive('TRIGGER_SEQ', 'plc'))
  book.clear('TRIGGER_SEQ', 'plc')
  t.notOk(book.isActive('TRIGGER_SEQ', 'plc'))
  t.equal(book.list().find(x => x.id === a)?.active, false, 'cleared, still listed until acknowledged')
  const c = book.raise({ code: 'TRIGGER_SEQ', source: 'plc', params: { seq: 9 } })
  t.not(c, a, 'raised again after clearing: a new alarm')
  t.equal(book.list().filter(x => x.active && x.code === 'TRIGGER_SEQ' && x.source === 'plc').length, 1)
})

t.test('alarms survive a reopen of the SQLite file: text, action, detail, active and acknowledged', async t => {
  const path = join(tempDir(t), 'line.db')
  const clock = new ManualClock()
  let db = openDatabase(path)
  let book = new AlarmBook(db, { clock, log: silentLogger() })
  const open = book.raise({ code: 'LC_ERR_REPORT_REJECTED', source: 'report r-1', params: { report: 'r-1', kind: 'utilisation', codes: 120 }, detail: { reason: '{"error":"bad"}' } })
  const acked = book.raise({ code: 'UNCERTAIN_CODES', source: 'pool', params: { count: 3 } })
  clock.advance(1000)
  book.ack(acked, 'petrova')
  const cleared = book.raise({ code: 'CLEAR_FAILED', source: 'head-1' })
  book.clear('CLEAR_FAILED', 'head-1')
  book.ack(cleared, 'petrova')
  const before = book.list()
  db.close()

  db = openDatabase(path)
  t.teardown(() => db.close())
  book = new AlarmBook(db, { clock, log: silentLogger() })
  const after = book.list()
  t.same(after.map(a => a.id), [acked, open], 'active or unacknowledged alarms come back; cleared and acknowledged ones do not')
  t.same(after.find(a => a.id === open), before.find(a => a.id === open), 'the same view: text, action, detail, state')
  t.match(after.find(a => a.id === open), {
    severity: 'fault',
    message: { ru: 'Отчёт r-1 (utilisation, 120 кодов) отклонён. Коды не отчитаны', en: 'Report r-1 (utilisation, 120 codes) was rejected. Its codes stay unreported' },
    action: CATALOGUE.LC_ERR_REPORT_REJECTED.action,
    detail: { reason: '{"error":"bad"}' },
  })
  t.match(after.find(a => a.id === acked), { acknowledged: true, acknowledgedBy: 'petrova', active: true })
  t.equal(book.raise({ code: 'LC_ERR_REPORT_REJECTED', source: 'report r-1', params: { report: 'r-1', kind: 'utilisation', codes: 120 } }), open,
    'still active after the reopen: raising it again returns the same alarm')
})

t.test('a flood of sources for one code is bounded: past the limit they share one alarm', async t => {
  const db = openDatabase(join(tempDir(t), 'line.db'))
  t.teardown(() => db.close())
  const book = new AlarmBook(db, { clock: new ManualClock(), log: silentLogger() })
  const ids = new Set<number>()
  for (let i = 0; i < 3000; i++) ids.add(book.raise({ code: 'CAMERA_PAYLOAD', source: `fake${i}`, params: { error: 'x' } } as never))
  t.equal(ids.size, AlarmBook.MAX_SOURCES_PER_CODE + 1, 'one each up to the limit, then one for all the others')
  t.ok(book.isActive('CAMERA_PAYLOAD', 'many'))
  t.ok(book.list().length <= 200, 'the list stays bounded')
  book.clear('CAMERA_PAYLOAD', 'fake0')
  const again = book.raise({ code: 'CAMERA_PAYLOAD', source: 'fake-new', params: { error: 'x' } } as never)
  t.notOk(ids.has(again), 'a cleared source makes room for a new one')
})
