// Who may do what on the panel: one table from role to actions, checked by the server on every request.

export const ROLES = ['operator', 'engineer', 'admin'] as const
export type Role = typeof ROLES[number]

/** Every action the panel can ask for. PackML commands are `cmd:<command>`. */
export const ACTIONS = [
  'cmd:start', 'cmd:stop', 'cmd:hold', 'cmd:unhold', 'cmd:reset', 'cmd:complete',
  'cmd:abort', 'cmd:clear', 'cmd:suspend', 'cmd:unsuspend',
  'alarm:ack', 'box:close', 'pallet:close', 'mode:set', 'unit:remove', 'label:reprint', 'box:scrap', 'job:start',
  'report:view', 'code:gismt', 'report:retry', 'audit:view', 'users:manage', 'codes:export', 'codes:import', 'product:sync', 'product:edit',
  'station:scan', 'station:close', 'box:rework', 'unit:sample', 'setup:print', 'setup:params',
] as const
export type Action = typeof ACTIONS[number]

/** What the operator reads when an action is refused. */
export const ACTION_LABELS: Readonly<Record<Action, { ru: string, en: string }>> = {
  'cmd:start': { ru: 'Пуск', en: 'Start' },
  'cmd:stop': { ru: 'Стоп', en: 'Stop' },
  'cmd:hold': { ru: 'Удержать', en: 'Hold' },
  'cmd:unhold': { ru: 'Снять удержание', en: 'Unhold' },
  'cmd:reset': { ru: 'Сброс', en: 'Reset' },
  'cmd:complete': { ru: 'Завершить', en: 'Complete' },
  'cmd:abort': { ru: 'Прервать (Abort)', en: 'Abort' },
  'cmd:clear': { ru: 'Очистить', en: 'Clear' },
  'cmd:suspend': { ru: 'Приостановить', en: 'Suspend' },
  'cmd:unsuspend': { ru: 'Возобновить', en: 'Unsuspend' },
  'alarm:ack': { ru: 'Квитировать аварию', en: 'Acknowledge alarm' },
  'box:close': { ru: 'Закрыть неполный короб', en: 'Close partial box' },
  'pallet:close': { ru: 'Закрыть паллету', en: 'Close the pallet' },
  'mode:set': { ru: 'Смена режима', en: 'Change mode' },
  'unit:remove': { ru: 'Изъять изделие', en: 'Remove unit' },
  'label:reprint': { ru: 'Перепечатать этикетку', en: 'Reprint label' },
  'box:scrap': { ru: 'Списать короб', en: 'Scrap box' },
  'job:start': { ru: 'Запуск задания', en: 'Start job' },
  'report:view': { ru: 'Отчёт смены', en: 'Shift report' },
  'code:gismt': { ru: 'Статус кода в ГИС МТ', en: 'Code status in GIS MT' },
  'report:retry': { ru: 'Повторная отправка отчёта', en: 'Send a report again' },
  'audit:view': { ru: 'Журнал действий', en: 'Audit trail' },
  'users:manage': { ru: 'Управление пользователями', en: 'User management' },
  'codes:export': { ru: 'Выгрузка кодов для типографии', en: 'Export codes for a printing house' },
  'codes:import': { ru: 'Загрузка кодов из файла', en: 'Import codes from a file' },
  'product:sync': { ru: 'Синхронизация с Национальным каталогом', en: 'Sync with the National Catalogue' },
  'product:edit': { ru: 'Ввод карточки товара вручную', en: 'Enter a product card by hand' },
  'station:scan': { ru: 'Скан на станции агрегации', en: 'Scan at the aggregation station' },
  'station:close': { ru: 'Закрыть короб станции агрегации', en: 'Close the station box' },
  'box:rework': { ru: 'Переупаковка короба или паллеты (расформирование в ГИС МТ)', en: 'Rework a box or pallet (disaggregation in GIS MT)' },
  'unit:sample': { ru: 'Отбор образцов', en: 'Take samples' },
  'setup:print': { ru: 'Тестовая печать (наладка)', en: 'Test print (line setup)' },
  'setup:params': { ru: 'Изменение параметров линии (наладка)', en: 'Change line parameters (line setup)' },
}

const OPERATOR: readonly Action[] = [
  'cmd:start', 'cmd:stop', 'cmd:hold', 'cmd:unhold', 'cmd:reset', 'alarm:ack', 'box:close', 'pallet:close', 'report:view',
  // asking GIS MT about a code changes nothing (it is audited all the same: it is a call in the participant's name)
  'code:gismt',
  // reading the catalogue again changes nothing a person entered
  'product:sync',
  // the station decides every scan itself: the operator only brings units and labels to it
  'station:scan', 'station:close',
]
// Engineers also do what ends or reshapes production and what touches codes already on units.
const ENGINEER: readonly Action[] = [
  ...OPERATOR, 'cmd:complete', 'cmd:abort', 'cmd:clear', 'cmd:suspend', 'cmd:unsuspend',
  'mode:set', 'unit:remove', 'label:reprint', 'box:scrap', 'job:start', 'audit:view',
  // codes leave the line for a printing house, or enter it from a file: an engineer's decision (docs/codes-files.md)
  'codes:export', 'codes:import',
  // a rejected report sent again after its cause was corrected: an engineer's decision (docs/hmi.md "Finding things")
  'report:retry',
  // a card decides the group, dates and packing of every job of its product
  'product:edit',
  // rework changes what GIS MT holds (docs/rework.md)
  'box:rework', 'unit:sample',
  // set-up: test prints and the reject rules every later product is judged by (docs/setup-mode.md)
  'setup:print', 'setup:params',
]
const ADMIN: readonly Action[] = [...ENGINEER, 'users:manage']

export const PERMISSIONS: Readonly<Record<Role, ReadonlySet<Action>>> = {
  operator: new Set(OPERATOR),
  engineer: new Set(ENGINEER),
  admin: new Set(ADMIN),
}

export function can (role: Role, action: Action): boolean {
  return PERMISSIONS[role].has(action)
}

export function isRole (s: string): s is Role {
  return (ROLES as readonly string[]).includes(s)
}
