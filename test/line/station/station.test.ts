// The manual aggregation station on a real pool (SQLite file) with box labels printed on the ZPL printer simulator
// over loopback TCP: a session of scans with accepts and every kind of refusal, a box closed only by its own label,
// an open station box that survives a restart, units the line left unboxed finished at the station.
import t, { type Test } from 'tap'
import { AlarmBook } from '../../../line/alarms/alarms.ts'
import { Aggregator, type ClosedContainer } from '../../../line/aggregation/aggregator.ts'
import { buildSscc } from '../../../line/codes/index.ts'
import type { JobView } from '../../../line/control.ts'
import { silentLogger } from '../../../line/log.ts'
import { StationService, type StationDecision } from '../../../line/station/station.ts'
import type { Printer } from '../../../printers/types.ts'
import { block, GTIN_A, GTIN_B, poolFixture, type PoolFixture } from '../../helpers/pool.ts'
import { zplRig } from '../../printers/rigs.ts'

const PREFIX = '4601653'
const GS = '\u001d'
const JOB = { id: 1, gtin: GTIN_A, batch: 'ST-1', unitsPerBox: 4, boxesPerPallet: 0 }
const jobView = (id: number, gtin: string, unitsPerBox = 4): JobView => ({ id, gtin, batch: 'ST-1', group: 'water', unitsPerBox, boxesPerPallet: 0, status: 'active', startedAt: 0, endedAt: null } as unknown as JobView)

function stationFor (f: PoolFixture, o: { labelPrinter?: Printer, job?: JobView | null } = {}) {
  const alarms = new AlarmBook(f.db, { clock: f.clock, log: silentLogger() })
  const agg = new Aggregator({ db: f.db, pool: f.pool, clock: f.clock, log: silentLogger(), alarms, companyPrefix: PREFIX, extensionDigit: 0, ...(o.labelPrinter === undefined ? {} : { labelPrinter: o.labelPrinter }) })
  agg.setJob(JOB)
  const closed: ClosedContainer[] = []
  agg.on('closed', c => closed.push(c))
  let job: JobView | null = o.job === undefined ? jobView(1, GTIN_A) : o.job
  const known = new Map<number, JobView>([[1, job ?? jobView(1, GTIN_A)], [2, jobView(2, GTIN_B)]])
  const station = new StationService({ aggregator: agg, pool: f.pool, jobs: { active: () => job, get: id => known.get(id) ?? null }, profiles: f.profiles, unitsPerBox: 3, clock: f.clock, log: silentLogger() })
  return { agg, station, closed, setJob: (j: JobView | null) => { job = j; if (j !== null) known.set(j.id, j) } }
}

/** `n` codes of a job taken through the pool to VERIFIED, as the tracker does for good products. */
async function verified (f: PoolFixture, gtin: string, jobId: number, n: number, firstSeq: number): Promise<Array<{ id: number, code: string }>> {
  const codes = await f.pool.reserve(gtin, n, 'head-1', { jobId })
  for (const [i, c] of codes.entries()) await f.pool.transition({ ids: [c.id], to: 'PRINTED', seq: firstSeq + i })
  await f.pool.transition({ ids: codes.map(c => c.id), to: 'VERIFIED', grade: 'A' })
  return codes.map(c => ({ id: c.id, code: c.code }))
}

async function fixture (t: Test) {
  const f = poolFixture(t)
  await f.pool.importBlock(block(f, 'a', 50))
  await f.pool.importBlock(block(f, 'b', 10, { gtin: GTIN_B }))
  return f
}

const codesOf = (ds: StationDecision[]): string[] => ds.map(d => d.code)

t.test('a station session: accepts, duplicates, foreign and other-job codes, defects, garbage; the box closes only by its own label', async t => {
  const f = await fixture(t)
  const rig = await zplRig(t)
  const s = stationFor(f, { labelPrinter: rig.zpl })
  const units = await verified(f, GTIN_A, 1, 6, 1)
  const [u1, u2, u3, u4, u5, u6] = units as [typeof units[0], typeof units[0], typeof units[0], typeof units[0], typeof units[0], typeof units[0]]
  const other = (await verified(f, GTIN_B, 2, 1, 100))[0]!
  const [defect, unprinted] = await f.pool.reserve(GTIN_A, 2, 'head-1', { jobId: 1 })
  await f.pool.transition({ ids: [defect!.id], to: 'DEFECT', reason: 'LOW_GRADE' })
  const foreign = f.factory.raw(f.profiles.get('water'), GTIN_A, 1)[0]!
  t.ok(u1.code.includes(GS), 'water codes carry GS before the crypto check')

  const d: StationDecision[] = []
  const scan = async (raw: unknown) => { const r = await s.station.scan(raw, 'test'); d.push(r); return r }
  t.equal((await scan(u1.code)).code, 'ADDED')
  t.equal((await scan(u1.code)).code, 'DUPLICATE', 'the same code twice')
  t.equal((await scan(`]d2${GS}${u2.code}\r\n`)).code, 'ADDED', 'AIM identifier, FNC1 as a leading GS and the CR LF suffix are taken off; the GS inside stays')
  t.equal((await scan(foreign)).code, 'FOREIGN', 'a well-formed code the store never had')
  t.equal((await scan(other.code)).code, 'OTHER_JOB', 'a verified code of another job')
  t.equal((await scan(defect!.code)).code, 'DEFECT')
  t.equal((await scan(unprinted!.code)).code, 'NOT_VERIFIED', 'reserved for the job, never verified')
  t.equal((await scan('hello world')).code, 'NOT_A_CODE')
  const forged = u3.code.slice(0, -4) + (u3.code.endsWith('AAAA') ? 'BBBB' : 'AAAA')
  t.equal((await scan(forged)).code, 'CRYPTO_MISMATCH', 'GTIN and serial of a verified unit with another crypto tail')
  t.equal((await scan('0104601653030046\u000021abc')).code, 'BAD_INPUT', 'a NUL byte in the read')
  t.equal((await scan('x'.repeat(10_000))).code, 'BAD_INPUT', 'an overlong read')
  t.equal((await scan({ code: 1 })).code, 'BAD_INPUT', 'not text at all')
  t.equal((await scan('01046016530300462Ѐ')).code, 'BAD_INPUT', 'non-ASCII')
  // a unit in the line's open box belongs to the line
  await s.agg.addUnit(u5.id)
  t.equal((await scan(u5.code)).code, 'LINE_BOX')
  t.ok(d.every(x => x.ok === ['ADDED', 'BOX_FULL', 'CLOSED', 'LABEL_PRINTED'].includes(x.code)), 'ok follows the decision')
  t.ok(d.filter(x => !x.ok).every(x => /\S/.test(x.text.ru) && /\S/.test(x.text.en) && x.text.ru !== x.text.en), 'every refusal says why, in Russian and English')

  t.equal((await scan(u3.code)).code, 'ADDED')
  const full = await scan(u4.code)
  t.equal(full.code, 'BOX_FULL', 'the fourth unit fills the box (the job packs 4)')
  t.match(full.sscc, /^\d{18}$/)
  const sscc = full.sscc!
  t.ok(rig.sim.printed.some(l => l.barcodes.some(b => b.type === 'gs1-128' && b.data === `00${sscc}`)), 'its SSCC label came out of the printer')
  t.same(s.station.view().box, { count: 4, capacity: 4, sscc, awaitingLabel: true })
  t.equal((await scan(u6.code)).code, 'WAIT_LABEL', 'no unit goes in while the box waits for its label')
  const wrong = buildSscc(0, PREFIX, 999).digits
  t.equal((await scan(`00${wrong}`)).code, 'WRONG_LABEL', "another box's label does not close it")
  t.equal(s.closed.length, 0)
  t.equal((await scan(`]C1${GS}00${sscc}\r`)).code, 'CLOSED', 'its own label (GS1-128 as a scanner sends it) closes it')
  t.equal(s.closed.length, 1)
  t.same(s.closed[0], { level: 'box', sscc, jobId: 1, codeIds: [u1.id, u2.id, u3.id, u4.id], children: [], origin: 'station' })
  t.ok([u1, u2, u3, u4].every(u => f.pool.get(u.id)?.state === 'AGGREGATED' && f.pool.get(u.id)?.parent === `00${sscc}`), 'units AGGREGATED under the box')
  t.equal((await scan(u1.code)).code, 'BOXED', 'a unit of a closed box is refused')
  t.equal((await scan(`00${sscc}`)).code, 'NO_LABEL_EXPECTED', 'a label when no box is closing')
  t.same(s.station.view().box, { count: 0, capacity: 4, sscc: null, awaitingLabel: false })
  t.same(s.agg.containersOf(1).map(c => c.sscc), [sscc], 'the box is a closed container of the job like a line box')
  t.same(codesOf(s.station.view().recent.slice(0, 3)), ['NO_LABEL_EXPECTED', 'BOXED', 'CLOSED'], 'the latest decisions first')
})

t.test('the open station box survives a restart; close by button reprints the same SSCC; units the line left unboxed', async t => {
  const f = await fixture(t)
  const rig = await zplRig(t)
  // the line does not box this job: every verified unit waits for the station (capacity from the station config)
  let s = stationFor(f, { labelPrinter: rig.zpl, job: jobView(1, GTIN_A, 0) })
  const units = await verified(f, GTIN_A, 1, 3, 1)
  t.equal((await s.station.scan(units[0]!.code, 'test')).code, 'ADDED')
  t.equal((await s.station.close('test')).code, 'LABEL_PRINTED', 'Close box with one unit: its label is printed')
  const sscc = s.station.view().box?.sscc
  t.match(sscc, /^\d{18}$/)
  // restart: a new store connection, aggregator and station over the same file
  const g = f.reopen()
  s = stationFor(g, { labelPrinter: rig.zpl, job: jobView(1, GTIN_A, 0) })
  t.same(s.station.view().box, { count: 1, capacity: 3, sscc, awaitingLabel: true }, 'the box, its unit and its SSCC are in the store')
  t.equal((await s.station.close('test')).sscc, sscc, 'pressing Close box again reprints the same SSCC')
  t.equal(rig.sim.printed.filter(l => l.barcodes.some(b => b.data === `00${sscc}`)).length, 2)
  t.equal((await s.station.scan(`(00)${sscc}`, 'test')).code, 'CLOSED', 'the label read in brackets (HRI) closes it too')
  t.equal((await s.station.scan(units[1]!.code, 'test')).code, 'ADDED', 'a new box opens with the next unit')
  t.equal((await s.station.close('none')).code, 'LABEL_PRINTED')
  s.setJob(null)
  t.equal((await s.station.scan(units[2]!.code, 'test')).code, 'NO_JOB')
})

t.test('without a label printer the box cannot be closed: said, not hidden', async t => {
  const f = await fixture(t)
  const s = stationFor(f)
  const units = await verified(f, GTIN_A, 1, 1, 1)
  await s.station.scan(units[0]!.code, 'test')
  const r = await s.station.close('test')
  t.equal(r.code, 'NO_PRINTER')
  t.equal(r.ok, false)
  t.equal((await s.station.close('test')).code, 'NO_PRINTER')
  // a unit that fills a box is in it, printer or not: an accept that says the label is missing
  s.setJob(jobView(3, GTIN_A, 2))
  const mine = await verified(f, GTIN_A, 3, 2, 20)
  t.equal((await s.station.scan(mine[0]!.code, 'test')).code, 'ADDED')
  const full = await s.station.scan(mine[1]!.code, 'test')
  t.same([full.code, full.ok], ['FULL_NO_LABEL', true])
  t.equal(f.pool.get(mine[1]!.id)?.state, 'VERIFIED', 'in the box (not AGGREGATED until the label closes it)')
  t.equal(s.agg.containerOf(mine[1]!.id)?.origin, 'station')
  // the aggregator keeps its own invariant: no close before a label
  const other = await s.agg.openStationBox(2, 3)
  await t.rejects(s.agg.closeStationBox(other.id), { code: 'LC_ERR_STATION_BOX', context: { boxId: other.id, sscc: null } })
})

t.test('a job boxed partly on the line and partly at the station: one store, one list of boxes', async t => {
  const f = await fixture(t)
  const rig = await zplRig(t)
  const s = stationFor(f, { labelPrinter: rig.zpl })
  // the line boxes the first four units
  const first = await verified(f, GTIN_A, 1, 4, 1)
  await Promise.all(first.map(u => s.agg.addUnit(u.id)))
  await s.agg.settled()
  t.equal(s.closed.length, 1, 'the line closed a box')
  // then the line's boxing stops (its aggregator detached, e.g. the case packer is down): units stay unboxed
  s.agg.setJob(null)
  const rest = await verified(f, GTIN_A, 1, 3, 5)
  for (const u of rest) await s.agg.addUnit(u.id)
  t.ok(rest.every(u => s.agg.containerOf(u.id) === null), 'the line left them unboxed')
  s.agg.setJob(JOB)
  t.equal((await s.station.scan(first[0]!.code, 'test')).code, 'BOXED', "a unit of the line's closed box is refused")
  for (const u of rest) t.equal((await s.station.scan(u.code, 'test')).code, 'ADDED')
  const sscc = (await s.station.close('test')).sscc!
  t.equal((await s.station.scan(`00${sscc}`, 'test')).code, 'CLOSED')
  t.same(s.agg.containersOf(1).map(c => c.items), [4, 3], "the line's box and the station's box, both the job's")
  t.same(s.closed.map(c => c.origin ?? 'line'), ['line', 'station'])
  t.equal(s.agg.counts(1).boxes, 2)
})

t.test('a station box left open when its job ended: listed, its label printed with its own job, closed by its label', async t => {
  const f = await fixture(t)
  const rig = await zplRig(t)
  const s = stationFor(f, { labelPrinter: rig.zpl })
  const units = await verified(f, GTIN_A, 1, 2, 1)
  t.equal((await s.station.scan(units[0]!.code, 'test')).code, 'ADDED')
  // job 1 ends, job 2 starts: the box of job 1 is still open on the table
  s.setJob(jobView(2, GTIN_B))
  t.same(s.station.view().leftOpen, [{ jobId: 1, gtin: GTIN_A, batch: 'ST-1', count: 1, sscc: null }])
  t.equal((await s.station.scan(units[1]!.code, 'test')).code, 'OTHER_JOB', "job 1's units do not go into job 2's box")
  const printed = await s.station.close('test', 1)
  t.equal(printed.code, 'LABEL_PRINTED')
  const label = rig.sim.printed.find(l => l.barcodes.some(b => b.data === `00${printed.sscc}`))
  t.ok(label?.barcodes.some(b => b.type === 'datamatrix' && b.data.includes(`02${GTIN_A}371`)), "the label names job 1's GTIN and the box's count")
  t.equal((await s.station.scan(`00${printed.sscc}`, 'test')).code, 'CLOSED', 'its label closes it while job 2 is active')
  t.same(s.station.view().leftOpen, [])
  t.same(s.closed.map(c => [c.jobId, c.codeIds]), [[1, [units[0]!.id]]])
  s.setJob(null)
  t.equal((await s.station.scan(`00${printed.sscc}`, 'test')).code, 'NO_JOB', 'a label with no job and no open box')
})
