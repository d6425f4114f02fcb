// Login, sessions with expiry, first-start admin bootstrap and lock-out after repeated wrong passwords.
import { chmodSync, rmSync, writeFileSync } from 'node:fs'
import type { Clock } from '../clock.ts'
import type { Logger } from '../log.ts'
import { LoginFailedError } from './errors.ts'
import { hashPassword, randomPassword, verifyPassword } from './passwords.ts'
import type { Role } from './roles.ts'
import type { HmiStore, Session } from './store.ts'

export interface BootstrapOptions {
  /** Name of the first administrator (default `admin`). */
  adminUser?: string
  /** Its initial password (e.g. from the LC_HMI_ADMIN_PASSWORD environment variable); it must be changed at first login. */
  adminPassword?: string
  /** Without a password: a random one is generated and written here (mode 0600), e.g. `var/hmi-initial-admin.txt`. */
  passwordFile?: string
}

/** Bootstrap settings from the environment: LC_HMI_ADMIN_USER, LC_HMI_ADMIN_PASSWORD, LC_HMI_ADMIN_PASSWORD_FILE. */
export function bootstrapFromEnv (env: Record<string, string | undefined>): BootstrapOptions {
  const o: BootstrapOptions = {}
  if (env.LC_HMI_ADMIN_USER) o.adminUser = env.LC_HMI_ADMIN_USER
  if (env.LC_HMI_ADMIN_PASSWORD) o.adminPassword = env.LC_HMI_ADMIN_PASSWORD
  if (env.LC_HMI_ADMIN_PASSWORD_FILE) o.passwordFile = env.LC_HMI_ADMIN_PASSWORD_FILE
  return o
}

const MAX_FAILS = 5
const LOCK_MS = 60_000
/** Wrong tries older than this are forgotten: one wrong try a minute never locks anyone out. */
const FAIL_WINDOW_MS = 5 * 60_000
/** Bound on the remembered (user, address) pairs; the oldest are forgotten first. */
const MAX_TRACKED = 10_000
const BAD_LOGIN = { ru: 'Неверное имя пользователя или пароль', en: 'Wrong user name or password' }

export class HmiAuth {
  readonly #store: HmiStore
  readonly #clock: Clock
  readonly #ttl: number
  readonly #log: Logger
  /** Wrong tries per (user name, address): a wrong password typed elsewhere does not lock out the panel at the line. */
  readonly #fails = new Map<string, { count: number, firstAt: number, lockedUntil: number }>()
  // Hash of a throwaway password: unknown users cost the same scrypt time as known ones (no user enumeration by timing).
  #dummyHash: Promise<string> | undefined

  readonly #maxTracked: number

  constructor (o: { store: HmiStore, clock: Clock, sessionTtl: number, log: Logger, maxTrackedFailures?: number }) {
    this.#maxTracked = o.maxTrackedFailures ?? MAX_TRACKED
    this.#store = o.store
    this.#clock = o.clock
    this.#ttl = o.sessionTtl
    this.#log = o.log
  }

  /**
   * First start (no users at all): create the administrator. The password comes from the options, or is generated
   * and written to `passwordFile`; either way it must be changed at first login. Returns what was done.
   */
  async bootstrap (o: BootstrapOptions): Promise<{ created: false } | { created: true, username: string, passwordFile: string | null }> {
    if (this.#store.userCount() > 0) return { created: false }
    const username = o.adminUser ?? 'admin'
    let password = o.adminPassword
    let file: string | null = null
    if (password === undefined || password === '') {
      if (o.passwordFile === undefined) {
        this.#log.error('HMI has no users and no bootstrap password: set LC_HMI_ADMIN_PASSWORD or hmi bootstrap.passwordFile')
        return { created: false }
      }
      password = randomPassword()
      writeFileSync(o.passwordFile, `${username}\n${password}\n`, { mode: 0o600 })
      chmodSync(o.passwordFile, 0o600)
      file = o.passwordFile
    }
    const hash = await hashPassword(password)
    this.#store.addUser({ username, role: 'admin', passwordHash: hash, mustChange: true, createdBy: 'bootstrap' }, this.#clock.now())
    this.#store.audit({ at: this.#clock.now(), actor: 'system', role: null, action: 'users:bootstrap', detail: { username, passwordFile: file }, result: 'ok' })
    this.#log.warn({ username, passwordFile: file }, 'HMI first start: administrator created; the password must be changed at first login')
    this.#bootstrapFile = file
    return { created: true, username, passwordFile: file }
  }

  #bootstrapFile: string | null = null

  async login (username: string, password: string, address = ''): Promise<{ token: string, expiresAt: number, session: Session }> {
    const now = this.#clock.now()
    const key = `${username}\u0000${address}`
    let f = this.#fails.get(key)
    if (f !== undefined && f.lockedUntil <= now && now - f.firstAt > FAIL_WINDOW_MS) { this.#fails.delete(key); f = undefined }
    if (f !== undefined && f.lockedUntil > now) {
      const s = Math.ceil((f.lockedUntil - now) / 1000)
      throw new LoginFailedError({ ru: `Слишком много неверных попыток, повторите через ${s} с`, en: `Too many wrong attempts, try again in ${s} s` }, { username, locked: true })
    }
    const user = this.#store.user(username)
    this.#dummyHash ??= hashPassword('not-a-real-password')
    const ok = await verifyPassword(password, user?.passwordHash ?? await this.#dummyHash)
    if (user === null || !ok || user.disabled) {
      const count = (f?.count ?? 0) + 1
      this.#fails.delete(key) // re-inserted last: the map's order is the age of the last wrong try
      // a lock ends the window: after it, a fresh count starts
      this.#fails.set(key, count >= MAX_FAILS ? { count: 0, firstAt: now, lockedUntil: now + LOCK_MS } : { count, firstAt: f?.firstAt ?? now, lockedUntil: 0 })
      while (this.#fails.size > this.#maxTracked) this.#fails.delete(this.#fails.keys().next().value as string)
      throw new LoginFailedError(BAD_LOGIN, { username, attempts: count })
    }
    this.#fails.delete(key)
    const { token, expiresAt } = this.#store.createSession(username, now, this.#ttl)
    this.#store.purgeExpired(now)
    return { token, expiresAt, session: { username, role: user.role, mustChange: user.mustChange, expiresAt } }
  }

  session (token: string | undefined): Session | null {
    if (token === undefined || token === '') return null
    return this.#store.session(token, this.#clock.now())
  }

  /** Remembered (user, address) pairs with wrong tries, for tests and status. */
  get trackedFailures (): number { return this.#fails.size }

  logout (token: string): void { this.#store.endSession(token) }

  /** Checks the old password; clears the must-change flag, and removes the generated bootstrap file. */
  async changePassword (username: string, oldPassword: string, newPassword: string): Promise<boolean> {
    const user = this.#store.user(username)
    if (user === null || !await verifyPassword(oldPassword, user.passwordHash)) return false
    this.#store.setPassword(username, await hashPassword(newPassword), false)
    if (this.#bootstrapFile !== null && user.role === 'admin') {
      rmSync(this.#bootstrapFile, { force: true })
      this.#bootstrapFile = null
    }
    return true
  }

  async createUser (u: { username: string, role: Role, password: string }, by: string): Promise<boolean> {
    // A password set by an admin is a temporary one: the user picks their own at first login.
    return this.#store.addUser({ username: u.username, role: u.role, passwordHash: await hashPassword(u.password), mustChange: true, createdBy: by }, this.#clock.now())
  }

  async resetPassword (username: string, password: string): Promise<boolean> {
    return this.#store.setPassword(username, await hashPassword(password), true)
  }
}
