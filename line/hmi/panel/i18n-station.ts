// Texts of the station screen (line/hmi/panel/station.ts), Russian and English; the server's decisions arrive bilingual.
import type { Text } from './i18n.ts'

export const TS = {
  tab: { ru: 'Станция агрегации', en: 'Aggregation station' },
  title: { ru: 'Ручная агрегация', en: 'Manual aggregation' },
  capture: { ru: 'Сканируйте код изделия или этикетку короба', en: 'Scan a unit code or the box label' },
  captureHint: { ru: 'Курсор должен стоять в этом поле (щёлкните по нему). Ввод с клавиатуры тоже принимается, Enter — отправить.', en: 'Keep the cursor in this field (click it). Typing works too; Enter sends.' },
  gsSubstitute: { ru: 'Замена GS в сканере', en: 'GS substitute set in the scanner' },
  gsHint: { ru: 'Если сканер вместо GS (0x1D) присылает строку (например <GS>), укажите её; Ctrl+] принимается всегда.', en: 'If the scanner sends a string instead of GS (0x1D), e.g. <GS>, enter it; Ctrl+] is always taken.' },
  box: { ru: 'Короб', en: 'Box' },
  units: { ru: 'изделий', en: 'units' },
  noJob: { ru: 'Нет активного задания: станция ждёт задание', en: 'No active job: the station waits for one' },
  awaiting: { ru: 'Ждёт скан этикетки', en: 'Waiting for its label scan' },
  close: { ru: 'Закрыть короб (печать этикетки)', en: 'Close box (print label)' },
  leftOpen: { ru: 'Не закрыт короб прежнего задания', en: 'Box of an ended job still open' },
  printLabel: { ru: 'Печать этикетки', en: 'Print label' },
  recent: { ru: 'Последние сканы', en: 'Latest scans' },
  scanners: { ru: 'Сканеры на порту', en: 'Serial scanners' },
  online: { ru: 'на связи', en: 'connected' },
  offline: { ru: 'нет связи', en: 'not connected' },
  sound: { ru: 'Звук', en: 'Sound' },
  ready: { ru: 'Готово к скану', en: 'Ready to scan' },
  accepted: { ru: 'ПРИНЯТО', en: 'ACCEPTED' },
  refused: { ru: 'ОТКАЗ', en: 'REFUSED' },
  noLink: { ru: 'Нет связи с контроллером — скан не принят, повторите', en: 'No connection to the controller — scan not taken, scan again' },
} satisfies Record<string, Text>

export type StationKey = keyof typeof TS
