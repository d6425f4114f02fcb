// On a real line (controller, simulated devices, the L3 job channel): a job from the MES needs its product's card, and
// a job while another is active is refused until confirmed with a decision on the open box and pallet; the chosen box
// is closed partial, the pallet left open for later under the ended job (docs/hmi.md "Changing the job").
import t from 'tap'
import { Dealer } from 'zeromq'
import { GTIN_B } from '../../helpers/pool.ts'
import { runLine, startTestLine, waitFor } from '../../helpers/line.ts'

t.test('job change over L3: no card, no job; no confirmation, no change; the box closed, the pallet left', async t => {
  const { line, world, config } = await startTestLine(t, { codes: 300, config: { l3: { router: 'tcp://127.0.0.1:*' } } })
  const mes = new Dealer({ receiveTimeout: 5000 })
  mes.connect(line.l3?.routerEndpoint as string)
  t.teardown(() => mes.close())
  const ask = async (msg: Record<string, unknown>): Promise<{ type: string, data?: { lineJobId: number }, error?: { code: string, message: string } }> => {
    await mes.send(JSON.stringify(msg))
    const [answer] = await mes.receive()
    return JSON.parse(String(answer))
  }
  const rt = line.runtime
  const state = (): string => rt.snapshot().state.state
  t.match(line.products.get(config.job!.gtin), { source: 'config', group: 'water' }, 'the config job brought its card')
  const next = { jobId: 'J-2', gtin: GTIN_B, group: 'water', quantity: 50, productionDate: '2026-11-26', expirationDate: '2027-11-26' }

  const noCard = await ask({ msgId: 'm1', type: 'job.load', job: next })
  t.equal(noCard.error?.code, 'LC_ERR_JOB_NO_PRODUCT')
  t.match(noCard.error?.message, /no product card/)
  t.ok(line.products.save({ gtin: GTIN_B, name: 'Вода 1,5 л', group: 'water', tnvedCode: '2201101100', shelfLifeDays: 365, unitsPerBox: 6, boxesPerPallet: 20 }, 'petrova').ok)

  // produce a box and a part of the next one, then stop
  await runLine(world, config, state)
  await waitFor('a closed box and units in the next', () => { const s = rt.snapshot(); return s.counters.boxes >= 1 && (s.box?.count ?? 0) > 0 }, 30_000)
  const running = await ask({ msgId: 'm2', type: 'job.load', job: next, change: { confirm: true, box: 'close', pallet: 'leave' } })
  t.equal(running.error?.code, 'LC_ERR_JOB_REFUSED', 'never while the line runs')
  await world.command(config, 'stop')
  await waitFor('Stopped', () => state() === 'Stopped', 20_000)
  await waitFor('the conveyor is empty', () => world.conveyor!.onConveyor === 0, 20_000)
  const before = rt.snapshot().box
  t.ok((before?.count ?? 0) > 0 && (before?.palletCount ?? 0) > 0, `an open box (${before?.count}) on an open pallet (${before?.palletCount})`)

  const unconfirmed = await ask({ msgId: 'm3', type: 'job.load', job: next })
  t.equal(unconfirmed.error?.code, 'LC_ERR_JOB_SWITCH')
  t.match(unconfirmed.error?.message, /job 1 \(batch T-1, GTIN \d{14}\) is active: confirm ending it/)
  t.equal(rt.snapshot().job?.id, 1, 'the job is still the first')

  const confirmed = await ask({ msgId: 'm4', type: 'job.load', job: next, change: { confirm: true, box: 'close', pallet: 'leave' } })
  t.equal(confirmed.type, 'ack', JSON.stringify(confirmed.error ?? null))
  t.equal(confirmed.data?.lineJobId, 2)
  const containers = line.db.prepare("SELECT level, state, count(*) AS n FROM containers WHERE job_id = 1 GROUP BY level, state").all() as Array<{ level: string, state: string, n: number }>
  t.notOk(containers.some(c => c.level === 'box' && c.state === 'open'), 'the partial box was closed')
  t.ok(containers.some(c => c.level === 'pallet' && c.state === 'open'), 'the pallet stays open for later')
  t.match(line.db.prepare('SELECT status FROM jobs WHERE id = 1').get(), { status: 'cancelled' })
  t.match(rt.snapshot().job, { id: 2, gtin: GTIN_B, unitsPerBox: 12 }, 'the MES job keeps its own packing fields (boxSize or the defaults)')
})
