// Binds MQTT client ids to users, so that one login cannot take over another's connection or durable session.
// MQTT lets a new connection with a known client id replace the old one and inherit its session [MQTT-3.1.4-2],
// whoever logs in: without this, a camera login using the controller's client id disconnects the controller and
// receives the gate confirmations queued for it. A client id is held by the user that first kept a durable session
// under it (remembered across restarts), by a reserved owner from the config, or by the user connected with it now.

export interface ClientIdOwners {
  clientOwner(clientId: string): string | undefined
  setClientOwner(clientId: string, username: string): void
}

/** Owners kept in memory only (a broker without a session store). */
export class MemoryClientIdOwners implements ClientIdOwners {
  readonly #owners = new Map<string, string>()
  clientOwner (clientId: string): string | undefined { return this.#owners.get(clientId) }
  setClientOwner (clientId: string, username: string): void { this.#owners.set(clientId, username) }
}

export type ClientIdVerdict = { ok: true } | { ok: false, owner: string, why: 'reserved' | 'durable-session' | 'connected' }

export class ClientIdRegistry {
  readonly #reserved: ReadonlyMap<string, string>
  readonly #owners: ClientIdOwners

  constructor (options: { reserved?: ReadonlyMap<string, string>, owners: ClientIdOwners }) {
    this.#reserved = options.reserved ?? new Map()
    this.#owners = options.owners
  }

  /**
   * May `username` connect as `clientId`? `connectedAs` is the user of a live connection with that id, if any.
   * A durable (clean = false) login that is allowed becomes the id's owner.
   */
  admit (clientId: string, username: string, clean: boolean, connectedAs: string | undefined): ClientIdVerdict {
    const reserved = this.#reserved.get(clientId)
    if (reserved !== undefined && reserved !== username) return { ok: false, owner: reserved, why: 'reserved' }
    const owner = this.#owners.clientOwner(clientId)
    if (owner !== undefined && owner !== username) return { ok: false, owner, why: 'durable-session' }
    if (connectedAs !== undefined && connectedAs !== username) return { ok: false, owner: connectedAs, why: 'connected' }
    if (!clean) this.#owners.setClientOwner(clientId, username)
    return { ok: true }
  }
}
