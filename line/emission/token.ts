// Where the OMS clientToken comes from: an interface, so the True-API sign-in (10-hour token) can replace the
// static token from config without touching the client.

export interface TokenProvider {
  /** The current token; may sign in or refresh first. */
  token(): Promise<string>
  /** The OMS answered 401 with this token: drop it so the next call obtains a fresh one. */
  invalidate?(token: string): void
}

/** A token fixed in config (`oms.clientToken`): nothing to refresh, a 401 stays a 401. */
export class StaticTokenProvider implements TokenProvider {
  readonly #token: string
  constructor (token: string) { this.#token = token }
  token (): Promise<string> { return Promise.resolve(this.#token) }
}

/** Produces the detached `X-Signature` (base64 CMS) over the bytes given: body for POST, path+query for GET. */
export interface RequestSigner {
  signDetached(data: Buffer): Promise<string>
}

/**
 * The clientToken obtained through the True API for a registered OMS connection (OMS guide §9.1.2:
 * `simpleSignIn/{omsConnection}`, ~10 h, a newer one voids the older): the sign-in's own cache and renewal, and a
 * token the OMS refuses is dropped so the next call signs in again.
 */
export function signedInTokens (signIn: { getToken(): Promise<string>, invalidate?(): void }): TokenProvider {
  return {
    token: () => signIn.getToken(),
    invalidate: () => { signIn.invalidate?.() },
  }
}

/** `X-Signature` from the line's signer: a detached CMS (OMS guide §2.3.1; an attached one is refused with 413). */
export function detachedSigner (signer: { sign(data: Buffer, options: { detached: boolean }): Promise<string> }): RequestSigner {
  return { signDetached: data => signer.sign(data, { detached: true }) }
}
