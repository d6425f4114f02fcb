// The end-of-batch report of a job: codes, defects by reason, boxes and pallets with their SSCCs, reports sent and
// accepted, the operators who acted, start and end — built from the store, as JSON, CSV (Excel: BOM and ";") and a
// printable page (Russian first, English second). No marking code appears in it: only counts and SSCCs.
import type { JobView } from '../control.ts'
import { csvCell } from '../hmi/csv.ts'
import type { CodeStateName } from '../pool/states.ts'

export interface BatchReport {
  format: 'batch-report/1'
  /** `<site>/<line>`. */
  line: string
  generatedAt: string
  job: {
    id: number
    /** The ERP queue entry the job was started from, and the ERP's own reference; null for jobs from elsewhere. */
    erpId: number | null
    reference: string | null
    group: string
    gtin: string
    batch: string
    productionDate: string
    expiryDate: string | null
    quantity: number
    unitsPerBox: number
    boxesPerPallet: number
    status: JobView['status']
  }
  times: { queuedAt: string | null, startedAt: string, endedAt: string | null, durationMs: number | null }
  codes: { reserved: number, printed: number, verified: number, rejected: number, aggregated: number, reported: number, dropped: number, byState: Record<string, number> }
  /** Codes written off, by reason (camera rejects, removals, scrapped boxes, uncertain after a restart …). */
  defects: Array<{ reason: string, count: number }>
  boxes: { count: number, list: Array<{ sscc: string, units: number, pallet: string | null, closedAt: string }> }
  pallets: { count: number, list: Array<{ sscc: string, boxes: number, closedAt: string }> }
  /** Reports covering the job's codes, per kind and state (ACCEPTED: taken by GIS MT). */
  reports: Array<{ kind: string, state: string, reports: number, codes: number }>
  /** Who acted on the line while the job ran (the audit trail), and who started it. */
  startedBy: string
  operators: Array<{ actor: string, role: string | null, actions: number, firstAt: string, lastAt: string }>
}

/** Where a batch report's facts come from: each a named query of the module that owns them. */
export interface BatchSources {
  line: string
  now: () => number
  job: (id: number) => (JobView & { startedBy?: string }) | null
  /** The job's counters as the line derives them (runtime/counters.ts), and its codes per state and defect reason. */
  counters: (jobId: number) => { reserved: number, printed: number, verified: number, rejected: number }
  codeCounts: (jobId: number) => { states: Record<CodeStateName, number>, defects: Record<string, number> }
  containers: (jobId: number) => Array<{ level: 'box' | 'pallet', sscc: string, items: number, parent: string | null, closedAt: number }>
  reports: (jobId: number) => Array<{ kind: string, state: string, reports: number, codes: number }>
  operators: (fromMs: number, toMs: number) => Array<{ actor: string, role: string | null, actions: number, firstAt: number, lastAt: number }>
  /** Who started a line job (the job store records it). */
  startedBy: (jobId: number) => string | null
  erpEntry: (jobId: number) => { id: number, reference: string | null, createdAt: number } | null
}

const iso = (ms: number): string => new Date(ms).toISOString()

export function buildBatchReport (s: BatchSources, jobId: number): BatchReport | null {
  const job = s.job(jobId)
  if (job === null) return null
  const c = s.counters(jobId)
  const { states, defects } = s.codeCounts(jobId)
  const containers = s.containers(jobId)
  const erp = s.erpEntry(jobId)
  const end = job.endedAt ?? s.now()
  const byState: Record<string, number> = {}
  for (const [k, v] of Object.entries(states)) if (v > 0) byState[k] = v
  return {
    format: 'batch-report/1',
    line: s.line,
    generatedAt: iso(s.now()),
    job: {
      id: job.id, erpId: erp?.id ?? null, reference: erp?.reference ?? null, group: job.group, gtin: job.gtin, batch: job.batch,
      productionDate: job.productionDate, expiryDate: job.expiryDate ?? null, quantity: job.quantity,
      unitsPerBox: job.unitsPerBox, boxesPerPallet: job.boxesPerPallet, status: job.status,
    },
    times: { queuedAt: erp === null ? null : iso(erp.createdAt), startedAt: iso(job.startedAt), endedAt: job.endedAt === null ? null : iso(job.endedAt), durationMs: job.endedAt === null ? null : job.endedAt - job.startedAt },
    codes: {
      reserved: c.reserved, printed: c.printed, verified: c.verified, rejected: c.rejected,
      aggregated: states.AGGREGATED, reported: states.REPORTED, dropped: states.DROPPED, byState,
    },
    defects: Object.entries(defects).map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
    boxes: {
      count: containers.filter(x => x.level === 'box').length,
      list: containers.filter(x => x.level === 'box').map(x => ({ sscc: x.sscc, units: x.items, pallet: x.parent, closedAt: iso(x.closedAt) })),
    },
    pallets: {
      count: containers.filter(x => x.level === 'pallet').length,
      list: containers.filter(x => x.level === 'pallet').map(x => ({ sscc: x.sscc, boxes: x.items, closedAt: iso(x.closedAt) })),
    },
    reports: s.reports(jobId),
    startedBy: s.startedBy(jobId) ?? '',
    operators: s.operators(job.startedAt, end).map(o => ({ actor: o.actor, role: o.role, actions: o.actions, firstAt: iso(o.firstAt), lastAt: iso(o.lastAt) })),
  }
}

type Lang = 'ru' | 'en'
const L: Record<string, { ru: string, en: string }> = {
  title: { ru: 'Отчёт о партии', en: 'Batch report' },
  line: { ru: 'Линия', en: 'Line' },
  job: { ru: 'Задание', en: 'Job' },
  erpId: { ru: 'Номер в очереди ERP', en: 'ERP queue id' },
  reference: { ru: 'Номер документа ERP', en: 'ERP reference' },
  group: { ru: 'Товарная группа', en: 'Product group' },
  gtin: { ru: 'GTIN', en: 'GTIN' },
  batch: { ru: 'Партия', en: 'Batch' },
  productionDate: { ru: 'Дата производства', en: 'Production date' },
  expiryDate: { ru: 'Годен до', en: 'Expiry date' },
  quantity: { ru: 'Количество по заданию', en: 'Quantity ordered' },
  status: { ru: 'Состояние', en: 'Status' },
  queuedAt: { ru: 'Поставлено в очередь', en: 'Queued' },
  startedAt: { ru: 'Начало', en: 'Started' },
  endedAt: { ru: 'Окончание', en: 'Ended' },
  startedBy: { ru: 'Запустил', en: 'Started by' },
  reserved: { ru: 'Кодов взято из пула', en: 'Codes taken from the pool' },
  printed: { ru: 'Напечатано', en: 'Printed' },
  verified: { ru: 'Проверено', en: 'Verified' },
  rejected: { ru: 'Отбраковано', en: 'Rejected' },
  aggregated: { ru: 'В коробах (без отчёта)', en: 'In boxes (not yet reported)' },
  reported: { ru: 'Отчитано', en: 'Reported' },
  dropped: { ru: 'Выбыло', en: 'Dropped' },
  boxes: { ru: 'Короба', en: 'Boxes' },
  pallets: { ru: 'Паллеты', en: 'Pallets' },
  defects: { ru: 'Брак по причинам', en: 'Defects by reason' },
  reason: { ru: 'Причина', en: 'Reason' },
  count: { ru: 'Количество', en: 'Count' },
  level: { ru: 'Уровень', en: 'Level' },
  sscc: { ru: 'SSCC', en: 'SSCC' },
  content: { ru: 'Вложено', en: 'Content' },
  pallet: { ru: 'Паллета', en: 'Pallet' },
  closedAt: { ru: 'Закрыт', en: 'Closed' },
  reports: { ru: 'Отчёты в ГИС МТ', en: 'Reports to GIS MT' },
  kind: { ru: 'Вид', en: 'Kind' },
  state: { ru: 'Состояние', en: 'State' },
  codes: { ru: 'Кодов', en: 'Codes' },
  operators: { ru: 'Операторы', en: 'Operators' },
  actor: { ru: 'Пользователь', en: 'User' },
  role: { ru: 'Роль', en: 'Role' },
  actions: { ru: 'Действий', en: 'Actions' },
  first: { ru: 'Первое', en: 'First' },
  last: { ru: 'Последнее', en: 'Last' },
  generatedAt: { ru: 'Сформирован', en: 'Generated' },
}
const t = (k: string, lang: Lang): string => L[k]?.[lang] ?? k

function summary (r: BatchReport): Array<[string, unknown]> {
  return [
    ['line', r.line], ['job', r.job.id], ['erpId', r.job.erpId], ['reference', r.job.reference], ['group', r.job.group], ['gtin', r.job.gtin],
    ['batch', r.job.batch], ['productionDate', r.job.productionDate], ['expiryDate', r.job.expiryDate], ['quantity', r.job.quantity],
    ['status', r.job.status], ['queuedAt', r.times.queuedAt], ['startedAt', r.times.startedAt], ['endedAt', r.times.endedAt], ['startedBy', r.startedBy],
    ['reserved', r.codes.reserved], ['printed', r.codes.printed], ['verified', r.codes.verified], ['rejected', r.codes.rejected],
    ['aggregated', r.codes.aggregated], ['reported', r.codes.reported], ['dropped', r.codes.dropped],
    ['boxes', r.boxes.count], ['pallets', r.pallets.count], ['generatedAt', r.generatedAt],
  ]
}

/** CSV for Russian-locale Excel (BOM, `;`, CRLF): the summary as label;value, then one table per section. */
export function batchReportCsv (r: BatchReport, lang: Lang): string {
  const row = (cells: unknown[]): string => cells.map(csvCell).join(';')
  const out: string[] = [row([t('title', lang), ''])]
  for (const [k, v] of summary(r)) out.push(row([t(k, lang), v]))
  out.push('', row([t('defects', lang)]), row([t('reason', lang), t('count', lang)]))
  for (const d of r.defects) out.push(row([d.reason, d.count]))
  out.push('', row([t('boxes', lang)]), row([t('level', lang), t('sscc', lang), t('content', lang), t('pallet', lang), t('closedAt', lang)]))
  for (const p of r.pallets.list) out.push(row(['pallet', p.sscc, p.boxes, '', p.closedAt]))
  for (const b of r.boxes.list) out.push(row(['box', b.sscc, b.units, b.pallet, b.closedAt]))
  out.push('', row([t('reports', lang)]), row([t('kind', lang), t('state', lang), t('reports', lang), t('codes', lang)]))
  for (const x of r.reports) out.push(row([x.kind, x.state, x.reports, x.codes]))
  out.push('', row([t('operators', lang)]), row([t('actor', lang), t('role', lang), t('actions', lang), t('first', lang), t('last', lang)]))
  for (const o of r.operators) out.push(row([o.actor, o.role, o.actions, o.firstAt, o.lastAt]))
  return '\uFEFF' + out.join('\r\n') + '\r\n'
}

const esc = (v: unknown): string => (v === null || v === undefined ? '—' : String(v))
  .replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;')
/** A label in Russian with its English below. */
const both = (k: string): string => `${esc(t(k, 'ru'))}<br><span class="en">${esc(t(k, 'en'))}</span>`

function table (heads: string[], rows: unknown[][]): string {
  const body = rows.length === 0 ? `<tr><td colspan="${heads.length}">—</td></tr>` : rows.map(r => `<tr>${r.map(c => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')
  return `<table><thead><tr>${heads.map(h => `<th>${both(h)}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table>`
}

/** A printable page, self-contained (inline style, no script). */
export function batchReportHtml (r: BatchReport): string {
  const sum = summary(r).map(([k, v]) => `<tr><th>${both(k)}</th><td>${esc(v)}</td></tr>`).join('')
  return `<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>${esc(t('title', 'ru'))} / ${esc(t('title', 'en'))} ${esc(r.job.batch)}</title>
<style>
body{font:12pt/1.35 system-ui,sans-serif;margin:1.5cm;color:#000}h1{font-size:16pt;margin:0 0 .5em}h2{font-size:13pt;margin:1.2em 0 .3em}
table{border-collapse:collapse;margin-bottom:.5em}th,td{border:1px solid #888;padding:2px 6px;text-align:left;vertical-align:top}
th{background:#eee;font-weight:600}.en{color:#555;font-weight:400;font-size:9pt}td{font-variant-numeric:tabular-nums}
@media print{body{margin:0}h2{break-after:avoid}tr{break-inside:avoid}}
</style></head><body>
<h1>${esc(t('title', 'ru'))} <span class="en">${esc(t('title', 'en'))}</span>: ${esc(r.job.batch)}</h1>
<table>${sum}</table>
<h2>${both('defects')}</h2>${table(['reason', 'count'], r.defects.map(d => [d.reason, d.count]))}
<h2>${both('pallets')}</h2>${table(['sscc', 'boxes', 'closedAt'], r.pallets.list.map(p => [p.sscc, p.boxes, p.closedAt]))}
<h2>${both('boxes')}</h2>${table(['sscc', 'content', 'pallet', 'closedAt'], r.boxes.list.map(b => [b.sscc, b.units, b.pallet, b.closedAt]))}
<h2>${both('reports')}</h2>${table(['kind', 'state', 'reports', 'codes'], r.reports.map(x => [x.kind, x.state, x.reports, x.codes]))}
<h2>${both('operators')}</h2>${table(['actor', 'role', 'actions', 'first', 'last'], r.operators.map(o => [o.actor, o.role, o.actions, o.firstAt, o.lastAt]))}
</body></html>
`
}
