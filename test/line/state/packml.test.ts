import t from 'tap'
import { PACKML_COMMANDS, PACKML_STATES, allowedCommands, applyCommand, type PackmlState } from '../../../line/state/packml.ts'
import { PackmlMachine } from '../../../line/state/machine.ts'

// The TR88.00.02 diagram, written out independently of the module's tables.
const EXPECTED: Array<[PackmlState, string, PackmlState]> = [
  ['Stopped', 'reset', 'Resetting'], ['Complete', 'reset', 'Resetting'],
  ['Idle', 'start', 'Starting'], ['Execute', 'complete', 'Completing'],
  ['Execute', 'hold', 'Holding'], ['Suspending', 'hold', 'Holding'], ['Suspended', 'hold', 'Holding'], ['Unsuspending', 'hold', 'Holding'],
  ['Held', 'unhold', 'Unholding'], ['Execute', 'suspend', 'Suspending'], ['Suspended', 'unsuspend', 'Unsuspending'],
  ['Aborted', 'clear', 'Clearing'],
]
const stoppable: PackmlState[] = ['Resetting', 'Idle', 'Starting', 'Execute', 'Completing', 'Complete', 'Suspending', 'Suspended', 'Unsuspending', 'Holding', 'Held', 'Unholding']
for (const s of stoppable) EXPECTED.push([s, 'stop', 'Stopping'])
for (const s of Object.keys(PACKML_STATES) as PackmlState[]) if (s !== 'Aborting' && s !== 'Aborted') EXPECTED.push([s, 'abort', 'Aborting'])

t.test('every state × command pair matches the standard diagram', async t => {
  t.equal(Object.keys(PACKML_STATES).length, 17)
  t.same(PACKML_STATES.Execute, 4)
  t.same(PACKML_STATES.Held, 15)
  let checked = 0
  for (const s of Object.keys(PACKML_STATES) as PackmlState[]) {
    for (const c of PACKML_COMMANDS) {
      const want = EXPECTED.find(([f, cmd]) => f === s && cmd === c)
      const r = applyCommand(s, c)
      if (want === undefined) {
        t.notOk(r.ok, `${c} refused in ${s}`)
        if (!r.ok) t.ok(r.reason.ru.length > 0 && r.reason.en.includes(s), 'bilingual reason names the state')
      } else {
        t.same(r, { ok: true, from: s, to: want[2] }, `${s} --${c}--> ${want[2]}`)
      }
      checked++
    }
  }
  t.equal(checked, 170)
  t.same(allowedCommands('Execute').sort(), ['abort', 'complete', 'hold', 'stop', 'suspend'])
  const r = applyCommand('Idle', 'explode')
  t.notOk(r.ok)
})

t.test('machine: a job cycle, faults hold, store faults abort', async t => {
  let now = 1000
  const m = new PackmlMachine({ now: () => now })
  const seen: string[] = []
  m.on('change', s => seen.push(s.state))
  t.ok(m.command('reset').ok); m.stateComplete()
  t.ok(m.command('start').ok); m.stateComplete()
  t.equal(m.state, 'Execute')
  now = 2000
  m.fault('printer', { ru: 'Нет чернил', en: 'Ink out' })
  t.equal(m.state, 'Holding')
  m.stateComplete()
  t.match(m.snapshot(), { state: 'Held', stateNumber: 15, fault: { kind: 'printer' }, since: 2000 })
  m.fault('camera', { ru: 'к', en: 'c' })
  t.equal(m.snapshot().fault?.kind, 'printer', 'the first fault is kept')
  t.notOk(m.command('start').ok, 'start refused in Held')
  t.notOk(m.setMode('Maintenance').ok, 'no mode change while Held')
  t.ok(m.command('unhold').ok); m.stateComplete()
  t.equal(m.snapshot().fault, null)
  m.fault('store', { ru: 'БД', en: 'DB' })
  t.equal(m.state, 'Aborting')
  m.stateComplete()
  t.ok(m.command('clear').ok); m.stateComplete()
  t.equal(m.state, 'Stopped')
  t.ok(m.setMode('Maintenance').ok)
  t.same(seen, ['Resetting', 'Idle', 'Starting', 'Execute', 'Holding', 'Held', 'Unholding', 'Execute', 'Aborting', 'Aborted', 'Clearing', 'Stopped', 'Stopped'])
  const m2 = new PackmlMachine({ now: () => now, initial: 'Idle' })
  m2.fault('pool-low', { ru: 'п', en: 'p' })
  t.equal(m2.state, 'Stopping', 'a fault before production stops the line')
})
