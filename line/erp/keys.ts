// API keys of the ERP clients: stored as SHA-256 hashes, compared in constant time. A key is 32 random bytes, so a
// fast hash is enough (nothing to guess from a dictionary); a stolen config file does not give the keys away.
// Run directly to issue a key: `npx tsx line/erp/keys.ts` prints a new key and the hash for the config.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** How a key is written in the config: `sha256:` and 64 hex digits. */
export const KEY_HASH = /^sha256:[0-9a-f]{64}$/
/** What a presented key may look like: printable ASCII without spaces, 32–256 characters. */
export const KEY_FORMAT = /^[\x21-\x7e]{32,256}$/

export function hashKey (key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`
}

export function newKey (): { key: string, keyHash: string } {
  const key = randomBytes(32).toString('base64url')
  return { key, keyHash: hashKey(key) }
}

export interface ErpClientKey { id: string, keyHash: string }

/**
 * Who holds this key: every client's hash is compared (in constant time, and all of them, so the time taken says
 * nothing about which client or how close the guess was). Null for no key or an unknown one.
 */
export function clientOf (presented: string | undefined, clients: readonly ErpClientKey[]): string | null {
  if (presented === undefined || !KEY_FORMAT.test(presented)) return null
  const digest = Buffer.from(hashKey(presented).slice(7), 'hex')
  let found: string | null = null
  for (const c of clients) {
    const stored = Buffer.from(c.keyHash.slice(7), 'hex')
    if (stored.length === digest.length && timingSafeEqual(stored, digest) && found === null) found = c.id
  }
  return found
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { key, keyHash } = newKey()
  process.stdout.write(`key (give it to the ERP client, once):  ${key}\nkeyHash (for erp.clients in the config): ${keyHash}\n`)
}
