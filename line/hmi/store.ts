// The panel's own tables: users, sessions and the line's one audit trail (everything people did through the panel, and
// what the line did for the PLC or the config).
import { createHash, randomBytes } from 'node:crypto'
import { migrate, type Db } from '../store/open.ts'
import { isCatalogueCode, textOf, type AlarmRef, type Bilingual } from '../domain/catalogue.ts'
import type { AuditResult } from './audit-names.ts'
import type { Role } from './roles.ts'

const MIGRATIONS = [
  `CREATE TABLE hmi_users (
     username TEXT PRIMARY KEY,
     role TEXT NOT NULL CHECK (role IN ('operator','engineer','admin')),
     password_hash TEXT NOT NULL,
     must_change INTEGER NOT NULL DEFAULT 0,
     disabled INTEGER NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL,
     created_by TEXT NOT NULL
   );
   CREATE TABLE hmi_sessions (
     token_hash TEXT PRIMARY KEY,
     username TEXT NOT NULL REFERENCES hmi_users(username) ON DELETE CASCADE,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL
   );
   CREATE INDEX hmi_sessions_expiry ON hmi_sessions(expires_at);
   CREATE TABLE hmi_audit (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     at INTEGER NOT NULL,
     actor TEXT NOT NULL,
     role TEXT,
     action TEXT NOT NULL,
     detail TEXT NOT NULL,
     result TEXT NOT NULL CHECK (result IN ('ok','refused','forbidden','invalid','error')),
     message TEXT
   );
   CREATE INDEX hmi_audit_at ON hmi_audit(at);`,
  // the message in Russian beside the English one, so the panel shows it in the operator's language
  'ALTER TABLE hmi_audit ADD COLUMN message_ru TEXT;',
]

export interface UserRow { username: string, role: Role, mustChange: boolean, disabled: boolean, createdAt: number, createdBy: string }
/**
 * `message`: the outcome's words in English (or a technical text in the one language it has); `text`: the same in
 * Russian and English when it was given in both (null for a text in one language, and for rows older than that).
 */
export interface AuditRow { id: number, at: number, actor: string, role: string | null, action: string, detail: unknown, result: AuditResult, message: string | null, text: Bilingual | null }
export type { AuditResult }
export interface Session { username: string, role: Role, mustChange: boolean, expiresAt: number }

/**
 * The catalogue's text of a row whose message is a catalogue code, or whose detail names one (`code`: a refusal
 * with its LC_ERR_… code): parameters filled from the detail, one it does not hold left out.
 */
function catalogueText (message: string | null, detail: unknown): Bilingual | null {
  const fields = typeof detail === 'object' && detail !== null && !Array.isArray(detail) ? detail as Record<string, unknown> : {}
  const code = message !== null && isCatalogueCode(message) ? message : typeof fields.code === 'string' && isCatalogueCode(fields.code) ? fields.code : null
  if (code === null) return null
  const params = Object.fromEntries(Object.entries(fields).filter((e): e is [string, string | number] => typeof e[1] === 'string' || typeof e[1] === 'number'))
  const t = textOf({ code, params } as AlarmRef)
  const gap = /\{[A-Za-z][A-Za-z0-9]*\}/g
  return { ru: t.ru.replace(gap, '…'), en: t.en.replace(gap, '…') }
}

/** Only a hash of the session token is stored: a copy of the database does not hand out live sessions. */
function tokenHash (token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

type RawUser = { username: string, role: Role, password_hash: string, must_change: number, disabled: number, created_at: number, created_by: string }
const toUser = (r: RawUser): UserRow => ({ username: r.username, role: r.role, mustChange: r.must_change === 1, disabled: r.disabled === 1, createdAt: r.created_at, createdBy: r.created_by })

export class HmiStore {
  readonly #db: Db
  constructor (db: Db) {
    this.#db = db
    migrate(db, 'hmi', MIGRATIONS)
  }

  userCount (): number {
    return (this.#db.prepare('SELECT count(*) AS n FROM hmi_users').get() as { n: number }).n
  }

  user (username: string): (UserRow & { passwordHash: string }) | null {
    const r = this.#db.prepare('SELECT * FROM hmi_users WHERE username = ?').get(username) as RawUser | undefined
    return r === undefined ? null : { ...toUser(r), passwordHash: r.password_hash }
  }

  users (): UserRow[] {
    return (this.#db.prepare('SELECT * FROM hmi_users ORDER BY username').all() as RawUser[]).map(toUser)
  }

  /** False when the name is taken. */
  addUser (u: { username: string, role: Role, passwordHash: string, mustChange: boolean, createdBy: string }, now: number): boolean {
    const r = this.#db.prepare(`INSERT INTO hmi_users (username, role, password_hash, must_change, created_at, created_by)
      VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(username) DO NOTHING`).run(u.username, u.role, u.passwordHash, u.mustChange ? 1 : 0, now, u.createdBy)
    return r.changes === 1
  }

  setPassword (username: string, passwordHash: string, mustChange: boolean): boolean {
    const r = this.#db.prepare('UPDATE hmi_users SET password_hash = ?, must_change = ? WHERE username = ?').run(passwordHash, mustChange ? 1 : 0, username)
    return r.changes === 1
  }

  setRole (username: string, role: Role): boolean {
    return this.#db.prepare('UPDATE hmi_users SET role = ? WHERE username = ?').run(role, username).changes === 1
  }

  /** Disabling ends the user's sessions at once. */
  setDisabled (username: string, disabled: boolean): boolean {
    const ok = this.#db.prepare('UPDATE hmi_users SET disabled = ? WHERE username = ?').run(disabled ? 1 : 0, username).changes === 1
    if (ok && disabled) this.#db.prepare('DELETE FROM hmi_sessions WHERE username = ?').run(username)
    return ok
  }

  activeAdmins (): number {
    return (this.#db.prepare("SELECT count(*) AS n FROM hmi_users WHERE role = 'admin' AND disabled = 0").get() as { n: number }).n
  }

  /** A new session; returns the token for the cookie (never stored in clear). */
  createSession (username: string, now: number, ttlMs: number): { token: string, expiresAt: number } {
    const token = randomBytes(32).toString('base64url')
    const expiresAt = now + ttlMs
    this.#db.prepare('INSERT INTO hmi_sessions (token_hash, username, created_at, expires_at) VALUES (?, ?, ?, ?)').run(tokenHash(token), username, now, expiresAt)
    return { token, expiresAt }
  }

  session (token: string, now: number): Session | null {
    const r = this.#db.prepare(`SELECT s.username, s.expires_at, u.role, u.must_change, u.disabled FROM hmi_sessions s
      JOIN hmi_users u ON u.username = s.username WHERE s.token_hash = ?`).get(tokenHash(token)) as
      { username: string, expires_at: number, role: Role, must_change: number, disabled: number } | undefined
    if (r === undefined || r.disabled === 1) return null
    if (r.expires_at <= now) {
      this.#db.prepare('DELETE FROM hmi_sessions WHERE token_hash = ?').run(tokenHash(token))
      return null
    }
    return { username: r.username, role: r.role, mustChange: r.must_change === 1, expiresAt: r.expires_at }
  }

  endSession (token: string): void {
    this.#db.prepare('DELETE FROM hmi_sessions WHERE token_hash = ?').run(tokenHash(token))
  }

  purgeExpired (now: number): number {
    return this.#db.prepare('DELETE FROM hmi_sessions WHERE expires_at <= ?').run(now).changes
  }

  /** `message`: a text in both languages, or one with a single language (an exception's message). */
  audit (e: { at: number, actor: string, role: string | null, action: string, detail: unknown, result: AuditResult, message?: Bilingual | string | null }): void {
    const m = e.message ?? null
    this.#db.prepare('INSERT INTO hmi_audit (at, actor, role, action, detail, result, message, message_ru) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(e.at, e.actor, e.role, e.action, JSON.stringify(e.detail ?? null), e.result, typeof m === 'string' ? m : m?.en ?? null, typeof m === 'string' ? null : m?.ru ?? null)
  }

  /** Who did something on the line between two moments (successful actions only): a batch report's operators. */
  actorsBetween (fromMs: number, toMs: number): Array<{ actor: string, role: string | null, actions: number, firstAt: number, lastAt: number }> {
    return this.#db.prepare(`SELECT actor, max(role) AS role, count(*) AS actions, min(at) AS firstAt, max(at) AS lastAt FROM hmi_audit
      WHERE at >= ? AND at <= ? AND result = 'ok' AND action NOT IN ('login', 'logout') GROUP BY actor ORDER BY min(at)`).all(fromMs, toMs) as
      Array<{ actor: string, role: string | null, actions: number, firstAt: number, lastAt: number }>
  }

  auditTrail (limit: number, beforeId?: number): AuditRow[] {
    const rows = this.#db.prepare(`SELECT * FROM hmi_audit WHERE id < ? ORDER BY id DESC LIMIT ?`).all(beforeId ?? Number.MAX_SAFE_INTEGER, limit) as
      Array<{ id: number, at: number, actor: string, role: string | null, action: string, detail: string, result: AuditResult, message: string | null, message_ru: string | null }>
    return rows.map(({ message_ru: ru, ...r }) => {
      const detail = JSON.parse(r.detail) as unknown
      return { ...r, detail, text: ru !== null && r.message !== null ? { ru, en: r.message } : catalogueText(r.message, detail) }
    })
  }
}
