// The one list of reject and defect reasons: why a product was pushed off, or why a code became DEFECT (DESIGN §4).
// The tracker, the pool, the counters, the reports and the panel all take their reasons and labels from here.

import type { Bilingual } from './catalogue.ts'

/**
 * What a reason is about:
 * - `reject`: the product's code was rejected at the gate (camera verdict or a store failure): the code is DEFECT;
 * - `unmarked`: the product was rejected at the gate without a code (nothing printed on it): no code to write off;
 * - `verified-defect`: a code already VERIFIED that is written off afterwards (removed, scrapped, PLC reject, samples
 *   taken out of a box: docs/rework.md);
 * - `write-off`: a code written off without a product verdict (fate unknown, expired …).
 */
export type ReasonKind = 'reject' | 'unmarked' | 'verified-defect' | 'write-off'

export interface ReasonEntry { kind: ReasonKind, label: Bilingual }

export const REASONS = {
  UNREADABLE: { kind: 'reject', label: { ru: 'Код не читается', en: 'Code unreadable' } },
  WRONG_CODE: { kind: 'reject', label: { ru: 'Прочитан не тот код', en: 'Wrong code read' } },
  LOW_GRADE: { kind: 'reject', label: { ru: 'Низкий класс качества печати', en: 'Print grade below the minimum' } },
  NO_RESULT: { kind: 'reject', label: { ru: 'Нет результата камеры', en: 'No camera result' } },
  // pre-applied codes (docs/modes.md): the code read is not one handed over for this job, or it was seen before
  FOREIGN_CODE: { kind: 'unmarked', label: { ru: 'Код не из выданных для задания', en: 'Code not handed over for this job' } },
  DUPLICATE_CODE: { kind: 'unmarked', label: { ru: 'Код уже был на другой упаковке', en: 'Code already seen on another pack' } },
  UNCHECKED: { kind: 'unmarked', label: { ru: 'Нет проверки дублей по заводу', en: 'No plant-wide duplicate check' } },
  STORE_ERROR: { kind: 'reject', label: { ru: 'Сбой записи в хранилище', en: 'Store write failed' } },
  NO_PRINT: { kind: 'unmarked', label: { ru: 'Изделие без кода', en: 'Product not printed' } },
  REMOVED: { kind: 'verified-defect', label: { ru: 'Изделие изъято из короба', en: 'Unit removed from its box' } },
  SCRAPPED: { kind: 'verified-defect', label: { ru: 'Короб списан', en: 'Box scrapped' } },
  PLC_REJECT: { kind: 'verified-defect', label: { ru: 'Отбраковано ПЛК после проверки', en: 'Rejected by the PLC after verification' } },
  UNCERTAIN: { kind: 'write-off', label: { ru: 'Судьба кода неизвестна (сбой или очистка буфера)', en: 'Fate unknown (crash or buffer flush)' } },
  EXPIRY: { kind: 'write-off', label: { ru: 'Срок действия кода истёк', en: 'Code expired' } },
  PRINTER_FAULT: { kind: 'write-off', label: { ru: 'Неисправность принтера', en: 'Printer fault' } },
  QA_SAMPLES: { kind: 'verified-defect', label: { ru: 'Образцы для контроля качества', en: 'Quality control samples' } },
  PRODUCT_TESTING: { kind: 'verified-defect', label: { ru: 'Тестирование продукта', en: 'Product testing' } },
  DEMO_SAMPLES: { kind: 'verified-defect', label: { ru: 'Демонстрационные образцы', en: 'Demonstration samples' } },
  OTHER: { kind: 'write-off', label: { ru: 'Прочее', en: 'Other' } },
} as const satisfies Record<string, ReasonEntry>

export type Reason = keyof typeof REASONS
type ReasonsOf<K extends ReasonKind> = { [R in Reason]: typeof REASONS[R]['kind'] extends K ? R : never }[Reason]

/** Why the tracker rejects a product at the gate. */
export type RejectReason = ReasonsOf<'reject' | 'unmarked'>
/** Why a code is DEFECT (every reason but the product without a code). */
export type DefectReason = Exclude<Reason, ReasonsOf<'unmarked'>>

const ofKind = <K extends ReasonKind>(kind: K): ReadonlyArray<ReasonsOf<K>> =>
  (Object.keys(REASONS) as Reason[]).filter(r => REASONS[r].kind === kind) as Array<ReasonsOf<K>>

export const ALL_REASONS: readonly Reason[] = Object.keys(REASONS) as Reason[]
/** Codes rejected at the gate: the job's `rejected` counter. */
export const REJECT_REASONS: ReadonlyArray<ReasonsOf<'reject'>> = ofKind('reject')
/** Verified codes written off afterwards: subtracted from the job's `verified` counter. */
export const VERIFIED_DEFECTS: ReadonlyArray<ReasonsOf<'verified-defect'>> = ofKind('verified-defect')

export function isReason (s: string): s is Reason { return Object.hasOwn(REASONS, s) }

/** The operator's label for a reason; an unknown one (an old row, a typed-in scrap reason) is shown as it is. */
export function reasonLabel (reason: string): Bilingual {
  return isReason(reason) ? REASONS[reason].label : { ru: reason, en: reason }
}
