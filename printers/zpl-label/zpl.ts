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

export const DEFAULT_UNIT_TEMPLATE =
  '^XA^CI28^PW400^LL300^FO30,30^BXN,6,200,0,0,,_^FD{{dm}}^FS^FO30,250^A0N,22,22^FD{{hri}}^FS^XZ'

export const DEFAULT_SSCC_TEMPLATE =
  '^XA^CI28^PW800^LL600^FO40,30^A0N,34,34^FD{{title}}^FS' +
  '^FO40,80^BY3^BCN,150,Y,N,N,D^FD(00){{sscc}}^FS' +
  '^FO40,300^BXN,8,200,0,0,,_^FD{{dm}}^FS' +
  '^FO300,300^A0N,28,28^FDGTIN {{gtin}}^FS^FO300,340^A0N,28,28^FD{{batch}}^FS^FO300,380^A0N,28,28^FD{{count}}^FS' +
  '^FO300,420^A0N,24,24^FD{{text}}^FS^XZ'

function fill (template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_m, k: string) => values[k] ?? '')
}

export function unitLabel (item: PrintItem, template = DEFAULT_UNIT_TEMPLATE): string {
  return fill(template, { dm: dataMatrixData(item.code), hri: fieldText(humanReadable(item.code)), id: String(item.id) })
}

export function ssccLabel (label: SsccLabel, template = DEFAULT_SSCC_TEMPLATE): string {
  const title = label.level === 'pallet' ? 'ПАЛЛЕТА / PALLET' : 'КОРОБ / BOX'
  const dm = dataMatrixData(`00${label.sscc}${label.gtin !== undefined ? `02${label.gtin}37${label.count}` : ''}`)
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
