// Reporting rules: which line events reach the report planner, how closed boxes and pallets are routed, which
// API each report kind goes through, and the sweep.
import t from 'tap'
import { ON_ACCEPTED, routeReports, startReporting } from '../../../line/app/reporting.ts'
import type { JobView } from '../../../line/control.ts'
import { LineBus } from '../../../line/events.ts'
import { silentLogger } from '../../../line/log.ts'
import type { ReportSender } from '../../../line/reports/sender.ts'

const job = (id: number): JobView => ({ id, group: 'water', gtin: '04601653030046', batch: 'B', productionDate: '2026-11-30', quantity: 10, unitsPerBox: 2, boxesPerPallet: 2, minGrade: 'C', unitsPerMinute: 60, status: 'active', startedAt: 0, endedAt: null })

function setup (t: { teardown(fn: () => void): void }, active: JobView | null = job(1)) {
  // the pool's answer for the group of a GTIN's codes (pool.queries.groupOf, tested with the pool)
  const groups = new Map([['04601653030046', 'water']])
  const calls: unknown[][] = []
  let sweeps = 0
  const planner = {
    reportChanged: (e: unknown) => { calls.push(['reportChanged', e]) },
    verified: (j: JobView, ids: readonly number[]) => { calls.push(['verified', j.id, ids]) },
    defect: (j: JobView | string, ids: readonly number[], reason: string) => { calls.push(['defect', typeof j === 'string' ? j : j.group, ids, reason]) },
    boxClosed: (j: JobView, ids: readonly number[]) => { calls.push(['boxClosed', j.id, ids]) },
    palletClosed: (j: JobView, sscc: string, boxes: readonly string[]) => { calls.push(['palletClosed', j.id, sscc, boxes]) },
    sweep: async (groupOf: (gtin: string) => string | null, jobOf: (id: number) => JobView | null) => { sweeps++; calls.push(['sweep', groupOf('04601653030046'), groupOf('00000000000000'), jobOf(2)?.id]); return { utilisation: 0, dropout: 0 } },
  }
  const bus = new LineBus()
  const stop = startReporting({ bus, planner, jobs: { active: () => active, get: id => id === 99 ? null : job(id) }, groupOf: gtin => groups.get(gtin) ?? null, log: silentLogger(), sweepMs: 20 })
  t.teardown(stop)
  return { bus, calls, stop, sweeps: () => sweeps }
}

t.test('good units, rejects with a code, codes written off and closed containers reach the planner', async t => {
  const s = setup(t)
  t.same(s.calls.splice(0), [['sweep', 'water', null, 2]], 'a sweep at start, with the group of a GTIN from the blocks')
  s.bus.emit('tracker:good', { id: 5, code: 'x', seq: 1, grade: 'A' })
  s.bus.emit('tracker:item', { seq: 2, code: 'y', codeId: 6, grade: 'D', verdict: 'reject', reason: 'LOW_GRADE', at: 0 })
  s.bus.emit('tracker:item', { seq: 3, code: null, codeId: null, grade: null, verdict: 'reject', reason: 'NO_PRINT', at: 0 })
  s.bus.emit('tracker:item', { seq: 4, code: 'z', codeId: 7, grade: 'A', verdict: 'good', reason: null, at: 0 })
  s.bus.emit('line:defect', [8, 9])
  s.bus.emit('tracker:writtenOff', { codeIds: [12], reason: 'UNCERTAIN' })
  s.bus.emit('aggregator:closed', { level: 'box', sscc: '146000000000000017', jobId: 1, codeIds: [5, 10], children: [] })
  s.bus.emit('aggregator:closed', { level: 'pallet', sscc: '146000000000000024', jobId: 1, codeIds: [], children: ['146000000000000017'] })
  s.bus.emit('aggregator:closed', { level: 'box', sscc: '146000000000000031', jobId: 99, codeIds: [11], children: [] })
  s.bus.emit('outbox:report', { id: 'r1', kind: 'utilisation', state: 'ACCEPTED', codes: 1, remoteId: null, reason: null })
  t.same(s.calls, [
    ['verified', 1, [5]],
    ['defect', 'water', [6], 'LOW_GRADE'],
    ['defect', 'water', [8, 9], 'DEFECT'],
    ['defect', 'water', [12], 'UNCERTAIN'],
    ['boxClosed', 1, [5, 10]],
    ['palletClosed', 1, '146000000000000024', ['146000000000000017']],
    ['reportChanged', { id: 'r1', kind: 'utilisation', state: 'ACCEPTED', codes: 1, remoteId: null, reason: null }],
  ], 'a reject without a code and a good item are not defects; a box of an unknown job is not planned')
})

t.test('without an active job nothing is planned from the tracker', async t => {
  const s = setup(t, null)
  s.calls.splice(0)
  s.bus.emit('tracker:good', { id: 5, code: 'x', seq: 1, grade: 'A' })
  s.bus.emit('tracker:item', { seq: 2, code: 'y', codeId: 6, grade: 'D', verdict: 'reject', reason: 'LOW_GRADE', at: 0 })
  s.bus.emit('line:defect', [8])
  t.same(s.calls, [])
})

t.test('the sweep runs periodically until stopped', async t => {
  const s = setup(t)
  await new Promise(resolve => setTimeout(resolve, 90))
  s.stop()
  const n = s.sweeps()
  t.ok(n >= 3, `${n} sweeps`)
  await new Promise(resolve => setTimeout(resolve, 60))
  t.equal(s.sweeps(), n, 'none after stop')
})

t.test('routing: utilisation and dropout to the OMS, aggregation as configured, introduction via the True API', async t => {
  const oms = { name: 'oms' } as unknown as ReportSender
  const docs = { name: 'docs' } as unknown as ReportSender
  t.same(routeReports({ oms, trueApi: docs, aggregationVia: 'oms' }), { utilisation: oms, dropout: oms, aggregation: oms, pallet: oms, introduction: docs, disaggregation: docs },
    'disaggregation through the True API whichever way the aggregation went: the OMS has none (Table 111)')
  const viaTrueApi = routeReports({ oms, trueApi: docs, aggregationVia: 'true-api' })
  t.equal(viaTrueApi.aggregation, docs)
  t.equal(viaTrueApi.pallet, docs)
  t.same(routeReports({ oms, trueApi: null, aggregationVia: 'true-api' }), { utilisation: oms, dropout: oms }, 'no True API: no aggregation, no introduction')
  t.same(routeReports({ oms: null, trueApi: null, aggregationVia: 'oms' }), {})
  t.match(ON_ACCEPTED, { aggregation: 'REPORTED', dropout: 'DROPPED', utilisation: 'none' })
})
