// Username/password check for the embedded broker: constant-time comparison, anonymous clients refused.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { Principal, Role } from './acl.ts'

export interface BrokerUser {
  username: string
  password: string
  role: Role
  /** Cameras: the camera id it may publish as (`cam/<deviceId>/…`). */
  deviceId?: string
}

const digest = (s: string | Buffer): Buffer => createHash('sha256').update(s).digest()

export class UserTable {
  readonly #users = new Map<string, { hash: Buffer, principal: Principal }>()

  constructor (users: readonly BrokerUser[]) {
    for (const u of users) {
      const principal: Principal = { username: u.username, role: u.role }
      if (u.deviceId !== undefined) principal.deviceId = u.deviceId
      this.#users.set(u.username, { hash: digest(u.password), principal })
    }
  }

  /** The principal for a correct login, or null (unknown user, wrong password, anonymous). */
  check (username: string | undefined, password: Buffer | undefined): Principal | null {
    if (username === undefined || username === '' || password === undefined) return null
    const entry = this.#users.get(username)
    // Hash even for an unknown user so that timing does not reveal which usernames exist.
    const given = digest(password)
    if (entry === undefined) { timingSafeEqual(given, given); return null }
    return timingSafeEqual(given, entry.hash) ? entry.principal : null
  }
}
