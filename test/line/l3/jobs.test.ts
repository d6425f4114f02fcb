// A job from the MES over the L3 ROUTER meets the product-group table (docs/groups.md): refused with its own code,
// the missing attribute named in both languages; a complete one is loaded with the group's fields passed through.
import t from 'tap'
import { EventEmitter } from 'node:events'
import { join } from 'node:path'
import { Dealer } from 'zeromq'
import { ManualClock } from '../../../line/clock.ts'
import { ProfileRegistry } from '../../../line/codes/index.ts'
import type { ControlResult, JobInput, JobView, LineControl } from '../../../line/control.ts'
import { JobError, JobStore } from '../../../line/jobs/jobs.ts'
import { startL3 } from '../../../line/l3/wire.ts'
import { silentLogger } from '../../../line/log.ts'
import { openDatabase } from '../../../line/store/open.ts'
import { tempDir } from '../../helpers/tmp.ts'

t.test('job.load: the group table refuses what the OMS would refuse, naming the field', async t => {
  const db = openDatabase(join(tempDir(t), 'l3.db'), { synchronous: 'NORMAL' })
  t.teardown(() => db.close())
  const clock = new ManualClock(Date.parse('2026-11-25T08:00:00Z'))
  const jobs = new JobStore(db, { clock, profiles: new ProfileRegistry(), aggregationVia: 'oms' })
  const loaded: JobInput[] = []
  // the part of LineRuntime.startJob the channel sees: validate, refuse with the error's code
  const control = {
    startJob: async (job: JobInput): Promise<ControlResult<JobView>> => {
      try {
        loaded.push(jobs.validate(job))
        return { ok: true, value: { ...job, id: loaded.length, status: 'active', startedAt: 0, endedAt: null } }
      } catch (err) {
        if (err instanceof JobError) return { ok: false, reason: { ru: `Задание отклонено: ${err.message}`, en: `job refused: ${err.message}` }, code: err.code }
        throw err
      }
    },
  } as unknown as LineControl
  const l3 = await startL3({
    router: 'tcp://127.0.0.1:0', queueLimit: 100, line: 'p/l', clock, log: silentLogger(), control, state: () => 'Idle',
    tracker: new EventEmitter(), aggregator: new EventEmitter(), outbox: null, alarms: new EventEmitter(),
    jobDefaults: { unitsPerMinute: 300, minGrade: 'C', unitsPerBox: 12, boxesPerPallet: 40 },
  })
  const mes = new Dealer({ receiveTimeout: 5000 })
  mes.connect(l3.routerEndpoint as string)
  t.teardown(async () => { mes.close(); await l3.close() })
  const ask = async (job: Record<string, unknown>): Promise<{ type: string, error?: { code: string, message: string } }> => {
    await mes.send(JSON.stringify({ msgId: String(job.jobId), type: 'job.load', job: { gtin: '04601653030046', quantity: 100, productionDate: '2026-11-25', ...job } }))
    const [answer] = await mes.receive()
    return JSON.parse(String(answer))
  }

  const water = await ask({ jobId: 'W-1', group: 'water' })
  t.equal(water.error?.code, 'LC_ERR_JOB_GROUP')
  t.match(water.error?.message, /expiryDate: Expiry date: required for water \(Table 124 note\) \/ Годен до: обязательно для группы water/)

  const softdrinks = await ask({ jobId: 'S-1', group: 'softdrinks', expirationDate: '2027-05-25', participantId: '7700000000' })
  t.equal(softdrinks.error?.code, 'LC_ERR_JOB_GROUP')
  t.match(softdrinks.error?.message, /kpp: KPP: required for softdrinks \(Table 130: kpp: mandatory for a legal entity\)/)

  const pharma = await ask({ jobId: 'P-1', group: 'pharma' })
  t.equal(pharma.error?.code, 'LC_ERR_JOB_GROUP_REFUSED')
  t.match(pharma.error?.message, /MDLP.*МДЛП/s)

  const shoes = await ask({ jobId: 'F-1', group: 'shoes', boxSize: 10 })
  t.equal(shoes.error?.code, 'LC_ERR_JOB_GROUP', 'boxes of shoes on a line that aggregates through the OMS')
  t.match(shoes.error?.message, /unitsPerBox: the OMS takes no aggregation reports for shoes/)

  const ok = await ask({ jobId: 'S-2', group: 'softdrinks', expirationDate: '2027-05-25', participantId: '7700000000', kpp: '770001001' })
  t.equal(ok.type, 'ack')
  t.match(loaded.at(-1), { group: 'softdrinks', expiryDate: '2027-05-25', participantId: '7700000000', kpp: '770001001' }, "the group's fields reach the job")
})
