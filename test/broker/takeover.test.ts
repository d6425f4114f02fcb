// A device that reconnects while the broker still holds its old connection (a half-open TCP link after a camera
// reboot or a network blip) takes over its own client id. The old connection's will (its retained "offline") must
// be published before the new connection is accepted: published after it, the stale "offline" overwrote the
// "online" the new connection had just retained, and the controller saw a running camera as offline for good.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import t from 'tap'
import { connectMqtt, endMqtt, waitConnected } from '../../broker/index.ts'
import { brokerFixture, collect, subscribe } from './helpers.ts'

const TOPIC = 's1/l1/cam/cam1/status'
const ONLINE = JSON.stringify({ online: true })
const OFFLINE = JSON.stringify({ online: false })

/** The camera's client: a retained will "offline", and "online" retained as soon as it is connected. */
async function camera (url: string): Promise<ReturnType<typeof connectMqtt>> {
  const c = connectMqtt({ url, username: 'cam1', password: 'cam1-secret', clientId: 'cam1', clean: false, reconnectPeriodMs: 0, will: { topic: TOPIC, payload: Buffer.from(OFFLINE), qos: 1, retain: true } })
  c.on('connect', () => { c.publish(TOPIC, ONLINE, { qos: 1, retain: true }) })
  await waitConnected(c, 5000)
  return c
}

/** The retained status as a new subscriber reads it. */
async function retained (url: string): Promise<string | undefined> {
  const c = connectMqtt({ url, username: 'controller', password: 'c-secret', reconnectPeriodMs: 0 })
  try {
    await waitConnected(c, 5000)
    const got = collect(c, 1, 2000)
    await subscribe(c, TOPIC)
    return (await got)[0]?.payload
  } finally { await endMqtt(c, true) }
}

for (const store of ['memory', 'sqlite'] as const) t.test(`a camera taking over its own session stays online: the old will goes first (${store} sessions)`, async t => {
  const broker = await brokerFixture(t, store === 'sqlite' ? { persistencePath: join(mkdtempSync(join(tmpdir(), 'takeover-')), 'broker.db') } : {})
  const rounds = 15
  const stale: number[] = []
  const old: Array<ReturnType<typeof connectMqtt>> = []
  old.push(await camera(broker.url))
  for (let i = 0; i < rounds; i++) {
    old.push(await camera(broker.url)) // the previous connection is still open: a takeover
    await new Promise(resolve => setTimeout(resolve, 100))
    if (await retained(broker.url) !== ONLINE) stale.push(i)
  }
  for (const c of old) await endMqtt(c, true)
  t.same(stale, [], `the retained status stayed "online" after every takeover (stale "offline" in rounds ${stale.join(', ')})`)
})

t.test('the old connection\'s will is still published on a takeover (the subscriber sees offline, then online)', async t => {
  const broker = await brokerFixture(t)
  const watcher = connectMqtt({ url: broker.url, username: 'controller', password: 'c-secret', reconnectPeriodMs: 0 })
  t.teardown(() => endMqtt(watcher, true))
  await waitConnected(watcher, 5000)
  const first = await camera(broker.url)
  await subscribe(watcher, TOPIC)
  await new Promise(resolve => setTimeout(resolve, 200))
  const seen = collect(watcher, 2, 3000)
  const second = await camera(broker.url)
  const got = (await seen).map(m => m.payload)
  t.same(got, [OFFLINE, ONLINE], 'offline (the old will), then online (the new connection)')
  await endMqtt(first, true)
  await endMqtt(second, true)
})

t.test('after a takeover the new connection\'s will is still in the session store (a broker crash would fire it)', async t => {
  const path = join(mkdtempSync(join(tmpdir(), 'takeover-will-')), 'broker.db')
  const broker = await brokerFixture(t, { persistencePath: path })
  const first = await camera(broker.url)
  const second = await camera(broker.url)
  await new Promise(resolve => setTimeout(resolve, 300)) // the old connection closed, the journal written
  const db = new Database(path, { readonly: true })
  const wills = db.prepare('SELECT client_id FROM wills').all() as Array<{ client_id: string }>
  db.close()
  t.same(wills.map(w => w.client_id), ['cam1'], 'the camera\'s will is journalled')
  await endMqtt(first, true)
  await endMqtt(second, true)
})
