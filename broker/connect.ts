// One way to reach the line's broker, embedded or external: an mqtt.js client that resubscribes after a reconnect
// on which the broker lost the session (mqtt.js alone may not, see domain notes).

import mqtt, { type IClientOptions, type IClientSubscribeOptions, type MqttClient } from 'mqtt'
import { MqttConnectError } from './errors.ts'

export interface MqttConnectOptions {
  /** mqtt://, mqtts://, ws:// or wss:// URL of the broker. */
  url: string
  username?: string
  password?: string
  /** Needed with clean: false so that the broker keeps the session (queued QoS 1) while we are away. */
  clientId?: string
  clean?: boolean
  reconnectPeriodMs?: number
  connectTimeoutMs?: number
  keepaliveS?: number
  /** PEM of a CA to trust (mqtts:// to a broker with a private certificate). */
  ca?: string
  rejectUnauthorized?: boolean
  will?: IClientOptions['will']
}

/** Connect; the client keeps reconnecting on its own. Use `waitConnected` to await the first CONNACK. */
export function connectMqtt (options: MqttConnectOptions): MqttClient {
  const opts: IClientOptions = {
    protocolVersion: 4,
    clean: options.clean ?? true,
    reconnectPeriod: options.reconnectPeriodMs ?? 1000,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    keepalive: options.keepaliveS ?? 30,
    // We resubscribe ourselves, below, from the list of what the caller asked for.
    resubscribe: false,
  }
  if (options.username !== undefined) opts.username = options.username
  if (options.password !== undefined) opts.password = options.password
  if (options.clientId !== undefined) opts.clientId = options.clientId
  if (options.ca !== undefined) opts.ca = options.ca
  if (options.rejectUnauthorized !== undefined) opts.rejectUnauthorized = options.rejectUnauthorized
  if (options.will !== undefined) opts.will = options.will
  const client = mqtt.connect(options.url, opts)

  // Remember every subscription the caller makes, so that a reconnect to a broker without our session
  // (restart with memory persistence, clean session, external broker failover) gets them back.
  const wanted = new Map<string, IClientSubscribeOptions>()
  const subscribe = client.subscribe.bind(client)
  const unsubscribe = client.unsubscribe.bind(client)
  client.subscribe = ((topic: string | string[] | Record<string, IClientSubscribeOptions>, ...rest: unknown[]) => {
    const o = (typeof rest[0] === 'object' && rest[0] !== null ? rest[0] : { qos: 0 }) as IClientSubscribeOptions
    if (typeof topic === 'string') wanted.set(topic, o)
    else if (Array.isArray(topic)) for (const t of topic) wanted.set(t, o)
    else for (const [t, to] of Object.entries(topic)) wanted.set(t, to)
    return (subscribe as (...a: unknown[]) => MqttClient)(topic, ...rest)
  }) as MqttClient['subscribe']
  client.unsubscribe = ((topic: string | string[], ...rest: unknown[]) => {
    for (const t of Array.isArray(topic) ? topic : [topic]) wanted.delete(t)
    return (unsubscribe as (...a: unknown[]) => MqttClient)(topic, ...rest)
  }) as MqttClient['unsubscribe']

  let connectedBefore = false
  client.on('connect', connack => {
    if (connectedBefore && !connack.sessionPresent && wanted.size > 0) {
      subscribe(Object.fromEntries(wanted), err => { if (err) client.emit('error', err) })
    }
    connectedBefore = true
  })
  // mqtt.js emits 'error' for refused CONNACKs; without a listener that would crash the process.
  if (client.listenerCount('error') === 0) client.on('error', () => {})
  return client
}

/** Resolve on the first CONNACK; reject with LC_ERR_MQTT_CONNECT on refusal or after `timeoutMs`. */
export function waitConnected (client: MqttClient, timeoutMs = 10_000): Promise<void> {
  if (client.connected) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const url = `${client.options.protocol ?? 'mqtt'}://${client.options.hostname ?? ''}:${client.options.port ?? ''}`
    const done = (err?: Error): void => {
      clearTimeout(timer)
      client.off('connect', onConnect)
      client.off('error', onError)
      if (err) reject(err); else resolve()
    }
    const onConnect = (): void => done()
    const onError = (err: Error & { code?: number }): void => {
      // A refused CONNACK (bad login, not authorized) will not heal by retrying: stop and report.
      if (typeof err.code === 'number') client.end(true)
      done(new MqttConnectError(`the broker refused the connection: ${err.message}`, { url, returnCode: err.code ?? null }, { cause: err }))
    }
    const timer = setTimeout(() => done(new MqttConnectError(`no answer from the broker within ${timeoutMs} ms`, { url, timeoutMs })), timeoutMs)
    client.on('connect', onConnect)
    client.on('error', onError)
  })
}

/** End a client and wait until it is closed. */
export function endMqtt (client: MqttClient, force = false): Promise<void> {
  return new Promise(resolve => client.end(force, {}, () => resolve()))
}
