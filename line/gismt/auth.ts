// True API sign-in: auth/key → attached signature of `data` → simpleSignIn → bearer token (~10 h), cached and
// renewed before it runs out. One instance per connection: the participant's own token or an OMS connection's.
import { z } from 'zod'
import type { Clock } from '../clock.ts'
import type { Signer } from '../signer/signer.ts'
import { TrueApiResponseError } from './errors.ts'
import type { TrueApiHttp } from './http.ts'
import type { TokenStore } from './token-store.ts'

/** What the OMS client and the document calls need: a token that is valid now. */
export interface TokenProvider {
  getToken(): Promise<string>
  /** The server refused the token (401): forget it so the next getToken signs in again. */
  invalidate?(): void
}

const KeyAnswer = z.object({ uuid: z.string().min(1), data: z.string().min(1) })
const TokenAnswer = z.object({ token: z.string().min(1) })

export const TOKEN_TTL_MS = 10 * 3_600_000

export interface AuthOptions {
  http: TrueApiHttp
  signer: Signer
  clock: Clock
  /** For the OMS clientToken: the registered OMS connection id (simpleSignIn/{omsConnection}). */
  omsConnection?: string | undefined
  refreshBeforeMs: number
  ttlMs?: number
  /** Where the token outlives the process (line/gismt/token-store.ts); absent: held in memory only. */
  store?: TokenStore
}

export class TrueApiAuth implements TokenProvider {
  readonly #o: AuthOptions
  #token: { value: string, expiresAt: number } | undefined
  #pending: Promise<string> | undefined
  /** Sign-ins made (tests, metrics). */
  signIns = 0
  constructor (options: AuthOptions) {
    this.#o = options
    // a token a previous run obtained and still valid: taken up, not signed in for again (that would void it)
    this.#token = options.store?.load(this.#key)
  }

  get #key (): string { return this.#o.omsConnection ?? 'participant' }

  getToken (): Promise<string> {
    const t = this.#token
    if (t !== undefined && this.#o.clock.now() < t.expiresAt - this.#o.refreshBeforeMs) return Promise.resolve(t.value)
    // One sign-in at a time: the OMS invalidates the old token when a new one is issued (oms-api.md).
    this.#pending ??= this.#signIn().finally(() => { this.#pending = undefined })
    return this.#pending
  }

  invalidate (): void {
    this.#token = undefined
    this.#o.store?.drop(this.#key)
  }

  async #signIn (): Promise<string> {
    const { http, signer, clock } = this.#o
    const keyRes = await http.call('GET', '/api/v3/true-api/auth/key')
    const key = KeyAnswer.safeParse(keyRes.body)
    if (!key.success) throw new TrueApiResponseError('auth/key answered without uuid/data', { body: keyRes.body })
    const signed = await signer.sign(Buffer.from(key.data.data, 'utf8'), { detached: false })
    const path = this.#o.omsConnection === undefined
      ? '/api/v3/true-api/auth/simpleSignIn'
      : `/api/v3/true-api/auth/simpleSignIn/${encodeURIComponent(this.#o.omsConnection)}`
    const started = clock.now()
    const res = await http.call('POST', path, { body: { uuid: key.data.uuid, data: signed } })
    const tok = TokenAnswer.safeParse(res.body)
    if (!tok.success) throw new TrueApiResponseError('simpleSignIn answered without a token', { path, body: res.body })
    this.signIns++
    // Counted from before the request: the server's clock started no later than that.
    this.#token = { value: tok.data.token, expiresAt: started + (this.#o.ttlMs ?? TOKEN_TTL_MS) }
    this.#o.store?.save(this.#key, this.#token, clock.now())
    return tok.data.token
  }
}
