// The station screen of the panel (docs/station.md): a USB keyboard-wedge scanner types each read into the capture
// field and ends it with Enter. GS (0x1D) arrives as Ctrl+] (the ASCII control key a HID scanner sends for it), as
// the character itself, or as a substitute string set in the scanner (e.g. "<GS>"): each becomes the byte 0x1D and
// nothing else in the read is changed. The server decides every read; the screen shows it green or red and beeps
// (Web Audio: one high tone for an accept, two low tones for a refusal). Reads of serial scanners show up here too.
/// <reference lib="dom" />
import type { Bilingual } from '../../control.ts'
import type { Lang } from './i18n.ts'
import { TS, type StationKey } from './i18n-station.ts'

interface Decision { n: number, at: number, source: string, read: string, kind: string, code: string, ok: boolean, text: Bilingual, sscc?: string }
interface View {
  job: { id: number, gtin: string, batch: string } | null
  box: { count: number, capacity: number, sscc: string | null, awaitingLabel: boolean } | null
  recent: Decision[]
  scanners: Array<{ id: string, online: boolean }>
  leftOpen: Array<{ jobId: number, gtin: string | null, batch: string | null, count: number, sscc: string | null }>
}
type Api = <R>(method: string, path: string, body?: unknown) => Promise<{ ok: true, data: R } | { ok: false, status: number, error: { code: string, message: Bilingual } }>
type H = (tag: string, attrs?: Record<string, unknown>, ...children: Array<Node | string | null | undefined | false>) => HTMLElement

export interface StationDeps { lang: Lang, api: Api, h: H, can: (action: string) => boolean }

const GS = '\u001d'
const SUBSTITUTE_KEY = 'lc-station-gs'
/** The longest read the field takes: the server refuses more anyway (line/station/scan.ts). */
const MAX_READ = 600
let available: boolean | null = null

/** Whether this controller has a station (asked once after login). */
export async function probeStation (api: Api): Promise<boolean> {
  if (available !== null) return available
  const r = await api<View>('GET', '/api/station')
  // only the server's own answer is kept: a lost connection or an expired session asks again next time
  if (r.ok) available = true
  else if (r.status === 404) available = false
  return r.ok
}
export const stationAvailable = (): boolean => available === true
export const stationTabText = (lang: Lang): string => TS.tab[lang]

// ---------- sound: accept = one short high tone, refusal = two long low tones (different at a glance and by ear)
let audio: AudioContext | null = null
function beep (kind: 'accept' | 'refuse'): void {
  document.body.dataset.stationBeep = kind
  document.body.dataset.stationBeeps = String(Number(document.body.dataset.stationBeeps ?? '0') + 1)
  try {
    audio ??= new AudioContext()
    const tones = kind === 'accept' ? [[1760, 0, 0.12]] : [[220, 0, 0.22], [220, 0.3, 0.22]]
    for (const [freq, start, len] of tones as Array<[number, number, number]>) {
      const osc = audio.createOscillator()
      const gain = audio.createGain()
      osc.type = kind === 'accept' ? 'sine' : 'square'
      osc.frequency.value = freq
      gain.gain.value = 0.2
      osc.connect(gain).connect(audio.destination)
      const t0 = audio.currentTime + start
      osc.start(t0)
      osc.stop(t0 + len)
    }
  } catch { /* no audio device: the colour still says it */ }
}

/**
 * The character a key makes on the US layout. A HID scanner (keyboard country US, its default) sends key positions,
 * not characters: on a panel PC switched to the Russian layout the same keys type «ф» for KeyA, «"» for Shift+2 and
 * «.» for Slash. The character is therefore taken from the key's position (KeyboardEvent.code) and Shift whenever the
 * position is a main-block key and the layout made another character than US would; other keys (numeric keypad,
 * unknown) keep the character the layout produced.
 */
const US: Readonly<Record<string, [string, string]>> = {
  Backquote: ['`', '~'], Minus: ['-', '_'], Equal: ['=', '+'], BracketLeft: ['[', '{'], BracketRight: [']', '}'], Backslash: ['\\', '|'],
  Semicolon: [';', ':'], Quote: ["'", '"'], Comma: [',', '<'], Period: ['.', '>'], Slash: ['/', '?'], Space: [' ', ' '],
  Digit1: ['1', '!'], Digit2: ['2', '@'], Digit3: ['3', '#'], Digit4: ['4', '$'], Digit5: ['5', '%'], Digit6: ['6', '^'], Digit7: ['7', '&'], Digit8: ['8', '*'], Digit9: ['9', '('], Digit0: ['0', ')'],
}
export function usCharacter (key: string, code: string, shift: boolean): string {
  if (key === GS) return key
  const letter = /^Key([A-Z])$/.exec(code)
  if (letter !== null) {
    const l = letter[1] as string
    if (key.toUpperCase() === l) return key // the layout agrees with US for this key
    // the case as the layout produced it (Shift and Caps Lock are already in it), when the key made a letter
    const upper = key.toLowerCase() !== key.toUpperCase() ? key === key.toUpperCase() : shift
    return upper ? l : l.toLowerCase()
  }
  const pair = US[code]
  if (pair === undefined || pair.includes(key)) return key
  return pair[shift ? 1 : 0]
}

export function stationScreen (d: StationDeps): HTMLElement {
  const { h, lang } = d
  const t = (k: StationKey): string => TS[k][lang]
  const show = (s: string): string => s.replaceAll(GS, '‹GS›')
  let buffer = ''
  let lastSeen = 0
  let busy: Promise<void> = Promise.resolve()

  const capture = h('input', { id: 'station-capture', class: 'station-capture', autocomplete: 'off', spellcheck: 'false', 'aria-label': t('capture') }) as HTMLInputElement
  const result = h('div', { id: 'station-result', class: 'station-result idle', 'data-result': 'idle' }, t('ready'))
  const boxEl = h('div', { id: 'station-box', class: 'station-box' })
  const recentEl = h('ol', { id: 'station-recent', class: 'station-recent' })
  const scannersEl = h('div', { id: 'station-scanners', class: 'station-scanners' })
  const leftOpenEl = h('div', { id: 'station-left-open', class: 'station-left-open' })
  const subst = h('input', { id: 'station-gs', name: 'gs', value: localStorage.getItem(SUBSTITUTE_KEY) ?? '', placeholder: '<GS>', maxlength: '16' }) as HTMLInputElement
  subst.addEventListener('change', () => { localStorage.setItem(SUBSTITUTE_KEY, subst.value) })
  const closeBtn = h('button', { id: 'station-close', class: 'btn big primary', onclick: () => { void closeBox() } }, t('close'))

  const showDecision = (r: Decision): void => {
    result.className = `station-result ${r.ok ? 'accepted' : 'refused'}`
    result.dataset.result = r.ok ? 'accepted' : 'refused'
    result.dataset.decision = r.code
    result.replaceChildren(h('b', {}, r.ok ? t('accepted') : t('refused')), h('span', { class: 'station-reason' }, r.text[lang]),
      h('code', { class: 'station-read' }, r.read), h('span', { class: 'station-sscc' }, r.sscc === undefined ? '' : `SSCC ${r.sscc}`))
    beep(r.ok ? 'accept' : 'refuse')
    lastSeen = Math.max(lastSeen, r.n)
  }

  const renderView = (v: View): void => {
    const box = v.box
    boxEl.replaceChildren(...(v.job === null || box === null
      ? [h('div', { class: 'station-nojob' }, t('noJob'))]
      : [
          h('div', { class: 'station-job' }, `GTIN ${v.job.gtin} · ${v.job.batch}`),
          h('div', { class: 'station-count', 'data-count': String(box.count), 'data-capacity': String(box.capacity) }, h('b', {}, `${box.count} / ${box.capacity}`), ` ${t('units')}`),
          h('div', { class: 'bar' }, h('div', { class: 'fill', style: `width:${Math.min(100, Math.round(100 * box.count / Math.max(1, box.capacity)))}%` })),
          ...(box.awaitingLabel ? [h('div', { id: 'station-awaiting', class: 'station-awaiting', 'data-sscc': box.sscc ?? '' }, `${t('awaiting')}: ${box.sscc ?? ''}`)] : []),
        ]))
    recentEl.replaceChildren(...v.recent.map(r => h('li', { class: `station-row ${r.ok ? 'ok' : 'no'}`, 'data-decision': r.code },
      h('span', { class: 'station-mark' }, r.ok ? '✔' : '✖'), h('span', {}, r.text[lang]), h('code', {}, r.read), h('small', {}, r.source))))
    leftOpenEl.replaceChildren(...v.leftOpen.map(b => h('div', { class: 'station-awaiting', 'data-left-open': String(b.jobId) },
      `${t('leftOpen')} #${b.jobId} (${b.gtin ?? '—'} · ${b.batch ?? '—'}): ${b.count} ${t('units')}${b.sscc === null ? '' : ` · SSCC ${b.sscc}`}`,
      d.can('station:close') ? h('button', { class: 'btn small', 'data-close-job': String(b.jobId), onclick: () => { void closeBox(b.jobId) } }, t('printLabel')) : null)))
    scannersEl.replaceChildren(...(v.scanners.length === 0
      ? []
      : [h('span', {}, `${t('scanners')}: `), ...v.scanners.map(s => h('span', { class: `chip ${s.online ? 'on' : 'off'}`, 'data-scanner': s.id }, `${s.id} — ${s.online ? t('online') : t('offline')}`))]))
    // a serial scanner's read decided since the last look: shown and sounded here as well
    const newest = v.recent[0]
    if (newest !== undefined && newest.n > lastSeen) {
      if (lastSeen > 0 && newest.source.startsWith('scanner:')) showDecision(newest)
      lastSeen = newest.n
    }
  }

  const refresh = async (): Promise<void> => {
    const r = await d.api<View>('GET', '/api/station')
    if (r.ok) renderView(r.data)
  }

  const send = (raw: string): void => {
    const sub = subst.value
    const code = sub === '' ? raw : raw.split(sub).join(GS)
    busy = busy.then(async () => {
      const r = await d.api<{ decision: Decision, view: View }>('POST', '/api/station/scan', { code })
      if (r.ok) { showDecision(r.data.decision); renderView(r.data.view) } else {
        showDecision({ n: 0, at: Date.now(), source: 'panel', read: show(code).slice(0, 80), kind: 'input', code: r.error.code, ok: false, text: r.status === 0 ? TS.noLink : r.error.message })
      }
    })
  }

  const closeBox = async (jobId?: number): Promise<void> => {
    const r = await d.api<{ decision: Decision, view: View }>('POST', '/api/station/close', jobId === undefined ? {} : { jobId })
    if (r.ok) { showDecision(r.data.decision); renderView(r.data.view) }
    capture.focus()
  }

  // The wedge types the read key by key: it is collected here, not by the input's own editing, so that GS (a
  // control character no input field keeps) survives and nothing else is altered.
  capture.addEventListener('keydown', ev => {
    if (ev.isComposing) return
    if (ev.key === 'Enter') {
      ev.preventDefault()
      const read = buffer
      buffer = ''
      capture.value = ''
      if (read !== '') send(read)
      return
    }
    if (ev.ctrlKey && (ev.key === ']' || ev.code === 'BracketRight' || ev.key === GS)) { ev.preventDefault(); buffer += GS } else if (ev.key === 'Backspace') { ev.preventDefault(); buffer = buffer.slice(0, -1) } else if (ev.key === 'Escape') { ev.preventDefault(); buffer = '' } else if (ev.key.length === 1 && !ev.ctrlKey && !ev.altKey && !ev.metaKey) {
      ev.preventDefault()
      if (buffer.length < MAX_READ) buffer += usCharacter(ev.key, ev.code, ev.shiftKey)
    } else return
    capture.value = show(buffer)
  })
  // a paste or an IME insert is taken as typed
  capture.addEventListener('beforeinput', ev => {
    if (ev.data !== null && ev.data !== undefined && ev.inputType !== 'insertText') { ev.preventDefault(); buffer = (buffer + ev.data).slice(0, MAX_READ); capture.value = show(buffer) }
  })

  const root = h('section', { id: 'station', class: 'card station', onclick: (ev: Event) => { if ((ev.target as HTMLElement).tagName !== 'INPUT' && (ev.target as HTMLElement).tagName !== 'BUTTON') capture.focus() } },
    h('h2', {}, t('title')),
    h('div', { class: 'station-grid' },
      h('div', { class: 'station-left' },
        h('label', { class: 'field' }, t('capture'), capture, h('small', {}, t('captureHint'))),
        result,
        h('details', { class: 'station-settings' }, h('summary', {}, t('gsSubstitute')), h('label', { class: 'field' }, t('gsHint'), subst))),
      h('div', { class: 'station-right' }, boxEl, d.can('station:close') ? closeBtn : null, leftOpenEl, scannersEl)),
    h('h2', {}, t('recent')), recentEl)

  void refresh()
  const timer = window.setInterval(() => { if (!root.isConnected) { window.clearInterval(timer); return } void refresh() }, 1000)
  window.setTimeout(() => capture.focus(), 0)
  return root
}
