// Client tokens of the OMS (§9.1): one per installation (omsConnection); asking again invalidates the earlier one;
// a token got through GIS MT / True API lives 10 hours (§9.1 item 2.3). GIS MT asks the OMS to register a new
// token during simpleSignIn/{omsConnection} (§9.1.2 steps 8–10): `issue()` is that step.
import { randomUUID } from 'node:crypto'
import type { Clock } from '../shared/clock.ts'

export const CLIENT_TOKEN_TTL_MS = 10 * 3_600_000

export type TokenCheck = 'valid' | 'unknown' | 'expired' | 'replaced'

export class ClientTokens {
  /** Installations registered with this OMS (§9.2); simpleSignIn for any other fails (§9.1.2 step 9). */
  readonly connections = new Set<string>()
  readonly #byToken = new Map<string, { connection: string, expiresAt: number, replaced: boolean }>()
  readonly #current = new Map<string, string>()

  constructor (readonly clock: Clock, readonly ttlMs = CLIENT_TOKEN_TTL_MS, readonly fixed: string | undefined = undefined) {}

  /** A new token for `connection`, invalidating its earlier one; undefined for an unregistered installation. */
  issue (connection: string): { token: string, expiresAt: number } | undefined {
    if (!this.connections.has(connection)) return undefined
    const old = this.#current.get(connection)
    if (old !== undefined) { const o = this.#byToken.get(old); if (o !== undefined) o.replaced = true }
    const token = randomUUID()
    const expiresAt = this.clock.now() + this.ttlMs
    this.#byToken.set(token, { connection, expiresAt, replaced: false })
    this.#current.set(connection, token)
    return { token, expiresAt }
  }

  check (token: string | undefined): TokenCheck {
    if (token === undefined || token === '') return 'unknown'
    // the fixed token is an emulator convenience for tests (docs/oms.md), never expires, never replaced
    if (this.fixed !== undefined && token === this.fixed) return 'valid'
    const t = this.#byToken.get(token)
    if (t === undefined) return 'unknown'
    if (t.replaced) return 'replaced'
    return this.clock.now() < t.expiresAt ? 'valid' : 'expired'
  }
}
