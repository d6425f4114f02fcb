// The report state table (line/reports/states.ts) and the outbox refusing a change of state outside it.
import t from 'tap'
import {
  ANSWERED_REPORT_STATES, DUE_REPORT_STATES, FINAL_REPORT_STATES, REPORT_STATES, REPORT_TRANSITIONS, ReportOutbox, ReportState,
  ReportTransitionError, canReportTransition, checkReportTransition, reportTransition, type RemoteStatus, type ReportSender,
} from '../../../line/reports/index.ts'
import type { Logger } from '../../../line/log.ts'
import { boxedCodes } from './fixture.ts'
import { poolFixture } from '../../helpers/pool.ts'

t.test('the table is closed and every state is reachable from OPEN', async t => {
  t.same(Object.values(ReportState), REPORT_STATES)
  for (const from of REPORT_STATES) for (const to of REPORT_TRANSITIONS[from]) t.ok(REPORT_STATES.includes(to), `${from}→${to} names a known state`)
  const seen = new Set<ReportState>(['OPEN'])
  const queue: ReportState[] = ['OPEN']
  while (queue.length > 0) for (const to of REPORT_TRANSITIONS[queue.shift() as ReportState]) if (!seen.has(to)) { seen.add(to); queue.push(to) }
  t.same([...seen].sort(), [...REPORT_STATES].sort())
  t.same(FINAL_REPORT_STATES, ['ACCEPTED'])
  t.same(ANSWERED_REPORT_STATES, ['ACCEPTED', 'REJECTED'])
  for (const s of DUE_REPORT_STATES) t.ok(REPORT_TRANSITIONS[s].length > 0, `${s} is worked on, so it has a way out`)
  t.notOk(REPORT_TRANSITIONS.OPEN.includes('OPEN'), 'nothing returns to OPEN: a closed report takes no more codes')
})

t.test('a change outside the table is refused with LC_ERR_REPORT_TRANSITION', async t => {
  t.ok(canReportTransition('SENT', 'ACCEPTED'))
  t.notOk(canReportTransition('ACCEPTED', 'READY'))
  t.notOk(canReportTransition('OPEN', 'SENT'), 'a report is never sent before it is closed')
  t.notOk(canReportTransition('READY', 'ACCEPTED'), 'nothing is accepted that was not sent')
  const err = (() => { try { checkReportTransition('R-1', 'ACCEPTED', 'READY') } catch (e) { return e } })()
  t.ok(err instanceof ReportTransitionError)
  t.match(err, { code: 'LC_ERR_REPORT_TRANSITION', context: { reportId: 'R-1', from: 'ACCEPTED', to: 'READY', allowed: [] } })
  t.throws(() => checkReportTransition('R-2', 'LOST', 'READY'), { code: 'LC_ERR_REPORT_TRANSITION', context: { from: 'LOST' } }, 'an unknown stored state is refused too')
  t.doesNotThrow(() => checkReportTransition('R-3', 'SENDING', 'SENDING'), 'a report may wait in SENDING')
  t.same(reportTransition('OPEN', 'READY'), { from: 'OPEN', to: 'READY' })
  t.throws(() => reportTransition('OPEN', 'SENDING'), ReportTransitionError)
})

/** A sender whose status() runs `during` before answering "accepted". */
function sender (during: () => void): ReportSender {
  return {
    channel: 'test',
    prepare: async (r, codes) => ({ hash: `h-${r.id}-${codes.length}`, payload: codes.map(c => c.identity) }),
    submit: async r => `remote-${r.id}`,
    status: async (): Promise<RemoteStatus> => { during(); return { state: 'accepted' } },
    reconcile: async () => undefined,
  }
}

t.test('the outbox refuses to accept a report its store already shows as accepted', async t => {
  const f = poolFixture(t)
  const { ids } = await boxedCodes(f, 'b1', 6, 3)
  // Another writer on the same store (a second controller, an operator's tool) settles the report while the
  // status request is under way: the outbox must not accept it a second time.
  let reportId = ''
  const errors: Array<{ err?: { code?: string } }> = []
  const log = { error: (o: { err?: { code?: string } }) => { errors.push(o) }, warn: () => {}, info: () => {} } as unknown as Logger
  const outbox = new ReportOutbox({
    pool: f.pool, clock: f.clock, senders: { aggregation: sender(() => { f.db.prepare("UPDATE report_outbox SET state = 'ACCEPTED' WHERE id = ?").run(reportId) }) },
    onAccepted: { aggregation: 'REPORTED' }, pollIntervalMs: 1000, log,
  })
  t.teardown(() => outbox.stop())
  const added = await outbox.add({ kind: 'aggregation', group: 'water', codeIds: ids })
  reportId = added.reportIds[0] as string
  await outbox.closeOpen()
  await outbox.tick()
  t.equal(outbox.get(reportId)?.state, 'SENT')
  const events: string[] = []
  outbox.on('report', e => events.push(e.state))
  f.clock.advance(1000)
  await outbox.tick()
  t.match(errors, [{ err: { code: 'LC_ERR_REPORT_TRANSITION' } }], 'the refused change is logged with its code')
  t.same(events, [], 'no second acceptance is announced')
  t.same(ids.map(id => f.pool.get(id)?.state), ids.map(() => 'AGGREGATED'), 'and no code moved on it: the whole step was undone')
  t.notOk(outbox.history(reportId).some(h => h.event === 'ACCEPTED'))
})

t.test('a normal run passes only through the table', async t => {
  const f = poolFixture(t)
  const { ids } = await boxedCodes(f, 'b1', 6, 3)
  const outbox = new ReportOutbox({ pool: f.pool, clock: f.clock, senders: { aggregation: sender(() => {}) }, onAccepted: { aggregation: 'REPORTED' }, pollIntervalMs: 1000 })
  t.teardown(() => outbox.stop())
  const states: string[] = []
  outbox.on('report', e => states.push(e.state))
  const { reportIds } = await outbox.add({ kind: 'aggregation', group: 'water', codeIds: ids })
  await outbox.closeOpen()
  for (let i = 0; i < 3; i++) { await outbox.tick(); f.clock.advance(1000) }
  const path = ['OPEN', 'READY', ...states]
  t.same(path, ['OPEN', 'READY', 'SENDING', 'SENT', 'ACCEPTED'])
  for (let i = 1; i < path.length; i++) t.ok(canReportTransition(path[i - 1] as ReportState, path[i] as ReportState), `${path[i - 1]}→${path[i]}`)
  t.same(outbox.history(reportIds[0] as string).map(h => h.event), ['OPEN', 'READY', 'SENDING', 'SENT', 'ACCEPTED'])
  t.same(ids.map(id => f.pool.get(id)?.state), ids.map(() => 'REPORTED'))
})
