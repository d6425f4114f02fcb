// ZPL for unit and box/pallet labels: GS1 DataMatrix with `_` as escape and `_1` as FNC1, GS1-128 for the SSCC.
import { GS } from '../../line/domain/gs1.ts'
import type { PrintItem, SsccLabel } from '../types.ts'

/**
 * `^BX…,_` data: a leading `_1` makes the symbol GS1 (read back as `]d2`), each GS separator becomes `_1`, a literal
 * `_` is doubled (ZPL II manual, ^BX parameter g; GS1 General Specifications §5.5.3).
 */
export function dataMatrixData (code: string): string {
  let out = '_1'
  for (const ch of code) out += ch === GS ? '_1' : ch === '_' ? '__' : ch
  return out
}

/** ZPL field data may not contain the command prefixes `^` and `~`. */
export function fieldText (s: string): string {
  return s.replace(/[\^~\u0000-\u001f]/g, ' ')
}

/** Human-readable line under the symbol: GTIN and serial in brackets, no crypto tail (what packs show). */
export function humanReadable (code: string): string {
  if (code.length >= 18 && code.startsWith('01') && code.slice(16, 18) === '21') {
    const end = code.indexOf(GS, 18)
    return `(01)${code.slice(2, 16)}(21)${code.slice(18, end < 0 ? undefined : end)}`
  }
  return code.split(GS)[0] as string
}

/** The dot density the built-in layouts are drawn at; other printers get them scaled (ZPL positions are in dots). */
export const BASE_DPI = 203

/** A length in dots at `BASE_DPI`, in dots at `dpi` (at least one dot). */
const dots = (n: number, dpi: number): number => Math.max(1, Math.round(n * dpi / BASE_DPI))

/** The built-in unit label (about 50 × 37 mm) for a printer of `dpi` dots per inch. */
export function unitTemplateFor (dpi = BASE_DPI): string {
  const d = (n: number): number => dots(n, dpi)
  return `^XA^CI28^PW${d(400)}^LL${d(300)}^FO${d(30)},${d(30)}^BXN,${d(6)},200,0,0,,_^FD{{dm}}^FS^FO${d(30)},${d(250)}^A0N,${d(22)},${d(22)}^FD{{hri}}^FS^XZ`
}

/** The built-in box/pallet label (about 100 × 75 mm) for a printer of `dpi` dots per inch. */
export function ssccTemplateFor (dpi = BASE_DPI): string {
  const d = (n: number): number => dots(n, dpi)
  const text = (x: number, y: number, h: number, field: string): string => `^FO${d(x)},${d(y)}^A0N,${d(h)},${d(h)}^FD${field}^FS`
  return `^XA^CI28^PW${d(800)}^LL${d(600)}` + text(40, 30, 34, '{{title}}') +
    `^FO${d(40)},${d(80)}^BY${d(3)}^BCN,${d(150)},Y,N,N,D^FD(00){{sscc}}^FS` +
    `^FO${d(40)},${d(300)}^BXN,${d(8)},200,0,0,,_^FD{{dm}}^FS` +
    text(300, 300, 28, 'GTIN {{gtin}}') + text(300, 340, 28, '{{batch}}') + text(300, 380, 28, '{{count}}') +
    text(300, 420, 24, '{{text}}') + '^XZ'
}

export const DEFAULT_UNIT_TEMPLATE = unitTemplateFor(BASE_DPI)

export const DEFAULT_SSCC_TEMPLATE = ssccTemplateFor(BASE_DPI)

function fill (template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_m, k: string) => values[k] ?? '')
}

export function unitLabel (item: PrintItem, template = DEFAULT_UNIT_TEMPLATE): string {
  // a set-up test print is no GS1 element string: a plain DataMatrix, without FNC1, so no reader takes it for a code
  if (item.test === true) return fill(template, { dm: item.code.replaceAll('_', '__'), hri: fieldText(item.code), id: String(item.id) })
  return fill(template, { dm: dataMatrixData(item.code), hri: fieldText(humanReadable(item.code)), id: String(item.id) })
}

/** The element string of a box/pallet label's DataMatrix: SSCC, and with a GTIN the contents' GTIN and count (AI 02, 37). */
export function ssccLabelElements (label: Pick<SsccLabel, 'sscc' | 'gtin' | 'count'>): string {
  return `00${label.sscc}${label.gtin !== undefined ? `02${label.gtin}37${label.count}` : ''}`
}

export function ssccLabel (label: SsccLabel, template = DEFAULT_SSCC_TEMPLATE): string {
  const title = label.level === 'pallet' ? 'ПАЛЛЕТА / PALLET' : 'КОРОБ / BOX'
  const dm = dataMatrixData(ssccLabelElements(label))
  return fill(template, {
    title,
    sscc: label.sscc,
    dm,
    gtin: label.gtin ?? '',
    batch: label.batch !== undefined ? fieldText(`Партия / Batch ${label.batch}`) : '',
    count: `Кол-во / Qty ${label.count}`,
    text: fieldText((label.lines ?? []).join(' / ')),
  })
}
