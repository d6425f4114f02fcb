// A whole job on the simulated line over real transports: counters and the store agree with what physically
// left the line.
import t from 'tap'
import { runLine, startTestLine, waitFor } from '../helpers/line.ts'

t.test('a job runs to Complete; store, counters and the physical world agree', async t => {
  const { line, world, config } = await startTestLine(t, { codes: 2000, world: { camera: { mode: 'fast', noReadRate: 0.03, lowGradeRate: 0.02 } } })
  const rt = line.runtime
  t.equal(rt.snapshot().job?.quantity, 300)
  await runLine(world, config, () => rt.snapshot().state.state)
  await waitFor('Complete', () => rt.snapshot().state.state === 'Complete', 90_000).catch(err => {
    const s = rt.snapshot()
    throw new Error(`${err.message}: ${JSON.stringify({ state: s.state.state, counters: s.counters, pool: s.pool.available, alarms: s.alarms.map(a => `${a.code}:${a.message.en}`), printer: line.printers[0]!.status() })}`)
  })
  const c = rt.counters()
  const head = world.heads.get('head-1')!
  const conveyor = world.conveyor!
  t.equal(c.printed, 300, 'the job printed its quantity')
  t.equal(c.printed, c.verified + c.rejected, 'printed = verified + rejected')
  t.ok(c.rejected > 0, `some units were rejected (${c.rejected})`)
  t.equal(new Set(head.printed.map(p => p.code)).size, head.printed.length, 'no code printed twice')
  t.equal(head.printed.length, 300, 'the head printed exactly the job')
  const acc = line.pool.accounting()
  t.ok(acc.balanced)
  const states = acc.gtins[config.job!.gtin]!.states
  t.equal(states.SENT, 0, 'nothing left in a printer')
  t.equal(states.AGGREGATED, c.verified, 'every verified unit is in a closed box')
  t.equal(c.boxes, Math.ceil(c.verified / 12), 'boxes = ceil(verified / box size)')
  t.equal(states.DEFECT, c.rejected)
  // the physical world: good products carry verified codes, rejected products carry defect codes
  await waitFor('conveyor drained', () => conveyor.onConveyor === 0)
  const stateOf = (code: string) => line.pool.findByIdentity(code.split('\u001d')[0]!)?.state
  const describe = (code: string) => { const r = line.pool.findByIdentity(code.split('\u001d')[0]!); return `${r?.id} ${r?.state} ${r?.reason} seq ${r?.seq}` }
  t.same(conveyor.stats.shippedCodes.filter(code => stateOf(code) !== 'AGGREGATED').map(describe), [], 'every shipped product is aggregated')
  t.same(conveyor.stats.rejectedCodes.filter(code => stateOf(code) !== 'DEFECT').map(describe), [], 'every rejected product is a defect')
  t.equal(conveyor.stats.shipped + conveyor.stats.rejected, conveyor.stats.produced)
  t.equal(conveyor.stats.rejected, c.rejected + (c.rejectsByReason.NO_PRINT ?? 0), 'physical rejects = rejected codes + unmarked products')
  t.equal(world.labelPrinters.get('box-label')!.printed.length, c.boxes + c.pallets, 'a label per box and pallet')
})
