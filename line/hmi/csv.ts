// Shift report as CSV for the plant's spreadsheet: semicolon-separated with a BOM, as Russian-locale Excel expects.
import type { ShiftRow } from '../control.ts'

const HEADERS: Record<'ru' | 'en', Record<keyof ShiftRow, string>> = {
  ru: { jobId: 'Задание', gtin: 'GTIN', batch: 'Партия', printed: 'Напечатано', verified: 'Проверено', rejected: 'Отбраковано', boxes: 'Короба', pallets: 'Паллеты', reported: 'Отчитано', dropped: 'Выбыло', startedAt: 'Начало', endedAt: 'Окончание' },
  en: { jobId: 'Job', gtin: 'GTIN', batch: 'Batch', printed: 'Printed', verified: 'Verified', rejected: 'Rejected', boxes: 'Boxes', pallets: 'Pallets', reported: 'Reported', dropped: 'Dropped', startedAt: 'Started', endedAt: 'Ended' },
}
const COLUMNS: Array<keyof ShiftRow> = ['jobId', 'gtin', 'batch', 'printed', 'verified', 'rejected', 'boxes', 'pallets', 'reported', 'dropped', 'startedAt', 'endedAt']

/** Quote a cell when it could break the row, and defuse cells a spreadsheet would run as a formula. */
export function csvCell (v: unknown): string {
  let s = v === null || v === undefined ? '' : String(v)
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return /[;"\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

export function shiftReportCsv (rows: readonly ShiftRow[], lang: 'ru' | 'en'): string {
  const h = HEADERS[lang]
  const lines = [COLUMNS.map(c => csvCell(h[c])).join(';')]
  for (const r of rows) {
    lines.push(COLUMNS.map(c => {
      const v = r[c]
      if ((c === 'startedAt' || c === 'endedAt') && typeof v === 'number') return csvCell(new Date(v).toISOString())
      return csvCell(v)
    }).join(';'))
  }
  return '\uFEFF' + lines.join('\r\n') + '\r\n'
}
