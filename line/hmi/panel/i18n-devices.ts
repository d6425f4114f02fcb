// Texts of the device tiles (line view), Russian first, English second: every kind, state, printer fault and warning
// the line can report (line/control.ts, printers/types.ts), and the wording of each fact a tile carries.
import type { DeviceFact, DeviceView } from '../../control.ts'
import type { PrinterFault, PrinterWarning } from '../../../printers/types.ts'
import type { Lang, Text } from './i18n.ts'

export const DEVICE_KIND_TEXT: Readonly<Record<DeviceView['kind'], Text>> = {
  printer: { ru: 'принтер кодов', en: 'code printer' },
  'label-printer': { ru: 'принтер этикеток', en: 'label printer' },
  camera: { ru: 'камера', en: 'camera' },
  plc: { ru: 'ПЛК', en: 'PLC' },
  broker: { ru: 'брокер MQTT', en: 'MQTT broker' },
  oms: { ru: 'СУЗ', en: 'OMS' },
  'true-api': { ru: 'ГИС МТ', en: 'GIS MT' },
  l3: { ru: 'система цеха (L3)', en: 'plant system (L3)' },
  'plant-register': { ru: 'реестр кодов завода', en: 'plant code register' },
}

export const DEVICE_STATE_TEXT: Readonly<Record<DeviceView['state'], Text>> = {
  ok: { ru: 'в норме', en: 'OK' },
  warning: { ru: 'предупреждение', en: 'warning' },
  fault: { ru: 'авария', en: 'fault' },
  offline: { ru: 'нет связи', en: 'offline' },
}

export const PRINTER_FAULT_TEXT: Readonly<Record<PrinterFault, Text>> = {
  'ink-out': { ru: 'нет чернил', en: 'out of ink' },
  'head-error': { ru: 'ошибка головки', en: 'head error' },
  'head-open': { ru: 'головка открыта', en: 'head open' },
  'paper-out': { ru: 'нет этикеток', en: 'out of labels' },
  'ribbon-out': { ru: 'нет красящей ленты', en: 'out of ribbon' },
  'over-temperature': { ru: 'перегрев', en: 'overheated' },
  'comms-lost': { ru: 'связь потеряна', en: 'link lost' },
  'bad-response': { ru: 'ошибочный ответ устройства', en: 'bad answer from the device' },
  'buffer-overflow': { ru: 'переполнение буфера', en: 'buffer overflow' },
  'data-too-long': { ru: 'код не помещается в запись', en: 'code too long for the device' },
  paused: { ru: 'не готов (пауза)', en: 'not ready (paused)' },
}

export const PRINTER_WARNING_TEXT: Readonly<Record<PrinterWarning, Text>> = {
  'ink-low': { ru: 'мало чернил', en: 'ink low' },
  'labels-low': { ru: 'мало этикеток', en: 'labels low' },
  'buffer-empty': { ru: 'буфер пуст', en: 'buffer empty' },
}

const CAMERA_ROLE_TEXT: Readonly<Record<Extract<DeviceFact, { key: 'role' }>['value'], Text>> = {
  unit: { ru: 'читает изделия', en: 'reads units' },
  box: { ru: 'читает этикетки коробов', en: 'reads box labels' },
  pallet: { ru: 'читает этикетки паллет', en: 'reads pallet labels' },
}

export const DEVICE_TEXT = {
  connecting: { ru: 'подключение', en: 'connecting' },
  buffer: { ru: 'в буфере', en: 'in the buffer' },
  triggers: { ru: 'срабатываний датчика', en: 'triggers' },
  rejects: { ru: 'отбраковок', en: 'rejects' },
  pending: { ru: 'ждут проверки по заводу', en: 'awaiting the plant check' },
  note: { ru: 'подробнее', en: 'details' },
} satisfies Record<string, Text>

/** One fact of a tile in the operator's language. */
export function factText (f: DeviceFact, lang: Lang): string {
  switch (f.key) {
    case 'fault': return PRINTER_FAULT_TEXT[f.value]?.[lang] ?? f.value
    case 'warning': return PRINTER_WARNING_TEXT[f.value]?.[lang] ?? f.value
    case 'connecting': return DEVICE_TEXT.connecting[lang]
    case 'buffer': return `${DEVICE_TEXT.buffer[lang]}: ${f.value}`
    case 'role': return CAMERA_ROLE_TEXT[f.value]?.[lang] ?? f.value
    case 'triggers': return `${DEVICE_TEXT.triggers[lang]}: ${f.value}`
    case 'rejects': return `${DEVICE_TEXT.rejects[lang]}: ${f.value}`
    case 'address': return f.value
    case 'pending': return `${DEVICE_TEXT.pending[lang]}: ${f.value}`
  }
}
