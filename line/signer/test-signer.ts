// An HMAC stand-in for a qualified signature, accepted by the emulators: same shapes (base64, attached carries the
// data), no crypto provider needed. Never accepted by the real GIS MT.
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { SignOptions, Signer } from './signer.ts'

const TAG = 'LC-TEST-SIG1'

function mac (secret: string, data: Buffer): Buffer {
  return createHmac('sha256', secret).update(data).digest()
}

export class TestSigner implements Signer {
  readonly kind = 'test'
  readonly #secret: string
  /** Sign calls made, for tests and benchmarks. */
  calls = 0
  constructor (secret = 'test-signer') { this.#secret = secret }

  async sign (data: Buffer, options: SignOptions): Promise<string> {
    this.calls++
    const m = mac(this.#secret, data).toString('base64')
    const envelope = options.detached ? { tag: TAG, mac: m } : { tag: TAG, mac: m, data: data.toString('base64') }
    return Buffer.from(JSON.stringify(envelope)).toString('base64')
  }
}

function decode (signature: string): { tag?: unknown, mac?: unknown, data?: unknown } | undefined {
  try {
    const v = JSON.parse(Buffer.from(signature, 'base64').toString('utf8')) as unknown
    return typeof v === 'object' && v !== null ? v as { tag?: unknown, mac?: unknown, data?: unknown } : undefined
  } catch { return undefined }
}

/** True when `signature` is a detached test signature of `data` under `secret`. */
export function verifyDetached (secret: string, data: Buffer, signature: string): boolean {
  const e = decode(signature)
  if (e?.tag !== TAG || typeof e.mac !== 'string' || e.data !== undefined) return false
  const want = mac(secret, data)
  const got = Buffer.from(e.mac, 'base64')
  return got.length === want.length && timingSafeEqual(got, want)
}

/** The data inside an attached test signature, or undefined when it is not one or does not verify. */
export function openAttached (secret: string, signature: string): Buffer | undefined {
  const e = decode(signature)
  if (e?.tag !== TAG || typeof e.mac !== 'string' || typeof e.data !== 'string') return undefined
  const data = Buffer.from(e.data, 'base64')
  const want = mac(secret, data)
  const got = Buffer.from(e.mac, 'base64')
  return got.length === want.length && timingSafeEqual(got, want) ? data : undefined
}
