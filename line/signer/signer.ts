// The signing contract: reports and sign-ins are signed behind this interface, never by a crypto library in the core.
import { LineError } from '../domain/errors.ts'

export interface SignOptions {
  /** Detached CMS (documents, OMS X-Signature) or attached CMS carrying the data (True API sign-in). */
  detached: boolean
}

export interface Signer {
  readonly kind: string
  /** Sign `data`; resolves to the signature in base64 or rejects with a SignerError. */
  sign(data: Buffer, options: SignOptions): Promise<string>
}

/** Signing did not produce a signature: the reports wait, the line runs on (issue 7 §4). */
export class SignerError extends LineError {
  constructor (message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super('LC_ERR_SIGNER', message, context, options)
  }
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

/** Normalise a program's output to bare base64: PEM armour and line breaks are dropped, anything else refused. */
export function cleanBase64 (text: string): string | undefined {
  const body = text.replace(/-----(BEGIN|END)[^-]*-----/g, '').replace(/\s+/g, '')
  return body.length > 0 && body.length % 4 === 0 && BASE64.test(body) ? body : undefined
}
