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
  t.same(jobs.validate({ ...JOB, expiryDate: undefined }), { ...JOB, expiryDate: undefined }, 'no expiry date is fine')
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
