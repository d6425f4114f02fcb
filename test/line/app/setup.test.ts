// The panel's reject parameters reach the tracker at the next start of production, not before (line/app/setup.ts):
// the real PackML machine on the line's bus, the parameters in a real store, the real tracker.
import t from 'tap'
import { AlarmBook } from '../../../line/alarms/alarms.ts'
import { followSetup } from '../../../line/app/setup.ts'
import { LineBus } from '../../../line/events.ts'
import { silentLogger } from '../../../line/log.ts'
import { LineParameters } from '../../../line/setup/parameters.ts'
import { PackmlMachine } from '../../../line/state/machine.ts'
import { Tracker } from '../../../line/tracking/tracker.ts'
import { poolFixture } from '../../helpers/pool.ts'

t.test('parameters saved while stopped are taken at Starting, and shown as applied from then on', async t => {
  const f = poolFixture(t)
  const config = { rejectDistance: 5, rejectMargin: 2, maxConsecutiveRejects: 5, maxRejectsPer100: null }
  const parameters = new LineParameters({ db: f.db, config, cameras: [] })
  const tracker = new Tracker({ pool: f.pool, clock: f.clock, log: silentLogger(), alarms: new AlarmBook(f.db, { clock: f.clock, log: silentLogger() }), plc: { reject: async () => {} }, ...config, maxRejectsPer100: undefined, resultTimeoutMs: 1500, printTimeoutMs: 300 })
  const machine = new PackmlMachine({ now: () => f.clock.now() })
  const bus = new LineBus()
  bus.relay('machine', machine, ['change'])
  let emptied = 0
  followSetup({ bus, runtime: { applyRejectRules: r => tracker.setRejectRules(r) }, parameters, setup: { headsEmptied: () => { emptied++ } }, log: silentLogger() })

  t.same(parameters.change({ values: { rejectDistance: 8, maxRejectsPer100: 12 }, reset: [] }, 'petrova', f.clock.now()), { ok: true, changes: [{ key: 'rejectDistance', from: 5, to: 8, source: 'panel' }, { key: 'maxRejectsPer100', from: null, to: 12, source: 'panel' }] })
  t.equal(tracker.rejectRules.rejectDistance, 5, 'nothing changes while the line is stopped')
  t.match(parameters.view()[0], { key: 'rejectDistance', value: 8, applied: 5 })
  machine.command('reset')
  t.equal(emptied, 1, 'Resetting: test prints left in the heads are gone with the drain')
  machine.stateComplete()
  machine.command('start')
  t.equal(machine.state, 'Starting')
  t.same(tracker.rejectRules, { rejectDistance: 8, rejectMargin: 2, maxConsecutiveRejects: 5, maxRejectsPer100: 12 })
  t.match(parameters.view()[0], { value: 8, applied: 8 })
})
