// The operator panel single-page app: login, live line view over WebSocket, commands and forms over the JSON API.
/// <reference lib="dom" />
import type { AlarmView, Bilingual, CatalogueStatus, DeviceView, LineSnapshot, ProductView, ShiftRow } from '../../control.ts'
import { GROUP_RULES, JOB_FIELD_FORMATS, JOB_GROUP_FIELDS, type GroupRule, type JobGroupField } from '../../domain/groups.ts'
import { REASONS } from '../../domain/reasons.ts'
import { T, type Key, type Lang, type Text } from './i18n.ts'
import { actionText, actorText, resultText } from './i18n-audit.ts'
import { DEVICE_KIND_TEXT, DEVICE_STATE_TEXT, DEVICE_TEXT, factText } from './i18n-devices.ts'
import { findView } from './find.ts'
import { fmtDateTime as dateTime, fmtTime } from './dates.ts'
import { probeStation, stationAvailable, stationScreen, stationTabText } from './station.ts'
import { reworkTabLabel, reworkView } from './rework.ts'
import { setupTabLabel, setupView } from './setup.ts'
import { codesTabLabel, codesView } from './codes.ts'

interface Me { username: string, role: string, mustChangePassword: boolean, permissions: string[] }
type ApiError = { code: string, message: Bilingual, fields?: Record<string, Bilingual>, lineCode?: string }

let lang: Lang = localStorage.getItem('lc-lang') === 'en' ? 'en' : 'ru'
let me: Me | null = null
let snap: LineSnapshot | null = null
let tab: 'line' | 'products' | 'find' | 'report' | 'audit' | 'users' | 'station' | 'rework' | 'setup' | 'codes' = 'line'
/** The product catalogue; null while not loaded or when the server has none (then the job form takes a typed GTIN). */
let catalogue: { products: ProductView[], status: CatalogueStatus } | null = null
let catalogueAsked = false
let ws: WebSocket | null = null
let wsRetry: number | undefined
let connected = false
/** The `result` of the last action that succeeded (the rework screen shows the new SSCCs from it). */
let lastResult: unknown = null

const tr = (k: Key): string => T[k][lang]
const bi = (t: Text | Bilingual): string => t[lang]
const can = (a: string): boolean => me?.permissions.includes(a) ?? false
const root = document.getElementById('app') as HTMLElement

/** Small element builder: attributes (data-*, class, event handlers) and children. */
function h (tag: string, attrs: Record<string, unknown> = {}, ...children: Array<Node | string | null | undefined | false>): HTMLElement {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v as EventListener)
    else if (k === 'text') el.textContent = String(v)
    else el.setAttribute(k, v === true ? '' : String(v))
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c)
  return el
}

async function api<R = unknown> (method: string, path: string, body?: unknown): Promise<{ ok: true, data: R } | { ok: false, status: number, error: ApiError }> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: {} }
  if (method !== 'GET') { init.body = JSON.stringify(body ?? {}); (init.headers as Record<string, string>)['content-type'] = 'application/json' }
  try {
    const res = await fetch(path, init)
    const data = await res.json().catch(() => null) as unknown
    if (res.ok) return { ok: true, data: data as R }
    const error = (data as { error?: ApiError } | null)?.error ?? { code: 'LC_ERR_HMI_HTTP', message: { ru: `Ошибка ${res.status}`, en: `Error ${res.status}` } }
    if (res.status === 401 && path !== '/api/login') { me = null; render() }
    return { ok: false, status: res.status, error }
  } catch {
    return { ok: false, status: 0, error: { code: 'LC_ERR_HMI_NETWORK', message: { ru: 'Нет связи с контроллером', en: 'No connection to the controller' } } }
  }
}

function toast (text: string, kind: 'ok' | 'error'): void {
  const el = document.getElementById('toast')
  if (el === null) return
  el.textContent = text
  el.title = text
  // within the header's height, over its middle (the line state: text, no control), never over a button or field
  const header = document.getElementById('header')?.getBoundingClientRect()
  if (header !== undefined && header.height > 0) { el.style.top = `${header.top + 4}px`; el.style.maxHeight = `${header.height - 8}px` }
  el.className = `toast ${kind}`
  el.dataset.kind = kind
  window.clearTimeout(Number(el.dataset.timer))
  el.dataset.timer = String(window.setTimeout(() => { el.className = 'toast hidden' }, 6000))
}

/** Run an API action, show its outcome; field errors go next to the fields of `form`. */
async function run (method: string, path: string, body?: unknown, form?: HTMLElement): Promise<boolean> {
  form?.querySelectorAll('.field-error').forEach(e => { e.textContent = '' })
  const r = await api(method, path, body)
  if (r.ok) { lastResult = (r.data as { result?: unknown } | null)?.result ?? null; toast(tr('done'), 'ok'); return true }
  toast(bi(r.error.message), 'error')
  if (form !== undefined && r.error.fields !== undefined) {
    for (const [f, m] of Object.entries(r.error.fields)) {
      const slot = form.querySelector(`.field-error[data-for="${f.split('.')[0] ?? ''}"]`)
      if (slot !== null) slot.textContent = bi(m)
    }
  }
  return false
}

/** A reject or defect reason in the operator's language, from the one list of reasons (domain/reasons.ts). */
const reasonText = (r: string): string => {
  const entry = (REASONS as Record<string, { label: Bilingual } | undefined>)[r.toUpperCase().replaceAll('-', '_')]
  return entry === undefined ? r : bi(entry.label)
}
const fmtDateTime = (ms: number | null): string => dateTime(ms, lang)

// ---------- live connection
function connect (): void {
  if (ws !== null) return
  const sock = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`)
  ws = sock
  sock.onopen = () => { connected = true; renderHeader() }
  sock.onmessage = ev => {
    const msg = JSON.parse(String(ev.data)) as { type: string, data: LineSnapshot }
    if (msg.type === 'snapshot') { snap = msg.data; if (tab === 'line') renderLine(); renderHeader() }
  }
  sock.onclose = ev => {
    ws = null
    connected = false
    if (ev.code === 4401) { me = null; render(); return }
    if (me !== null) { renderHeader(); wsRetry = window.setTimeout(connect, 1000) }
  }
}
function disconnect (): void {
  window.clearTimeout(wsRetry)
  if (ws !== null) { const s = ws; ws = null; s.onclose = null; s.close() }
  connected = false
}

// ---------- screens
function render (): void {
  root.replaceChildren()
  document.documentElement.lang = lang
  document.title = tr('title')
  if (me === null) { disconnect(); root.append(loginScreen()); return }
  if (me.mustChangePassword) { root.append(passwordScreen()); return }
  root.append(
    h('header', { id: 'header' }),
    h('nav', { class: 'tabs' }, ...tabs()),
    h('main', { id: 'main' }),
    h('div', { id: 'toast', class: 'toast hidden', role: 'status' }),
  )
  renderHeader()
  renderTab()
  connect()
  if (!catalogueAsked) { catalogueAsked = true; void loadProducts().then(() => { if (catalogue !== null && me !== null) render() }) }
  void probeStation(api).then(on => { if (on && me !== null && document.querySelector('[data-tab="station"]') === null) render() })
}

async function loadProducts (): Promise<void> {
  const r = await api<{ products: ProductView[], status: CatalogueStatus }>('GET', '/api/products')
  catalogue = r.ok ? r.data : null
}

function langButton (): HTMLElement {
  return h('button', { id: 'lang', class: 'btn small', onclick: () => { lang = lang === 'ru' ? 'en' : 'ru'; localStorage.setItem('lc-lang', lang); render() } }, lang === 'ru' ? 'English' : 'Русский')
}

function loginScreen (): HTMLElement {
  const err = h('div', { id: 'login-error', class: 'error-text' })
  const form = h('form', { id: 'login', class: 'card login' },
    h('h1', { text: tr('title') }),
    h('label', {}, tr('username'), h('input', { name: 'username', autocomplete: 'username', required: true })),
    h('label', {}, tr('password'), h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    h('button', { type: 'submit', class: 'btn primary big' }, tr('login')),
    err, langButton())
  form.addEventListener('submit', ev => {
    ev.preventDefault()
    const fd = new FormData(form as HTMLFormElement)
    void api<{ user: Me }>('POST', '/api/login', { username: fd.get('username'), password: fd.get('password') }).then(r => {
      if (r.ok) { me = r.data.user; tab = 'line'; render() } else err.textContent = bi(r.error.message)
    })
  })
  return h('div', { class: 'center' }, form)
}

function passwordScreen (): HTMLElement {
  const form = h('form', { id: 'password-form', class: 'card login' },
    h('h1', { text: tr('changePassword') }),
    field('oldPassword', h('input', { name: 'oldPassword', type: 'password', autocomplete: 'current-password' })),
    field('newPassword', h('input', { name: 'newPassword', type: 'password', autocomplete: 'new-password' })),
    h('div', { class: 'toast hidden', id: 'toast' }),
    h('button', { type: 'submit', class: 'btn primary big' }, tr('save')), langButton())
  form.addEventListener('submit', ev => {
    ev.preventDefault()
    const fd = new FormData(form as HTMLFormElement)
    void run('POST', '/api/me/password', { oldPassword: fd.get('oldPassword'), newPassword: fd.get('newPassword') }, form).then(ok => {
      if (ok && me !== null) { me.mustChangePassword = false; render() }
    })
  })
  return h('div', { class: 'center' }, form)
}

function tabs (): HTMLElement[] {
  const list: Array<[typeof tab, Key, boolean]> = [['line', 'tabLine', true], ['products', 'tabProducts', catalogue !== null], ['find', 'tabFind', true], ['report', 'tabReport', can('report:view')], ['audit', 'tabAudit', can('audit:view')], ['users', 'tabUsers', can('users:manage')]]
  const shown = list.filter(([, , ok]) => ok).map(([id, k]) => h('button', { class: `tab ${tab === id ? 'active' : ''}`, 'data-tab': id, onclick: () => { tab = id; render() } }, tr(k)))
  if (stationAvailable() && can('station:scan')) shown.push(h('button', { class: `tab ${tab === 'station' ? 'active' : ''}`, 'data-tab': 'station', onclick: () => { tab = 'station'; render() } }, stationTabText(lang)))
  if (can('box:rework') || can('unit:sample')) shown.push(h('button', { class: `tab ${tab === 'rework' ? 'active' : ''}`, 'data-tab': 'rework', onclick: () => { tab = 'rework'; render() } }, reworkTabLabel(lang)))
  if (can('setup:print') || can('setup:params')) shown.push(h('button', { class: `tab ${tab === 'setup' ? 'active' : ''}`, 'data-tab': 'setup', onclick: () => { tab = 'setup'; render() } }, setupTabLabel(lang)))
  if (can('codes:import') || can('codes:export')) shown.push(h('button', { class: `tab ${tab === 'codes' ? 'active' : ''}`, 'data-tab': 'codes', onclick: () => { tab = 'codes'; render() } }, codesTabLabel(lang)))
  return shown
}

function renderHeader (): void {
  const el = document.getElementById('header')
  const user = me
  if (el === null || user === null) return
  const s = snap?.state
  patch('header', [s?.state, s?.mode, connected, snap?.site, snap?.line, user.username], () => el.replaceChildren(
    h('div', { class: 'line-name' }, snap === null ? tr('title') : `${snap.site} / ${snap.line}`),
    h('div', { id: 'state', class: `state st-${s?.state ?? 'none'}`, 'data-state': s?.state ?? '' },
      s === undefined ? '…' : `${s.stateNumber} · ${lang === 'ru' ? s.stateRu : s.state}`),
    h('div', { id: 'mode', class: 'mode' }, `${tr('mode')}: ${s === undefined ? '—' : tr(s.mode)}`),
    h('div', { id: 'conn', class: `conn ${connected ? 'on' : 'off'}` }, connected ? tr('online') : tr('offline')),
    h('div', { id: 'user', class: 'user' }, `${user.username} (${tr(user.role as Key)})`),
    langButton(),
    h('button', { id: 'logout', class: 'btn small', onclick: () => { void api('POST', '/api/logout').then(() => { me = null; snap = null; render() }) } }, tr('logout')),
  ))
}

function renderTab (): void {
  const main = document.getElementById('main')
  if (main === null) return
  main.replaceChildren()
  if (tab === 'line') { main.append(lineView()); renderLine() } else if (tab === 'products') main.append(productsView())
  else if (tab === 'find') main.append(findView({ h, api, toast, lang: () => lang, can }))
  else if (tab === 'report') main.append(reportView())
  else if (tab === 'audit') main.append(auditView())
  else if (tab === 'station') main.append(stationScreen({ lang, api, h, can }))
  else if (tab === 'rework') {
    main.append(reworkView({
      h, lang: () => lang, can,
      post: async (path, body, form) => {
        const ok = await run('POST', path, body, form)
        if (!ok) return { ok: false }
        // the new SSCCs, from the action's answer
        return { ok: true, result: lastResult }
      },
    }))
  } else if (tab === 'setup') {
    main.append(setupView({
      h, api, lang: () => lang, can,
      post: async (path, body, form) => {
        const ok = await run('POST', path, body, form)
        return ok ? { ok: true, result: lastResult } : { ok: false }
      },
    }))
  } else if (tab === 'codes') main.append(codesView({ h, api, lang: () => lang, can, products: () => catalogue?.products ?? null }))
  else main.append(usersView())
}

// ---------- line view: static forms built once, live parts refreshed on each snapshot
function field (name: string, input: HTMLElement, label?: string): HTMLElement {
  return h('label', { class: 'field' }, label ?? tr(name as Key), input, h('span', { class: 'field-error', 'data-for': name }))
}

function jobForm (): HTMLElement {
  if (catalogue !== null) return productJobForm(catalogue.products)
  const today = new Date().toISOString().slice(0, 10)
  // the groups and what each needs come from the product-group table (line/domain/groups.ts)
  const groupSel = h('select', { name: 'group' }, ...GROUP_RULES.filter(r => r.refused === undefined).map(r => h('option', { value: r.group }, `${r.group} — ${r.name[lang]}`)))
  const extra = JOB_GROUP_FIELDS.filter(f => f !== 'expiryDate').map(f => {
    const input = h('input', { name: f, placeholder: JOB_FIELD_FORMATS[f].hint[lang] })
    const el = field(f, input, JOB_FIELD_FORMATS[f].label[lang])
    return { f, el, input }
  })
  const showFields = (): void => {
    const rule = GROUP_RULES.find(r => r.group === (groupSel as HTMLSelectElement).value)
    const used = rule === undefined ? new Set<JobGroupField>() : fieldsOf(rule)
    // a hidden input is not sent: a field of another group never reaches the server
    for (const x of extra) { x.el.hidden = !used.has(x.f); (x.input as HTMLInputElement).disabled = !used.has(x.f) }
  }
  groupSel.addEventListener('change', showFields)
  const form = h('form', { id: 'job-form', class: 'grid-form', novalidate: true },
    field('group', groupSel),
    field('gtin', h('input', { name: 'gtin', inputmode: 'numeric', placeholder: '04601653030046' })),
    field('batch', h('input', { name: 'batch' })),
    field('productionDate', h('input', { name: 'productionDate', type: 'date', value: today })),
    field('expiryDate', h('input', { name: 'expiryDate', type: 'date' })),
    field('quantity', h('input', { name: 'quantity', inputmode: 'numeric', value: '10000' })),
    field('unitsPerBox', h('input', { name: 'unitsPerBox', inputmode: 'numeric', value: '12' })),
    field('boxesPerPallet', h('input', { name: 'boxesPerPallet', inputmode: 'numeric', value: '40' })),
    field('minGrade', h('select', { name: 'minGrade' }, ...['A', 'B', 'C', 'D'].map(g => h('option', { value: g, selected: g === 'C' }, g)))),
    field('unitsPerMinute', h('input', { name: 'unitsPerMinute', inputmode: 'numeric', value: '300' })),
    field('tnvedCode', h('input', { name: 'tnvedCode', inputmode: 'numeric', placeholder: '2201101100' })),
    ...extra.map(x => x.el),
    h('button', { type: 'submit', class: `btn primary big ${can('job:start') ? '' : 'locked'}` }, tr('startJob')))
  showFields()
  form.addEventListener('submit', ev => {
    ev.preventDefault()
    const body = Object.fromEntries(new FormData(form as HTMLFormElement).entries())
    void submitJob(body, form)
  })
  return form
}

/** The group's own job fields (participant, kpp …), shown for the group that needs them. */
function groupExtras (): Array<{ f: JobGroupField, el: HTMLElement, input: HTMLElement }> {
  return JOB_GROUP_FIELDS.filter(f => f !== 'expiryDate').map(f => {
    const input = h('input', { name: f, placeholder: JOB_FIELD_FORMATS[f].hint[lang] })
    return { f, el: field(f, input, JOB_FIELD_FORMATS[f].label[lang]), input }
  })
}

const addDays = (date: string, days: number): string | null => {
  const t = Date.parse(`${date}T00:00:00Z`)
  return Number.isNaN(t) ? null : new Date(t + days * 86_400_000).toISOString().slice(0, 10)
}

/**
 * The job form with a catalogue: the operator picks a product; its card gives the group, TN VED, packing and the expiry
 * (production date + shelf life), shown read-only. No GTIN is typed (issue #17: every product has its card first).
 */
function productJobForm (products: ProductView[]): HTMLElement {
  const today = new Date().toISOString().slice(0, 10)
  const sel = h('select', { name: 'gtin', id: 'job-product' }, h('option', { value: '' }, tr('chooseProduct')),
    ...products.map(p => h('option', { value: p.gtin }, `${p.name} — ${p.gtin}`))) as HTMLSelectElement
  const card = h('div', { class: 'product-card', id: 'job-card' })
  const prodDate = h('input', { name: 'productionDate', type: 'date', value: today }) as HTMLInputElement
  const expiry = h('input', { name: 'expiryDate', type: 'date' }) as HTMLInputElement
  const expiryField = field('expiryDate', expiry)
  const extra = groupExtras()
  const show = (): void => {
    const p = products.find(x => x.gtin === sel.value)
    const rule = GROUP_RULES.find(r => r.group === p?.group)
    const used = rule === undefined ? new Set<JobGroupField>() : fieldsOf(rule)
    for (const x of extra) { x.el.hidden = !used.has(x.f); (x.input as HTMLInputElement).disabled = !used.has(x.f) }
    const computed = p === undefined || p.shelfLifeDays === null ? null : addDays(prodDate.value, p.shelfLifeDays)
    // the expiry is typed only for a product whose card has no shelf life
    expiryField.hidden = p === undefined || computed !== null
    expiry.disabled = expiryField.hidden
    if (p === undefined) { card.replaceChildren(h('span', { class: 'muted' }, products.length === 0 ? tr('noProducts') : tr('chooseProduct'))); return }
    const kv = (k: Key, v: string): HTMLElement[] => [h('dt', {}, tr(k)), h('dd', { 'data-field': k }, v)]
    card.replaceChildren(h('div', { class: 'muted' }, tr('fromCard')), h('dl', { class: 'kv' },
      ...kv('group', p.group), ...kv('tnvedCode', p.tnvedCode ?? '—'), ...kv('unitsPerBox', String(p.unitsPerBox)), ...kv('boxesPerPallet', String(p.boxesPerPallet)),
      ...kv('shelfLifeDays', p.shelfLifeDays === null ? '—' : String(p.shelfLifeDays)), ...(computed === null ? [] : kv('expiryDate', computed)),
      ...kv('certificate', p.certificate === null ? '—' : `${tr(p.certificate.kind)} ${p.certificate.number} (${p.certificate.date})`)))
  }
  sel.addEventListener('change', show)
  prodDate.addEventListener('change', show)
  const form = h('form', { id: 'job-form', class: 'grid-form', novalidate: true },
    field('gtin', sel, tr('product')), card,
    field('batch', h('input', { name: 'batch' })),
    field('productionDate', prodDate), expiryField,
    field('quantity', h('input', { name: 'quantity', inputmode: 'numeric', value: '10000' })),
    field('minGrade', h('select', { name: 'minGrade' }, ...['A', 'B', 'C', 'D'].map(g => h('option', { value: g, selected: g === 'C' }, g)))),
    field('unitsPerMinute', h('input', { name: 'unitsPerMinute', inputmode: 'numeric', value: '300' })),
    ...extra.map(x => x.el),
    h('button', { type: 'submit', class: `btn primary big ${can('job:start') ? '' : 'locked'}` }, tr('startJob')))
  show()
  form.addEventListener('submit', ev => {
    ev.preventDefault()
    void submitJob(Object.fromEntries(new FormData(form as HTMLFormElement).entries()), form)
  })
  return form
}

function showError (error: ApiError, form?: HTMLElement): void {
  toast(bi(error.message), 'error')
  if (form === undefined || error.fields === undefined) return
  for (const [f, m] of Object.entries(error.fields)) {
    const slot = form.querySelector(`.field-error[data-for="${f.split('.')[0] ?? ''}"]`)
    if (slot !== null) slot.textContent = bi(m)
  }
}

/** Send the job; while another job is active the line asks for a confirmation (LC_ERR_JOB_SWITCH): ask the operator. */
async function submitJob (body: Record<string, unknown>, form: HTMLElement): Promise<void> {
  form.querySelectorAll('.field-error').forEach(e => { e.textContent = '' })
  const r = await api('POST', '/api/job', body)
  if (r.ok) { toast(tr('done'), 'ok'); document.getElementById('job-details')?.removeAttribute('open'); return }
  if (r.error.lineCode === 'LC_ERR_JOB_SWITCH') {
    const change = await confirmJobChange(bi(r.error.message))
    if (change !== null) await submitJob({ ...body, ...change }, form)
    return
  }
  showError(r.error, form)
}

/** The job-change dialog: the open box and pallet of the ending job are closed partial or left for later. */
function confirmJobChange (message: string): Promise<{ confirm: true, box: string, pallet: string } | null> {
  return new Promise(resolve => {
    const choice = (name: 'box' | 'pallet'): HTMLElement => h('fieldset', {}, h('legend', {}, tr(name === 'box' ? 'openBox' : 'openPallet')),
      h('label', {}, h('input', { type: 'radio', name, value: 'close', checked: true }), tr('closePartial')),
      h('label', {}, h('input', { type: 'radio', name, value: 'leave' }), tr('leaveForLater')))
    const form = h('form', { method: 'dialog' }, choice('box'), choice('pallet'))
    const dlg = h('dialog', { id: 'job-change', class: 'confirm' }) as HTMLDialogElement
    const done = (v: { confirm: true, box: string, pallet: string } | null): void => { dlg.close(); dlg.remove(); resolve(v) }
    const picked = (name: string): string => (form.querySelector(`input[name=${name}]:checked`) as HTMLInputElement | null)?.value ?? 'close'
    dlg.append(h('h2', {}, tr('jobChange')), h('p', { class: 'error-text' }, message), h('p', {}, tr('jobChangeText')), form,
      h('div', { class: 'dialog-buttons' },
        h('button', { type: 'button', class: 'btn', id: 'job-change-cancel', onclick: () => done(null) }, tr('cancel')),
        h('button', { type: 'button', class: 'btn primary', id: 'job-change-confirm', onclick: () => done({ confirm: true, box: picked('box'), pallet: picked('pallet') }) }, tr('confirmChange'))))
    dlg.addEventListener('cancel', () => done(null))
    root.append(dlg)
    dlg.showModal()
  })
}

// ---------- products: the catalogue's cards, sync, and a card entered by hand
function productsView (): HTMLElement {
  const c = catalogue
  const st = c?.status
  const status = h('p', { id: 'catalogue-status' }, st === undefined ? '' : !st.configured ? tr('notConfigured')
    : `${tr('lastSync')}: ${fmtDateTime(st.lastSyncAt)}${st.lastError === null ? '' : ` — ${bi(st.lastError)}`}`)
  const refresh = async (): Promise<void> => { await loadProducts(); renderTab() }
  const sync = st?.configured === true
    ? h('button', { id: 'sync-catalogue', class: `btn ${can('product:sync') ? '' : 'locked'}`, onclick: () => { void run('POST', '/api/products/sync').then(refresh) } }, tr('syncCatalogue'))
    : null
  const form = can('product:edit') ? productForm(refresh) : null
  const fill = (p: ProductView): void => {
    if (form === null) return
    const set = (n: string, v: string | number | null | undefined): void => { const el = form.querySelector(`[name=${n}]`) as HTMLInputElement | null; if (el !== null) el.value = v === null || v === undefined ? '' : String(v) }
    set('gtin', p.gtin); set('name', p.name); set('group', p.group); set('tnvedCode', p.tnvedCode); set('shelfLifeDays', p.shelfLifeDays)
    set('unitsPerBox', p.unitsPerBox); set('boxesPerPallet', p.boxesPerPallet); set('labelTemplate', p.labelTemplate)
    set('certKind', p.certificate?.kind); set('certNumber', p.certificate?.number); set('certDate', p.certificate?.date)
  }
  const cols: Key[] = ['gtin', 'name', 'group', 'tnvedCode', 'shelfLifeDays', 'unitsPerBox', 'boxesPerPallet', 'certificate', 'source']
  const rows = (c?.products ?? []).map(p => h('tr', { 'data-gtin': p.gtin },
    h('td', { class: 'mono' }, p.gtin), h('td', {}, p.name), h('td', {}, p.group), h('td', {}, p.tnvedCode ?? '—'),
    h('td', {}, p.shelfLifeDays === null ? '—' : String(p.shelfLifeDays)), h('td', {}, String(p.unitsPerBox)), h('td', {}, String(p.boxesPerPallet)),
    h('td', {}, p.certificate === null ? '—' : `${tr(p.certificate.kind)} ${p.certificate.number} (${p.certificate.date})`), h('td', {}, tr(p.source)),
    h('td', {}, form === null ? '' : h('button', { class: 'btn small', onclick: () => fill(p) }, tr('edit')))))
  return h('div', { class: 'products-grid' },
    h('section', { class: 'card' }, h('h2', {}, tr('tabProducts')), status, sync,
      rows.length === 0 ? h('p', { class: 'muted' }, tr('noProducts'))
        : h('table', { class: 'table', id: 'products' }, h('thead', {}, h('tr', {}, ...cols.map(k => h('th', {}, tr(k))), h('th', {}))), h('tbody', {}, ...rows))),
    form === null ? null : h('section', { class: 'card' }, h('h2', {}, tr('editProduct')), form))
}

function productForm (done: () => Promise<void>): HTMLElement {
  const groups = h('select', { name: 'group' }, ...GROUP_RULES.filter(r => r.refused === undefined).map(r => h('option', { value: r.group }, `${r.group} — ${r.name[lang]}`)))
  const form = h('form', { id: 'product-form', class: 'grid-form', novalidate: true },
    field('gtin', h('input', { name: 'gtin', inputmode: 'numeric', placeholder: '04601653030046' })),
    field('name', h('input', { name: 'name' })),
    field('group', groups),
    field('tnvedCode', h('input', { name: 'tnvedCode', inputmode: 'numeric' })),
    field('shelfLifeDays', h('input', { name: 'shelfLifeDays', inputmode: 'numeric' })),
    field('unitsPerBox', h('input', { name: 'unitsPerBox', inputmode: 'numeric', value: '12' })),
    field('boxesPerPallet', h('input', { name: 'boxesPerPallet', inputmode: 'numeric', value: '40' })),
    field('certKind', h('select', { name: 'certKind' }, h('option', { value: '' }, '—'), ...(['CONFORMITY_CERTIFICATE', 'CONFORMITY_DECLARATION'] as const).map(k => h('option', { value: k }, tr(k))))),
    field('certNumber', h('input', { name: 'certNumber' })),
    field('certDate', h('input', { name: 'certDate', type: 'date' })),
    h('span', { class: 'field-error', 'data-for': 'certificate' }),
    field('labelTemplate', h('input', { name: 'labelTemplate' })),
    h('button', { type: 'submit', class: 'btn primary' }, tr('save')))
  form.addEventListener('submit', ev => {
    ev.preventDefault()
    const v = Object.fromEntries(new FormData(form as HTMLFormElement).entries()) as Record<string, string>
    const { certKind, certNumber, certDate, ...card } = v
    const body = { ...card, ...(certKind === undefined || certKind === '' ? {} : { certificate: { kind: certKind, number: certNumber ?? '', date: certDate ?? '' } }) }
    void run('POST', '/api/products', body, form).then(async ok => { if (ok) await done() })
  })
  return form
}

/** The job fields a group's rule reads: its requirements and the attributes of its orders and reports. */
function fieldsOf (rule: GroupRule): Set<JobGroupField> {
  const maps = [...rule.order.attributes, ...rule.order.productAttributes, ...(rule.utilisation?.attributes ?? []), ...(rule.dropout?.attributes ?? []), ...rule.aggregation.attributes]
  const out = new Set<JobGroupField>([...rule.requires.flatMap(r => r.anyOf), ...maps.map(a => a.from).filter((f): f is JobGroupField => f !== 'productionDate')])
  if (rule.utilisation?.legalForm === true) { out.add('participantId'); out.add('kpp'); out.add('fiasId') }
  return out
}

function smallForm (id: string, action: string, path: string, fields: Array<[string, string]>, label: Key, danger = false): HTMLElement {
  const form = h('form', { id, class: 'inline-form', novalidate: true },
    ...fields.map(([name, ph]) => field(name, h('input', { name, placeholder: ph }), name === 'code' ? tr('code') : name === 'reason' ? tr('reason') : 'SSCC')),
    h('button', { type: 'submit', class: `btn ${danger ? 'danger' : ''} ${can(action) ? '' : 'locked'}` }, tr(label)))
  form.addEventListener('submit', ev => {
    ev.preventDefault()
    void run('POST', path, Object.fromEntries(new FormData(form as HTMLFormElement).entries()), form)
  })
  return form
}

/** Close the open box or pallet; the toast names what was closed (its SSCC). */
async function closeContainer (path: string, done: Key): Promise<void> {
  const r = await api<{ result: { sscc: string } }>('POST', path)
  if (r.ok) toast(`${tr(done)}: SSCC ${r.data.result.sscc}`, 'ok')
  else toast(bi(r.error.message), 'error')
}

function lineView (): HTMLElement {
  const modeSel = h('select', { id: 'mode-select', name: 'mode' }, ...(['Production', 'Maintenance', 'Manual'] as const).map(m => h('option', { value: m }, tr(m))))
  return h('div', { class: 'line-grid' },
    h('section', { class: 'card col-a' },
      h('h2', {}, tr('commands')), h('div', { id: 'commands', class: 'commands' }),
      can('mode:set') ? h('div', { class: 'mode-row' }, modeSel, h('button', { class: 'btn', onclick: () => { void run('POST', '/api/mode', { mode: (modeSel as HTMLSelectElement).value }) } }, tr('mode'))) : null,
      h('h2', {}, tr('job')), h('div', { id: 'job' }),
      h('details', { id: 'job-details' }, h('summary', { class: 'btn' }, tr('newJob')), jobForm())),
    h('section', { class: 'card col-b' },
      h('h2', {}, tr('counters')), h('div', { id: 'counters', class: 'counters' }), h('div', { id: 'rejects' }),
      h('h2', {}, tr('pool')), h('div', { id: 'pool', class: 'pool' }),
      h('h2', {}, tr('box')), h('div', { id: 'box' }),
      h('h2', {}, tr('aggregation')),
      h('div', { class: 'agg' },
        h('button', { id: 'close-box', class: `btn big ${can('box:close') ? '' : 'locked'}`, onclick: () => { void closeContainer('/api/box/close', 'boxClosed') } }, tr('closeBox')),
        h('button', { id: 'close-pallet', class: `btn ${can('pallet:close') ? '' : 'locked'}`, onclick: () => { void closeContainer('/api/pallet/close', 'palletClosed') } }, tr('closePallet')),
        smallForm('remove-form', 'unit:remove', '/api/unit/remove', [['code', '0104601653030046215…']], 'removeUnit'),
        smallForm('reprint-form', 'label:reprint', '/api/box/reprint', [['sscc', '00046016530000000018']], 'reprint'),
        smallForm('scrap-form', 'box:scrap', '/api/box/scrap', [['sscc', '00046016530000000018'], ['reason', '']], 'scrap', true))),
    h('section', { class: 'card col-c' },
      h('h2', {}, tr('alarms')), h('ul', { id: 'alarms', class: 'alarms' }),
      h('h2', {}, tr('devices')), h('div', { id: 'devices', class: 'devices' }),
      h('h2', {}, tr('lastImage')), h('div', { id: 'last-image', class: 'last-image' }),
      h('h2', {}, tr('lastCodes')), h('table', { id: 'last-codes', class: 'table' })))
}

/**
 * Replace a section's content only when what it shows changed: buttons must not be swapped under a finger
 * between touch-down and touch-up, or the press is lost.
 */
function patch (id: string, key: unknown, build: (el: HTMLElement) => void): void {
  const el = document.getElementById(id)
  if (el === null) return
  const k = `${lang}|${JSON.stringify(key)}`
  if (el.dataset.key === k) return
  el.dataset.key = k
  build(el)
}

function renderLine (): void {
  if (snap === null || document.getElementById('commands') === null) return
  const s = snap
  // Commands: those the state allows; ones the role lacks are shown locked (the server refuses them anyway).
  patch('commands', [s.state.allowed, s.state.fault], cmds => cmds.replaceChildren(...(s.state.allowed.length === 0 ? [h('span', { class: 'muted' }, tr('noCommands'))]
    : s.state.allowed.map(c => h('button', {
      class: `btn big cmd cmd-${c} ${can(`cmd:${c}`) ? '' : 'locked'}`, 'data-cmd': c, title: can(`cmd:${c}`) ? null : tr('locked'),
      onclick: () => { void run('POST', '/api/command', { command: c }) },
    }, tr(`cmd:${c}` as Key)))),
    s.state.fault !== null ? h('div', { id: 'fault', class: 'fault' }, bi(s.state.fault.message)) : ''))

  patch('job', s.job, job => job.replaceChildren(s.job === null ? h('span', { class: 'muted' }, tr('noJob'))
    : h('dl', { class: 'kv', 'data-job-id': s.job.id },
      h('dt', {}, tr('gtin')), h('dd', {}, s.job.gtin), h('dt', {}, tr('batch')), h('dd', {}, s.job.batch),
      h('dt', {}, tr('group')), h('dd', {}, s.job.group), h('dt', {}, tr('quantity')), h('dd', {}, String(s.job.quantity)),
      h('dt', {}, tr('unitsPerBox')), h('dd', {}, String(s.job.unitsPerBox)), h('dt', {}, tr('unitsPerMinute')), h('dd', {}, String(s.job.unitsPerMinute)))))

  const c = s.counters
  const keys: Array<keyof typeof c & Key> = ['triggered', 'printed', 'verified', 'rejected', 'boxes', 'pallets', 'reported', 'dropped']
  ;(document.getElementById('counters') as HTMLElement).replaceChildren(...keys.map(k =>
    h('div', { class: `counter ${k === 'rejected' && c.rejected > 0 ? 'warn' : ''}`, 'data-counter': k }, h('b', {}, String(c[k])), h('span', {}, tr(k)))))
  const reasons = Object.entries(c.rejectsByReason)
  ;(document.getElementById('rejects') as HTMLElement).replaceChildren(reasons.length === 0 ? ''
    : h('div', { class: 'reasons' }, h('span', { class: 'muted' }, `${tr('rejectsByReason')}: `), ...reasons.map(([r, n]) => h('span', { class: 'chip', 'data-reason': r }, `${reasonText(r)}: ${n}`))))

  const p = s.pool
  ;(document.getElementById('pool') as HTMLElement).replaceChildren(
    h('div', { class: `pool-level ${p.minutesLeft !== null && p.minutesLeft < 30 ? 'warn' : ''}` },
      h('b', { 'data-pool': 'codes' }, String(p.available)), ` ${tr('codes')} · `,
      h('b', { 'data-pool': 'minutes' }, p.minutesLeft === null ? '—' : String(Math.floor(p.minutesLeft))), ` ${tr('minutes')} · ${p.ordersInFlight} ${tr('ordersInFlight')}`),
    p.lastError !== null ? h('div', { class: 'error-text' }, p.lastError) : '')

  const b = s.box
  const boxEl = document.getElementById('box') as HTMLElement
  if (b === null) boxEl.replaceChildren(h('span', { class: 'muted' }, tr('noBox')))
  else {
    // Through the CSSOM, not a style attribute: the Content-Security-Policy forbids inline styles.
    const fill = h('div', { class: 'fill', 'data-fill': b.count })
    fill.style.width = `${Math.min(100, Math.round(100 * b.count / Math.max(1, b.capacity)))}%`
    boxEl.replaceChildren(
      h('div', { class: 'box-head' }, `SSCC ${b.sscc ?? '—'}: `, h('b', { 'data-box': 'count' }, `${b.count} / ${b.capacity}`)),
      h('div', { class: 'bar' }, fill),
      h('div', { class: 'muted' }, `${tr('pallet')} ${b.palletSscc ?? '—'}: ${b.palletCount} / ${b.palletCapacity}`),
      h('div', { id: 'last-closed', class: 'last-closed' },
        `${tr('lastBox')}: `, h('b', { class: 'mono', 'data-last': 'box' }, b.lastBoxSscc ?? '—'),
        ` · ${tr('lastPallet')}: `, h('b', { class: 'mono', 'data-last': 'pallet' }, b.lastPalletSscc ?? '—')))
  }

  patch('alarms', s.alarms, el => el.replaceChildren(...(s.alarms.length === 0 ? [h('li', { class: 'muted' }, tr('noAlarms'))] : s.alarms.map(alarmItem))))

  patch('devices', s.devices, el => el.replaceChildren(...s.devices.map(deviceTile)))

  const img = document.getElementById('last-image') as HTMLElement
  const li = s.lastImage
  const have = img.dataset.seq
  if (li === null) img.replaceChildren(h('span', { class: 'muted' }, tr('noImage')))
  else if (have !== String(li.seq)) {
    img.dataset.seq = String(li.seq)
    img.replaceChildren(h('img', { src: `/api/image/last.png?seq=${li.seq}`, alt: `${li.camera} #${li.seq}` }),
      h('div', { class: `grade grade-${li.grade}`, 'data-grade': li.grade }, `${tr('grade')} ${li.grade} · ${li.camera} #${li.seq}`))
  }

  ;(document.getElementById('last-codes') as HTMLElement).replaceChildren(
    h('tr', {}, h('th', {}, '#'), h('th', {}, tr('code')), h('th', {}, tr('grade')), h('th', {}, tr('result')), h('th', {}, tr('at'))),
    ...s.lastCodes.slice(0, 8).map(l => h('tr', { class: l.verdict }, h('td', {}, String(l.seq)), h('td', { class: 'mono' }, (l.code ?? '—').replaceAll('\u001d', '⟨GS⟩')),
      h('td', {}, l.grade ?? '—'), h('td', {}, l.verdict === 'good' ? tr('good') : `${tr('reject')}${l.reason !== null ? ` (${reasonText(l.reason)})` : ''}`), h('td', {}, fmtTime(l.at)))))
}

/** Devices whose own words (note) the operator unfolded: kept open when the tiles are rebuilt. */
const openNotes = new Set<string>()

/** A device tile: its id, kind and state, then its facts, all in the operator's language; the device's own words folded away. */
function deviceTile (d: DeviceView): HTMLElement {
  const note = d.note === null ? null
    : h('details', {
      class: 'dev-note',
      open: openNotes.has(d.id),
      ontoggle: (e: Event) => { if ((e.currentTarget as HTMLDetailsElement).open) openNotes.add(d.id); else openNotes.delete(d.id) },
    }, h('summary', {}, bi(DEVICE_TEXT.note)), h('small', { class: 'mono' }, d.note))
  return h('div', { class: `tile dev-${d.state}`, 'data-device': d.id, 'data-state': d.state },
    h('b', {}, d.id),
    h('span', {}, `${bi(DEVICE_KIND_TEXT[d.kind] ?? { ru: d.kind, en: d.kind })} · ${bi(DEVICE_STATE_TEXT[d.state] ?? { ru: d.state, en: d.state })}`),
    ...d.facts.map(f => h('small', { 'data-fact': f.key }, factText(f, lang))),
    note)
}

/** Alarms whose technical detail the operator unfolded: kept open when the list is rebuilt. */
const openDetails = new Set<number>()

/** Catalogue text in the operator's language, then what to do; the technical detail folded away below. */
function alarmItem (a: AlarmView): HTMLElement {
  const action = bi(a.action) !== '' ? h('div', { class: 'alarm-action' }, `${tr('alarmAction')}: ${bi(a.action)}`) : null
  const detail = a.detail === null ? null
    : h('details', {
      class: 'alarm-detail',
      open: openDetails.has(a.id),
      ontoggle: (e: Event) => { if ((e.currentTarget as HTMLDetailsElement).open) openDetails.add(a.id); else openDetails.delete(a.id) },
    }, h('summary', {}, tr('alarmDetail')), h('pre', { class: 'mono' }, JSON.stringify(a.detail, null, 2)))
  return h('li', { class: `alarm sev-${a.severity} ${a.active ? 'active' : 'inactive'} ${a.acknowledged ? 'acked' : ''}`, 'data-alarm-id': a.id, 'data-alarm-code': a.code, 'data-alarm-source': a.source },
    h('div', { class: 'alarm-body' }, h('b', { class: 'alarm-text' }, bi(a.message)), action, h('small', {}, ` ${a.code} · ${a.source} · ${fmtTime(a.raisedAt)}`), detail),
    a.acknowledged ? h('small', { class: 'muted' }, `${tr('acked')}: ${a.acknowledgedBy ?? ''}`)
      : h('button', { class: `btn ack ${can('alarm:ack') ? '' : 'locked'}`, onclick: () => { void run('POST', `/api/alarms/${a.id}/ack`) } }, tr('ack')))
}

// ---------- other tabs
function reportView (): HTMLElement {
  const day = new Date().toISOString().slice(0, 10)
  const from = h('input', { type: 'datetime-local', name: 'from', value: `${day}T00:00` }) as HTMLInputElement
  const to = h('input', { type: 'datetime-local', name: 'to', value: `${day}T23:59` }) as HTMLInputElement
  const table = h('table', { id: 'report-table', class: 'table' })
  const link = h('a', { id: 'csv', class: 'btn', download: true }, tr('csv')) as HTMLAnchorElement
  const load = async (): Promise<void> => {
    const q = `from=${new Date(from.value).getTime()}&to=${new Date(to.value).getTime()}`
    link.href = `/api/shift-report.csv?${q}&lang=${lang}`
    const r = await api<{ rows: ShiftRow[] }>('GET', `/api/shift-report?${q}`)
    if (!r.ok) { toast(bi(r.error.message), 'error'); return }
    const cols: Array<[keyof ShiftRow, Key]> = [['jobId', 'job'], ['gtin', 'gtin'], ['batch', 'batch'], ['printed', 'printed'], ['verified', 'verified'], ['rejected', 'rejected'], ['boxes', 'boxes'], ['pallets', 'pallets'], ['reported', 'reported'], ['dropped', 'dropped'], ['startedAt', 'started'], ['endedAt', 'ended']]
    table.replaceChildren(h('tr', {}, ...cols.map(([, k]) => h('th', {}, tr(k)))),
      ...r.data.rows.map(row => h('tr', {}, ...cols.map(([c]) => h('td', {}, c === 'startedAt' || c === 'endedAt' ? fmtDateTime(row[c]) : String(row[c]))))))
  }
  void load()
  return h('section', { class: 'card' }, h('div', { class: 'mode-row' }, h('label', {}, tr('from'), from), h('label', {}, tr('to'), to),
    h('button', { class: 'btn', onclick: () => { void load() } }, tr('show')), link), table)
}

type AuditRowView = { at: number, actor: string, role: string | null, action: string, detail: unknown, result: string, message: string | null, text: Bilingual | null }

/**
 * What an audit row says of its outcome, in the operator's language: its text (the server gives one when the message
 * was written in both languages or is a catalogue code's); a message in one language only (an exception, an
 * engineer's detail beside the catalogue's text) is folded away.
 */
function auditMessage (a: AuditRowView): { shown: string | null, raw: string | null } {
  if (a.text !== null) return { shown: bi(a.text), raw: a.message === null || a.message === a.text.en ? null : a.message }
  return { shown: null, raw: a.message }
}

function auditView (): HTMLElement {
  const table = h('table', { id: 'audit-table', class: 'table' })
  void api<{ rows: AuditRowView[] }>('GET', '/api/audit?limit=200').then(r => {
    if (!r.ok) { toast(bi(r.error.message), 'error'); return }
    table.replaceChildren(h('tr', {}, h('th', {}, tr('at')), h('th', {}, tr('actor')), h('th', {}, tr('action')), h('th', {}, tr('result'))),
      ...r.data.rows.map(a => {
        const m = auditMessage(a)
        return h('tr', { class: `res-${a.result}`, 'data-action': a.action, 'data-result': a.result },
          h('td', {}, fmtDateTime(a.at)),
          h('td', {}, `${actorText(a.actor, lang)}${a.role !== null ? ` (${Object.hasOwn(T, a.role) ? tr(a.role as Key) : a.role})` : ''}`),
          h('td', {}, actionText(a.action, lang)),
          h('td', {}, `${resultText(a.result, lang)}${m.shown !== null ? `: ${m.shown}` : ''}`,
            m.raw === null ? null : h('details', { class: 'alarm-detail' }, h('summary', {}, tr('alarmDetail')), h('pre', { class: 'mono' }, m.raw))))
      }))
  })
  return h('section', { class: 'card' }, table)
}

function usersView (): HTMLElement {
  const table = h('table', { id: 'users-table', class: 'table' })
  const load = (): void => {
    void api<{ users: Array<{ username: string, role: string, disabled: boolean, mustChange: boolean }> }>('GET', '/api/users').then(r => {
      if (!r.ok) { toast(bi(r.error.message), 'error'); return }
      table.replaceChildren(h('tr', {}, h('th', {}, tr('username')), h('th', {}, tr('role')), h('th', {}, '')),
        ...r.data.users.map(u => h('tr', { 'data-user': u.username }, h('td', {}, u.username), h('td', {}, `${tr(u.role as Key)}${u.disabled ? ` · ${tr('disabled')}` : ''}`),
          h('td', {}, h('button', { class: 'btn small', onclick: () => { void run('PATCH', `/api/users/${encodeURIComponent(u.username)}`, { disabled: !u.disabled }).then(load) } }, u.disabled ? tr('enable') : tr('disable'))))))
    })
  }
  load()
  const form = h('form', { id: 'user-form', class: 'grid-form', novalidate: true },
    field('username', h('input', { name: 'username' })),
    field('role', h('select', { name: 'role' }, ...['operator', 'engineer', 'admin'].map(r => h('option', { value: r }, tr(r as Key))))),
    field('password', h('input', { name: 'password', type: 'password', autocomplete: 'new-password' })),
    h('button', { type: 'submit', class: 'btn primary' }, tr('addUser')))
  form.addEventListener('submit', ev => {
    ev.preventDefault()
    void run('POST', '/api/users', Object.fromEntries(new FormData(form as HTMLFormElement).entries()), form).then(ok => { if (ok) { (form as HTMLFormElement).reset(); load() } })
  })
  return h('section', { class: 'card' }, table, h('h2', {}, tr('addUser')), form)
}

// ---------- start: resume the session if the cookie is still valid
void api<{ user: Me }>('GET', '/api/me').then(r => { me = r.ok ? r.data.user : null; render() })
