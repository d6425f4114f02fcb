// The panel's find screens (docs/hmi.md "Finding things"): closed boxes and pallets of a job, a code's whereabouts and
// its status in GIS MT, the report queue. Built with the app's own helpers (PanelKit), so app.ts only adds a tab.
/// <reference lib="dom" />
import type { Bilingual } from '../../control.ts'
import type { CisInfo } from '../../gismt/client.ts'
import type { CodeDetail, ContainerDetail, ContainerRow, ReportRow } from '../../lookup/lookup.ts'
import type { Lang } from './i18n.ts'
import { fmtDateTime } from './dates.ts'
import { CODE_STATE_TEXT, FT, REPORT_STATE_TEXT, type FindKey } from './i18n-find.ts'

type ApiError = { code: string, message: Bilingual, fields?: Record<string, Bilingual> }
type ApiAnswer<R> = { ok: true, data: R } | { ok: false, status: number, error: ApiError }
type Child = Node | string | null | undefined | false

/** What the find screens borrow from the app: element builder, API call, toast, language, permissions. */
export interface PanelKit {
  h(tag: string, attrs?: Record<string, unknown>, ...children: Child[]): HTMLElement
  api<R = unknown>(method: string, path: string, body?: unknown): Promise<ApiAnswer<R>>
  toast(text: string, kind: 'ok' | 'error'): void
  lang(): Lang
  can(action: string): boolean
}

type Sub = 'containers' | 'code' | 'reports'
let sub: Sub = 'containers'
/** Kept between visits of the tab: the job picked, the last search, the box open, the code looked up. */
const memory: { job: string, query: string, open: string | null, code: string } = { job: '', query: '', open: null, code: '' }

export function findView (k: PanelKit): HTMLElement {
  const { h } = k
  const t = (key: FindKey): string => FT[key][k.lang()]
  const bi = (b: Bilingual): string => b[k.lang()]
  const when = (ms: number | null): string => fmtDateTime(ms, k.lang())
  const shown = (code: string): string => code.replaceAll('\u001d', '⟨GS⟩')
  const failed = (r: { error: ApiError }): void => {
    const fields = r.error.fields === undefined ? '' : ` ${Object.values(r.error.fields).map(bi).join('; ')}`
    k.toast(`${bi(r.error.message)}${fields}`, 'error')
  }
  const reportState = (s: string | null): HTMLElement => s === null
    ? h('span', { class: 'muted', 'data-report-state': '' }, t('noReport'))
    : h('span', { class: `rstate rs-${s}`, 'data-report-state': s }, REPORT_STATE_TEXT[s]?.[k.lang()] ?? s, h('small', {}, ` (${s})`))
  const kindText = (kind: string): string => kind === 'pallet' ? t('palletKind') : FT[kind as FindKey]?.[k.lang()] ?? kind

  const body = h('div', { id: 'find-body' })
  const nav = h('div', { class: 'find-nav' }, ...(['containers', 'code', 'reports'] as const).map(s =>
    h('button', { class: `btn small ${sub === s ? 'primary' : ''}`, 'data-find': s, onclick: () => { sub = s; show() } },
      t(s === 'containers' ? 'subContainers' : s === 'code' ? 'subCode' : 'subReports'))))

  function show (): void {
    nav.querySelectorAll('button').forEach(b => { b.classList.toggle('primary', b.getAttribute('data-find') === sub) })
    body.replaceChildren(sub === 'containers' ? containersScreen() : sub === 'code' ? codeScreen() : reportsScreen())
  }

  // ---------- closed boxes and pallets
  function containersScreen (): HTMLElement {
    const jobSel = h('select', { id: 'find-job', name: 'job' }, h('option', { value: '' }, t('allJobs'))) as HTMLSelectElement
    const q = h('input', { id: 'find-query', name: 'q', placeholder: t('searchHint'), autocomplete: 'off', value: memory.query }) as HTMLInputElement
    const table = h('table', { id: 'find-containers', class: 'table find-table' })
    const detail = h('div', { id: 'find-detail', class: 'find-detail' })
    const load = async (): Promise<void> => {
      memory.job = jobSel.value
      memory.query = q.value
      if (jobSel.value === '' && q.value.trim() === '') { table.replaceChildren(h('caption', { class: 'muted' }, t('chooseJob'))); return }
      const params = new URLSearchParams()
      if (jobSel.value !== '') params.set('job', jobSel.value)
      if (q.value.trim() !== '') params.set('q', q.value)
      const r = await k.api<{ rows: ContainerRow[], matched: string }>('GET', `/api/find/containers?${params.toString()}`)
      if (!r.ok) { failed(r); return }
      table.dataset.matched = r.data.matched
      table.replaceChildren(
        h('tr', {}, h('th', {}, t('level')), h('th', { class: 'col-sscc' }, 'SSCC'), h('th', {}, t('items')), h('th', { class: 'col-sscc' }, t('pallet')), h('th', {}, t('closedAt')), h('th', {}, t('report')), h('th', {}, '')),
        ...(r.data.rows.length === 0 ? [h('tr', {}, h('td', { colspan: 7, class: 'muted' }, t('nothing')))] : r.data.rows.map(c =>
          h('tr', { 'data-sscc': c.sscc, 'data-level': c.level, class: c.state === 'scrapped' ? 'scrapped' : '' },
            h('td', {}, `${c.level === 'box' ? t('box') : t('pallet')}${c.state === 'scrapped' ? ` · ${t('scrapped')}` : ''}`),
            h('td', { class: 'mono' }, c.sscc), h('td', {}, String(c.items)), h('td', { class: 'mono' }, c.parent ?? '—'),
            h('td', {}, when(c.closedAt)), h('td', {}, reportState(c.report.state)),
            h('td', {}, h('button', { class: 'btn small', 'data-open': c.sscc, onclick: () => { void openContainer(c.sscc) } }, t('open')))))))
      // one box found by a code or an SSCC: opened at once
      const only = r.data.matched !== 'all' ? r.data.rows.find(c => c.level === 'box') ?? r.data.rows[0] : undefined
      if (only !== undefined) await openContainer(only.sscc)
    }
    const openContainer = async (sscc: string): Promise<void> => {
      memory.open = sscc
      const r = await k.api<{ container: ContainerDetail }>('GET', `/api/find/containers/${encodeURIComponent(sscc)}`)
      if (!r.ok) { failed(r); return }
      const c = r.data.container
      table.querySelectorAll('tr.selected').forEach(tr => { tr.classList.remove('selected') })
      table.querySelector(`tr[data-sscc="${c.sscc}"]`)?.classList.add('selected')
      detail.replaceChildren(h('section', { class: 'card', 'data-container': c.sscc },
        h('h2', {}, `${c.level === 'box' ? t('box') : t('pallet')} ${c.sscc}`),
        h('dl', { class: 'kv' },
          h('dt', {}, t('state')), h('dd', {}, c.state === 'scrapped' ? t('scrapped') : t('closed')),
          h('dt', {}, t('items')), h('dd', { 'data-items': c.items }, String(c.items)),
          h('dt', {}, t('pallet')), h('dd', { class: 'mono' }, c.parent ?? '—'),
          h('dt', {}, t('closedAt')), h('dd', {}, when(c.closedAt)),
          h('dt', {}, t('report')), h('dd', {}, reportState(c.report.state))),
        c.state === 'closed'
          ? h('button', {
            id: 'find-reprint', class: `btn ${k.can('label:reprint') ? '' : 'locked'}`,
            onclick: () => { void k.api('POST', '/api/box/reprint', { sscc: c.sscc }).then(x => { if (x.ok) k.toast(`${t('reprinted')}: SSCC ${c.sscc}`, 'ok'); else failed(x) }) },
          }, t('reprint'))
          : null,
        reportsTable(c.reportsList, 'find-container-reports'),
        h('h2', {}, t('contents')),
        c.level === 'box'
          ? h('table', { id: 'find-units', class: 'table find-table' }, h('tr', {}, h('th', { class: 'col-code' }, t('code')), h('th', {}, t('state')), h('th', {}, t('reason'))),
            ...c.units.map(u => h('tr', { 'data-code-id': u.id }, h('td', { class: 'mono' }, shown(u.code)), h('td', {}, `${CODE_STATE_TEXT[u.state]?.[k.lang()] ?? u.state}`), h('td', {}, u.reason ?? '—'))))
          : h('table', { id: 'find-boxes', class: 'table find-table' }, h('tr', {}, h('th', { class: 'col-sscc' }, 'SSCC'), h('th', {}, t('items')), h('th', {}, t('state')), h('th', {}, '')),
            ...c.boxes.map(b => h('tr', { 'data-sscc': b.sscc }, h('td', { class: 'mono' }, b.sscc), h('td', {}, String(b.items)), h('td', {}, b.state === 'scrapped' ? t('scrapped') : t('closed')),
              h('td', {}, h('button', { class: 'btn small', onclick: () => { void openContainer(b.sscc) } }, t('open'))))))))
    }
    const form = h('form', { id: 'find-form', class: 'find-row', novalidate: true },
      h('label', { class: 'field' }, t('job'), jobSel), h('label', { class: 'field grow' }, t('searchHint'), q),
      h('button', { type: 'submit', class: 'btn primary' }, t('find')),
      h('button', { type: 'button', class: 'btn', onclick: () => { q.value = ''; memory.open = null; detail.replaceChildren(); void load() } }, t('clear')))
    form.addEventListener('submit', ev => { ev.preventDefault(); memory.open = null; detail.replaceChildren(); void load() })
    void k.api<{ jobs: Array<{ id: number, gtin: string, batch: string, status: string }> }>('GET', '/api/find/jobs').then(r => {
      if (!r.ok) { failed(r); return }
      jobSel.append(...r.data.jobs.map(j => h('option', { value: j.id }, `№${j.id} · ${j.batch} · ${j.gtin}`)))
      jobSel.value = memory.job !== '' ? memory.job : String(r.data.jobs[0]?.id ?? '')
      void load().then(() => { if (memory.open !== null && memory.query.trim() === '') void openContainer(memory.open) })
    })
    return h('div', { class: 'find-grid' }, h('section', { class: 'card find-list' }, form, h('div', { class: 'scroll' }, table)), detail)
  }

  function reportsTable (rows: ReportRow[], id: string): HTMLElement {
    if (rows.length === 0) return h('div', { id, class: 'muted' }, t('noReports'))
    return h('table', { id, class: 'table find-table' },
      h('tr', {}, h('th', {}, t('kind')), h('th', {}, t('state')), h('th', { class: 'col-sscc' }, t('remoteId')), h('th', {}, t('lastError'))),
      ...rows.map(r => h('tr', { 'data-report': r.id, 'data-kind': r.kind }, h('td', {}, kindText(r.kind)), h('td', {}, reportState(r.state)),
        h('td', { class: 'mono' }, r.remoteId ?? '—'), h('td', { class: 'wrap' }, r.reason ?? r.lastError ?? '—'))))
  }

  // ---------- one code
  function codeScreen (): HTMLElement {
    const input = h('input', { id: 'code-query', name: 'q', placeholder: t('codeHint'), autocomplete: 'off', value: memory.code }) as HTMLInputElement
    const out = h('div', { id: 'code-result' })
    const gismtOut = h('div', { id: 'gismt-result' })
    const look = async (): Promise<void> => {
      memory.code = input.value
      gismtOut.replaceChildren()
      if (input.value.trim() === '') return
      const r = await k.api<{ code: CodeDetail }>('GET', `/api/find/code?q=${encodeURIComponent(input.value)}`)
      if (!r.ok) { out.replaceChildren(h('div', { class: 'error-text', 'data-error': r.error.code }, bi(r.error.message))); return }
      const c = r.data.code
      const openIn = (sscc: string): HTMLElement => h('button', { class: 'btn small linkish mono', 'data-goto': sscc, onclick: () => { memory.job = ''; memory.query = sscc; memory.open = sscc; sub = 'containers'; show() } }, sscc)
      out.replaceChildren(h('section', { class: 'card', 'data-identity': c.identity },
        h('dl', { class: 'kv' },
          h('dt', {}, t('code')), h('dd', { class: 'mono' }, shown(c.code)),
          h('dt', {}, t('identity')), h('dd', { class: 'mono' }, c.identity),
          h('dt', {}, t('state')), h('dd', { 'data-state': c.state }, `${CODE_STATE_TEXT[c.state]?.[k.lang()] ?? c.state} (${c.state})`),
          h('dt', {}, t('reason')), h('dd', {}, c.reason ?? '—'),
          h('dt', {}, t('job')), h('dd', {}, c.job === null ? '—' : `№${c.job.id} · ${c.job.batch}`),
          h('dt', {}, t('seq')), h('dd', {}, c.seq === null ? '—' : `${c.seq}${c.grade === null ? '' : ` · ${t('grade')} ${c.grade}`}`),
          h('dt', {}, t('where')), h('dd', { 'data-where': '' }, t('code'), ' → ',
            c.box === null ? '—' : c.box.sscc === '' ? t('openBox') : openIn(c.box.sscc), ' → ',
            c.pallet === null || c.pallet.sscc === '' ? '—' : openIn(c.pallet.sscc))),
        h('h2', {}, t('reports')), reportsTable(c.reports, 'code-reports'),
        h('button', { id: 'gismt-ask', class: `btn ${k.can('code:gismt') ? '' : 'locked'}`, onclick: () => { void askGismt(c.identity) } }, t('gismt')),
        gismtOut))
    }
    const askGismt = async (identity: string): Promise<void> => {
      const r = await k.api<{ result: { identity: string, info: CisInfo[] } }>('POST', '/api/find/code/gismt', { code: identity })
      if (!r.ok) { gismtOut.replaceChildren(h('div', { class: 'error-text', 'data-error': r.error.code }, bi(r.error.message))); return }
      gismtOut.replaceChildren(...r.data.result.info.map(i => h('dl', { class: 'kv gismt', 'data-gismt-status': i.status ?? i.errorCode ?? '' },
        h('dt', {}, t('gismtStatus')), h('dd', {}, i.status ?? '—', i.statusEx !== null && i.statusEx !== 'EMPTY' ? ` · ${i.statusEx}` : ''),
        h('dt', {}, t('gismtPackage')), h('dd', {}, i.packageType ?? '—'),
        h('dt', {}, t('gismtParent')), h('dd', { class: 'mono' }, i.parent ?? '—'),
        h('dt', {}, t('gismtOwner')), h('dd', {}, i.ownerInn ?? '—'),
        i.errorCode !== null ? h('dt', {}, t('gismtError')) : null, i.errorCode !== null ? h('dd', {}, `${i.errorCode}: ${i.errorMessage ?? ''}`) : null)))
    }
    const form = h('form', { id: 'code-form', class: 'find-row', novalidate: true }, h('label', { class: 'field grow' }, t('codeHint'), input), h('button', { type: 'submit', class: 'btn primary' }, t('find')))
    form.addEventListener('submit', ev => { ev.preventDefault(); void look() })
    if (memory.code !== '') void look()
    return h('section', { class: 'card' }, form, out)
  }

  // ---------- the report queue
  function reportsScreen (): HTMLElement {
    const state = h('select', { id: 'reports-state' }, h('option', { value: '' }, t('anyState')), ...Object.keys(REPORT_STATE_TEXT).map(s => h('option', { value: s }, `${REPORT_STATE_TEXT[s]?.[k.lang()] ?? s} (${s})`))) as HTMLSelectElement
    const kind = h('select', { id: 'reports-kind' }, h('option', { value: '' }, t('anyKind')), ...['utilisation', 'aggregation', 'pallet', 'introduction', 'dropout'].map(x => h('option', { value: x }, kindText(x)))) as HTMLSelectElement
    const table = h('table', { id: 'reports-table', class: 'table find-table' })
    const load = async (): Promise<void> => {
      const p = new URLSearchParams()
      if (state.value !== '') p.set('state', state.value)
      if (kind.value !== '') p.set('kind', kind.value)
      const r = await k.api<{ reports: ReportRow[] }>('GET', `/api/find/reports?${p.toString()}`)
      if (!r.ok) { failed(r); return }
      table.replaceChildren(
        h('tr', {}, h('th', {}, t('kind')), h('th', {}, t('channel')), h('th', {}, t('state')), h('th', {}, t('attempts')), h('th', {}, t('codes')), h('th', { class: 'col-sscc' }, t('remoteId')), h('th', { class: 'col-err' }, t('lastError')), h('th', {}, '')),
        ...(r.data.reports.length === 0 ? [h('tr', {}, h('td', { colspan: 8, class: 'muted' }, t('noReports')))] : r.data.reports.map(x => {
          const retry = x.state === 'REJECTED'
            ? h('button', { class: `btn small danger ${k.can('report:retry') ? '' : 'locked'}`, 'data-retry': x.id }, t('retry'))
            : null
          // two presses: the first arms the button, the second sends
          retry?.addEventListener('click', () => {
            if (retry.dataset.armed !== '1') { retry.dataset.armed = '1'; retry.textContent = t('retryConfirm'); return }
            void k.api('POST', `/api/find/reports/${encodeURIComponent(x.id)}/retry`).then(a => { if (a.ok) { k.toast(`${t('retried')}: ${x.id}`, 'ok'); void load() } else failed(a) })
          })
          return h('tr', { 'data-report': x.id, 'data-state': x.state },
            h('td', {}, kindText(x.kind)), h('td', {}, x.channel), h('td', {}, reportState(x.state)), h('td', {}, String(x.attempts)), h('td', {}, String(x.codes)),
            h('td', { class: 'mono' }, x.remoteId ?? '—'), h('td', { class: 'wrap' }, x.reason ?? x.lastError ?? '—'), h('td', {}, retry))
        })))
    }
    state.addEventListener('change', () => { void load() })
    kind.addEventListener('change', () => { void load() })
    void load()
    return h('section', { class: 'card' }, h('div', { class: 'find-row' }, h('label', { class: 'field' }, t('state'), state), h('label', { class: 'field' }, t('kind'), kind),
      h('button', { id: 'reports-refresh', class: 'btn', onclick: () => { void load() } }, t('refresh'))), h('div', { class: 'scroll' }, table))
  }

  const root = h('div', { class: 'find' }, nav, body)
  show()
  return root
}
