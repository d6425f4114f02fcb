// Verifier of the project's test signature (docs/test-signature.md): the stand-in for a GOST CMS signature that
// the emulators accept. Written from that spec, not from the controller's signer, so the two can disagree — and a
// test then says which one left the spec.
import { createHmac, timingSafeEqual } from 'node:crypto'

/** The format tag every test signature carries (docs/test-signature.md §2). */
export const TEST_SIGNATURE_TAG = 'LC-TEST-SIG1'
/** The secret both sides use unless configured otherwise (§4). */
export const DEFAULT_TEST_SECRET = 'test-signer'

interface Envelope { tag: string, mac: string, data?: string }

/** The envelope inside a signature, or undefined when it is not base64 of a JSON object with a string tag and mac. */
function envelope (signature: string): Envelope | undefined {
  // §2: standard base64 alphabet, padding optional
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return undefined
  let v: unknown
  try { v = JSON.parse(Buffer.from(signature, 'base64').toString('utf8')) } catch { return undefined }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined
  const e = v as Record<string, unknown>
  if (e.tag !== TEST_SIGNATURE_TAG || typeof e.mac !== 'string') return undefined
  if (e.data !== undefined && typeof e.data !== 'string') return undefined
  return { tag: e.tag, mac: e.mac, ...(e.data !== undefined ? { data: e.data as string } : {}) }
}

function macMatches (secret: string, data: Buffer, mac: string): boolean {
  const want = createHmac('sha256', secret).update(data).digest()
  const got = Buffer.from(mac, 'base64')
  return got.length === want.length && timingSafeEqual(got, want)
}

export type SignatureKind = 'detached' | 'attached' | 'none'

/** What a header or field holds: a detached or an attached test signature, or neither (§3). */
export function signatureKind (signature: string): SignatureKind {
  const e = envelope(signature)
  if (e === undefined) return 'none'
  return e.data === undefined ? 'detached' : 'attached'
}

/** True when `signature` is a detached test signature of exactly `data` under `secret` (§3.1). */
export function verifyDetachedSignature (secret: string, data: Buffer, signature: string): boolean {
  const e = envelope(signature)
  return e !== undefined && e.data === undefined && macMatches(secret, data, e.mac)
}

/** The signed data of an attached test signature under `secret`, or undefined (§3.2). */
export function openAttachedSignature (secret: string, signature: string): Buffer | undefined {
  const e = envelope(signature)
  if (e?.data === undefined) return undefined
  const data = Buffer.from(e.data, 'base64')
  return macMatches(secret, data, e.mac) ? data : undefined
}
