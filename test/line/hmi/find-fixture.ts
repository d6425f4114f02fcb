// A line's store with something to find, built from the real parts on one SQLite file: a job (JobStore), codes
// (CodePool), two closed boxes on a closed pallet and a unit in the open box (Aggregator), the first box's
// aggregation report sent as a True API document to the emulator, which refuses it (its codes are unknown there:
// REJECTED), and the panel server with the find API (LineLookup) over the fake line, whose label reprint goes to
// the aggregator. `correct()` makes the emulator know the codes, as the fix of the real cause would.
import { EventEmitter } from 'node:events'
import { AlarmBook } from '../../../line/alarms/alarms.ts'
import { Aggregator, type ClosedContainer } from '../../../line/aggregation/aggregator.ts'
import { parseSscc } from '../../../line/codes/index.ts'
import type { ControlResult } from '../../../line/control.ts'
import { TrueApiClient } from '../../../line/gismt/index.ts'
import { createHmiServer, HmiStore, type HmiServer } from '../../../line/hmi/index.ts'
import { hashPassword } from '../../../line/hmi/passwords.ts'
import { JobStore } from '../../../line/jobs/jobs.ts'
import { silentLogger } from '../../../line/log.ts'
import { LineLookup } from '../../../line/lookup/lookup.ts'
import { ReportOutbox } from '../../../line/reports/outbox.ts'
import { TrueApiDocumentSender } from '../../../line/reports/true-api-sender.ts'
import { TestSigner } from '../../../line/signer/index.ts'
import type { Printer, SsccLabel } from '../../../printers/types.ts'
import { startTrueApiEmulator, type TrueApiEmulator } from '../../../sim/gismt/server.ts'
import { block, GTIN_A, poolFixture, type PoolFixture } from '../../helpers/pool.ts'
import { FakeLine } from './fake-line.ts'
import { USERS, until } from './harness.ts'

export interface FindFixture {
  url: string
  f: PoolFixture
  emu: TrueApiEmulator
  outbox: ReportOutbox
  server: HmiServer
  boxes: ClosedContainer[]
  pallet: ClosedContainer
  /** Raw codes (with GS) of the first box's units. */
  firstBoxCodes: string[]
  /** The rejected aggregation report of the first box. */
  reportId: string
  labels: SsccLabel[]
  correct(): void
}

type T = { teardown(fn: () => void | Promise<void>): void }

export async function findFixture (t: T): Promise<FindFixture> {
  const f = poolFixture(t)
  await f.pool.importBlock(block(f, 'b1', 40))
  const jobs = new JobStore(f.db, { clock: f.clock, profiles: f.profiles })
  const job = jobs.start(jobs.validate({ group: 'water', gtin: GTIN_A, batch: 'П-16', productionDate: '2026-11-25', expiryDate: '2027-11-25', quantity: 20, unitsPerBox: 4, boxesPerPallet: 2, minGrade: 'C', unitsPerMinute: 300 }), 'test')

  const labels: SsccLabel[] = []
  const printer = Object.assign(new EventEmitter(), { id: 'box-label', printSscc: async (l: SsccLabel) => { labels.push(l) } }) as unknown as Printer
  const alarms = new AlarmBook(f.db, { clock: f.clock, log: silentLogger() })
  const agg = new Aggregator({ db: f.db, pool: f.pool, clock: f.clock, log: silentLogger(), alarms, companyPrefix: '4601653', extensionDigit: 0, labelPrinter: printer })
  const closed: ClosedContainer[] = []
  agg.on('closed', c => closed.push(c))
  agg.setJob({ id: job.id, gtin: job.gtin, batch: job.batch, unitsPerBox: 4, boxesPerPallet: 2 })
  const codes = await f.pool.reserve(GTIN_A, 9, 'head-1', { jobId: job.id })
  const ids = codes.map(c => c.id)
  for (const [i, id] of ids.entries()) await f.pool.transition({ ids: [id], to: 'PRINTED', seq: i + 1 })
  await f.pool.transition({ ids, to: 'VERIFIED', grade: 'A' })
  for (const id of ids) await agg.addUnit(id)
  await agg.settled()
  const boxes = closed.filter(c => c.level === 'box')
  const pallet = closed.find(c => c.level === 'pallet')
  if (boxes.length !== 2 || pallet === undefined) throw new Error(`expected two boxes on a pallet, got ${JSON.stringify(closed.map(c => c.level))}`)

  const emu = await startTrueApiEmulator({})
  const client = new TrueApiClient({ url: emu.url, signer: new TestSigner(), clock: f.clock, retries: 0, timeoutMs: 10_000 })
  const outbox = new ReportOutbox({
    pool: f.pool, clock: f.clock, senders: { aggregation: new TrueApiDocumentSender({ client, participantInn: '7700000000' }) },
    windowMs: 0, pollIntervalMs: 0, retryBaseMs: 0, retryMaxMs: 0, tickMs: 50, log: silentLogger(),
  })
  const firstBox = boxes[0] as ClosedContainer
  const added = await outbox.add({ kind: 'aggregation', group: 'water', codeIds: firstBox.codeIds, whole: true })
  const reportId = added.reportIds[0] as string
  await outbox.closeOpen()
  outbox.start()
  await until(() => outbox.get(reportId)?.state === 'REJECTED', 30_000)

  const db = f.db
  const users = new HmiStore(db)
  for (const [name, role, password] of USERS) users.addUser({ username: name, role, passwordHash: await hashPassword(password), mustChange: false, createdBy: 'test' }, Date.now())
  // the fake line for everything else; a label reprint goes to the real aggregator
  class Line extends FakeLine {
    override async reprintLabel (sscc: string, actor: string): Promise<ControlResult> {
      const ok = await agg.reprint(parseSscc(sscc).digits)
      this.emit('operation', { actor, action: 'label:reprint', detail: { sscc, ok } })
      return ok ? { ok: true } : { ok: false, reason: { ru: 'Нет закрытого короба с таким SSCC', en: 'no closed box with that SSCC' } }
    }
  }
  const line = new Line({ clock: f.clock })
  const lookup = new LineLookup({ containers: agg.queries, pool: f.pool, jobs, profiles: f.profiles, outbox, now: () => f.clock.now(), cisesInfo: (cises, group) => client.cisesInfo(cises, group) })
  const server = createHmiServer({ control: line, db, log: silentLogger(), clock: f.clock, lookup, config: { host: '127.0.0.1', port: 0, sessionTtl: 3_600_000, updateIntervalMs: 100 } })
  const url = await server.listen()
  t.teardown(async () => { await server.close(); line.close(); await outbox.stop(); await client.close(); await emu.close() })
  const firstBoxCodes = firstBox.codeIds.map(id => f.pool.get(id)?.code as string)
  return {
    url, f, emu, outbox, server, boxes, pallet, firstBoxCodes, reportId, labels,
    correct: () => { emu.registerCodes(firstBoxCodes.map(c => c.split('\u001d')[0] as string), { applied: true }) },
  }
}
