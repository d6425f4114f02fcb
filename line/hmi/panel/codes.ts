// The panel's codes-files screen (docs/codes-files.md): import a file the plant got elsewhere, with the upload's
// progress and the import's summary or every refused line worded in the operator's language; export codes for a
// printing house, the earlier exports with their downloads, and completing interrupted ones. The server checks the
// role and the file; this screen only sends and words what it answers.
/// <reference lib="dom" />
import type { Bilingual, ProductView } from '../../control.ts'
import { CATALOGUE } from '../../domain/catalogue.ts'
import { GROUP_RULES } from '../../domain/groups.ts'
import { fmtDateTime } from './dates.ts'
import { type CodesKey, fmtBytes, tc } from './i18n-codes.ts'
import type { Lang } from './i18n.ts'

type ApiError = { code: string, message: Bilingual, fields?: Record<string, Bilingual>, details?: Record<string, unknown> }
type Api = <R>(method: string, path: string, body?: unknown) => Promise<{ ok: true, data: R } | { ok: false, status: number, error: ApiError }>

/** What the screen needs of the panel app (passed in, so this file imports nothing of app.ts). */
export interface CodesKit {
  h: (tag: string, attrs?: Record<string, unknown>, ...children: Array<Node | string | null | undefined | false>) => HTMLElement
  api: Api
  lang: () => Lang
  can: (action: string) => boolean
  /** The product cards, when the line has a catalogue: a GTIN with a card gives the group. */
  products: () => ProductView[] | null
}

interface BadLine { line: number, kind?: string, reason: string, code?: string, sameAs?: number, gtin?: string }
interface ExportRow { exportId: string, gtin: string, group: string, count: number, path: string, createdAt: number, createdBy: string, status: 'committed' | 'written', download: { file: string, manifest: string } | null }
interface ExportResult { exportId: string, created: boolean, manifest: { gtin: string, count: number, sha256: string }, download: { file: string, manifest: string } }

/** The API's refusal as XMLHttpRequest gives it (fetch is not used for uploads: it reports no upload progress). */
function parseError (status: number, text: string): ApiError {
  try {
    const e = (JSON.parse(text) as { error?: ApiError }).error
    if (e !== undefined) return e
  } catch { /* not JSON: a proxy's page */ }
  return { code: 'LC_ERR_HMI_HTTP', message: { ru: `Ошибка ${status}`, en: `Error ${status}` } }
}

export function codesView (kit: CodesKit): HTMLElement {
  const { h } = kit
  const L = kit.lang
  const t = (k: CodesKey, v?: Record<string, string | number>): string => tc(k, L(), v)
  const field = (name: string, label: string, input: HTMLElement, extra?: HTMLElement): HTMLElement =>
    h('label', { class: 'field' }, label, input, extra, h('span', { class: 'field-error', 'data-for': name }))
  const products = kit.products() ?? []
  const datalist = h('datalist', { id: 'codes-gtins' }, ...products.map(p => h('option', { value: p.gtin }, p.name)))

  /** A refusal: the catalogue's text and action for a code it knows, then what the answer's details tell. */
  const refusal = (e: ApiError, extra: HTMLElement[] = []): HTMLElement => {
    const entry = (CATALOGUE as Record<string, { text: Bilingual, action: Bilingual } | undefined>)[e.code]
    const title = entry === undefined ? e.message[L()] : entry.text[L()]
    const fieldErrors = e.fields === undefined ? [] : Object.values(e.fields).map(m => h('li', {}, m[L()]))
    return h('div', { class: 'codes-refusal', 'data-code': e.code },
      h('b', { class: 'error-text' }, title),
      fieldErrors.length === 0 ? null : h('ul', {}, ...fieldErrors),
      ...extra,
      entry === undefined ? null : h('div', { class: 'alarm-action' }, `${t('whatToDo')}: ${entry.action[L()]}`),
      // the server's own sentence (with the file's name, numbers in English) stays folded for the engineer
      entry === undefined ? null : h('details', { class: 'alarm-detail' }, h('summary', {}, t('engineer')), h('pre', { class: 'mono' }, e.message.en)))
  }

  // ---------- import
  // the browser words its own file picker in the browser's language: a button and the file's name in the panel's
  const picker = (name: string, accept: string): { input: HTMLInputElement, el: HTMLElement } => {
    const input = h('input', { type: 'file', name, accept, class: 'codes-file-input' }) as HTMLInputElement
    const shown = h('span', { class: 'codes-file-name', 'data-file': name }, t('noFile'))
    input.addEventListener('change', () => { shown.textContent = input.files?.[0]?.name ?? t('noFile') })
    return { input, el: h('span', { class: 'codes-file' }, h('span', { class: 'btn small' }, t('pick')), shown, input) }
  }
  const filePick = picker('file', '.txt,.csv,text/plain')
  const manifestPick = picker('manifest', '.json,application/json')
  const fileInput = filePick.input
  const manifestInput = manifestPick.input
  const manifestNote = h('small', { id: 'codes-manifest-note', class: 'hint' })
  const gtin = h('input', { name: 'gtin', inputmode: 'numeric', list: 'codes-gtins', placeholder: '04601653030046', autocomplete: 'off' }) as HTMLInputElement
  const group = h('select', { name: 'group' }, ...GROUP_RULES.filter(r => r.refused === undefined).map(r => h('option', { value: r.group }, `${r.group} — ${r.name[L()]}`))) as HTMLSelectElement
  const groupNote = h('small', { id: 'codes-group-note', class: 'hint' })
  const expires = h('input', { name: 'expires', type: 'date' }) as HTMLInputElement
  const purpose = h('select', { name: 'printed' }, h('option', { value: '0' }, t('forPrinting')), h('option', { value: '1' }, t('alreadyPrinted'))) as HTMLSelectElement
  const count = h('input', { name: 'count', inputmode: 'numeric' }) as HTMLInputElement
  const sha = h('input', { name: 'sha256', class: 'mono', autocomplete: 'off' }) as HTMLInputElement
  const fill = h('div', { class: 'fill' })
  fill.style.width = '0%'
  const bar = h('div', { id: 'codes-progress', class: 'bar codes-bar', hidden: true, role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100 }, fill)
  const progressText = h('div', { id: 'codes-progress-text', class: 'hint', role: 'status' })
  const summary = h('div', { id: 'codes-summary', class: 'codes-summary' })

  // a GTIN with a product card: the card decides the group (as the job form does)
  const fromCard = (): void => {
    const p = products.find(x => x.gtin === gtin.value.trim())
    group.disabled = p !== undefined
    if (p !== undefined) group.value = p.group
    groupNote.textContent = p === undefined ? '' : t('groupFromCard', { name: p.name })
  }
  gtin.addEventListener('input', fromCard)
  gtin.addEventListener('change', fromCard)

  manifestInput.addEventListener('change', () => {
    const f = manifestInput.files?.[0]
    manifestNote.textContent = ''
    if (f === undefined) return
    void f.text().then(text => {
      let m: { format?: unknown, gtin?: unknown, count?: unknown, sha256?: unknown, group?: unknown }
      try { m = JSON.parse(text) as typeof m } catch { m = {} }
      if (typeof m.count !== 'number' || typeof m.sha256 !== 'string' || typeof m.gtin !== 'string') { manifestNote.textContent = t('manifestBad'); return }
      count.value = String(m.count)
      sha.value = m.sha256
      gtin.value = m.gtin
      if (typeof m.group === 'string') group.value = m.group
      fromCard()
      manifestNote.textContent = t('manifestRead', { count: m.count, gtin: m.gtin })
    })
  })

  const importForm = h('form', { id: 'codes-import', class: 'card grid-form codes-form', novalidate: true },
    h('h2', {}, t('importTitle')), h('p', { class: 'hint' }, t('importHint')),
    field('file', t('file'), filePick.el),
    field('manifest', t('manifestFile'), manifestPick.el, manifestNote),
    field('gtin', t('gtin'), gtin),
    field('group', t('group'), group, groupNote),
    field('printed', t('purpose'), purpose, h('small', { class: 'hint' }, t('purposeHint'))),
    field('expires', t('expires'), expires),
    field('count', t('count'), count),
    field('sha256', t('sha256'), sha),
    h('button', { type: 'submit', class: `btn primary ${kit.can('codes:import') ? '' : 'locked'}` }, t('upload')),
    bar, progressText, summary, datalist)

  const setProgress = (sent: number, total: number): void => {
    const pct = total === 0 ? 100 : Math.min(100, Math.floor(100 * sent / total))
    fill.style.width = `${pct}%`
    bar.setAttribute('aria-valuenow', String(pct))
    bar.dataset.pct = String(pct)
    progressText.textContent = t('sending', { pct, sent: fmtBytes(sent, L()), total: fmtBytes(total, L()) })
  }

  const showImported = (r: { imported: number, fileName: string, lines: number, blankLines: number, blockId: string, sha256: string, printed?: boolean }): void => {
    summary.replaceChildren(h('div', { class: 'codes-ok', 'data-imported': r.imported, 'data-printed': r.printed === true ? '1' : '0' },
      h('b', {}, t('imported', { imported: r.imported })),
      r.printed === true ? h('div', {}, t('importedPrinted')) : null,
      h('div', { class: 'hint wrap' }, t('importedMore', { file: r.fileName, lines: r.lines, blank: r.blankLines, block: r.blockId, sha: r.sha256 }))))
  }

  const lineReason = (b: BadLine): string => {
    if (b.kind === 'gtin') return b.gtin === undefined ? t('kind:gtin-unknown') : t('kind:gtin', { gtin: b.gtin })
    if (b.kind === 'duplicate') return b.sameAs === undefined ? t('kind:duplicate-unknown') : t('kind:duplicate', { sameAs: b.sameAs })
    const known = ['format', 'in-pool', 'too-long', 'truncated', 'empty'] as const
    const k = known.find(x => x === b.kind)
    return k === undefined ? t('kind:other') : t(`kind:${k}`)
  }

  const importDetails = (e: ApiError): HTMLElement[] => {
    const d = e.details ?? {}
    const num = (k: string): number | undefined => typeof d[k] === 'number' ? d[k] : undefined
    const str = (k: string): string | undefined => typeof d[k] === 'string' ? d[k] : undefined
    const out: HTMLElement[] = []
    const bad = Array.isArray(d.badLines) ? d.badLines as BadLine[] : []
    if (bad.length > 0) {
      const badCount = num('badCount') ?? bad.length
      out.push(h('p', { id: 'codes-bad-count' }, t('badCount', { bad: badCount, lines: num('lines') ?? '—' }), badCount > bad.length ? ` · ${t('listedFirst', { n: bad.length })}` : ''))
      out.push(h('div', { class: 'scroll' }, h('table', { id: 'codes-bad-lines', class: 'table codes-table' },
        h('thead', {}, h('tr', {}, h('th', { class: 'codes-num' }, t('line')), h('th', {}, t('reason')), h('th', {}, t('content')))),
        h('tbody', {}, ...bad.map(b => h('tr', { 'data-line': b.line, 'data-kind': b.kind ?? '' },
          h('td', { class: 'codes-num' }, String(b.line)),
          h('td', { class: 'wrap' }, lineReason(b),
            // the parser's own words (which AI, which position) are the engineer's
            b.kind === 'format' || b.kind === 'truncated' || b.kind === undefined ? h('details', { class: 'alarm-detail' }, h('summary', {}, t('engineer')), h('pre', { class: 'mono' }, b.reason)) : null),
          h('td', { class: 'mono wrap' }, b.code ?? '')))))))
    }
    const codes = num('codes')
    const expected = d.expected
    if (e.code === 'LC_ERR_CODES_FILE_TRUNCATED' && bad.length === 0) {
      out.push(h('p', {}, typeof expected === 'number' && codes !== undefined ? t('manifestCount', { codes, expected }) : t('manifestSha')))
    }
    if (e.code === 'LC_ERR_CODES_FILE_TWICE') {
      const block = str('blockId')
      const at = num('importedAt')
      const inPool = num('inPool')
      if (block !== undefined) out.push(h('p', {}, t('twiceBlock', { block, at: fmtDateTime(at ?? null, L()) })))
      else if (inPool !== undefined) out.push(h('p', {}, t('twiceInPool', { n: inPool })))
    }
    if (e.code === 'LC_ERR_CODES_FILE_TOO_LARGE') {
      const maxBytes = num('maxBytes')
      const maxLines = num('maxLines')
      if (maxBytes !== undefined) out.push(h('p', {}, t('tooLarge', { max: fmtBytes(maxBytes, L()) })))
      else if (maxLines !== undefined) out.push(h('p', {}, t('tooManyLines', { max: maxLines })))
    }
    const poolGroup = str('poolGroup')
    if (e.code === 'LC_ERR_CODES_FILE_TARGET' && poolGroup !== undefined) out.push(h('p', {}, t('targetPool', { gtin: str('gtin') ?? '', poolGroup, group: str('group') ?? '' })))
    return out
  }

  let uploading = false
  importForm.addEventListener('submit', ev => {
    ev.preventDefault()
    if (uploading) return
    importForm.querySelectorAll('.field-error').forEach(e => { e.textContent = '' })
    summary.replaceChildren()
    const file = fileInput.files?.[0]
    if (file === undefined) { (importForm.querySelector('.field-error[data-for="file"]') as HTMLElement).textContent = t('chooseFile'); return }
    const q = new URLSearchParams({ name: file.name, gtin: gtin.value.trim(), group: group.value })
    if (expires.value !== '') q.set('expires', expires.value)
    if (purpose.value === '1') q.set('printed', '1')
    if (count.value.trim() !== '') q.set('count', count.value.trim())
    if (sha.value.trim() !== '') q.set('sha256', sha.value.trim())
    const xhr = new XMLHttpRequest()
    xhr.open('POST', `/api/codes/import?${q.toString()}`)
    xhr.setRequestHeader('content-type', 'application/octet-stream')
    xhr.setRequestHeader('x-lc-upload', '1')
    bar.hidden = false
    bar.classList.remove('refused')
    setProgress(0, file.size)
    uploading = true
    xhr.upload.onprogress = e => { setProgress(e.loaded, e.lengthComputable ? e.total : file.size) }
    xhr.upload.onload = () => {
      setProgress(file.size, file.size)
      progressText.textContent = t('checking', { total: fmtBytes(file.size, L()) })
    }
    xhr.onload = () => {
      uploading = false
      // a refusal from the content-length (413) comes before the body is sent: the bar shows what went
      if (xhr.status !== 413) setProgress(file.size, file.size)
      if (xhr.status === 200) {
        showImported((JSON.parse(xhr.responseText) as { result: Parameters<typeof showImported>[0] }).result)
        return
      }
      const e = parseError(xhr.status, xhr.responseText)
      bar.classList.add('refused')
      for (const [f, m] of Object.entries(e.fields ?? {})) {
        const slot = importForm.querySelector(`.field-error[data-for="${f}"]`)
        if (slot !== null) slot.textContent = m[L()]
      }
      summary.replaceChildren(h('div', { class: 'codes-refused', 'data-status': xhr.status }, h('b', {}, t('refused')), refusal(e, importDetails(e))))
    }
    xhr.onerror = () => {
      uploading = false
      bar.classList.add('refused')
      summary.replaceChildren(refusal({ code: 'LC_ERR_HMI_NETWORK', message: { ru: 'Нет связи с контроллером', en: 'No connection to the controller' } }))
    }
    xhr.send(file)
  })

  // ---------- export
  const exportResult = h('div', { id: 'codes-export-result', class: 'codes-summary', role: 'status' })
  const exportForm = h('form', { id: 'codes-export', class: 'card grid-form codes-form', novalidate: true },
    h('h2', {}, t('exportTitle')), h('p', { class: 'hint' }, t('exportHint')),
    field('gtin', t('gtin'), h('input', { name: 'gtin', inputmode: 'numeric', list: 'codes-gtins', placeholder: '04601653030046', autocomplete: 'off' })),
    field('count', t('exportCount'), h('input', { name: 'count', inputmode: 'numeric', value: '1000' })),
    field('exportId', t('exportId'), h('input', { name: 'exportId', autocomplete: 'off' })),
    field('lineEnd', t('lineEnd'), h('select', { name: 'lineEnd' }, h('option', { value: 'lf' }, t('lf')), h('option', { value: 'crlf' }, t('crlf')))),
    h('button', { type: 'submit', class: `btn primary ${kit.can('codes:export') ? '' : 'locked'}` }, t('exportButton')),
    exportResult)
  const links = (d: { file: string, manifest: string }, long: boolean): HTMLElement =>
    h('span', { class: 'codes-links' },
      h('a', { class: long ? 'btn' : '', href: d.file, download: true, 'data-download': 'file' }, long ? t('downloadFile') : t('fileLink')),
      h('a', { class: long ? 'btn' : '', href: d.manifest, download: true, 'data-download': 'manifest' }, long ? t('downloadManifest') : t('manifestLink')))
  let exporting = false
  exportForm.addEventListener('submit', ev => {
    ev.preventDefault()
    if (exporting) return
    exportForm.querySelectorAll('.field-error').forEach(e => { e.textContent = '' })
    const fd = new FormData(exportForm as HTMLFormElement)
    const id = String(fd.get('exportId') ?? '').trim()
    const raw = String(fd.get('count') ?? '').trim()
    const body = { gtin: String(fd.get('gtin') ?? '').trim(), count: /^\d+$/.test(raw) ? Number(raw) : raw, lineEnd: fd.get('lineEnd'), ...(id === '' ? {} : { exportId: id }) }
    // one request does the whole export: the bar runs until it answers
    const started = Date.now()
    const busy = h('div', { id: 'codes-export-busy' }, h('div', { class: 'bar codes-bar busy' }, h('div', { class: 'fill' })), h('div', { class: 'hint' }, t('exporting', { s: 0 })))
    exportResult.replaceChildren(busy)
    const tick = window.setInterval(() => { (busy.lastChild as HTMLElement).textContent = t('exporting', { s: Math.round((Date.now() - started) / 1000) }) }, 500)
    exporting = true
    void kit.api<{ result: ExportResult }>('POST', '/api/codes/export', body).then(r => {
      window.clearInterval(tick)
      exporting = false
      if (r.ok) {
        const x = r.data.result
        exportResult.replaceChildren(h('div', { class: 'codes-ok', 'data-export': x.exportId },
          h('b', {}, x.created ? t('exported', { id: x.exportId, count: x.manifest.count, gtin: x.manifest.gtin }) : t('exportedAgain', { id: x.exportId })),
          h('div', { class: 'hint wrap' }, `SHA-256 ${x.manifest.sha256}`), links(x.download, true)))
        void loadList()
        return
      }
      const e = r.error
      for (const [f, m] of Object.entries(e.fields ?? {})) {
        const slot = exportForm.querySelector(`.field-error[data-for="${f}"]`)
        if (slot !== null) slot.textContent = m[L()]
      }
      const d = e.details ?? {}
      const extra = e.code === 'LC_ERR_POOL_EMPTY' && typeof d.available === 'number' ? [h('p', {}, t('poolShort', { available: d.available, requested: String(d.requested ?? body.count) }))] : []
      exportResult.replaceChildren(refusal(e, extra))
    })
  })

  // ---------- earlier exports
  const listBody = h('div', { id: 'codes-exports' })
  const listNote = h('div', { id: 'codes-resume-result', class: 'hint', role: 'status' })
  const loadList = async (): Promise<void> => {
    const r = await kit.api<{ exports: ExportRow[] }>('GET', '/api/codes/exports')
    if (!r.ok) { listBody.replaceChildren(r.status === 404 ? h('p', { class: 'muted' }, t('notConfigured')) : refusal(r.error)); return }
    const rows = r.data.exports
    const interrupted = rows.some(x => x.status === 'committed')
    listBody.replaceChildren(
      interrupted ? h('button', { id: 'codes-resume', class: `btn ${kit.can('codes:export') ? '' : 'locked'}`, onclick: () => { void resume() } }, t('resume')) : '',
      rows.length === 0 ? h('p', { class: 'muted' }, t('noExports'))
        : h('div', { class: 'scroll' }, h('table', { class: 'table codes-table' },
          h('thead', {}, h('tr', {}, h('th', {}, t('colId')), h('th', {}, t('gtin')), h('th', { class: 'codes-num' }, t('colCount')), h('th', {}, t('created')), h('th', {}, t('status')), h('th', {}, t('files')))),
          h('tbody', {}, ...rows.map(x => h('tr', { 'data-export': x.exportId, 'data-status': x.status },
            h('td', { class: 'mono wrap' }, x.exportId), h('td', { class: 'mono wrap' }, x.gtin), h('td', { class: 'codes-num' }, String(x.count)),
            h('td', { class: 'wrap' }, `${fmtDateTime(x.createdAt, L())} · ${x.createdBy}`),
            h('td', { class: `wrap st-${x.status}` }, t(x.status)),
            h('td', {}, x.download === null ? '—' : links(x.download, false))))))))
  }
  const resume = async (): Promise<void> => {
    const r = await kit.api<{ result: unknown[] }>('POST', '/api/codes/exports/resume', {})
    listNote.replaceChildren(r.ok ? t('resumed', { n: r.data.result.length }) : refusal(r.error))
    await loadList()
  }
  const list = h('section', { id: 'codes-list', class: 'card' },
    h('div', { class: 'codes-list-head' }, h('h2', {}, t('listTitle')), h('button', { class: 'btn small', onclick: () => { void loadList() } }, t('refresh'))),
    listNote, listBody)
  if (kit.can('codes:export')) void loadList()

  return h('div', { id: 'codes', class: 'codes' },
    h('p', { class: 'hint' }, t('intro')),
    h('div', { class: 'codes-grid' },
      kit.can('codes:import') ? importForm : null,
      kit.can('codes:export') ? h('div', { class: 'codes-col' }, exportForm, list) : null))
}

/** The tab's label. */
export function codesTabLabel (lang: Lang): string { return tc('tab', lang) }
