// Set-up mode (наладка, docs/setup-mode.md): test prints on the unit printers while the line is not producing, and
// the line parameters engineers set on the panel. A test print takes no code from the pool: its item has a negative
// id and the `test` flag, its text is no marking code (domain/test-print.ts), and the tracker and the feeder skip it.
import type { Clock } from '../clock.ts'
import type { Bilingual, ControlResult, ParameterChange, ParameterChangeRow, SetupControl, SetupView, TestPrintOutcome } from '../control.ts'
import { entryOf, type ErrorCode } from '../domain/catalogue.ts'
import { MAX_TEST_PRINTS, testPrintText } from '../domain/test-print.ts'
import type { Logger } from '../log.ts'
import type { PackmlState } from '../state/packml.ts'
import type { Printer, PrintItem } from '../../printers/types.ts'
import type { LineParameters } from './parameters.ts'

/**
 * Test prints only where the heads hold no production code and production can only begin again through Resetting,
 * whose drain empties the heads of test prints left unprinted (runtime/state-work.ts). Idle is not one: Start goes
 * from Idle to Starting without emptying the heads, so a test print left there would land on the first product.
 */
export const TEST_PRINT_STATES: readonly PackmlState[] = ['Stopped', 'Complete', 'Aborted']

/** Parameters are not changed while producing; what changes is taken at the next start of production anyway. */
export const PARAMETER_LOCKED_STATES: readonly PackmlState[] = ['Execute']

/** A refusal with its catalogue code: the text of the case, then the catalogue's action. */
function refusal (code: ErrorCode, text: Bilingual): { ok: false, code: string, reason: Bilingual } {
  const e = entryOf(code)
  return { ok: false, code, reason: { ru: `${text.ru}. ${e.action.ru}`, en: `${text.en}. ${e.action.en}` } }
}

const STATE_RU: Partial<Record<PackmlState, string>> = { Stopped: 'Остановлена', Complete: 'Завершено', Aborted: 'Прервана', Execute: 'Работа' }
const stateList = (states: readonly PackmlState[], lang: 'ru' | 'en'): string => states.map(s => lang === 'ru' ? `${STATE_RU[s] ?? s} (${s})` : s).join(', ')

export interface SetupServiceOptions {
  /** The unit printers: direct-print heads and unit label printers (box and pallet label printers are not here). */
  printers: readonly Printer[]
  state: () => PackmlState
  /** The line's name, printed on every test print. */
  line: string
  parameters: LineParameters
  clock: Clock
  log: Logger
}

export class SetupService implements SetupControl {
  readonly #o: SetupServiceOptions
  readonly #sent = new Map<string, number>()
  readonly #printed = new Map<string, number>()
  /** Test prints loaded and not yet confirmed, per printer: the head holds these besides nothing else. */
  readonly #pending = new Map<string, Set<number>>()
  /** Test items' ids count down from -1: no pool row has a negative id. */
  #nextId = -1

  constructor (o: SetupServiceOptions) {
    this.#o = o
    for (const p of o.printers) {
      this.#pending.set(p.id, new Set())
      p.on('printed', (d: { item: PrintItem }) => {
        if (d.item.test !== true) return
        this.#printed.set(p.id, (this.#printed.get(p.id) ?? 0) + 1)
        this.#pending.get(p.id)?.delete(d.item.id)
      })
    }
  }

  /** The heads were emptied (Resetting's drain): test prints still in them are gone. */
  headsEmptied (): void { for (const s of this.#pending.values()) s.clear() }

  view (): SetupView {
    return {
      state: this.#o.state(),
      testPrintStates: TEST_PRINT_STATES,
      parameterLockedStates: PARAMETER_LOCKED_STATES,
      maxTestPrints: MAX_TEST_PRINTS,
      printers: this.#o.printers.map(p => {
        const s = p.status()
        return { id: p.id, kind: p.kind, state: s.state, bufferLevel: s.bufferLevel, testSent: this.#sent.get(p.id) ?? 0, testPrinted: this.#printed.get(p.id) ?? 0 }
      }),
      parameters: this.#o.parameters.view(),
    }
  }

  async testPrint (input: { printer: string, count: number }, actor: string): Promise<ControlResult<TestPrintOutcome>> {
    const state = this.#o.state()
    if (!TEST_PRINT_STATES.includes(state)) {
      return refusal('LC_ERR_SETUP_STATE', {
        ru: `Тестовая печать только при состояниях ${stateList(TEST_PRINT_STATES, 'ru')}; сейчас ${STATE_RU[state] ?? state} (${state})`,
        en: `test prints only in ${stateList(TEST_PRINT_STATES, 'en')}; the line is ${state}`,
      })
    }
    const p = this.#o.printers.find(x => x.id === input.printer)
    if (p === undefined) return refusal('LC_ERR_SETUP_PRINTER', { ru: `Нет принтера изделий «${input.printer}»`, en: `no unit printer "${input.printer}"` })
    const s = p.status()
    if (s.state !== 'ready') return refusal('LC_ERR_SETUP_PRINTER', { ru: `Принтер ${p.id} не готов: ${s.faults.join(', ') || s.state}`, en: `printer ${p.id} is not ready: ${s.faults.join(', ') || s.state}` })
    const pending = this.#pending.get(p.id) as Set<number>
    // records in the head that are not test prints are production codes a drain could not take back: a test print
    // behind them would print them first, on nothing the line follows
    if (s.bufferLevel > pending.size) {
      return refusal('LC_ERR_SETUP_PRINTER', { ru: `В буфере принтера ${p.id} коды производства (${s.bufferLevel - pending.size})`, en: `the buffer of printer ${p.id} holds production codes (${s.bufferLevel - pending.size})` })
    }
    const at = this.#o.clock.now()
    const items: PrintItem[] = []
    for (let n = 1; n <= input.count; n++) items.push({ id: this.#nextId--, code: testPrintText({ line: this.#o.line, at, n, of: input.count }), test: true })
    try {
      await p.load(items)
    } catch (err) {
      this.#o.log.warn({ err, printer: p.id, count: items.length, actor }, 'test print not loaded')
      const m = err instanceof Error ? err.message : String(err)
      return refusal('LC_ERR_SETUP_PRINTER', { ru: `Принтер ${p.id} не принял тестовую печать: ${m}`, en: `printer ${p.id} did not take the test print: ${m}` })
    }
    for (const it of items) pending.add(it.id)
    this.#sent.set(p.id, (this.#sent.get(p.id) ?? 0) + items.length)
    this.#o.log.info({ printer: p.id, count: items.length, actor, state }, 'test print sent')
    return { ok: true, value: { printer: p.id, count: items.length, texts: items.map(i => i.code) } }
  }

  changeParameters (input: ParameterChange, actor: string): ControlResult<{ changes: ParameterChangeRow[] }> & { fields?: Record<string, Bilingual> } {
    const state = this.#o.state()
    if (PARAMETER_LOCKED_STATES.includes(state)) {
      return refusal('LC_ERR_SETUP_STATE', {
        ru: 'Параметры линии не меняются во время работы (Execute)',
        en: 'line parameters are not changed while the line runs (Execute)',
      })
    }
    const r = this.#o.parameters.change(input, actor, this.#o.clock.now())
    if (!r.ok) {
      const list = (lang: 'ru' | 'en'): string => Object.entries(r.fields).map(([k, v]) => `${k}: ${v[lang]}`).join('; ')
      return { ...refusal('LC_ERR_SETUP_PARAMETER', { ru: `Значение не принято — ${list('ru')}`, en: `value refused — ${list('en')}` }), fields: r.fields }
    }
    if (r.changes.length > 0) this.#o.log.info({ actor, changes: r.changes }, 'line parameters changed')
    return { ok: true, value: { changes: r.changes } }
  }
}
