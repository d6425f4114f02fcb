// What the planner queues and what the OMS sender puts in the body, per product group, from the group table
// (line/domain/groups.ts, docs/groups.md): which reports, which attributes, the milk partial-box rule.
import t from 'tap'
import type { JobView } from '../../../line/control.ts'
import { silentLogger } from '../../../line/log.ts'
import { OmsReportSender } from '../../../line/reports/oms-sender.ts'
import { ReportPlanner } from '../../../line/reports/planner.ts'
import type { OutboxReport, ReportCode } from '../../../line/reports/sender.ts'

const job = (over: Partial<JobView>): JobView => ({
  id: 1, group: 'water', gtin: '04601653030046', batch: 'G-1', productionDate: '2026-11-25', expiryDate: '2027-05-25', quantity: 100,
  unitsPerBox: 12, boxesPerPallet: 0, minGrade: 'C', unitsPerMinute: 600, status: 'active', startedAt: 0, endedAt: null, ...over,
})
const BEER = { participantId: '7700000000', kpp: '770001001', alcoholVolume: '4.5', documentNumber: 'D-1', documentDate: '2026-11-25' }
const TOBACCO = { participantId: '7700000000', kpp: '770001001', address: 'Москва, ул. Табачная, 1', productionLineId: 'L-7', factoryId: 'F', factoryCountry: 'RU', productCode: 'SKU', productDescription: 'Сигареты', mrp: '17500' }

type Added = { kind: string, group: string, codeIds: readonly number[], attributes?: Record<string, unknown> }

/** A planner over an outbox that records what it is asked to queue. */
function plannerFor (aggregationVia: 'oms' | 'true-api' = 'oms') {
  const added: Added[] = []
  const outbox = {
    add: async (x: Added) => { added.push(x); return { added: x.codeIds.length, skipped: 0, reportIds: [] } },
    withdraw: async () => {},
    pending: () => [],
    takes: () => false,
  }
  const pool = { queries: { refs: () => [], inReportedAggregate: () => [] } }
  const p = new ReportPlanner({ outbox: outbox as never, pool: pool as never, log: silentLogger(), aggregation: true, aggregationVia })
  return { p, added }
}
const settle = () => new Promise(resolve => setTimeout(resolve, 10))

t.test('which reports the planner queues per group', async t => {
  const kinds = async (j: JobView): Promise<string[]> => {
    const { p, added } = plannerFor()
    p.verified(j, [1])
    p.defect(j, [2], 'LOW_GRADE')
    p.boxClosed(j, [3, 4])
    await settle()
    return added.map(a => a.kind).sort()
  }
  t.same(await kinds(job({ group: 'water' })), ['aggregation', 'dropout', 'utilisation'])
  t.same(await kinds(job({ group: 'softdrinks', ...BEER })), ['aggregation', 'utilisation'], 'softdrinks: no OMS dropout (§4.4.9 note 1)')
  t.same(await kinds(job({ group: 'nabeer', kpp: '770001001' })), ['utilisation'], 'nabeer: no OMS dropout, no OMS aggregation (§4.4.10 note 1)')
  t.same(await kinds(job({ group: 'lp', expiryDate: undefined })), [], 'lp: utilisation made by the OMS (§4.4.11 note 2), no dropout, no OMS aggregation')
  t.same(await kinds(job({ group: 'shoes', expiryDate: undefined })), [])
  t.same(await kinds(job({ group: 'tobacco-pack', expiryDate: undefined, ...TOBACCO })), ['aggregation', 'dropout', 'utilisation'])
  const { p, added } = plannerFor('true-api')
  p.boxClosed(job({ group: 'nabeer', kpp: '770001001' }), [3, 4])
  t.same(added.map(a => a.kind), ['aggregation'], 'nabeer boxes go as True API documents')
})

t.test('the attributes the planner puts in each report, per group', async t => {
  const attrs = async (j: JobView, reason = 'LOW_GRADE'): Promise<Record<string, Record<string, unknown> | undefined>> => {
    const { p, added } = plannerFor()
    p.verified(j, [1])
    p.defect(j, [2], reason)
    p.boxClosed(j, [3, 4])
    await settle()
    return Object.fromEntries(added.map(a => [a.kind, a.attributes]))
  }
  t.same(await attrs(job({ group: 'milk' }), 'EXPIRY'), {
    utilisation: { expDate: '2027-05-25', productionDate: '2026-11-25' },
    dropout: { reason: 'DEFECT' },
    aggregation: { capacity: 12 },
  }, 'milk: expDate (Table 122); EXPIRY is no milk dropout reason (Table 244 note 1)')
  t.same((await attrs(job({ group: 'water' }), 'EXPIRY')).dropout, { reason: 'EXPIRY' })
  t.same((await attrs(job({ group: 'beer', ...BEER }))).utilisation, {
    participantId: '7700000000', productionDate: '2026-11-25', expirationDate: '2027-05-25', alcoholVolume: '4.5', documentNumber: 'D-1', documentDate: '2026-11-25', kpp: '770001001',
  }, 'beer: Table 126')
  t.same(await attrs(job({ group: 'tobacco-block', expiryDate: undefined, ...TOBACCO })), {
    utilisation: { kpp: '770001001' },
    dropout: { reason: 'DEFECT', address: 'Москва, ул. Табачная, 1', participantId: '7700000000', productionLineId: 'L-7', withChild: false },
    aggregation: { capacity: 12, productionLineId: 'L-7' },
  }, 'tobacco: Tables 103, 112, 120')
})

const report = (kind: OutboxReport['kind'], group: string, attributes: Record<string, unknown>): OutboxReport =>
  ({ id: 'r', kind, channel: 'oms', group, attributes, state: 'OPEN', codes: 0, createdAt: 0, attempts: 0, bodyHash: null, sendingAt: null, remoteId: null } as unknown as OutboxReport)
const code = (id: number, parent: string | null = '00146000000000000017'): ReportCode => ({ id, code: `01046016530300462100000${id}\u001d93abcd`, identity: `01046016530300462100000${id}`, parent } as unknown as ReportCode)

t.test('the OMS sender: bodies per group', async t => {
  const sender = new OmsReportSender({ client: {} as never, participantInn: '7700000000' })
  const body = async (r: OutboxReport, codes: ReportCode[]) => (await sender.prepare(r, codes)).payload as Record<string, any>
  // §4.4.10.1.2: a partly filled milk box
  const milk = await body(report('aggregation', 'milk', { capacity: 12 }), [code(1), code(2), code(3)])
  t.match(milk.aggregationUnits[0], { aggregationUnitCapacity: 1, aggregatedItemsCount: 1, sntins: { length: 3 } })
  t.notOk('attributes' in milk, 'milk aggregation: the base object without attributes')
  const water = await body(report('aggregation', 'water', { capacity: 12 }), [code(1), code(2), code(3)])
  t.match(water.aggregationUnits[0], { aggregationUnitCapacity: 12, aggregatedItemsCount: 3 })
  const tobacco = await body(report('aggregation', 'tobacco-block', { capacity: 10, productionLineId: 'L-7' }), [code(1)])
  t.same(tobacco.attributes, { productionLineId: 'L-7' }, 'Table 112')
  t.equal(tobacco.productGroup, 'tobacco')
  const drop = await body(report('dropout', 'tobacco-pack', { reason: 'DEFECT', address: 'Москва', participantId: '7700000000', withChild: false }), [code(1, null)])
  t.same(drop, { productGroup: 'tobacco', dropoutReason: 'DEFECT', sntins: [code(1, null).code], attributes: { address: 'Москва', participantId: '7700000000', withChild: false } }, 'Table 103')
  const milkDrop = await body(report('dropout', 'milk', { reason: 'EXPIRY' }), [code(1, null)])
  t.same(milkDrop, { productGroup: 'milk', dropoutReason: 'DEFECT', sntins: [code(1, null).code] }, '§4.4.9 note 1 and Table 244 note 1')
})
