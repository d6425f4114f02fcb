// Once at start: codes a crash left SENT are written off with an alarm; the config's job is loaded only when none
// is active; emission follows the active job.
import t from 'tap'
import { emissionStatus, followJobDemand } from '../../../line/app/emission-demand.ts'
import { loadConfigJob, writeOffUncertain } from '../../../line/app/start-up.ts'
import type { RaiseInput } from '../../../line/alarms/alarms.ts'
import type { JobInput, JobView } from '../../../line/control.ts'
import type { Demand } from '../../../line/emission/replenisher.ts'
import { LineBus } from '../../../line/events.ts'
import { silentLogger } from '../../../line/log.ts'

const input: JobInput = { group: 'water', gtin: '04601653030046', batch: 'B', productionDate: '2026-11-30', quantity: 10, unitsPerBox: 2, boxesPerPallet: 2, minGrade: 'C', unitsPerMinute: 60 }
const view: JobView = { ...input, id: 1, status: 'active', startedAt: 0, endedAt: null }

t.test('codes left SENT are written off, and the operator is told how many', async t => {
  const raised: RaiseInput[] = []
  const alarms = { raise: (a: RaiseInput) => { raised.push(a); return 1 } }
  t.same(writeOffUncertain({ recoverUncertain: () => [] }, alarms), [])
  t.same(raised, [], 'none: no alarm')
  t.same(writeOffUncertain({ recoverUncertain: () => [4, 5] }, alarms), [4, 5])
  t.match(raised, [{ code: 'UNCERTAIN_CODES', source: 'pool', params: { count: 2 }, detail: { count: 2 } }])
})

t.test('the config job is loaded only when no job is active', async t => {
  const started: string[] = []
  const control = { startJob: async (j: JobInput, actor: string) => { started.push(`${j.batch} by ${actor}`); return { ok: true as const, value: view } } }
  await loadConfigJob({ job: input, jobs: { active: () => view }, control, log: silentLogger() })
  await loadConfigJob({ job: undefined, jobs: { active: () => null }, control, log: silentLogger() })
  t.same(started, [])
  await loadConfigJob({ job: input, jobs: { active: () => null }, control, log: silentLogger() })
  t.same(started, ['B by config'])
})

t.test('emission demand follows the active job', async t => {
  const bus = new LineBus()
  let active: JobView | null = null
  const demands: Demand[][] = []
  const loop: number[] = []
  followJobDemand({ bus, jobs: { active: () => active }, replenisher: { setDemand: d => { demands.push([...d]) }, start: ms => { loop.push(ms ?? -1) }, tick: async () => {} }, intervalMs: 1000 })
  active = view
  bus.emit('line:job', view)
  t.same(demands, [[], [{ gtin: view.gtin, group: 'water', unitsPerMinute: 60, job: view }]])
  t.same(loop, [1000])
  const status = emissionStatus({ status: () => ({ ordersInFlight: [{}, {}], lastError: { code: 'OMS_5XX', message: 'down' } }) as never })
  t.same(status(), { ordersInFlight: 2, lastError: 'OMS_5XX: down' })
})
