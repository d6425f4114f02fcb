// JobModes: the job says how its codes reach the packs; the line's own mode when it does not. Calls go to the job's
// mode only, marks of every mode reach the tracker, every device is shown.
import { EventEmitter } from 'node:events'
import t from 'tap'
import { JobModes } from '../../../line/modes/by-job.ts'
import type { LineMode, LineModeKind, MarkSink } from '../../../line/modes/mode.ts'
import type { Printer } from '../../../printers/types.ts'

function fake (kind: LineModeKind, device: string): LineMode & { calls: string[], job: unknown } {
  const p = Object.assign(new EventEmitter(), { id: device }) as unknown as Printer
  const calls: string[] = []
  const m = {
    kind, appliers: [p], devices: [p], budget: 0, calls, job: undefined as unknown,
    setJob (job: unknown) { calls.push(job === null ? 'setJob(null)' : 'setJob'); m.job = job },
    connect (_s: MarkSink) { calls.push('connect') },
    onFault () { calls.push('onFault') },
    start () { calls.push('start') },
    pause () { calls.push('pause') },
    drain () { calls.push('drain'); return Promise.resolve({ writtenOff: [] }) },
    primed () { calls.push('primed'); return true },
    exhausted () { return false },
    close () { calls.push('close') },
  }
  return m
}

t.test('the job\'s mode takes the calls; the line\'s own mode when the job names none', async t => {
  const direct = fake('direct', 'head-1')
  const label = fake('label', 'applicator')
  const modes = new JobModes([direct, label])
  modes.connect({ onPrinted: () => {}, onMissed: () => {} })
  t.same([direct.calls, label.calls], [['connect'], ['connect']], 'marks of every mode reach the tracker')
  t.same(modes.devices.map(p => p.id), ['head-1', 'applicator'], 'every device is shown')
  t.equal(modes.kind, 'direct', 'the line\'s own mode first')

  modes.setJob({ id: 1, gtin: 'g', budget: 10, mode: 'label' })
  modes.start()
  t.equal(modes.kind, 'label')
  t.same(modes.appliers.map(p => p.id), ['applicator'], 'the job\'s devices must be ready')
  t.same(direct.calls.slice(1), ['setJob(null)'], 'the other mode forgets the job')
  t.same(label.calls.slice(1), ['setJob', 'start'])

  modes.setJob({ id: 2, gtin: 'g', budget: 10 })
  t.equal(modes.kind, 'direct', 'a job without a mode runs in the line\'s own')
  modes.setJob({ id: 3, gtin: 'g', budget: 10, mode: 'preapplied' })
  t.equal(modes.kind, 'direct', 'a mode the line has not (refused at the job\'s entry) falls back to its own')
})
