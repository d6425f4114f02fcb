// Maps the line's `broker` config section onto the embedded broker and the controller's connection.
// Declared structurally here because broker/ imports only the shared vocabulary of the line (DESIGN §2).

import type { BrokerUser } from './auth.ts'
import type { EmbeddedBrokerOptions } from './embedded.ts'
import type { MqttConnectOptions } from './connect.ts'

export interface BrokerSection {
  url?: string | undefined
  host: string
  port: number
  wsPort?: number | undefined
  users: Array<BrokerUser & { deviceId?: string | undefined }>
  username: string
  password: string
  tls?: { key: string, cert: string, port: number } | undefined
  persistence?: string | undefined
  clientId?: string | undefined
  maxPacketBytes?: number | undefined
}

/** The controller's MQTT client id: configured, or `controller-<site>-<line>`. */
export function controllerClientId (cfg: BrokerSection, site: string, line: string): string {
  return cfg.clientId ?? `controller-${site}-${line}`
}

/** True when the controller should start its own broker (no external `broker.url`). */
export function usesEmbeddedBroker (cfg: BrokerSection): boolean {
  return cfg.url === undefined || cfg.url === ''
}

/** Options for `startBroker`: the configured users plus the controller's own login. */
export function embeddedOptions (cfg: BrokerSection, site: string, line: string): EmbeddedBrokerOptions {
  const users: BrokerUser[] = cfg.users.map(u => {
    const user: BrokerUser = { username: u.username, password: u.password, role: u.role }
    if (u.deviceId !== undefined) user.deviceId = u.deviceId
    return user
  })
  if (!users.some(u => u.username === cfg.username)) users.push({ username: cfg.username, password: cfg.password, role: 'controller' })
  const o: EmbeddedBrokerOptions = {
    site, line, host: cfg.host, port: cfg.port, users, persistencePath: cfg.persistence ?? 'var/broker.db',
    // nobody but the controller's login may take the controller's durable session, even before its first connection
    reservedClientIds: { [controllerClientId(cfg, site, line)]: cfg.username },
  }
  if (cfg.maxPacketBytes !== undefined) o.maxPacketBytes = cfg.maxPacketBytes
  if (cfg.wsPort !== undefined) o.wsPort = cfg.wsPort
  if (cfg.tls !== undefined) o.tls = cfg.tls
  return o
}

/** The controller's connection: the external URL, or the embedded broker's. A durable session so QoS 1 waits for us. */
export function controllerConnectOptions (cfg: BrokerSection, site: string, line: string, embeddedUrl?: string): MqttConnectOptions {
  const url = usesEmbeddedBroker(cfg) ? (embeddedUrl ?? `mqtt://${cfg.host === '0.0.0.0' ? '127.0.0.1' : cfg.host}:${cfg.port}`) : cfg.url as string
  return { url, username: cfg.username, password: cfg.password, clientId: controllerClientId(cfg, site, line), clean: false }
}
