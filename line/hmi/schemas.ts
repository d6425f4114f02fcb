// Server-side validation of every panel form and request body (zod), with bilingual messages per field.
import { z } from 'zod'
import { checkGtin14, gs1CheckDigit } from '../codes/index.ts'
import { ProfileRegistry } from '../codes/profiles.ts'
import type { Bilingual, JobInput } from '../control.ts'
import { checkJobForGroup, JOB_GROUP_FIELDS } from '../domain/groups.ts'
import { formatPath } from '../domain/validation.ts'
import { ValidationError } from './errors.ts'
import { ROLES } from './roles.ts'

/** Zod carries one message string; ours holds both languages as JSON so the panel can show either. */
const m = (ru: string, en: string): { error: string } => ({ error: JSON.stringify({ ru, en }) })

function bilingual (message: string): Bilingual {
  try {
    const v = JSON.parse(message) as unknown
    if (typeof v === 'object' && v !== null && 'ru' in v && 'en' in v) return v as Bilingual
  } catch { /* a zod default message */ }
  return { ru: `неверное значение (${message})`, en: message }
}

/** Parse or throw a ValidationError naming every bad field. */
export function parse<T> (schema: z.ZodType<T>, input: unknown, what: string): T {
  const r = schema.safeParse(input)
  if (r.success) return r.data
  const fields: Record<string, Bilingual> = {}
  for (const issue of r.error.issues) {
    const key = formatPath(issue.path, '_')
    if (fields[key] === undefined) fields[key] = bilingual(issue.message)
  }
  throw new ValidationError(fields, { form: what })
}

const isoDate = (ru: string, en: string) => z.string(m(`${ru}: укажите дату`, `${en}: enter a date`))
  .regex(/^\d{4}-\d{2}-\d{2}$/, m(`${ru}: формат ГГГГ-ММ-ДД`, `${en}: format YYYY-MM-DD`))
  .refine(s => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s),
    m(`${ru}: такой даты нет`, `${en}: no such date`))

const int = (min: number, max: number, ru: string, en: string) =>
  z.coerce.number(m(`${ru}: введите число`, `${en}: enter a number`))
    .int(m(`${ru}: целое число`, `${en}: a whole number`))
    .min(min, m(`${ru}: не меньше ${min}`, `${en}: at least ${min}`))
    .max(max, m(`${ru}: не больше ${max}`, `${en}: at most ${max}`))

export function jobSchema (groups: readonly string[] = new ProfileRegistry().groups()): z.ZodType<JobInput> {
  return z.strictObject({
    group: z.string(m('Товарная группа: выберите', 'Product group: choose one'))
      .refine(g => groups.includes(g), m(`Товарная группа: одна из ${groups.join(', ')}`, `Product group: one of ${groups.join(', ')}`)),
    gtin: z.string(m('GTIN: обязателен', 'GTIN: required')).trim()
      .regex(/^\d{14}$/, m('GTIN: ровно 14 цифр', 'GTIN: exactly 14 digits'))
      .refine(g => { try { checkGtin14(g); return true } catch { return false } },
        { error: iss => JSON.stringify({ ru: `GTIN: неверная контрольная цифра, ожидается ${gs1CheckDigit(String(iss.input).slice(0, 13))}`, en: `GTIN: wrong check digit, expected ${gs1CheckDigit(String(iss.input).slice(0, 13))}` }) }),
    batch: z.string(m('Партия: обязательна', 'Batch: required')).trim()
      .min(1, m('Партия: обязательна', 'Batch: required'))
      .max(20, m('Партия: не длиннее 20 символов', 'Batch: at most 20 characters'))
      .regex(/^[A-Za-z0-9А-Яа-яЁё._\-/]+$/, m('Партия: буквы, цифры, . _ - /', 'Batch: letters, digits, . _ - /')),
    productionDate: isoDate('Дата производства', 'Production date'),
    expiryDate: z.preprocess(v => v === '' || v === null ? undefined : v, isoDate('Годен до', 'Expiry date').optional()),
    quantity: int(1, 10_000_000, 'Количество', 'Quantity'),
    unitsPerBox: int(1, 10_000, 'Штук в коробе', 'Units per box'),
    boxesPerPallet: int(1, 1_000, 'Коробов на паллете', 'Boxes per pallet'),
    minGrade: z.enum(['A', 'B', 'C', 'D'], m('Минимальный класс: A, B, C или D', 'Minimum grade: A, B, C or D')).default('C'),
    unitsPerMinute: int(1, 3_000, 'Скорость, шт/мин', 'Speed, units/min'),
    tnvedCode: z.preprocess(v => v === '' || v === null ? undefined : typeof v === 'string' ? v.trim() : v,
      z.string().regex(/^\d{4,10}$/, m('ТН ВЭД: от 4 до 10 цифр', 'TN VED: 4 to 10 digits')).optional()),
    ...groupFields,
    mode: z.preprocess(blank, z.enum(['direct', 'label', 'preapplied'], m('Способ нанесения: direct, label или preapplied', 'Marking mode: direct, label or preapplied')).optional()),
  }).refine(j => j.expiryDate === undefined || j.expiryDate > j.productionDate,
    { ...m('Годен до: позже даты производства', 'Expiry date: after the production date'), path: ['expiryDate'] })
    .superRefine((j, ctx) => {
      // what the product group's reports need, from the group table (line/domain/groups.ts), per field, in both languages
      if (!groups.includes(j.group)) return
      for (const p of checkJobForGroup(j)) ctx.addIssue({ code: 'custom', path: [p.field], message: JSON.stringify(p.message) })
    }) as z.ZodType<JobInput>
}

/** A form sends every input, filled or not: an empty one is an absent field. */
const blank = (v: unknown): unknown => v === '' || v === null ? undefined : typeof v === 'string' ? v.trim() : v
const groupFields = Object.fromEntries(JOB_GROUP_FIELDS.filter(f => f !== 'expiryDate').map(f => [f, f === 'expDateConditions'
  // the panel sends the conditions as JSON text ({"1": "2026-12-01"}); an API client may send the object
  ? z.preprocess(v => { const b = blank(v); if (typeof b !== 'string') return b; try { return JSON.parse(b) as unknown } catch { return b } },
    z.record(z.string(), z.string(), m('Сроки по условиям хранения: объект { "индекс": "ГГГГ-ММ-ДД" }', 'Expiry by storage condition: an object { "index": "yyyy-MM-dd" }')).optional())
  : z.preprocess(blank, z.string(m('Ожидается текст', 'Expected text')).max(512, m('Не длиннее 512 символов', 'At most 512 characters')).optional())]))

export const loginSchema = z.strictObject({
  username: z.string(m('Имя: обязательно', 'User name: required')).trim().min(1, m('Имя: обязательно', 'User name: required')).max(64, m('Имя: слишком длинное', 'User name: too long')),
  password: z.string(m('Пароль: обязателен', 'Password: required')).min(1, m('Пароль: обязателен', 'Password: required')).max(256, m('Пароль: слишком длинный', 'Password: too long')),
})

export const commandSchema = z.strictObject({
  command: z.string(m('Команда: обязательна', 'Command: required')).min(1, m('Команда: обязательна', 'Command: required')).max(32, m('Команда: слишком длинная', 'Command: too long')),
})

export const modeSchema = z.strictObject({
  mode: z.enum(['Production', 'Maintenance', 'Manual'], m('Режим: Производство, Обслуживание или Ручной', 'Mode: Production, Maintenance or Manual')),
})

const ssccField = z.string(m('SSCC: обязателен', 'SSCC: required')).trim()
  .transform(s => s.replace(/^\(00\)|^00(?=\d{18}$)/, ''))
  .pipe(z.string().regex(/^\d{18}$/, m('SSCC: 18 цифр (можно с 00 впереди)', 'SSCC: 18 digits (00 prefix allowed)'))
    .refine(s => gs1CheckDigit(s.slice(0, 17)) === Number(s[17]), m('SSCC: неверная контрольная цифра', 'SSCC: wrong check digit')))

export const removeUnitSchema = z.strictObject({
  code: z.string(m('Код: обязателен', 'Code: required')).min(16, m('Код: слишком короткий', 'Code: too short')).max(200, m('Код: слишком длинный', 'Code: too long')),
})
export const reprintSchema = z.strictObject({ sscc: ssccField })
export const scrapSchema = z.strictObject({
  sscc: ssccField,
  reason: z.string(m('Причина: обязательна', 'Reason: required')).trim().min(3, m('Причина: не короче 3 символов', 'Reason: at least 3 characters')).max(200, m('Причина: не длиннее 200 символов', 'Reason: at most 200 characters')),
})

const password = z.string(m('Пароль: обязателен', 'Password: required'))
  .min(10, m('Пароль: не короче 10 символов', 'Password: at least 10 characters')).max(256, m('Пароль: слишком длинный', 'Password: too long'))

export const newUserSchema = z.strictObject({
  username: z.string(m('Имя: обязательно', 'User name: required')).trim()
    .regex(/^[a-z0-9._-]{2,32}$/i, m('Имя: 2–32 латинских буквы, цифры, . _ -', 'User name: 2–32 Latin letters, digits, . _ -')),
  role: z.enum(ROLES, m('Роль: оператор, инженер или администратор', 'Role: operator, engineer or admin')),
  password,
})
export const updateUserSchema = z.strictObject({
  role: z.enum(ROLES, m('Роль: оператор, инженер или администратор', 'Role: operator, engineer or admin')).optional(),
  password: password.optional(),
  disabled: z.boolean(m('Блокировка: да или нет', 'Disabled: true or false')).optional(),
})
export const changePasswordSchema = z.strictObject({
  oldPassword: z.string(m('Старый пароль: обязателен', 'Old password: required')).min(1, m('Старый пароль: обязателен', 'Old password: required')),
  newPassword: password,
})

export const reportQuerySchema = z.strictObject({
  from: z.coerce.number(m('Начало: число (мс)', 'From: a number (ms)')).int().min(0).optional(),
  to: z.coerce.number(m('Конец: число (мс)', 'To: a number (ms)')).int().min(0).optional(),
  lang: z.enum(['ru', 'en'], m('Язык: ru или en', 'Language: ru or en')).default('ru'),
})
export const auditQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: z.coerce.number().int().min(1).optional(),
})
export const idParamSchema = z.strictObject({
  id: z.coerce.number(m('Номер: число', 'Id: a number')).int(m('Номер: целое', 'Id: whole number')).min(1, m('Номер: положительный', 'Id: positive')),
})
export const usernameParamSchema = z.strictObject({ name: z.string().min(1).max(64) })

/** What becomes of the active job when another starts (docs/hmi.md "Changing the job"). */
export const jobChangeSchema = z.strictObject({
  confirm: z.literal(true, m('Смена задания: подтвердите', 'Job change: confirm it')),
  box: z.enum(['close', 'leave'], m('Открытый короб: закрыть или оставить', 'Open box: close or leave')),
  pallet: z.enum(['close', 'leave'], m('Открытая паллета: закрыть или оставить', 'Open pallet: close or leave')),
})
/** The job request's change fields, taken out before the job form is checked. */
export const JOB_CHANGE_FIELDS = ['confirm', 'box', 'pallet'] as const
/** Fields a job takes from its product card (line/products/product.ts `jobFieldsOf`). */
export const CARD_FIELDS = ['group', 'tnvedCode', 'unitsPerBox', 'boxesPerPallet'] as const

// ---- rework of boxes and pallets GIS MT holds (docs/rework.md)
const unitCode = z.string(m('Код: обязателен', 'Code: required')).trim().min(16, m('Код: слишком короткий', 'Code: too short')).max(200, m('Код: слишком длинный', 'Code: too long'))
const dropReason = z.string().trim().regex(/^[A-Z_]{3,40}$/, m('Причина: код причины (например QA_SAMPLES)', 'Reason: a reason code (e.g. QA_SAMPLES)'))
export const reworkBoxSchema = z.strictObject({
  sscc: ssccField,
  take: z.array(z.strictObject({ code: unitCode, fate: z.enum(['drop', 'return'], m('Изделие: изъять или вернуть', 'Unit: drop or return')), reason: dropReason.optional() }))
    .max(500, m('Не больше 500 изделий за раз', 'At most 500 units at a time')),
})
export const reworkPalletSchema = z.strictObject({ sscc: ssccField, rebuild: z.boolean(m('Новая паллета: да или нет', 'New pallet: yes or no')) })
export const samplesSchema = z.strictObject({
  codes: z.array(unitCode).min(1, m('Укажите хотя бы один код', 'Name at least one code')).max(500, m('Не больше 500 кодов за раз', 'At most 500 codes at a time')),
  reason: dropReason,
})
export const reworkReasonsQuerySchema = z.strictObject({ group: z.string().trim().regex(/^[a-z-]{2,40}$/, m('Группа: имя товарной группы', 'Group: a product group name')) })
