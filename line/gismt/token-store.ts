// The True API tokens the line holds (its own, and the OMS clientToken of its OMS connection), kept in the store so
// a restarted controller goes on with a token still valid instead of signing in again: a new sign-in for an OMS
// connection voids the token before it (OMS guide §9.1.2), so every restart would cut off whatever else held it.
import type { Statement } from 'better-sqlite3'
import { migrate, type Db } from '../store/open.ts'

const MIGRATIONS = [`
  CREATE TABLE api_tokens (
    connection  TEXT PRIMARY KEY,
    token       TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    obtained_at INTEGER NOT NULL
  );
`]

export interface StoredToken { value: string, expiresAt: number }

/** Keyed by the OMS connection id, or `participant` for the line's own True API token. */
export class TokenStore {
  readonly #get: Statement
  readonly #put: Statement
  readonly #drop: Statement

  constructor (db: Db) {
    migrate(db, 'api-tokens', MIGRATIONS)
    this.#get = db.prepare('SELECT token, expires_at AS expiresAt FROM api_tokens WHERE connection = ?')
    this.#put = db.prepare(`INSERT INTO api_tokens (connection, token, expires_at, obtained_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (connection) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at, obtained_at = excluded.obtained_at`)
    this.#drop = db.prepare('DELETE FROM api_tokens WHERE connection = ?')
  }

  load (connection: string): StoredToken | undefined {
    const r = this.#get.get(connection) as { token: string, expiresAt: number } | undefined
    return r === undefined ? undefined : { value: r.token, expiresAt: r.expiresAt }
  }

  save (connection: string, token: StoredToken, now: number): void { this.#put.run(connection, token.value, token.expiresAt, now) }

  /** The server refused it: a restart must not take it up again. */
  drop (connection: string): void { this.#drop.run(connection) }
}
