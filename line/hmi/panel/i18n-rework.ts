// Texts of the panel's rework screen (docs/rework.md), Russian and English.
export const TR = {
  tabRework: { ru: 'Переупаковка', en: 'Rework' },
  intro: {
    ru: 'Короба и паллеты, агрегация которых принята ГИС МТ: сначала расформирование в ГИС МТ, потом новая упаковка с новым SSCC и этикеткой. Отчёты уходят сами; следите за ними на экране отчётов.',
    en: 'Boxes and pallets whose aggregation GIS MT accepted: disaggregated in GIS MT first, then repacked under a new SSCC with a new label. The reports go by themselves; follow them on the reports screen.',
  },
  boxTitle: { ru: 'Изъять изделия из короба', en: 'Take units out of a box' },
  boxHint: { ru: 'Коды изделий — по одному в строке (сканер). Остальные изделия уйдут в новый короб; без кодов короб переупаковывается целиком под новым SSCC.', en: 'Unit codes, one a line (scanner). The other units go into a new box; with no codes the whole box is repacked under a new SSCC.' },
  codes: { ru: 'Коды изделий', en: 'Unit codes' },
  fate: { ru: 'Что с изделиями', en: 'What happens to the units' },
  drop: { ru: 'Вывести из оборота (выбытие)', en: 'Drop out (dropout report)' },
  back: { ru: 'Вернуть на склад (без короба)', en: 'Return to stock (in no box)' },
  reason: { ru: 'Причина выбытия', en: 'Dropout reason' },
  REMOVED: { ru: 'Брак (изъято из короба)', en: 'Defect (removed from the box)' },
  QA_SAMPLES: { ru: 'Лабораторные образцы', en: 'Lab samples' },
  PRODUCT_TESTING: { ru: 'Тестирование продукта', en: 'Product testing' },
  DEMO_SAMPLES: { ru: 'Демонстрационные образцы', en: 'Demonstration samples' },
  takeOut: { ru: 'Изъять и переупаковать', en: 'Take out and repack' },
  palletTitle: { ru: 'Расформировать паллету', en: 'Take a pallet apart' },
  rebuild: { ru: 'Собрать короба на новую паллету (новый SSCC)', en: 'Put the boxes on a new pallet (new SSCC)' },
  disaggregate: { ru: 'Расформировать', en: 'Disaggregate' },
  samplesTitle: { ru: 'Отбор образцов', en: 'Take samples' },
  samplesHint: { ru: 'Причина — из допустимых для товарной группы (молоко: только лабораторные образцы).', en: 'The reason must be one the product group allows (milk: lab samples only).' },
  takeSamples: { ru: 'Отобрать образцы', en: 'Take samples' },
  result: { ru: 'Расформировано: {units}. Новые короба: {boxes}. Новые паллеты: {pallets}.', en: 'Disaggregated: {units}. New boxes: {boxes}. New pallets: {pallets}.' },
  none: { ru: 'нет', en: 'none' },
} as const

export type ReworkKey = keyof typeof TR
