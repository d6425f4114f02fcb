// An aedes persistence that survives a broker restart: the stock in-memory one serves every read, and each change
// is journalled to a SQLite file (retained messages, durable subscriptions, queued QoS 1 messages, wills).
// Writes are group-committed once per event-loop turn; a queued QoS 1 message is acknowledged to its publisher only
// after its batch has committed (aedes awaits outgoingEnqueueCombi before PUBACK), so an acked message is on disk.

import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import type { Readable } from 'node:stream'
import { BrokerPersistenceError } from './errors.ts'

const require = createRequire(import.meta.url)

/* The slice of aedes-persistence's async in-memory class we delegate to (it ships no types for this path). */
interface Packet { topic: string, payload: Buffer, qos: number, brokerId?: string, brokerCounter?: number, messageId?: number, [k: string]: unknown }
interface ClientRef { id: string }
interface Sub { topic: string, qos: number, rh?: number, rap?: boolean, nl?: boolean, subscriptionIdentifier?: number }
interface MemoryPersistence {
  setup(broker: unknown): Promise<void>
  storeRetained(p: Packet): Promise<void>
  createRetainedStream(pattern: string): Readable
  createRetainedStreamCombi(patterns: string[]): Readable
  addSubscriptions(c: ClientRef, subs: Sub[]): Promise<void>
  removeSubscriptions(c: ClientRef, topics: string[]): Promise<void>
  subscriptionsByClient(c: ClientRef): Promise<Sub[]>
  countOffline(): Promise<{ subsCount: number, clientsCount: number }>
  subscriptionsByTopic(pattern: string): Promise<Array<{ clientId: string, topic: string, qos: number }>>
  cleanSubscriptions(c: ClientRef): Promise<void>
  outgoingEnqueue(sub: { clientId: string }, p: Packet): Promise<void>
  outgoingEnqueueCombi(subs: Array<{ clientId: string }>, p: Packet): Promise<void>
  outgoingUpdate(c: ClientRef, p: Packet): Promise<void>
  outgoingClearMessageId(c: ClientRef, p: Packet): Promise<Packet | undefined>
  outgoingStream(c: ClientRef): Readable
  incomingStorePacket(c: ClientRef, p: Packet): Promise<void>
  incomingGetPacket(c: ClientRef, p: Packet): Promise<Packet>
  incomingDelPacket(c: ClientRef, p: Packet): Promise<void>
  cleanIncoming(c: ClientRef): Promise<void>
  putWill(c: ClientRef, p: Packet): Promise<void>
  getWill(c: ClientRef): Promise<Packet | undefined>
  delWill(c: ClientRef): Promise<Packet | undefined>
  streamWill(brokers: Record<string, number>): Readable
  getClientList(topic: string): Readable
  destroy(): Promise<void>
}
const MemoryPersistenceClass = require('aedes-persistence/asyncPersistence.js') as new () => MemoryPersistence

const SCHEMA = `
CREATE TABLE IF NOT EXISTS retained (topic TEXT PRIMARY KEY, packet TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS subscriptions (client_id TEXT NOT NULL, topic TEXT NOT NULL, sub TEXT NOT NULL, PRIMARY KEY (client_id, topic));
CREATE TABLE IF NOT EXISTS outgoing (seq INTEGER PRIMARY KEY AUTOINCREMENT, client_id TEXT NOT NULL, broker_id TEXT NOT NULL, broker_counter INTEGER NOT NULL, packet TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS outgoing_key ON outgoing (client_id, broker_id, broker_counter);
CREATE TABLE IF NOT EXISTS wills (client_id TEXT PRIMARY KEY, packet TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS client_owners (client_id TEXT PRIMARY KEY, username TEXT NOT NULL);
`

/*
 * The payload travels as base64 (JSON would write a Buffer as an array of numbers, slow and four times larger);
 * other Buffers (MQTT 5 correlation data) survive as {type:'Buffer',data:[…]} and are turned back.
 */
function serialize (p: object): string {
  const payload = (p as { payload?: unknown }).payload
  if (!Buffer.isBuffer(payload)) return JSON.stringify(p)
  return JSON.stringify({ ...p, payload: undefined, payload64: payload.toString('base64') })
}
function deserialize<T> (s: string): T {
  const o = JSON.parse(s, (_k, v: unknown) => {
    if (v !== null && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
      return Buffer.from((v as { data: number[] }).data)
    }
    return v
  }) as Record<string, unknown>
  if (typeof o.payload64 === 'string') { o.payload = Buffer.from(o.payload64, 'base64'); delete o.payload64 }
  return o as T
}

type Op = () => void

export interface SqlitePersistenceOptions {
  /** SQLite file; ':memory:' keeps nothing across restarts (tests of the wiring only). */
  path: string
  /** NORMAL survives a process crash; FULL also a power loss. */
  synchronous?: 'FULL' | 'NORMAL'
  /** Called when a journal write fails: the broker keeps running from memory, the line should raise an alarm. */
  onError?: (err: BrokerPersistenceError) => void
}

export class SqlitePersistence {
  readonly #mem: MemoryPersistence = new MemoryPersistenceClass()
  readonly #db: Database.Database
  readonly #onError: (err: BrokerPersistenceError) => void
  #ops: Op[] = []
  #waiters: Array<{ resolve: () => void, reject: (e: Error) => void }> = []
  #scheduled = false
  /** Queued inserts not yet written: a message acked within the same turn never touches the disk. */
  readonly #pendingOut = new Map<string, { clientId: string, packet: Packet }>()
  #destroyed = false
  readonly #stmt
  /** Which user holds each durable session's client id (broker/client-ids.ts). */
  readonly #owners = new Map<string, string>()

  constructor (options: SqlitePersistenceOptions) {
    try {
      if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true })
      this.#db = new Database(options.path)
      this.#db.pragma('journal_mode = WAL')
      this.#db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`)
      this.#db.exec(SCHEMA)
    } catch (err) {
      throw new BrokerPersistenceError(`cannot open the broker session store at ${options.path}`, { path: options.path }, { cause: err })
    }
    this.#onError = options.onError ?? (() => {})
    const db = this.#db
    this.#stmt = {
      putRetained: db.prepare('INSERT OR REPLACE INTO retained (topic, packet) VALUES (?, ?)'),
      delRetained: db.prepare('DELETE FROM retained WHERE topic = ?'),
      putSub: db.prepare('INSERT OR REPLACE INTO subscriptions (client_id, topic, sub) VALUES (?, ?, ?)'),
      delSub: db.prepare('DELETE FROM subscriptions WHERE client_id = ? AND topic = ?'),
      delSubs: db.prepare('DELETE FROM subscriptions WHERE client_id = ?'),
      putOut: db.prepare('INSERT OR IGNORE INTO outgoing (client_id, broker_id, broker_counter, packet) VALUES (?, ?, ?, ?)'),
      delOut: db.prepare('DELETE FROM outgoing WHERE client_id = ? AND broker_id = ? AND broker_counter = ?'),
      putWill: db.prepare('INSERT OR REPLACE INTO wills (client_id, packet) VALUES (?, ?)'),
      delWill: db.prepare('DELETE FROM wills WHERE client_id = ?'),
      putOwner: db.prepare('INSERT OR REPLACE INTO client_owners (client_id, username) VALUES (?, ?)'),
    }
    for (const r of db.prepare('SELECT client_id, username FROM client_owners').all() as Array<{ client_id: string, username: string }>) {
      this.#owners.set(r.client_id, r.username)
    }
  }

  /** aedes checks that setup is an async function. Loads the journal into memory before the broker serves anyone. */
  async setup (broker: unknown): Promise<void> {
    await this.#mem.setup(broker)
    const db = this.#db
    for (const r of db.prepare('SELECT packet FROM retained').all() as Array<{ packet: string }>) {
      await this.#mem.storeRetained(deserialize<Packet>(r.packet))
    }
    const byClient = new Map<string, Sub[]>()
    for (const r of db.prepare('SELECT client_id, sub FROM subscriptions').all() as Array<{ client_id: string, sub: string }>) {
      const list = byClient.get(r.client_id) ?? []
      list.push(deserialize<Sub>(r.sub))
      byClient.set(r.client_id, list)
    }
    for (const [id, subs] of byClient) await this.#mem.addSubscriptions({ id }, subs)
    for (const r of db.prepare('SELECT client_id, packet FROM outgoing ORDER BY seq').all() as Array<{ client_id: string, packet: string }>) {
      await this.#mem.outgoingEnqueue({ clientId: r.client_id }, deserialize<Packet>(r.packet))
    }
    for (const r of db.prepare('SELECT client_id, packet FROM wills').all() as Array<{ client_id: string, packet: string }>) {
      const will = deserialize<Packet>(r.packet)
      const oldBroker = will.brokerId
      await this.#mem.putWill({ id: r.client_id }, will)
      // putWill stamps the live broker id; the will belongs to the dead broker so that aedes fires it.
      will.brokerId = oldBroker
    }
  }

  /** The user that owns a durable session's client id, if any. */
  clientOwner (clientId: string): string | undefined { return this.#owners.get(clientId) }

  /** Records the owner of a durable session's client id; on disk with the next batch. */
  setClientOwner (clientId: string, username: string): void {
    if (this.#owners.get(clientId) === username) return
    this.#owners.set(clientId, username)
    this.#schedule(() => this.#stmt.putOwner.run(clientId, username))
  }

  /** Number of queued QoS 1 messages on disk (after the pending batch), for tests and status. */
  queuedOnDisk (): number {
    this.#flush()
    return (this.#db.prepare('SELECT count(*) AS n FROM outgoing').get() as { n: number }).n
  }

  #schedule (op: Op): void {
    if (this.#destroyed) return
    this.#ops.push(op)
    if (!this.#scheduled) {
      this.#scheduled = true
      setImmediate(() => this.#flush())
    }
  }

  #durable (): Promise<void> {
    if (this.#destroyed) return Promise.resolve()
    return new Promise((resolve, reject) => { this.#waiters.push({ resolve, reject }) })
  }

  #flush (): void {
    this.#scheduled = false
    if (this.#destroyed) return
    const ops = this.#ops
    const waiters = this.#waiters
    this.#ops = []
    this.#waiters = []
    if (ops.length === 0) { for (const w of waiters) w.resolve(); return }
    try {
      this.#db.transaction(() => { for (const op of ops) op() })()
      for (const w of waiters) w.resolve()
    } catch (cause) {
      const err = new BrokerPersistenceError('the broker session store failed to write; queued messages may not survive a restart', { ops: ops.length }, { cause })
      this.#onError(err)
      for (const w of waiters) w.reject(err)
    }
  }

  async storeRetained (p: Packet): Promise<void> {
    await this.#mem.storeRetained(p)
    const topic = p.topic
    if (p.payload.length === 0) this.#schedule(() => this.#stmt.delRetained.run(topic))
    else { const json = serialize(p); this.#schedule(() => this.#stmt.putRetained.run(topic, json)) }
    return this.#durable()
  }

  createRetainedStream (pattern: string): Readable { return this.#mem.createRetainedStream(pattern) }
  createRetainedStreamCombi (patterns: string[]): Readable { return this.#mem.createRetainedStreamCombi(patterns) }

  async addSubscriptions (c: ClientRef, subs: Sub[]): Promise<void> {
    await this.#mem.addSubscriptions(c, subs)
    const id = c.id
    const rows = subs.map(s => [s.topic, serialize({ topic: s.topic, qos: s.qos, rh: s.rh, rap: s.rap, nl: s.nl, subscriptionIdentifier: s.subscriptionIdentifier })] as const)
    this.#schedule(() => { for (const [topic, json] of rows) this.#stmt.putSub.run(id, topic, json) })
    return this.#durable()
  }

  async removeSubscriptions (c: ClientRef, topics: string[]): Promise<void> {
    await this.#mem.removeSubscriptions(c, topics)
    const id = c.id
    const list = [...topics]
    this.#schedule(() => { for (const t of list) this.#stmt.delSub.run(id, t) })
  }

  subscriptionsByClient (c: ClientRef): Promise<Sub[]> { return this.#mem.subscriptionsByClient(c) }
  countOffline (): Promise<{ subsCount: number, clientsCount: number }> { return this.#mem.countOffline() }
  subscriptionsByTopic (pattern: string): Promise<Array<{ clientId: string, topic: string, qos: number }>> { return this.#mem.subscriptionsByTopic(pattern) }

  async cleanSubscriptions (c: ClientRef): Promise<void> {
    await this.#mem.cleanSubscriptions(c)
    const id = c.id
    // A clean session also drops what was queued for the old one.
    for (const [k, v] of this.#pendingOut) if (v.clientId === id) this.#pendingOut.delete(k)
    this.#schedule(() => {
      this.#stmt.delSubs.run(id)
      this.#db.prepare('DELETE FROM outgoing WHERE client_id = ?').run(id)
    })
  }

  #enqueueOne (clientId: string, p: Packet): void {
    const key = `${clientId}\u0000${p.brokerId ?? ''}\u0000${p.brokerCounter ?? 0}`
    this.#pendingOut.set(key, { clientId, packet: p })
    this.#schedule(() => {
      const row = this.#pendingOut.get(key)
      if (row === undefined) return
      this.#pendingOut.delete(key)
      const json = serialize({ ...row.packet, messageId: undefined })
      this.#stmt.putOut.run(clientId, row.packet.brokerId ?? '', row.packet.brokerCounter ?? 0, json)
    })
  }

  async outgoingEnqueue (sub: { clientId: string }, p: Packet): Promise<void> {
    await this.#mem.outgoingEnqueue(sub, p)
    this.#enqueueOne(sub.clientId, p)
    return this.#durable()
  }

  async outgoingEnqueueCombi (subs: Array<{ clientId: string }>, p: Packet): Promise<void> {
    await this.#mem.outgoingEnqueueCombi(subs, p)
    if (subs.length === 0) return
    for (const s of subs) this.#enqueueOne(s.clientId, p)
    return this.#durable()
  }

  /* Message ids are per connection: a restored message gets a new one on redelivery, so they are not journalled. */
  outgoingUpdate (c: ClientRef, p: Packet): Promise<void> { return this.#mem.outgoingUpdate(c, p) }

  async outgoingClearMessageId (c: ClientRef, p: Packet): Promise<Packet | undefined> {
    const removed = await this.#mem.outgoingClearMessageId(c, p)
    if (removed !== undefined) {
      const id = c.id
      const brokerId = removed.brokerId ?? ''
      const counter = removed.brokerCounter ?? 0
      const key = `${id}\u0000${brokerId}\u0000${counter}`
      if (!this.#pendingOut.delete(key)) this.#schedule(() => this.#stmt.delOut.run(id, brokerId, counter))
    }
    return removed
  }

  outgoingStream (c: ClientRef): Readable { return this.#mem.outgoingStream(c) }

  /* QoS 2 dedup state stays in memory: the project uses QoS 0 and 1 only (see docs/verifiers.md). */
  incomingStorePacket (c: ClientRef, p: Packet): Promise<void> { return this.#mem.incomingStorePacket(c, p) }
  incomingGetPacket (c: ClientRef, p: Packet): Promise<Packet> { return this.#mem.incomingGetPacket(c, p) }
  incomingDelPacket (c: ClientRef, p: Packet): Promise<void> { return this.#mem.incomingDelPacket(c, p) }
  cleanIncoming (c: ClientRef): Promise<void> { return this.#mem.cleanIncoming(c) }

  async putWill (c: ClientRef, p: Packet): Promise<void> {
    await this.#mem.putWill(c, p)
    const id = c.id
    const json = serialize(p)
    this.#schedule(() => this.#stmt.putWill.run(id, json))
  }

  getWill (c: ClientRef): Promise<Packet | undefined> { return this.#mem.getWill(c) }

  async delWill (c: ClientRef): Promise<Packet | undefined> {
    const will = await this.#mem.delWill(c)
    const id = c.id
    this.#schedule(() => this.#stmt.delWill.run(id))
    return will
  }

  streamWill (brokers: Record<string, number>): Readable { return this.#mem.streamWill(brokers) }
  getClientList (topic: string): Readable { return this.#mem.getClientList(topic) }

  async destroy (): Promise<void> {
    if (this.#destroyed) return
    this.#flush()
    this.#destroyed = true
    await this.#mem.destroy()
    this.#db.close()
  }
}
