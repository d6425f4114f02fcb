// OMAC PackML (ISA-TR88.00.02) state machine as tables: states with their OPC UA numbers, commands, the
// "state complete" step of acting states, and modes. Pure: no I/O, no clock.

export const PACKML_STATES = {
  Stopped: 0, Resetting: 1, Idle: 2, Starting: 3, Execute: 4, Completing: 5, Complete: 6, Aborting: 7, Aborted: 8,
  Stopping: 9, Clearing: 10, Suspending: 11, Suspended: 12, Unsuspending: 13, Holding: 14, Held: 15, Unholding: 16,
} as const
export type PackmlState = keyof typeof PACKML_STATES
export type PackmlCommand = 'start' | 'stop' | 'hold' | 'unhold' | 'suspend' | 'unsuspend' | 'reset' | 'abort' | 'clear' | 'complete'
export const PACKML_COMMANDS: readonly PackmlCommand[] = ['start', 'stop', 'hold', 'unhold', 'suspend', 'unsuspend', 'reset', 'abort', 'clear', 'complete']
export type PackmlMode = 'Production' | 'Maintenance' | 'Manual'

/** Acting states finish into the next state when the controller says their work is done (SC). */
export const STATE_COMPLETE: Readonly<Partial<Record<PackmlState, PackmlState>>> = {
  Resetting: 'Idle',
  Starting: 'Execute',
  Completing: 'Complete',
  Aborting: 'Aborted',
  Stopping: 'Stopped',
  Clearing: 'Stopped',
  Suspending: 'Suspended',
  Unsuspending: 'Execute',
  Holding: 'Held',
  Unholding: 'Execute',
}

const ALL = Object.keys(PACKML_STATES) as PackmlState[]
const except = (...s: PackmlState[]): PackmlState[] => ALL.filter(x => !s.includes(x))

/** Which command is accepted in which states, and where it leads (TR88.00.02 state model). */
export const COMMANDS: Readonly<Record<PackmlCommand, { from: readonly PackmlState[], to: PackmlState }>> = {
  reset: { from: ['Stopped', 'Complete'], to: 'Resetting' },
  start: { from: ['Idle'], to: 'Starting' },
  complete: { from: ['Execute'], to: 'Completing' },
  hold: { from: ['Execute', 'Suspending', 'Suspended', 'Unsuspending'], to: 'Holding' },
  unhold: { from: ['Held'], to: 'Unholding' },
  suspend: { from: ['Execute'], to: 'Suspending' },
  unsuspend: { from: ['Suspended'], to: 'Unsuspending' },
  stop: { from: except('Stopped', 'Stopping', 'Aborting', 'Aborted', 'Clearing'), to: 'Stopping' },
  abort: { from: except('Aborting', 'Aborted'), to: 'Aborting' },
  clear: { from: ['Aborted'], to: 'Clearing' },
}

/** Modes may change only where nothing is moving. */
export const MODE_CHANGE_STATES: readonly PackmlState[] = ['Stopped', 'Idle', 'Aborted']

export type CommandResult = { ok: true, from: PackmlState, to: PackmlState } | { ok: false, reason: { ru: string, en: string } }

export const STATE_NAMES_RU: Record<PackmlState, string> = {
  Stopped: 'Остановлена', Resetting: 'Сброс', Idle: 'Готова', Starting: 'Запуск', Execute: 'Работа', Completing: 'Завершение',
  Complete: 'Завершена', Aborting: 'Аварийный останов', Aborted: 'Аварийно остановлена', Stopping: 'Останов', Clearing: 'Очистка',
  Suspending: 'Приостановка', Suspended: 'Приостановлена', Unsuspending: 'Возобновление', Holding: 'Удержание', Held: 'Удержана',
  Unholding: 'Снятие удержания',
}

/** Pure transition function. */
export function applyCommand (state: PackmlState, command: string): CommandResult {
  const rule = COMMANDS[command as PackmlCommand]
  if (rule === undefined) {
    return { ok: false, reason: { ru: `неизвестная команда «${command}»`, en: `unknown command "${command}"` } }
  }
  if (!rule.from.includes(state)) {
    return {
      ok: false,
      reason: {
        ru: `команда «${command}» недопустима в состоянии «${STATE_NAMES_RU[state]}»`,
        en: `command "${command}" is not allowed in state ${state}`,
      },
    }
  }
  return { ok: true, from: state, to: rule.to }
}

/** The commands accepted in `state` (what the HMI offers). */
export function allowedCommands (state: PackmlState): PackmlCommand[] {
  return PACKML_COMMANDS.filter(c => COMMANDS[c].from.includes(state))
}

export function isActing (state: PackmlState): boolean {
  return STATE_COMPLETE[state] !== undefined
}
