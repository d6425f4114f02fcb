// The panel's rework screen (docs/rework.md): take units out of a reported box, repack it, take a pallet apart,
// take samples. It only builds forms and posts them to /api/rework/…; the server checks the role, the form and the
// group's rules, and answers in both languages.
/// <reference lib="dom" />
import type { Bilingual } from '../../control.ts'
import { TR, type ReworkKey } from './i18n-rework.ts'

/** What the screen needs of the panel app (passed in, so this file imports nothing of app.ts). */
export interface PanelKit {
  h: (tag: string, attrs?: Record<string, unknown>, ...children: Array<Node | string | null | undefined | false>) => HTMLElement
  /** POST a body, show the outcome as the panel does, put field errors next to the fields of `form`. */
  post: (path: string, body: unknown, form: HTMLElement) => Promise<{ ok: true, result: unknown } | { ok: false }>
  lang: () => 'ru' | 'en'
  can: (action: string) => boolean
}

const REASONS = ['REMOVED', 'QA_SAMPLES', 'PRODUCT_TESTING', 'DEMO_SAMPLES'] as const

const lines = (v: FormDataEntryValue | null): string[] => String(v ?? '').split(/\r?\n/).map(s => s.trim()).filter(s => s !== '')

export function reworkView (kit: PanelKit): HTMLElement {
  const { h } = kit
  const tr = (k: ReworkKey): string => (TR[k] as Bilingual)[kit.lang()]
  const out = h('div', { id: 'rework-result', class: 'rework-result', role: 'status' })
  const show = (r: unknown): void => {
    const v = (r ?? {}) as { disaggregated?: string[], newBoxes?: string[], newPallets?: string[] }
    const list = (a: string[] | undefined): string => a === undefined || a.length === 0 ? tr('none') : a.join(', ')
    out.textContent = tr('result').replace('{units}', list(v.disaggregated)).replace('{boxes}', list(v.newBoxes)).replace('{pallets}', list(v.newPallets))
  }
  const field = (name: string, label: string, input: HTMLElement): HTMLElement =>
    h('label', { class: 'field' }, label, input, h('span', { class: 'field-error', 'data-for': name }))
  const reasonSelect = (only?: readonly string[]): HTMLElement =>
    h('select', { name: 'reason' }, ...REASONS.filter(r => only === undefined || only.includes(r)).map(r => h('option', { value: r }, tr(r))))
  const locked = (action: string): string => kit.can(action) ? '' : 'locked'

  // a box: units taken out (dropped with a reason, or returned), the rest repacked
  const boxForm = h('form', { id: 'rework-box', class: 'card', novalidate: true },
    h('h2', {}, tr('boxTitle')), h('p', { class: 'hint' }, tr('boxHint')),
    field('sscc', 'SSCC', h('input', { name: 'sscc', placeholder: '00046016530000000018' })),
    field('take', tr('codes'), h('textarea', { name: 'codes', rows: 4 })),
    field('fate', tr('fate'), h('select', { name: 'fate' }, h('option', { value: 'drop' }, tr('drop')), h('option', { value: 'return' }, tr('back')))),
    field('reason', tr('reason'), reasonSelect()),
    h('button', { type: 'submit', class: `btn ${locked('box:rework')}` }, tr('takeOut')))
  boxForm.addEventListener('submit', ev => {
    ev.preventDefault()
    const fd = new FormData(boxForm as HTMLFormElement)
    const fate = fd.get('fate') === 'return' ? 'return' : 'drop'
    const take = lines(fd.get('codes')).map(code => fate === 'drop' ? { code, fate, reason: String(fd.get('reason')) } : { code, fate })
    void kit.post('/api/rework/box', { sscc: fd.get('sscc'), take }, boxForm).then(r => { if (r.ok) show(r.result) })
  })

  const palletForm = h('form', { id: 'rework-pallet', class: 'card', novalidate: true },
    h('h2', {}, tr('palletTitle')),
    field('sscc', 'SSCC', h('input', { name: 'sscc', placeholder: '00046016530000000025' })),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'rebuild', checked: true }), tr('rebuild')),
    h('button', { type: 'submit', class: `btn danger ${locked('box:rework')}` }, tr('disaggregate')))
  palletForm.addEventListener('submit', ev => {
    ev.preventDefault()
    const fd = new FormData(palletForm as HTMLFormElement)
    void kit.post('/api/rework/pallet', { sscc: fd.get('sscc'), rebuild: fd.get('rebuild') !== null }, palletForm).then(r => { if (r.ok) show(r.result) })
  })

  const samplesForm = h('form', { id: 'rework-samples', class: 'card', novalidate: true },
    h('h2', {}, tr('samplesTitle')), h('p', { class: 'hint' }, tr('samplesHint')),
    field('codes', tr('codes'), h('textarea', { name: 'codes', rows: 4 })),
    field('reason', tr('reason'), reasonSelect(['QA_SAMPLES', 'PRODUCT_TESTING', 'DEMO_SAMPLES'])),
    h('button', { type: 'submit', class: `btn ${locked('unit:sample')}` }, tr('takeSamples')))
  samplesForm.addEventListener('submit', ev => {
    ev.preventDefault()
    const fd = new FormData(samplesForm as HTMLFormElement)
    void kit.post('/api/rework/samples', { codes: lines(fd.get('codes')), reason: fd.get('reason') }, samplesForm).then(r => { if (r.ok) show(r.result) })
  })

  return h('div', { id: 'rework', class: 'rework' }, h('p', { class: 'hint' }, tr('intro')), out, boxForm, palletForm, samplesForm)
}

/** The tab's label. */
export function reworkTabLabel (lang: 'ru' | 'en'): string { return TR.tabRework[lang] }
