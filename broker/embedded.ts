// The embedded MQTT broker (aedes) the controller starts by default: TCP, optional WebSocket and TLS listeners,
// login per user, topic ACLs per role, and QoS 1 sessions that survive a restart (SqlitePersistence).

import { Aedes, type AuthenticateError, type Client } from 'aedes'
import { readFileSync } from 'node:fs'
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http'
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net'
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls'
import type { Logger } from 'pino'
import { createWebSocketStream, WebSocketServer } from 'ws'
import { TopicAcl, type Principal } from './acl.ts'
import { UserTable, type BrokerUser } from './auth.ts'
import { ClientIdRegistry, MemoryClientIdOwners } from './client-ids.ts'
import { deliverOvertaken } from './overtaken.ts'
import { publishWillOfTakenOver } from './takeover.ts'
import { BrokerStartError, type BrokerPersistenceError } from './errors.ts'
import { limitPacketSize } from './packet-limit.ts'
import { SqlitePersistence } from './persistence.ts'

export interface EmbeddedBrokerOptions {
  site: string
  line: string
  host?: string
  /** TCP port; 0 picks a free one (tests). */
  port?: number
  /** WebSocket port (MQTT over ws://host:port/); off when undefined. */
  wsPort?: number
  /** TLS listener: key and cert as PEM text or file paths. */
  tls?: { key: string, cert: string, port: number }
  users: readonly BrokerUser[]
  /** SQLite file for sessions; null keeps them in memory (lost on restart). */
  persistencePath: string | null
  logger?: Logger
  /** Parallel deliveries inside aedes (its default 100 can stall under bursts, see below). */
  concurrency?: number
  /** Per-client queue of in-flight messages (aedes default 42 is too small for a camera burst). */
  queueLimit?: number
  /** Largest MQTT packet accepted, in bytes; a client announcing a larger one is disconnected (256 KiB). */
  maxPacketBytes?: number
  /** Client ids only one user may connect with (the controller's durable session), client id → username. */
  reservedClientIds?: Readonly<Record<string, string>>
  /** A journal write failed: the line should alarm. */
  onPersistenceError?: (err: BrokerPersistenceError) => void
}

export interface EmbeddedBroker {
  readonly aedes: Aedes
  readonly persistence: SqlitePersistence | null
  readonly ports: { tcp: number, ws?: number, tls?: number }
  /** mqtt://host:port of the TCP listener. */
  readonly url: string
  /** Counters of refused logins and ACL denials, for the HMI. */
  stats(): { refusedLogins: number, refusedClientIds: number, oversizedPackets: number, deniedPublish: number, deniedSubscribe: number, clients: number }
  close(): Promise<void>
}

const pem = (s: string): string => s.includes('-----BEGIN') ? s : readFileSync(s, 'utf8')

function listen (server: TcpServer | TlsServer | HttpServer, port: number, host: string, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(new BrokerStartError(`the broker cannot listen on ${host}:${port} (${what})`, { host, port, listener: what }, { cause: err }))
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

function closeServer (server: TcpServer | TlsServer | HttpServer): Promise<void> {
  return new Promise(resolve => server.close(() => resolve()))
}

/**
 * Wills journalled by an earlier run of this broker belong to clients of a dead broker: publish them now. aedes would
 * do it only after four heartbeats (4 min), and until then a camera that died with the controller still shows online.
 * The embedded broker is alone (no cluster), so every will from another broker id is orphaned.
 */
async function publishOrphanedWills (aedes: Aedes, persistence: SqlitePersistence | null, log: Logger | undefined): Promise<void> {
  if (persistence === null) return
  const wills: Array<{ topic: string, payload: Buffer, qos: number, retain?: boolean, brokerId?: string, clientId?: string }> = []
  for await (const w of persistence.streamWill({ [aedes.id]: Date.now() })) wills.push(w as (typeof wills)[number])
  for (const will of wills) {
    if (will.brokerId === aedes.id || will.clientId === undefined) continue
    await new Promise<void>(resolve => aedes.publish({ cmd: 'publish', topic: will.topic, payload: will.payload, qos: will.qos as 0 | 1 | 2, retain: will.retain === true, dup: false }, () => resolve()))
    await persistence.delWill({ id: will.clientId })
    log?.info({ clientId: will.clientId, topic: will.topic }, 'broker published the will of a client of its previous run')
  }
}

export async function startBroker (options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const host = options.host ?? '127.0.0.1'
  const log = options.logger
  const users = new UserTable(options.users)
  const acl = new TopicAcl(options.site, options.line)
  const principals = new WeakMap<Client, Principal>()
  const counters = { refusedLogins: 0, refusedClientIds: 0, oversizedPackets: 0, deniedPublish: 0, deniedSubscribe: 0 }
  const maxPacketBytes = options.maxPacketBytes ?? 256 * 1024
  const persistence = options.persistencePath === null
    ? null
    : new SqlitePersistence({ path: options.persistencePath, onError: err => { log?.error({ err }, 'broker session store failed'); options.onPersistenceError?.(err) } })
  const clientIds = new ClientIdRegistry({ reserved: new Map(Object.entries(options.reservedClientIds ?? {})), owners: persistence ?? new MemoryClientIdOwners() })

  const aedes = await Aedes.createBroker({
    ...(persistence === null ? {} : { persistence }),
    queueLimit: options.queueLimit ?? 10_000,
    // aedes' default of 100 parallel deliveries stalled the broker for good under a burst of QoS 1 results to a
    // subscriber in the same process (perf/benches/verifiers); a wide window keeps it flowing.
    concurrency: options.concurrency ?? 10_000,
    authenticate (client, username, password, done) {
      const p = users.check(username, password)
      if (p === null) {
        counters.refusedLogins++
        log?.warn({ clientId: client.id, username: username ?? null }, 'broker refused a login')
        const err = new Error(username === undefined ? 'anonymous clients are refused' : 'bad username or password') as AuthenticateError
        // 4 = bad user name or password, 5 = not authorized (MQTT 3.1.1 §3.2.2.3)
        err.returnCode = username === undefined ? 5 : 4
        done(err, false)
        return
      }
      const live = (aedes as unknown as { clients: Record<string, Client | undefined> }).clients[client.id]
      const verdict = clientIds.admit(client.id, p.username, client.clean, live === undefined ? undefined : principals.get(live)?.username)
      if (!verdict.ok) {
        counters.refusedClientIds++
        log?.warn({ clientId: client.id, username: p.username, owner: verdict.owner, why: verdict.why }, 'broker refused a client id held by another user')
        const err = new Error(`client id ${client.id} belongs to another user`) as AuthenticateError
        err.returnCode = 2 // identifier rejected (MQTT 3.1.1 §3.2.2.3)
        done(err, false)
        return
      }
      principals.set(client, p)
      deliverOvertaken(client)
      if (live === undefined) { done(null, true); return }
      const owner = principals.get(live)
      publishWillOfTakenOver(aedes, live, topic => owner !== undefined && acl.canPublish(owner, topic), () => done(null, true))
    },
    authorizePublish (client, packet, done) {
      if (client === null) { done(null); return } // the broker's own $SYS messages
      const p = principals.get(client)
      if (p !== undefined && acl.canPublish(p, packet.topic)) { done(null); return }
      counters.deniedPublish++
      log?.warn({ clientId: client.id, user: p?.username, role: p?.role, topic: packet.topic }, 'broker refused a publish (ACL)')
      done(new Error(`not allowed to publish to ${packet.topic}`))
    },
    authorizeSubscribe (client, sub, done) {
      const p = principals.get(client)
      if (p !== undefined && acl.canSubscribe(p, sub.topic)) { done(null, sub); return }
      counters.deniedSubscribe++
      log?.warn({ clientId: client.id, user: p?.username, role: p?.role, topic: sub.topic }, 'broker refused a subscription (ACL)')
      done(null, null) // SUBACK 0x80 for this filter; the client stays connected
    },
  })
  await publishOrphanedWills(aedes, persistence, log)
  const guarded = <S extends import('node:stream').Duplex>(stream: S): S => limitPacketSize(stream, {
    maxPacketBytes,
    onRefused: why => { counters.oversizedPackets++; log?.warn({ ...why, maxPacketBytes }, 'broker closed a connection: MQTT packet over the size limit') },
  })
  aedes.on('clientError', (client, err) => log?.debug({ clientId: client.id, err: err.message }, 'mqtt client error'))
  aedes.on('connectionError', (_client, err) => log?.debug({ err: err.message }, 'mqtt connection error'))

  const servers: Array<TcpServer | TlsServer | HttpServer> = []
  let wss: WebSocketServer | null = null
  const ports: { tcp: number, ws?: number, tls?: number } = { tcp: 0 }
  try {
    const tcp = createTcpServer(socket => { aedes.handle(socket); guarded(socket) })
    servers.push(tcp)
    ports.tcp = await listen(tcp, options.port ?? 1883, host, 'tcp')
    if (options.wsPort !== undefined) {
      const http = createHttpServer()
      servers.push(http)
      wss = new WebSocketServer({ server: http, maxPayload: maxPacketBytes + 5 })
      wss.on('connection', (ws, req) => {
        const stream = createWebSocketStream(ws)
        stream.on('error', () => ws.terminate())
        aedes.handle(stream, req)
        guarded(stream)
      })
      ports.ws = await listen(http, options.wsPort, host, 'websocket')
    }
    if (options.tls !== undefined) {
      const tls = createTlsServer({ key: pem(options.tls.key), cert: pem(options.tls.cert) }, socket => { aedes.handle(socket); guarded(socket) })
      servers.push(tls)
      ports.tls = await listen(tls, options.tls.port, host, 'tls')
    }
  } catch (err) {
    await Promise.all(servers.map(async s => s.listening ? closeServer(s) : undefined))
    await new Promise<void>(resolve => aedes.close(() => resolve()))
    await persistence?.destroy()
    throw err
  }
  log?.info({ ports }, 'embedded MQTT broker listening')

  let closed = false
  return {
    aedes,
    persistence,
    ports,
    url: `mqtt://${host}:${ports.tcp}`,
    stats: () => ({ ...counters, clients: aedes.connectedClients }),
    async close () {
      if (closed) return
      closed = true
      for (const c of wss?.clients ?? []) c.terminate()
      wss?.close()
      const closing = servers.map(closeServer)
      await new Promise<void>(resolve => aedes.close(() => resolve()))
      await Promise.all(closing)
      await persistence?.destroy()
    },
  }
}
