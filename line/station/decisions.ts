// The station's answers to a scan, one table: what the operator reads (Russian and English) and whether it is an
// accept. The panel colours and sounds follow `ok`; the reason code is stable for logs, tests and the audit trail.
import type { Bilingual } from '../domain/catalogue.ts'

export const STATION_DECISIONS = {
  // accepts
  ADDED: { ok: true, text: { ru: 'Принят в короб', en: 'Added to the box' } },
  BOX_FULL: { ok: true, text: { ru: 'Принят; короб полон — печатается этикетка, отсканируйте её', en: 'Added; the box is full — its label is printing, scan it' } },
  FULL_NO_LABEL: { ok: true, text: { ru: 'Принят; короб полон, но этикетка не напечатана — проверьте принтер и нажмите «Закрыть короб»', en: 'Added; the box is full but its label did not print — check the printer and press "Close box"' } },
  LABEL_PRINTED: { ok: true, text: { ru: 'Этикетка напечатана — наклейте и отсканируйте её, чтобы закрыть короб', en: 'Label printed — apply it and scan it to close the box' } },
  CLOSED: { ok: true, text: { ru: 'Короб закрыт', en: 'Box closed' } },
  // refusals of a unit
  DUPLICATE: { ok: false, text: { ru: 'Повтор: этот код уже в этом коробе', en: 'Duplicate: this code is already in this box' } },
  FOREIGN: { ok: false, text: { ru: 'Чужой код: его нет в базе линии', en: "Foreign code: not in the line's store" } },
  CRYPTO_MISMATCH: { ok: false, text: { ru: 'Код не совпадает с выданным СУЗ (другой криптохвост) — изделие не укладывать', en: 'The code differs from the one the OMS issued (another crypto tail) — do not pack this unit' } },
  NOT_A_CODE: { ok: false, text: { ru: 'Это не код маркировки товарной группы задания', en: "Not a marking code of the job's product group" } },
  OTHER_JOB: { ok: false, text: { ru: 'Код другого задания', en: 'A code of another job' } },
  DEFECT: { ok: false, text: { ru: 'Код отбракован (брак) — изделие не укладывать', en: 'A rejected (defect) code — do not pack this unit' } },
  NOT_VERIFIED: { ok: false, text: { ru: 'Код не проверен камерой (не напечатан или не прочитан)', en: 'The code was not verified by the camera (not printed or not read)' } },
  REPORTED_SINGLE: { ok: false, text: { ru: 'Код уже передан в ГИС МП как отдельная единица: в короб здесь не укладывается', en: 'The code is already reported to GIS MT as a single unit: it cannot be boxed here' } },
  BOXED: { ok: false, text: { ru: 'Код уже в другом коробе', en: 'The code is already in another box' } },
  LINE_BOX: { ok: false, text: { ru: 'Код в открытом коробе линии', en: "The code is in the line's open box" } },
  // refusals while closing
  WAIT_LABEL: { ok: false, text: { ru: 'Короб ждёт скан своей этикетки — сначала отсканируйте этикетку', en: 'The box is waiting for its label to be scanned — scan the label first' } },
  WRONG_LABEL: { ok: false, text: { ru: 'Этикетка другого короба: SSCC не совпадает', en: "Another box's label: the SSCC does not match" } },
  NO_LABEL_EXPECTED: { ok: false, text: { ru: 'Этикетка не ожидается: короб ещё не закрывается', en: 'No label expected: the box is not being closed' } },
  EMPTY_BOX: { ok: false, text: { ru: 'Короб пуст: закрывать нечего', en: 'The box is empty: nothing to close' } },
  NO_PRINTER: { ok: false, text: { ru: 'Этикетка не напечатана: проверьте этикеточный принтер и повторите «Закрыть короб»', en: 'Label not printed: check the label printer and press "Close box" again' } },
  // refusals of the scan itself or the situation
  BAD_INPUT: { ok: false, text: { ru: 'Сканер прислал не код (управляющие символы, не ASCII или слишком длинно)', en: 'The scanner sent no code (control characters, non-ASCII or too long)' } },
  NO_JOB: { ok: false, text: { ru: 'Нет активного задания', en: 'No active job' } },
} as const satisfies Record<string, { ok: boolean, text: Bilingual }>

export type StationDecisionCode = keyof typeof STATION_DECISIONS
