// Test helpers for the broker: start an embedded broker on an ephemeral port and connect clients that are ended on teardown.
import type { MqttClient, IClientPublishOptions } from 'mqtt'
import { connectMqtt, endMqtt, startBroker, waitConnected, type EmbeddedBroker, type EmbeddedBrokerOptions, type MqttConnectOptions } from '../../broker/index.ts'

export const USERS = [
  { username: 'controller', password: 'c-secret', role: 'controller' as const },
  { username: 'cam1', password: 'cam1-secret', role: 'camera' as const, deviceId: 'cam1' },
  { username: 'cam2', password: 'cam2-secret', role: 'camera' as const, deviceId: 'cam2' },
  { username: 'plc', password: 'plc-secret', role: 'plc' as const },
]

interface T { teardown(fn: () => unknown): void }

export async function brokerFixture (t: T, extra: Partial<EmbeddedBrokerOptions> = {}): Promise<EmbeddedBroker> {
  const b = await startBroker({ site: 's1', line: 'l1', port: 0, users: USERS, persistencePath: null, ...extra })
  t.teardown(() => b.close())
  return b
}

export async function client (t: T, url: string, user: string, password: string, more: Partial<MqttConnectOptions> = {}): Promise<MqttClient> {
  const c = connectMqtt({ url, username: user, password, reconnectPeriodMs: 100, ...more })
  t.teardown(() => endMqtt(c, true))
  await waitConnected(c, 5000)
  return c
}

export function publish (c: MqttClient, topic: string, payload: string | Buffer, opts: IClientPublishOptions = { qos: 1 }): Promise<void> {
  return new Promise((resolve, reject) => c.publish(topic, payload, opts, err => err ? reject(err) : resolve()))
}

export function subscribe (c: MqttClient, topic: string, qos: 0 | 1 = 1): Promise<number[]> {
  return new Promise((resolve, reject) => c.subscribe(topic, { qos }, (err, granted) => {
    // mqtt.js reports a SUBACK failure code (0x80) as an error carrying the packet: that is the answer we test for.
    const suback = (err as (Error & { packet?: { granted?: number[] } }) | null | undefined)?.packet?.granted
    if (suback !== undefined) resolve(suback)
    else if (err) reject(err)
    else resolve((granted ?? []).map(g => g.qos))
  }))
}

/** Collect messages on `c` until `n` arrived or `ms` passed. */
export function collect (c: MqttClient, n: number, ms = 3000): Promise<Array<{ topic: string, payload: string }>> {
  return new Promise(resolve => {
    const got: Array<{ topic: string, payload: string }> = []
    const onMessage = (topic: string, payload: Buffer): void => {
      got.push({ topic, payload: payload.toString() })
      if (got.length >= n) finish()
    }
    const finish = (): void => { clearTimeout(timer); c.off('message', onMessage); resolve(got) }
    const timer = setTimeout(finish, ms)
    c.on('message', onMessage)
  })
}

export const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))
