// The panel's set-up screen (наладка, docs/setup-mode.md): test prints on a unit printer, and the reject parameters
// engineers set, each shown with where its value comes from (panel or configuration). It only reads /api/setup and
// posts forms; the server checks the role, the line state and the config's rules, and answers in both languages.
/// <reference lib="dom" />
import type { Bilingual, ParameterKey, SetupView } from '../../control.ts'
import { TS, type SetupKey } from './i18n-setup.ts'

type Api = <R>(method: string, path: string, body?: unknown) => Promise<{ ok: true, data: R } | { ok: false, status: number, error: { code: string, message: Bilingual } }>

/** What the screen needs of the panel app (passed in, so this file imports nothing of app.ts). */
export interface SetupKit {
  h: (tag: string, attrs?: Record<string, unknown>, ...children: Array<Node | string | null | undefined | false>) => HTMLElement
  api: Api
  /** POST a body, show the outcome as the panel does, put field errors next to the fields of `form`. */
  post: (path: string, body: unknown, form: HTMLElement) => Promise<{ ok: true, result: unknown } | { ok: false }>
  lang: () => 'ru' | 'en'
  can: (action: string) => boolean
}

const STATE_RU: Record<string, string> = { Stopped: 'Остановлена', Complete: 'Завершено', Aborted: 'Прервана', Idle: 'Готова', Execute: 'Работа', Held: 'Удержание' }

export function setupView (kit: SetupKit): HTMLElement {
  const { h } = kit
  const tr = (k: SetupKey): string => (TS[k] as Bilingual)[kit.lang()]
  const fill = (s: string, v: Record<string, string | number>): string => s.replace(/\{(\w+)\}/g, (w, k: string) => v[k] === undefined ? w : String(v[k]))
  const stateName = (s: string): string => kit.lang() === 'ru' ? `${STATE_RU[s] ?? s} (${s})` : s
  const locked = (action: string): string => kit.can(action) ? '' : 'locked'
  const root = h('div', { id: 'setup', class: 'setup' })

  const render = (v: SetupView): void => {
    // ---- test print
    const printResult = h('div', { id: 'setup-print-result', class: 'hint', role: 'status' }, lastPrint)
    const printForm = h('form', { id: 'setup-print', class: 'card', novalidate: true },
      h('h2', {}, tr('printTitle')),
      h('p', { class: 'hint' }, fill(tr('printHint'), { states: v.testPrintStates.map(stateName).join(', ') })),
      v.printers.length === 0
        ? h('p', {}, tr('noPrinters'))
        : h('div', { class: 'inline-form setup-row' },
          h('label', { class: 'field grow' }, tr('printer'),
            h('select', { name: 'printer' }, ...v.printers.map(p => h('option', { value: p.id }, `${p.id} · ${p.kind} · ${p.state} · ${fill(tr('sentPrinted'), { sent: p.testSent, printed: p.testPrinted })}`))),
            h('span', { class: 'field-error', 'data-for': 'printer' })),
          h('label', { class: 'field setup-count' }, tr('count'),
            h('input', { name: 'count', type: 'number', min: 1, max: v.maxTestPrints, value: 3, inputmode: 'numeric' }),
            h('span', { class: 'field-error', 'data-for': 'count' })),
          h('button', { type: 'submit', class: `btn primary ${locked('setup:print')}` }, tr('send'))),
      printResult)
    printForm.addEventListener('submit', ev => {
      ev.preventDefault()
      const fd = new FormData(printForm as HTMLFormElement)
      void kit.post('/api/setup/test-print', { printer: String(fd.get('printer') ?? ''), count: Number(fd.get('count')) }, printForm).then(r => {
        if (!r.ok) return
        const o = r.result as { printer: string, count: number, texts: string[] }
        lastPrint = fill(tr('sentTexts'), { printer: o.printer, first: o.texts[0] ?? '', count: o.count })
        // the printers' counts again, the outcome kept across the new rendering
        void load()
      })
    })

    // ---- parameters
    const current = new Map(v.parameters.map(p => [p.key, p]))
    const rows = v.parameters.map(p => {
      const when = p.changedAt === null ? '' : new Date(p.changedAt).toLocaleString(kit.lang() === 'ru' ? 'ru-RU' : 'en-GB')
      const show = (x: number | null): string => x === null ? tr('off') : String(x)
      const source = p.source === 'panel'
        ? h('span', { class: 'src src-panel' }, fill(tr('fromPanel'), { who: p.changedBy ?? '', when }))
        : h('span', { class: 'src src-config' }, tr('fromConfig'))
      return h('tr', { 'data-key': p.key, 'data-source': p.source },
        h('td', { class: 'wrap' }, tr(p.key)),
        h('td', {},
          h('input', { name: p.key, type: 'number', min: p.key === 'maxRejectsPer100' ? 1 : undefined, inputmode: 'numeric', value: p.value === null ? '' : String(p.value), class: 'setup-value' }),
          h('span', { class: 'field-error', 'data-for': p.key })),
        h('td', { class: 'wrap' }, source,
          p.source === 'panel' ? h('div', { class: 'hint' }, fill(tr('configWas'), { v: show(p.configValue) })) : null,
          p.applied !== p.value ? h('div', { class: 'hint pending' }, fill(tr('pending'), { v: show(p.applied) })) : null),
        h('td', {}, p.source === 'panel'
          ? h('button', { type: 'button', class: `btn small ${locked('setup:params')}`, 'data-reset': p.key, onclick: () => { void save({ reset: [p.key] }) } }, tr('backToConfig'))
          : null))
    })
    const paramsForm = h('form', { id: 'setup-params', class: 'card', novalidate: true },
      h('h2', {}, tr('paramsTitle')), h('p', { class: 'hint' }, tr('paramsHint')),
      h('table', { class: 'table setup-table' },
        h('thead', {}, h('tr', {}, h('th', {}, tr('parameter')), h('th', {}, tr('value')), h('th', {}, tr('source')), h('th', {}))),
        h('tbody', {}, ...rows)),
      h('button', { type: 'submit', class: `btn primary ${locked('setup:params')}` }, tr('save')))
    const save = async (body: Record<string, unknown>): Promise<void> => {
      const r = await kit.post('/api/setup/parameters', body, paramsForm)
      if (!r.ok) return
      const changes = (r.result as { changes: Array<{ key: ParameterKey, from: number | null, to: number | null }> }).changes
      const show = (x: number | null): string => x === null ? tr('off') : String(x)
      await load(changes.length === 0 ? tr('nothingChanged') : fill(tr('saved'), { list: changes.map(c => `${tr(c.key)}: ${show(c.from)} → ${show(c.to)}`).join('; ') }))
    }
    paramsForm.addEventListener('submit', ev => {
      ev.preventDefault()
      const fd = new FormData(paramsForm as HTMLFormElement)
      const body: Record<string, number | null | string> = {}
      for (const [key, p] of current) {
        const raw = String(fd.get(key) ?? '').trim()
        // an empty rejects-per-100 turns the rule off; other values are sent as typed, the server judges them
        const value = raw === '' ? (key === 'maxRejectsPer100' ? null : '') : Number.isFinite(Number(raw)) ? Number(raw) : raw
        if (value !== p.value) body[key] = value
      }
      void save(body)
    })

    root.replaceChildren(
      h('p', { class: 'hint' }, tr('intro')),
      h('div', { id: 'setup-state', class: 'card setup-state', 'data-state': v.state }, `${tr('state')}: ${stateName(v.state)}`),
      h('div', { id: 'setup-saved', class: 'hint', role: 'status' }, savedText),
      printForm, paramsForm)
  }

  let savedText = ''
  let lastPrint = ''
  const load = async (note?: string): Promise<void> => {
    if (note !== undefined) savedText = note
    const r = await kit.api<SetupView>('GET', '/api/setup')
    if (r.ok) render(r.data)
    else root.replaceChildren(h('p', { class: 'field-error' }, r.error.message[kit.lang()]))
  }
  void load()
  return root
}

/** The tab's label. */
export function setupTabLabel (lang: 'ru' | 'en'): string { return TS.tab[lang] }
