// Typed errors of the operator panel server: each carries the HTTP status and a bilingual text for the panel.
import type { ErrorCode } from '../domain/catalogue.ts'
import { LineError } from '../domain/errors.ts'
import type { Bilingual } from '../control.ts'
import { ACTION_LABELS, type Action } from './roles.ts'

export class HmiError extends LineError {
  readonly status: number
  readonly text: Bilingual
  constructor (code: ErrorCode, status: number, text: Bilingual, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(code, text.en, context, options)
    this.status = status
    this.text = text
  }
}

/** No session, or the session expired. */
export class UnauthenticatedError extends HmiError {
  constructor (context: Record<string, unknown> = {}) {
    super('LC_ERR_HMI_AUTH', 401, { ru: 'Требуется вход в систему', en: 'Please log in' }, context)
  }
}

/** Wrong user name or password (deliberately not saying which), or the account is locked for a while. */
export class LoginFailedError extends HmiError {
  constructor (text: Bilingual, context: Record<string, unknown> = {}) {
    super('LC_ERR_HMI_LOGIN', 401, text, context)
  }
}

/** The user's role does not allow the action. */
export class ForbiddenError extends HmiError {
  constructor (action: Action, role: string) {
    const label = ACTION_LABELS[action]
    super('LC_ERR_HMI_FORBIDDEN', 403, {
      ru: `Действие «${label.ru}» недоступно для роли «${ROLE_RU[role] ?? role}»`,
      en: `"${label.en}" is not allowed for role ${role}`,
    }, { action, role })
  }
}

/** A form or payload that does not validate; `fields` maps a field path to its bilingual message. */
export class ValidationError extends HmiError {
  readonly fields: Record<string, Bilingual>
  /** The line's catalogue code, when the line itself refused the value (LC_ERR_SETUP_PARAMETER). */
  readonly lineCode: string | undefined
  constructor (fields: Record<string, Bilingual>, context: Record<string, unknown> = {}, lineCode?: string) {
    const list = Object.entries(fields).map(([k, v]) => `${k}: ${v.en}`).join('; ')
    // each message names its field in words ("SSCC: обязателен"): the Russian text does not repeat the field's key
    const listRu = Object.values(fields).map(v => v.ru).join('; ')
    super('LC_ERR_HMI_INPUT', 400, { ru: `Неверные данные — ${listRu}`, en: `Invalid input — ${list}` }, context)
    this.fields = fields
    this.lineCode = lineCode
  }
}

/** An unknown command or an unknown API path. */
export class UnknownActionError extends HmiError {
  constructor (what: string, status = 404) {
    super('LC_ERR_HMI_UNKNOWN', status, { ru: `Неизвестная команда или адрес: ${what}`, en: `Unknown command or path: ${what}` }, { what })
  }
}

/** The line refused the action (wrong state, nothing to close …): a 409 with the line's own reason. */
export class RefusedError extends HmiError {
  /** The line's catalogue code of why, when it gave one (LC_ERR_JOB_SWITCH: the panel asks for a confirmation). */
  readonly lineCode: string | undefined
  constructor (reason: Bilingual, context: Record<string, unknown> = {}, lineCode?: string) {
    super('LC_ERR_HMI_REFUSED', 409, reason, context)
    this.lineCode = lineCode
  }
}

/** The line threw while carrying out the action: reported as 503 so the operator can retry, never a bare 500. */
export class LineUnavailableError extends HmiError {
  constructor (action: string, cause: unknown) {
    super('LC_ERR_HMI_LINE', 503, {
      ru: `Линия не выполнила «${action}»: ${cause instanceof Error ? cause.message : String(cause)}`,
      en: `The line could not carry out "${action}": ${cause instanceof Error ? cause.message : String(cause)}`,
    }, { action }, { cause })
  }
}

export const ROLE_RU: Record<string, string> = { operator: 'оператор', engineer: 'инженер', admin: 'администратор' }
