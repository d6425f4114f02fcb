// Texts of the panel's codes-files screen (docs/codes-files.md), Russian and English; `{name}` marks a value.
import type { Lang } from './i18n.ts'

export const TC = {
  tab: { ru: 'Файлы кодов', en: 'Code files' },
  intro: {
    ru: 'Загрузка кодов из файла, полученного не через эту линию (личный кабинет, другая СУЗ, выгрузка другой линии), и выгрузка кодов для типографии.',
    en: 'Import codes from a file the plant got elsewhere (the personal cabinet, another OMS, another line\'s export), and export codes for a printing house.',
  },
  notConfigured: { ru: 'Файлы кодов на этой линии не подключены', en: 'Code files are not set up on this line' },
  // ---- import
  importTitle: { ru: 'Загрузка кодов из файла', en: 'Import codes from a file' },
  importHint: {
    ru: 'Один код на строку, как его выдаёт СУЗ. Файл проверяется целиком: при любой ошибочной строке не загружается ни один код.',
    en: 'One code per line, as the OMS gives it. The file is checked whole: with any bad line no code is imported.',
  },
  file: { ru: 'Файл кодов', en: 'Codes file' },
  pick: { ru: 'Выбрать файл…', en: 'Choose a file…' },
  noFile: { ru: 'файл не выбран', en: 'no file chosen' },
  manifestFile: { ru: 'Манифест (необязательно): заполнит количество и SHA-256', en: 'Manifest (optional): fills in the count and SHA-256' },
  manifestRead: { ru: 'Из манифеста: {count} кодов, GTIN {gtin}', en: 'From the manifest: {count} codes, GTIN {gtin}' },
  manifestBad: { ru: 'Это не манифест выгрузки кодов', en: 'This is not a codes export manifest' },
  gtin: { ru: 'GTIN', en: 'GTIN' },
  group: { ru: 'Товарная группа', en: 'Product group' },
  groupFromCard: { ru: 'из карточки товара «{name}»', en: 'from the product card "{name}"' },
  expires: { ru: 'Годен до (необязательно)', en: 'Valid until (optional)' },
  purpose: { ru: 'Что это за коды', en: 'What these codes are' },
  forPrinting: { ru: 'Для печати на линии', en: 'For printing on the line' },
  alreadyPrinted: { ru: 'Уже нанесены на упаковку (типография)', en: 'Already on the packs (printing house)' },
  purposeHint: {
    ru: 'Нанесённые коды передаются в работу сразу: линия их не печатает, а принимает на упаковке в режиме «нанесены заранее».',
    en: 'Codes already on the packs are handed over at once: the line never prints them, it accepts them on the packs in the pre-applied mode.',
  },
  importedPrinted: { ru: 'Переданы как нанесённые: линия их не печатает', en: 'Handed over as printed: the line never prints them' },
  count: { ru: 'Количество кодов по манифесту', en: 'Count in the manifest' },
  sha256: { ru: 'SHA-256 по манифесту', en: 'SHA-256 in the manifest' },
  upload: { ru: 'Загрузить', en: 'Import' },
  chooseFile: { ru: 'Выберите файл кодов', en: 'Choose a codes file' },
  sending: { ru: 'Передача: {pct} % · {sent} из {total}', en: 'Uploading: {pct} % · {sent} of {total}' },
  checking: { ru: 'Передано {total} (100 %): файл проверяется…', en: 'Sent {total} (100 %): the file is being checked…' },
  imported: { ru: 'Загружено кодов: {imported}', en: 'Codes imported: {imported}' },
  importedMore: {
    ru: 'Файл «{file}»: строк {lines}, пустых {blank}. Блок {block}. SHA-256 {sha}',
    en: 'File "{file}": {lines} lines, {blank} blank. Block {block}. SHA-256 {sha}',
  },
  refused: { ru: 'Файл не загружен', en: 'File not imported' },
  whatToDo: { ru: 'Что делать', en: 'What to do' },
  engineer: { ru: 'Подробности для инженера', en: 'Details for the engineer' },
  badCount: { ru: 'Ошибочных строк: {bad} из {lines}', en: 'Bad lines: {bad} of {lines}' },
  listedFirst: { ru: 'Показаны первые {n}', en: 'The first {n} are shown' },
  line: { ru: 'Строка', en: 'Line' },
  reason: { ru: 'Причина', en: 'Reason' },
  content: { ru: 'Содержимое', en: 'Content' },
  'kind:format': { ru: 'не код маркировки этой товарной группы (неверный формат)', en: 'not a marking code of this product group (wrong format)' },
  'kind:gtin': { ru: 'код другого товара: GTIN {gtin}', en: 'a code of another product: GTIN {gtin}' },
  'kind:gtin-unknown': { ru: 'код другого товара (другой GTIN)', en: 'a code of another product (another GTIN)' },
  'kind:duplicate': { ru: 'тот же код, что в строке {sameAs}', en: 'the same code as line {sameAs}' },
  'kind:duplicate-unknown': { ru: 'код повторяется в файле', en: 'the code is in the file twice' },
  'kind:in-pool': { ru: 'код уже есть в пуле', en: 'the code is in the pool already' },
  'kind:too-long': { ru: 'строка длиннее 512 байт', en: 'line longer than 512 bytes' },
  'kind:truncated': { ru: 'файл обрывается на этой строке (скопирован не полностью?)', en: 'the file ends in the middle of this line (copied in part?)' },
  'kind:empty': { ru: 'в файле нет ни одного кода', en: 'the file holds no code' },
  'kind:other': { ru: 'строка не принята', en: 'line refused' },
  manifestCount: { ru: 'В файле {codes} кодов, в манифесте {expected}', en: 'The file has {codes} codes, its manifest says {expected}' },
  manifestSha: { ru: 'Контрольная сумма SHA-256 файла не совпадает с манифестом', en: 'The file\'s SHA-256 differs from its manifest\'s' },
  twiceBlock: { ru: 'Загружен раньше как блок {block} ({at})', en: 'Imported before as block {block} ({at})' },
  twiceInPool: { ru: 'Все {n} кодов файла уже есть в пуле', en: 'All {n} codes of the file are in the pool already' },
  tooLarge: { ru: 'Не больше {max} на файл', en: 'At most {max} per file' },
  tooManyLines: { ru: 'Не больше {max} строк на файл', en: 'At most {max} lines per file' },
  targetPool: { ru: 'GTIN {gtin} уже работает в группе {poolGroup}, а не {group}', en: 'GTIN {gtin} is in the pool for group {poolGroup}, not {group}' },
  // ---- export
  exportTitle: { ru: 'Выгрузка кодов для типографии', en: 'Export codes for a printing house' },
  exportHint: {
    ru: 'Коды из пула уходят в файл и больше не выдаются на линию. Файл и манифест скачиваются ниже.',
    en: 'Codes leave the pool for the file and are no longer given to the line. The file and its manifest are downloaded below.',
  },
  exportCount: { ru: 'Количество кодов', en: 'Number of codes' },
  exportId: { ru: 'Номер выгрузки (необязательно)', en: 'Export id (optional)' },
  lineEnd: { ru: 'Конец строки', en: 'Line end' },
  lf: { ru: 'LF (Linux, большинство программ)', en: 'LF (Linux, most software)' },
  crlf: { ru: 'CRLF (Windows)', en: 'CRLF (Windows)' },
  exportButton: { ru: 'Выгрузить', en: 'Export' },
  exporting: { ru: 'Выгрузка идёт: {s} с…', en: 'Exporting: {s} s…' },
  exported: { ru: 'Выгрузка {id}: {count} кодов GTIN {gtin}', en: 'Export {id}: {count} codes of GTIN {gtin}' },
  exportedAgain: { ru: 'Выгрузка {id} уже была сделана: те же файлы', en: 'Export {id} was made before: the same files' },
  downloadFile: { ru: 'Скачать файл кодов', en: 'Download the codes file' },
  downloadManifest: { ru: 'Скачать манифест', en: 'Download the manifest' },
  poolShort: { ru: 'В пуле {available} кодов, запрошено {requested}: ничего не выгружено', en: 'The pool has {available} codes, {requested} asked for: nothing exported' },
  // ---- earlier exports
  listTitle: { ru: 'Выгрузки', en: 'Exports' },
  noExports: { ru: 'Выгрузок ещё не было', en: 'No exports yet' },
  created: { ru: 'Создана', en: 'Created' },
  colId: { ru: 'Номер', en: 'Id' },
  colCount: { ru: 'Кодов', en: 'Codes' },
  status: { ru: 'Состояние', en: 'Status' },
  written: { ru: 'записана', en: 'written' },
  committed: { ru: 'прервана: коды переданы, файл не записан', en: 'interrupted: codes handed over, file not written' },
  files: { ru: 'Файлы', en: 'Files' },
  fileLink: { ru: 'коды', en: 'codes' },
  manifestLink: { ru: 'манифест', en: 'manifest' },
  resume: { ru: 'Завершить прерванные выгрузки', en: 'Complete interrupted exports' },
  resumed: { ru: 'Завершено выгрузок: {n}', en: 'Exports completed: {n}' },
  refresh: { ru: 'Обновить', en: 'Refresh' },
} as const

export type CodesKey = keyof typeof TC

/** A text with its `{values}` filled in. */
export function tc (k: CodesKey, lang: Lang, v: Record<string, string | number> = {}): string {
  return TC[k][lang].replace(/\{(\w+)\}/g, (w, n: string) => v[n] === undefined ? w : String(v[n]))
}

/** A size in bytes as the language writes it: 780 байт, 1,5 МБ / 780 bytes, 1.5 MB. */
export function fmtBytes (n: number, lang: Lang): string {
  const units = lang === 'ru' ? ['байт', 'КБ', 'МБ', 'ГБ'] : ['bytes', 'KB', 'MB', 'GB']
  let v = n
  let i = 0
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++ }
  const s = i === 0 ? String(v) : v.toFixed(v < 10 ? 1 : 0)
  return `${lang === 'ru' ? s.replace('.', ',') : s} ${units[i] ?? ''}`
}
