// The PackML state work table and its worker: what each acting state does, then SC; a failure alarms and stops.
import t from 'tap'
import { textOf } from '../../../line/domain/catalogue.ts'
import { silentLogger } from '../../../line/log.ts'
import { STATE_WORK, StateWorker, type StateWorkContext } from '../../../line/runtime/state-work.ts'
import type { StateSnapshot } from '../../../line/state/machine.ts'
import type { PackmlState } from '../../../line/state/packml.ts'
import type { Printer } from '../../../printers/types.ts'

function context (options: { ready?: boolean, job?: boolean, drainFails?: boolean } = {}) {
  const calls: string[] = []
  const printer = { id: 'head-1', status: () => ({ state: options.ready === false ? 'fault' : 'ready' }) } as unknown as Printer
  const c: StateWorkContext = {
    mode: {
      appliers: [printer],
      start: () => { calls.push('start') },
      pause: () => { calls.push('pause') },
      drain: async () => { calls.push('drain'); if (options.drainFails === true) throw new Error('head gone'); return { writtenOff: [] } },
    },
    tracker: {
      expectNoPrints: on => { calls.push(`expectNoPrints:${on}`) },
      resync: () => { calls.push('resync') },
      dropUndecided: reason => { calls.push(`dropUndecided:${reason}`) },
    },
    aggregator: { closeAllPartial: async () => { calls.push('closeAllPartial') } },
    hasJob: () => options.job ?? true,
    primed: async () => { calls.push('primed') },
    settle: async () => { calls.push('settle') },
    writeOffLeftovers: () => { calls.push('writeOffLeftovers') },
    completeJob: () => { calls.push('completeJob') },
  }
  return { c, calls }
}

t.test('the table: what each acting state does, in order', async t => {
  const expected: Partial<Record<PackmlState, string[]>> = {
    Resetting: ['drain', 'writeOffLeftovers'],
    Starting: ['expectNoPrints:false', 'resync', 'start', 'primed'],
    Unholding: ['start'],
    Unsuspending: ['start'],
    Holding: ['pause'],
    Suspending: ['pause'],
    Stopping: ['drain', 'settle'],
    Aborting: ['drain', 'dropUndecided:NO_RESULT'],
    Completing: ['expectNoPrints:true', 'drain', 'settle', 'closeAllPartial', 'completeJob'],
    Clearing: [],
  }
  t.same(Object.keys(STATE_WORK).sort(), Object.keys(expected).sort(), 'every acting state has its work')
  for (const [state, calls] of Object.entries(expected)) {
    const x = context()
    await STATE_WORK[state as PackmlState]!(x.c)
    t.same(x.calls, calls, state)
  }
})

t.test('refusals: Resetting with a printer not ready, Starting without a job; Aborting survives a failed drain', async t => {
  await t.rejects(STATE_WORK.Resetting!(context({ ready: false }).c), /printer head-1 is not ready/)
  await t.rejects(STATE_WORK.Starting!(context({ job: false }).c), /no active job/)
  const x = context({ drainFails: true })
  await STATE_WORK.Aborting!(x.c)
  t.same(x.calls, ['drain', 'dropUndecided:NO_RESULT'])
})

function machine (state: PackmlState) {
  const m = { state, completed: 0, commands: [] as string[], stateComplete () { m.completed++ }, command (cmd: string) { m.commands.push(cmd); return { ok: true as const, from: m.state, to: m.state } } }
  return m
}
const snap = (state: PackmlState): StateSnapshot => ({ state, stateNumber: 0, stateRu: '', mode: 'Production', allowed: [], fault: null, since: 0 })

t.test('the worker: SC after the work, only if the state is still the same; one state at a time', async t => {
  const m = machine('Holding')
  const alarms: string[] = []
  const order: string[] = []
  let release = (): void => {}
  const w = new StateWorker({
    machine: m, alarms: { raise: a => { alarms.push(a.code); return 1 } }, log: silentLogger(), context: context().c,
    work: {
      Holding: async () => { order.push('holding:start'); await new Promise<void>(resolve => { release = resolve }); order.push('holding:end') },
      Unholding: async () => { order.push('unholding') },
    },
  })
  w.entered(snap('Holding'))
  w.entered(snap('Unholding'))
  w.entered(snap('Execute'))
  await new Promise(resolve => setImmediate(resolve))
  t.same(order, ['holding:start'], 'the next state waits for the previous work')
  m.state = 'Unholding'
  release()
  await w.idle()
  t.same(order, ['holding:start', 'holding:end', 'unholding'])
  t.equal(m.completed, 1, 'SC only for the state the machine is still in')
  t.same(alarms, [])
})

t.test('the worker: a failed state raises STATE_FAILED and stops (aborts when stopping failed)', async t => {
  for (const [state, cmd] of [['Starting', 'stop'], ['Stopping', 'abort'], ['Aborting', 'abort']] as const) {
    const m = machine(state)
    const alarms: Array<{ code: string, en: string, error: unknown }> = []
    const w = new StateWorker({
      machine: m, alarms: { raise: a => { alarms.push({ code: a.code, en: textOf(a).en, error: a.detail?.error }); return 1 } }, log: silentLogger(), context: context().c,
      work: { [state]: async () => { throw new Error('boom') } },
    })
    w.entered(snap(state))
    await w.idle()
    // the operator reads the catalogue's text; the exception is detail for the engineer
    t.same(alarms, [{ code: 'STATE_FAILED', en: textOf({ code: 'STATE_FAILED', params: { state } }).en, error: 'Error: boom' }], `${state}: alarm`)
    t.same(m.commands, [cmd], `${state}: ${cmd}`)
    t.equal(m.completed, 0)
  }
})
