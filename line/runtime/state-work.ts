// What the line does in each acting PackML state, as a table, and the worker that runs it: one state's work at a
// time, then "state complete" (SC) — or, if the work failed, an alarm and Stop (Abort when stopping failed).

import type { AlarmBook } from '../alarms/alarms.ts'
import type { Aggregator } from '../aggregation/aggregator.ts'
import type { Logger } from '../log.ts'
import type { LineMode } from '../modes/mode.ts'
import type { PackmlMachine, StateSnapshot } from '../state/machine.ts'
import type { PackmlState } from '../state/packml.ts'
import type { Tracker } from '../tracking/tracker.ts'

/** What the state work acts on. */
export interface StateWorkContext {
  mode: Pick<LineMode, 'appliers' | 'start' | 'pause' | 'drain'>
  tracker: Pick<Tracker, 'expectNoPrints' | 'resync' | 'dropUndecided'>
  aggregator: Pick<Aggregator, 'closeAllPartial'>
  hasJob(): boolean
  /** Until codes sit in every applier's buffer (DESIGN §5a: the first product must find one); throws on timeout. */
  primed(): Promise<void>
  /** Until products between printer and gate are decided and past the gate, up to the settle timeout. */
  settle(): Promise<void>
  /** Codes on products the controller lost track of after a restart are written off. */
  writeOffLeftovers(): void
  /** The job is done: recorded as complete. */
  completeJob(): void
}

export type StateWork = (c: StateWorkContext) => Promise<void>

/** The work of each acting state; states not listed have none (wait states, and Execute). */
export const STATE_WORK: Readonly<Partial<Record<PackmlState, StateWork>>> = {
  Resetting: async c => {
    for (const p of c.mode.appliers) if (p.status().state !== 'ready') throw new Error(`printer ${p.id} is not ready`)
    // Empty the heads: after a restart they may still hold records whose codes are already written off.
    await c.mode.drain()
    c.writeOffLeftovers()
  },
  Starting: async c => {
    if (!c.hasJob()) throw new Error('no active job')
    c.tracker.expectNoPrints(false)
    c.tracker.resync()
    c.mode.start()
    await c.primed()
  },
  Unholding: async c => { c.mode.start() },
  Unsuspending: async c => { c.mode.start() },
  Holding: async c => { c.mode.pause() },
  Suspending: async c => { c.mode.pause() },
  Stopping: async c => { await c.mode.drain(); await c.settle() },
  Aborting: async c => { await c.mode.drain().catch(() => {}); c.tracker.dropUndecided('NO_RESULT') },
  Completing: async c => {
    c.tracker.expectNoPrints(true)
    await c.mode.drain()
    await c.settle()
    await c.aggregator.closeAllPartial()
    c.completeJob()
  },
  Clearing: async () => {},
}

export interface StateWorkerOptions {
  machine: Pick<PackmlMachine, 'state' | 'stateComplete' | 'command'>
  alarms: Pick<AlarmBook, 'raise'>
  log: Logger
  context: StateWorkContext
  work?: Readonly<Partial<Record<PackmlState, StateWork>>>
}

export class StateWorker {
  readonly #o: StateWorkerOptions
  readonly #work: Readonly<Partial<Record<PackmlState, StateWork>>>
  #acting: Promise<void> = Promise.resolve()

  constructor (options: StateWorkerOptions) {
    this.#o = options
    this.#work = options.work ?? STATE_WORK
  }

  /** The machine entered `s`: queue its work behind the previous state's. */
  entered (s: StateSnapshot): void {
    const fn = this.#work[s.state]
    if (fn === undefined) return
    const state = s.state
    const { machine, alarms, log, context } = this.#o
    this.#acting = this.#acting.then(() => fn(context)).then(() => {
      if (machine.state === state) machine.stateComplete()
    }, err => {
      log.error({ err, state }, 'acting state failed')
      alarms.raise({ code: 'STATE_FAILED', source: 'line', params: { state }, detail: { state, error: String(err) } })
      if (machine.state === state) machine.command(state === 'Stopping' || state === 'Aborting' ? 'abort' : 'stop')
    })
  }

  /** Resolves when the work queued so far has finished. */
  idle (): Promise<void> { return this.#acting.catch(() => {}) }
}
