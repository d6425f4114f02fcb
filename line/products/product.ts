// A product card as the line keeps it: what a job takes from its product (group, TN VED, shelf life, packing,
// certificate), validated with zod at every entry (National Catalogue sync, the panel's manual entry, the config job).
import { z } from 'zod'
import { checkGtin14 } from '../codes/index.ts'
import type { ProductView } from '../control.ts'
import { groupRule } from '../domain/groups.ts'

/** Where a card came from: the National Catalogue, a person at the panel, or the config's job. */
export const PRODUCT_SOURCES = ['nk', 'manual', 'config'] as const
export type ProductSource = typeof PRODUCT_SOURCES[number]

/** Permit kinds as the True API's certificate_document_data names them (TA §4.1.4.1). */
export const CERTIFICATE_KINDS = ['CONFORMITY_CERTIFICATE', 'CONFORMITY_DECLARATION'] as const

const m = (ru: string, en: string): { error: string } => ({ error: JSON.stringify({ ru, en }) })
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, m('Дата: ГГГГ-ММ-ДД', 'Date: yyyy-MM-dd'))
  .refine(s => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), m('Такой даты нет', 'No such date'))
/** An empty form input is an absent value. */
const blank = (v: unknown): unknown => v === '' || v === null ? undefined : typeof v === 'string' ? v.trim() : v
const count = (min: number, max: number, ru: string, en: string) => z.coerce.number(m(`${ru}: введите число`, `${en}: enter a number`))
  .int(m(`${ru}: целое число`, `${en}: a whole number`)).min(min, m(`${ru}: не меньше ${min}`, `${en}: at least ${min}`)).max(max, m(`${ru}: не больше ${max}`, `${en}: at most ${max}`))

/** A card as it is entered or received; messages carry both languages as JSON (see line/hmi/schemas.ts). */
export const productInputSchema = z.strictObject({
  gtin: z.string(m('GTIN: обязателен', 'GTIN: required')).trim().regex(/^\d{14}$/, m('GTIN: ровно 14 цифр', 'GTIN: exactly 14 digits'))
    .refine(g => { try { checkGtin14(g); return true } catch { return false } }, m('GTIN: неверная контрольная цифра', 'GTIN: wrong check digit')),
  name: z.string(m('Наименование: обязательно', 'Name: required')).trim().min(1, m('Наименование: обязательно', 'Name: required')).max(300, m('Наименование: не длиннее 300 символов', 'Name: at most 300 characters')),
  group: z.string(m('Товарная группа: выберите', 'Product group: choose one'))
    .refine(g => groupRule(g) !== undefined, m('Товарная группа: неизвестна линии (docs/groups.md)', 'Product group: not known to the line (docs/groups.md)')),
  tnvedCode: z.preprocess(blank, z.string().regex(/^\d{4,10}$/, m('ТН ВЭД: от 4 до 10 цифр', 'TN VED: 4 to 10 digits')).optional()),
  /** Days from production to expiry; the job's expiry date is production date + this. */
  shelfLifeDays: z.preprocess(blank, count(1, 36_500, 'Срок годности, сут', 'Shelf life, days').optional()),
  unitsPerBox: z.preprocess(blank, count(0, 10_000, 'Штук в коробе', 'Units per box').default(0)),
  boxesPerPallet: z.preprocess(blank, count(0, 1_000, 'Коробов на паллете', 'Boxes per pallet').default(0)),
  certificate: z.preprocess(v => {
    if (v === null || v === undefined || v === '') return undefined
    if (typeof v === 'object' && Object.values(v as Record<string, unknown>).every(x => x === '' || x === null || x === undefined)) return undefined
    return v
  }, z.strictObject({
    kind: z.enum(CERTIFICATE_KINDS, m('Документ: сертификат или декларация', 'Document: certificate or declaration')),
    number: z.string(m('Номер документа: обязателен', 'Document number: required')).trim().min(1, m('Номер документа: обязателен', 'Document number: required')).max(100, m('Номер документа: не длиннее 100 символов', 'Document number: at most 100 characters')),
    date,
  }).optional()),
  labelTemplate: z.preprocess(blank, z.string().max(64, m('Шаблон этикетки: не длиннее 64 символов', 'Label template: at most 64 characters')).regex(/^[A-Za-z0-9._-]+$/, m('Шаблон этикетки: латинские буквы, цифры, . _ -', 'Label template: Latin letters, digits, . _ -')).optional()),
})
export type ProductInput = z.infer<typeof productInputSchema>

/** The card a job of `gtin` takes: the product's expiry from a production date, or null without a shelf life. */
export function expiryFrom (productionDate: string, shelfLifeDays: number | null): string | null {
  if (shelfLifeDays === null) return null
  const t = Date.parse(`${productionDate}T00:00:00Z`)
  if (Number.isNaN(t)) return null
  return new Date(t + shelfLifeDays * 86_400_000).toISOString().slice(0, 10)
}

/** What a job takes from its product card (issue #17 item 2): the rest of the job comes from the operator. */
export function jobFieldsOf (p: ProductView, productionDate: string): { group: string, tnvedCode?: string, unitsPerBox: number, boxesPerPallet: number, expiryDate?: string } {
  const expiry = expiryFrom(productionDate, p.shelfLifeDays)
  return {
    group: p.group,
    ...(p.tnvedCode === null ? {} : { tnvedCode: p.tnvedCode }),
    unitsPerBox: p.unitsPerBox,
    boxesPerPallet: p.boxesPerPallet,
    ...(expiry === null ? {} : { expiryDate: expiry }),
  }
}
