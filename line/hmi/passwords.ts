// Password hashing with node:crypto scrypt (memory-hard), stored as a self-describing string so the cost can grow.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

const N = 16384
const R = 8
const P = 1
const KEYLEN = 64

function derive (password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxmem: 128·N·r bytes are needed; leave headroom above the 32 MiB default.
    scrypt(password.normalize('NFC'), salt, KEYLEN, { N: n, r, p, maxmem: 256 * n * r }, (err, key) => {
      if (err) reject(err)
      else resolve(key)
    })
  })
}

/** `scrypt$N$r$p$salt$hash` (base64). */
export async function hashPassword (password: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await derive(password, salt, N, R, P)
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`
}

export async function verifyPassword (password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false
  const [n, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])]
  const salt = Buffer.from(parts[4] as string, 'base64')
  const want = Buffer.from(parts[5] as string, 'base64')
  const got = await derive(password, salt, n, r, p)
  return got.length === want.length && timingSafeEqual(got, want)
}

/** A random password for the first-start admin: 16 characters without look-alikes (0/O, 1/l/I). */
export function randomPassword (): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789'
  const bytes = randomBytes(16)
  let s = ''
  for (const b of bytes) s += alphabet[b % alphabet.length]
  return s
}
