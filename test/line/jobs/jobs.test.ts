// Production jobs on a real SQLite file: validation with every problem named, one active job, end, and the jobs
// that overlap a time window (a shift report) — all surviving a reopen of the store.
import t, { type Test } from 'tap'
import { join } from 'node:path'
import { ManualClock } from '../../../line/clock.ts'
import { ProfileRegistry } from '../../../line/codes/index.ts'
import type { JobInput } from '../../../line/control.ts'
import { JobError, JobStore } from '../../../line/jobs/jobs.ts'
import { openDatabase } from '../../../line/store/open.ts'
import { GTIN_A } from '../../helpers/pool.ts'
import { tempDir } from '../../helpers/tmp.ts'

const JOB: JobInput = { group: 'water', gtin: GTIN_A, batch: 'B-1', productionDate: '2026-11-25', expiryDate: '2027-11-25', quantity: 1000, unitsPerBox: 12, boxesPerPallet: 40, minGrade: 'C', unitsPerMinute: 300 }

function fixture (t: Test) {
  const path = join(tempDir(t), 'jobs.db')
  const clock = new ManualClock(1_000_000)
  const open = (): JobStore => {
    const db = openDatabase(path, { synchronous: 'NORMAL' })
    t.teardown(() => { if (db.open) db.close() })
    return new JobStore(db, { clock, profiles: new ProfileRegistry() })
  }
  return { clock, open }
}

function problems (t: Test, fn: () => unknown): string[] {
  const err = t.throws(fn) as JobError
  t.ok(err instanceof JobError)
  t.equal(err.code, 'LC_ERR_JOB')
  t.equal(err.message, err.problems.join('; '))
  return err.problems
}

t.test('a valid job passes unchanged; every schema problem is named with its field', async t => {
  const jobs = fixture(t).open()
  t.same(jobs.validate(JOB), JOB)
  const p = problems(t, () => jobs.validate({ ...JOB, gtin: '123', quantity: 0, minGrade: 'F', colour: 'red', batch: undefined }))
  t.match(p.join('\n'), /^gtin: GTIN: 14 digits/m)
  t.match(p.join('\n'), /^quantity: must be at least 1$/m)
  t.match(p.join('\n'), /^minGrade: /m)
  t.match(p.join('\n'), /^batch: required$/m)
  t.match(p.join('\n'), /^\(root\): unknown key "colour"$/m)
  t.equal(p.length, 5)
})

t.test('check digit, product group and date order are checked once the fields are well-formed', async t => {
  const jobs = fixture(t).open()
  const wrongCheck = GTIN_A.slice(0, 13) + String((Number(GTIN_A[13]) + 1) % 10)
  const p = problems(t, () => jobs.validate({ ...JOB, gtin: wrongCheck, group: 'caviar', expiryDate: JOB.productionDate }))
  t.equal(p.length, 3)
  t.match(p[0], /^gtin: /)
  t.equal(p[1], 'group: unknown product group "caviar" / неизвестная товарная группа')
  t.match(p[2], /^expiryDate: must be after productionDate/)
  t.same(jobs.validate({ ...JOB, group: 'lp', expiryDate: undefined }), { ...JOB, group: 'lp', expiryDate: undefined }, 'no expiry date is fine where the group needs none')
})

t.test('one active job at a time; it survives a restart; end closes it once', async t => {
  const f = fixture(t)
  let jobs = f.open()
  t.equal(jobs.active(), null)
  const a = jobs.start(JOB, 'ivanov')
  t.match(a, { ...JOB, id: 1, status: 'active', startedAt: 1_000_000, endedAt: null })
  t.same(problems(t, () => jobs.start({ ...JOB, batch: 'B-2' }, 'petrova')), ['another job is active / уже есть активное задание'])
  jobs = f.open() // the controller restarts
  t.same(jobs.active(), a, 'the active job comes back from the store')
  f.clock.advance(60_000)
  jobs.end(a.id, 'complete')
  t.match(jobs.get(a.id), { status: 'complete', endedAt: 1_060_000 })
  f.clock.advance(60_000)
  jobs.end(a.id, 'cancelled')
  t.match(jobs.get(a.id), { status: 'complete', endedAt: 1_060_000 }, 'an ended job is not ended again')
  t.equal(jobs.active(), null)
  const b = jobs.start({ ...JOB, batch: 'B-2' }, 'petrova')
  t.equal(b.id, 2)
  t.equal(jobs.active()?.batch, 'B-2')
  t.equal(jobs.get(99), null)
})

t.test('the jobs that overlap a window, a running one included', async t => {
  const f = fixture(t)
  const jobs = f.open()
  const a = jobs.start(JOB, 'x') // 1_000_000 .. 1_100_000
  f.clock.advance(100_000)
  jobs.end(a.id, 'complete')
  f.clock.advance(100_000)
  const b = jobs.start({ ...JOB, batch: 'B-2' }, 'x') // 1_200_000 .. running
  const ids = (from: number, to: number): number[] => jobs.between(from, to).map(j => j.id)
  t.same(ids(0, 999_999), [], 'before anything started')
  t.same(ids(0, 1_000_000), [a.id], 'a window ending as the job starts includes it')
  t.same(ids(1_100_000, 1_150_000), [a.id], 'a window starting as the job ends includes it')
  t.same(ids(1_100_001, 1_199_999), [], 'the gap between jobs')
  t.same(ids(1_050_000, 5_000_000), [a.id, b.id], 'in start order')
  t.same(ids(9_000_000, 9_000_001), [b.id], 'the running job overlaps any later window')
})

// The product-group table (line/domain/groups.ts, docs/groups.md) at the job store: every entry (config, HMI, L3)
// reaches it through LineControl.startJob.
function groupProblems (t: Test, fn: () => unknown, code = 'LC_ERR_JOB_GROUP'): string {
  const err = t.throws(fn) as JobError
  t.ok(err instanceof JobError)
  t.equal(err.code, code)
  return err.problems.join('\n')
}

t.test('a job lacking what its group reports need is refused, the field and the guide table named', async t => {
  const jobs = fixture(t).open()
  // Table 124 note: expirationDate for water units
  t.match(groupProblems(t, () => jobs.validate({ ...JOB, expiryDate: undefined })), /^expiryDate: Expiry date: required for water \(Table 124 note\) \/ Годен до: обязательно/m)
  // Table 126: participantId, alcoholVolume, documentNumber/Date; kpp for an organisation (10-digit INN)
  const beer = groupProblems(t, () => jobs.validate({ ...JOB, group: 'beer' }))
  for (const f of ['participantId', 'alcoholVolume', 'documentNumber', 'documentDate']) t.match(beer, new RegExp(`^${f}: .*Table 126`, 'm'), f)
  const beerOrg = groupProblems(t, () => jobs.validate({ ...JOB, group: 'beer', participantId: '7700000000', alcoholVolume: '4.5', documentNumber: 'D-1', documentDate: '2026-11-25' }))
  t.match(beerOrg, /^kpp: KPP: required for beer/m)
  t.notMatch(beerOrg, /fiasId/)
  t.match(groupProblems(t, () => jobs.validate({ ...JOB, group: 'beer', participantId: '770000000000', alcoholVolume: '4.5', documentNumber: 'D-1', documentDate: '2026-11-25' })), /^fiasId: .*individual/m, 'a 12-digit INN is an individual: fiasId')
  t.ok(jobs.validate({ ...JOB, group: 'beer', participantId: '7700000000', kpp: '770001001', alcoholVolume: '4.5', documentNumber: 'D-1', documentDate: '2026-11-25' }))
  t.match(groupProblems(t, () => jobs.validate({ ...JOB, group: 'beer', participantId: '7700000000', kpp: '770001001', alcoholVolume: '4,5', documentNumber: 'D-1', documentDate: '2026-11-25' })), /^alcoholVolume: Alcohol by volume: format/m)
  // Table 122 note 1: one of expDate / expDate72 / expDateConditions
  t.match(groupProblems(t, () => jobs.validate({ ...JOB, group: 'milk', expiryDate: undefined })), /^expiryDate: give one of: Expiry date \/ Expiry \(shelf life under 72 h\) \/ Expiry dates by storage condition \(milk\) \(Table 122 note 1\)/m)
  t.ok(jobs.validate({ ...JOB, group: 'milk', expiryDate: undefined, expDate72: '2026-11-27T10:00' }), 'expDate72 alone is enough')
  t.ok(jobs.validate({ ...JOB, group: 'milk', expiryDate: undefined, expDateConditions: { 1: '2026-12-01', 2: '2026-12-03' } }), 'expDateConditions alone is enough')
  // Tables 10, 11, 103, 112
  const tobacco = groupProblems(t, () => jobs.validate({ ...JOB, group: 'tobacco-block' }))
  for (const f of ['factoryId', 'factoryCountry', 'productCode', 'productDescription', 'mrp', 'participantId', 'address', 'productionLineId']) t.match(tobacco, new RegExp(`^${f}: `, 'm'), f)
  t.notMatch(groupProblems(t, () => jobs.validate({ ...JOB, group: 'tobacco-pack', unitsPerBox: 0 })), /productionLineId/, 'productionLineId only when the job aggregates (Table 112)')
})

t.test('pharma is refused: everything after emission goes through MDLP', async t => {
  const jobs = fixture(t).open()
  t.match(groupProblems(t, () => jobs.validate({ ...JOB, group: 'pharma' }), 'LC_ERR_JOB_GROUP_REFUSED'), /^group: medicines: everything after emission goes through MDLP.* \/ лекарственные препараты: после эмиссии всё идёт через МДЛП/)
})

t.test('boxes of a group the OMS does not aggregate are refused on a line that aggregates through the OMS', async t => {
  const path = join(tempDir(t), 'jobs.db')
  const db = openDatabase(path, { synchronous: 'NORMAL' })
  t.teardown(() => db.close())
  const clock = new ManualClock(0)
  const nabeer = { ...JOB, group: 'nabeer', kpp: '770001001' }
  const viaOms = new JobStore(db, { clock, profiles: new ProfileRegistry(), aggregationVia: 'oms' })
  t.match(groupProblems(t, () => viaOms.validate(nabeer)), /^unitsPerBox: the OMS takes no aggregation reports for nabeer \(§4\.4\.10 note 1/)
  t.ok(viaOms.validate({ ...nabeer, unitsPerBox: 0 }), 'without boxes it runs')
  t.ok(new JobStore(db, { clock, profiles: new ProfileRegistry(), aggregationVia: 'true-api' }).validate(nabeer), 'through the True API it runs')
})

t.test("a job's group must match the group of its GTIN's codes in the pool", async t => {
  const path = join(tempDir(t), 'jobs.db')
  const db = openDatabase(path, { synchronous: 'NORMAL' })
  t.teardown(() => db.close())
  const jobs = new JobStore(db, { clock: new ManualClock(0), profiles: new ProfileRegistry(), groupOf: gtin => gtin === GTIN_A ? 'milk' : null })
  t.match(groupProblems(t, () => jobs.validate(JOB), 'LC_ERR_JOB_GROUP_MISMATCH'), /^group: the pool holds codes of GTIN \d+ for group milk, not water/)
  t.ok(jobs.validate({ ...JOB, group: 'milk' }))
})

t.test('a job asks for a marking mode the line is equipped for; pre-applied needs a unit camera', async t => {
  const path = join(tempDir(t), 'jobs.db')
  const db = openDatabase(path, { synchronous: 'NORMAL' })
  t.teardown(() => db.close())
  const clock = new ManualClock(0)
  const headsOnly = new JobStore(db, { clock, profiles: new ProfileRegistry(), modes: ['direct'] })
  t.ok(headsOnly.validate({ ...JOB, mode: 'direct' }), 'direct on a line with heads')
  t.ok(headsOnly.validate(JOB), 'no mode: the line\'s own')
  const refused = (store: JobStore, mode: 'label' | 'preapplied'): string => {
    const err = t.throws(() => store.validate({ ...JOB, mode })) as JobError
    t.equal(err.code, 'LC_ERR_JOB_MODE')
    return err.problems.join('; ')
  }
  t.match(refused(headsOnly, 'label'), /^mode: this line cannot run "label": it needs a label applicator .* \/ эта линия не может работать в режиме «label»/)
  t.match(refused(headsOnly, 'preapplied'), /it needs a unit camera/)
  const reads = new JobStore(db, { clock, profiles: new ProfileRegistry(), modes: ['direct', 'preapplied'] })
  t.ok(reads.validate({ ...JOB, mode: 'preapplied' }), 'pre-applied on a line with a unit camera')
  const both = new JobStore(db, { clock, profiles: new ProfileRegistry(), modes: ['direct', 'label'] })
  t.ok(both.validate({ ...JOB, mode: 'label' }), 'label on a line with an applicator')
  t.throws(() => both.validate({ ...JOB, mode: 'inkjet' }), 'an unknown mode is a schema error')
})

t.test('a refused job reads in one language each: the Russian halves for Russian, the English for English', async t => {
  const jobs = fixture(t).open()
  const err = t.throws(() => jobs.validate({ ...JOB, expiryDate: '2026-11-01' })) as JobError
  t.ok(err instanceof JobError)
  t.match(err.text.ru, /срок годности должен быть позже даты производства/)
  t.notMatch(err.text.ru, /must be after/, 'no English in the Russian text')
  t.match(err.text.en, /must be after productionDate/)
  t.notMatch(err.text.en, /[А-Яа-я]/, 'no Russian in the English text')
})
