// Texts of the panel's set-up screen (docs/setup-mode.md), Russian and English.
export const TS = {
  tab: { ru: 'Наладка', en: 'Set-up' },
  intro: {
    ru: 'Наладка линии: тестовая печать для юстировки принтеров и параметры отбраковки. Тестовая печать не берёт кодов из пула и не попадает ни в счётчики, ни в отчёты.',
    en: 'Line set-up: test prints to align the printers, and the reject parameters. A test print takes no code from the pool and reaches neither the counters nor the reports.',
  },
  state: { ru: 'Состояние линии', en: 'Line state' },
  printTitle: { ru: 'Тестовая печать', en: 'Test print' },
  printHint: {
    ru: 'Только при состояниях {states}: продолжить производство можно лишь через Сброс, который очищает буфер принтера. Печатается текст «TEST <линия> <дата время> #n/N» — не код маркировки.',
    en: 'Only in {states}: production can resume only through Reset, which empties the printer buffer. The print reads "TEST <line> <date time> #n/N" — no marking code.',
  },
  printer: { ru: 'Принтер', en: 'Printer' },
  count: { ru: 'Количество', en: 'Count' },
  send: { ru: 'Напечатать тест', en: 'Print test' },
  sentPrinted: { ru: 'отправлено {sent}, напечатано {printed}', en: 'sent {sent}, printed {printed}' },
  sentTexts: { ru: 'Отправлено на {printer}: {first} … ({count} шт.)', en: 'Sent to {printer}: {first} … ({count})' },
  noPrinters: { ru: 'Нет принтеров изделий', en: 'No unit printers' },
  paramsTitle: { ru: 'Параметры отбраковки', en: 'Reject parameters' },
  paramsHint: {
    ru: 'Значения с панели действуют вместо файла конфигурации и сохраняются после перезапуска. Меняются при остановленной линии (не в Execute) и вступают в силу при следующем пуске производства.',
    en: 'Panel values replace the configuration file\'s and survive a restart. They are changed while the line is not in Execute and take effect at the next start of production.',
  },
  parameter: { ru: 'Параметр', en: 'Parameter' },
  value: { ru: 'Значение', en: 'Value' },
  source: { ru: 'Источник', en: 'Source' },
  fromPanel: { ru: 'панель ({who}, {when})', en: 'panel ({who}, {when})' },
  fromConfig: { ru: 'конфигурация', en: 'configuration' },
  configWas: { ru: 'в конфигурации: {v}', en: 'in the configuration: {v}' },
  pending: { ru: 'сейчас действует {v}: новое — со следующего пуска', en: 'now in force: {v}; the new value from the next start' },
  off: { ru: 'выкл.', en: 'off' },
  backToConfig: { ru: 'Вернуть из конфигурации', en: 'Back to the configuration' },
  save: { ru: 'Сохранить параметры', en: 'Save parameters' },
  nothingChanged: { ru: 'Ничего не изменено', en: 'Nothing changed' },
  saved: { ru: 'Сохранено: {list}', en: 'Saved: {list}' },
  rejectDistance: { ru: 'Расстояние от принтера до отсекателя, шагов', en: 'Printer to reject gate, pitches' },
  rejectMargin: { ru: 'Запас до отсекателя, шагов (решение раньше на столько)', en: 'Margin before the gate, pitches (decided this much earlier)' },
  maxConsecutiveRejects: { ru: 'Брак подряд до удержания линии', en: 'Rejects in a row before the line holds' },
  maxRejectsPer100: { ru: 'Брак на 100 изделий до удержания (пусто — выкл.)', en: 'Rejects per 100 products before the line holds (empty: off)' },
} as const

export type SetupKey = keyof typeof TS
