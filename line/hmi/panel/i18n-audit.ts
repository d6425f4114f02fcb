// Texts of the audit trail (tab "Журнал действий"), Russian first, English second: every action and result the
// server writes (line/hmi/audit-names.ts), and the actors that are not people.
import { ACTION_LABELS } from '../roles.ts'
import type { AuditAction, AuditResult } from '../audit-names.ts'
import type { Lang, Text } from './i18n.ts'

export const AUDIT_ACTION_TEXT: Readonly<Record<AuditAction, Text>> = {
  ...ACTION_LABELS,
  login: { ru: 'Вход', en: 'Log in' },
  logout: { ru: 'Выход', en: 'Log out' },
  'password:change': { ru: 'Смена своего пароля', en: 'Change own password' },
  'users:bootstrap': { ru: 'Создание первого администратора', en: 'First administrator created' },
  'users:list': { ru: 'Список пользователей', en: 'List of users' },
  'users:create': { ru: 'Новый пользователь', en: 'New user' },
  'users:update': { ru: 'Изменение пользователя', en: 'User changed' },
  'codes:download': { ru: 'Скачивание файла кодов', en: 'Codes file downloaded' },
  command: { ru: 'Неизвестная команда', en: 'Unknown command' },
}

export const AUDIT_RESULT_TEXT: Readonly<Record<AuditResult, Text>> = {
  ok: { ru: 'выполнено', en: 'done' },
  refused: { ru: 'отклонено линией', en: 'refused by the line' },
  forbidden: { ru: 'запрещено', en: 'forbidden' },
  invalid: { ru: 'неверные данные', en: 'invalid input' },
  error: { ru: 'ошибка', en: 'error' },
}

/** Who acted when it was not a person: the PLC's buttons, the job in the config, the controller itself. */
export const AUDIT_ACTOR_TEXT: Readonly<Record<string, Text>> = {
  plc: { ru: 'ПЛК', en: 'PLC' },
  config: { ru: 'конфигурация', en: 'configuration' },
  system: { ru: 'контроллер', en: 'controller' },
  anonymous: { ru: 'без входа', en: 'not logged in' },
}

/** An actor in the operator's language: people by their user name, the plant system with its job id. */
export function actorText (actor: string, lang: Lang): string {
  const known = Object.hasOwn(AUDIT_ACTOR_TEXT, actor) ? AUDIT_ACTOR_TEXT[actor] : undefined
  if (known !== undefined) return known[lang]
  if (actor.startsWith('l3:')) return `${lang === 'ru' ? 'система цеха (L3), задание' : 'plant system (L3), job'} ${actor.slice(3)}`
  return actor
}

export function actionText (action: string, lang: Lang): string {
  return Object.hasOwn(AUDIT_ACTION_TEXT, action) ? AUDIT_ACTION_TEXT[action as AuditAction][lang] : action
}

export function resultText (result: string, lang: Lang): string {
  return Object.hasOwn(AUDIT_RESULT_TEXT, result) ? AUDIT_RESULT_TEXT[result as AuditResult][lang] : result
}
