// Dates and times as the operator's language writes them, whatever the browser's locale: 25.11.2026 14:03:07 in
// Russian, 25 Nov 2026 14:03:07 in English (the controller's local time).
import type { Lang } from './i18n.ts'

const MONTHS_EN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const two = (n: number): string => String(n).padStart(2, '0')

/** HH:MM:SS, the same in both languages. */
export function fmtTime (ms: number): string {
  const d = new Date(ms)
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`
}

export function fmtDate (ms: number, lang: Lang): string {
  const d = new Date(ms)
  return lang === 'ru'
    ? `${two(d.getDate())}.${two(d.getMonth() + 1)}.${d.getFullYear()}`
    : `${two(d.getDate())} ${MONTHS_EN[d.getMonth()] ?? ''} ${d.getFullYear()}`
}

/** Date and time; '—' for none. */
export function fmtDateTime (ms: number | null, lang: Lang): string {
  return ms === null ? '—' : `${fmtDate(ms, lang)} ${fmtTime(ms)}`
}
