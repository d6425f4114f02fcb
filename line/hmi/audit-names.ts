// The names the audit trail writes: every action (the role table's, and those of sessions, users and downloads) and
// every result. The panel has a text in Russian and English for each (line/hmi/panel/i18n-audit.ts).
import { ACTIONS } from './roles.ts'

export const AUDIT_RESULTS = ['ok', 'refused', 'forbidden', 'invalid', 'error'] as const
export type AuditResult = typeof AUDIT_RESULTS[number]

/** Audited, but no role permission of their own: logging in and out, one's own password, users, downloads. */
export const SESSION_ACTIONS = [
  'login', 'logout', 'password:change', 'users:bootstrap', 'users:list', 'users:create', 'users:update', 'codes:download',
  // a command name the panel does not know (refused as invalid before any permission is looked up)
  'command',
] as const

export const AUDIT_ACTIONS = [...ACTIONS, ...SESSION_ACTIONS] as const
export type AuditAction = typeof AUDIT_ACTIONS[number]
