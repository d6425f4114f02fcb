// The line's PackML machine: holds the current state and mode, applies commands and faults, tells listeners.

import { TypedEmitter } from '../events.ts'
import {
  MODE_CHANGE_STATES, PACKML_STATES, STATE_COMPLETE, STATE_NAMES_RU, applyCommand, allowedCommands,
  type CommandResult, type PackmlCommand, type PackmlMode, type PackmlState,
} from './packml.ts'

export interface StateSnapshot {
  state: PackmlState
  stateNumber: number
  stateRu: string
  mode: PackmlMode
  allowed: PackmlCommand[]
  /** Why the line is Held/Aborted, when a fault drove it there. */
  fault: { kind: string, message: { ru: string, en: string } } | null
  since: number
}

/** Faults that hold the line (recoverable after Unhold or Reset) and those that abort it. */
export type FaultKind = 'printer' | 'camera' | 'pool-low' | 'rejects' | 'reject-rate' | 'broker' | 'label-printer' | 'store' | 'config' | 'plant'
const ABORTING_FAULTS: readonly FaultKind[] = ['store', 'config']

export interface MachineEvents {
  /** A new state or mode; `from` is the state left (absent on a mode change). */
  change: [snapshot: StateSnapshot, from?: PackmlState]
}

export class PackmlMachine extends TypedEmitter<MachineEvents> {
  #state: PackmlState
  #mode: PackmlMode = 'Production'
  #fault: StateSnapshot['fault'] = null
  #since: number
  readonly #now: () => number

  constructor (options: { initial?: PackmlState, now: () => number }) {
    super()
    this.#now = options.now
    this.#state = options.initial ?? 'Stopped'
    this.#since = this.#now()
  }

  get state (): PackmlState { return this.#state }
  get mode (): PackmlMode { return this.#mode }

  snapshot (): StateSnapshot {
    return {
      state: this.#state,
      stateNumber: PACKML_STATES[this.#state],
      stateRu: STATE_NAMES_RU[this.#state],
      mode: this.#mode,
      allowed: allowedCommands(this.#state),
      fault: this.#fault,
      since: this.#since,
    }
  }

  /** Apply an operator/PLC command. Refusals carry a bilingual reason and change nothing. */
  command (cmd: string): CommandResult {
    const r = applyCommand(this.#state, cmd)
    if (r.ok) {
      if (cmd === 'reset' || cmd === 'clear' || cmd === 'unhold') this.#fault = null
      this.#enter(r.to)
    }
    return r
  }

  /** The acting state's work is done: move on (SC). No-op in wait states. */
  stateComplete (): void {
    const next = STATE_COMPLETE[this.#state]
    if (next !== undefined) this.#enter(next)
  }

  /** A fault: hold (or abort, for store/config faults) if the state allows it; the first fault is kept. */
  fault (kind: FaultKind, message: { ru: string, en: string }): void {
    const cmd: PackmlCommand = ABORTING_FAULTS.includes(kind) ? 'abort' : 'hold'
    const r = applyCommand(this.#state, cmd)
    if (this.#fault === null) this.#fault = { kind, message }
    if (r.ok) this.#enter(r.to)
    else if (cmd === 'hold' && (this.#state === 'Starting' || this.#state === 'Idle' || this.#state === 'Resetting')) {
      // Not yet producing: stop rather than run into a known fault.
      const s = applyCommand(this.#state, 'stop')
      if (s.ok) this.#enter(s.to)
    }
  }

  setMode (mode: PackmlMode): CommandResult {
    if (!MODE_CHANGE_STATES.includes(this.#state)) {
      return { ok: false, reason: { ru: `режим меняется только в состояниях Остановлена, Готова, Аварийно остановлена`, en: `mode can change only in Stopped, Idle or Aborted` } }
    }
    this.#mode = mode
    this.emit('change', this.snapshot())
    return { ok: true, from: this.#state, to: this.#state }
  }

  #enter (to: PackmlState): void {
    const from = this.#state
    this.#state = to
    this.#since = this.#now()
    this.emit('change', this.snapshot(), from)
  }
}
