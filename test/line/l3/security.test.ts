// The L3 channel under attack: only MES keys named in the config get through (CURVE + ZAP), a flood is refused
// unread, the feed shows code identities without crypto tails, and a job's batch cannot carry a formula or markup.
import t from 'tap'
import { Dealer, Subscriber, curveKeyPair } from 'zeromq'
import { ManualClock } from '../../../line/clock.ts'
import { ConfigError, parseConfig } from '../../../line/config/load.ts'
import { jobInputSchema } from '../../../line/jobs/jobs.ts'
import { L3JobRouter, L3Publisher, type MesMessage } from '../../../line/l3/index.ts'
import { codeIdentity } from '../../../line/l3/redact.ts'

const PING = (id: string): string => JSON.stringify({ msgId: id, type: 'ping' })

async function answerWithin (d: Dealer, ms: number): Promise<Record<string, unknown> | null> {
  const timer = new Promise<null>(resolve => setTimeout(() => resolve(null), ms))
  const got = d.receive().then(([frame]) => JSON.parse((frame as Buffer).toString()) as Record<string, unknown>, () => null)
  return Promise.race([got, timer])
}

t.test('CURVE: only the MES keys in the config are answered', async t => {
  const server = curveKeyPair()
  const mes = curveKeyPair()
  const stranger = curveKeyPair()
  const handled: MesMessage[] = []
  const router = new L3JobRouter({ endpoint: 'tcp://127.0.0.1:0', handler: m => { handled.push(m); return { state: 'Idle' } }, curve: { secretKey: server.secretKey, clients: [mes.publicKey] } })
  const endpoint = await router.bind()
  const dealers: Dealer[] = []
  t.teardown(async () => { for (const d of dealers) d.close(); await router.close() })
  const dealer = (keys: { publicKey: string, secretKey: string } | null): Dealer => {
    const d = new Dealer({ linger: 0, receiveTimeout: 2000 })
    if (keys !== null) { d.curveServerKey = server.publicKey; d.curvePublicKey = keys.publicKey; d.curveSecretKey = keys.secretKey }
    d.connect(endpoint)
    dealers.push(d)
    return d
  }
  const good = dealer(mes)
  await good.send(PING('m1'))
  t.match(await answerWithin(good, 3000), { msgId: 'm1', type: 'ack' }, 'the configured MES is answered')

  const wrongKey = dealer(stranger)
  await wrongKey.send(PING('m2'))
  t.equal(await answerWithin(wrongKey, 800), null, 'an unknown key gets nothing')
  const plain = dealer(null)
  await plain.send(PING('m3'))
  t.equal(await answerWithin(plain, 800), null, 'an unencrypted client gets nothing')
  t.same(handled.map(m => m.msgId), ['m1'], 'only the MES message reached the line')
})

t.test('a flood from one peer is refused unread beyond its rate', async t => {
  const clock = new ManualClock()
  let handled = 0
  const router = new L3JobRouter({ endpoint: 'tcp://127.0.0.1:0', clock, maxMessagesPerSecond: 10, handler: () => { handled++; return null } })
  const endpoint = await router.bind()
  const d = new Dealer({ linger: 0 })
  t.teardown(async () => { d.close(); await router.close() })
  d.connect(endpoint)
  for (let i = 0; i < 200; i++) await d.send(PING(`f${i}`))
  const answers: Array<{ type: string, error?: { code: string } }> = []
  for (let i = 0; i < 200; i++) answers.push(JSON.parse(((await d.receive())[0] as Buffer).toString()))
  t.equal(handled, 10, 'the clock did not move: only the bucket\'s ten reached the line')
  t.equal(answers.filter(a => a.error?.code === 'LC_ERR_L3_RATE').length, 190)
  t.equal(router.throttled, 190)
  clock.advance(1000)
  await d.send(PING('later'))
  t.match(JSON.parse(((await d.receive())[0] as Buffer).toString()), { msgId: 'later', type: 'ack' }, 'a second later it is heard again')
})

t.test('the feed carries code identities, not crypto tails, unless asked', async t => {
  const GS = '\u001d'
  t.equal(codeIdentity(`0104601653030046215Abc12${GS}93dGVz`), '0104601653030046215Abc12')
  t.equal(codeIdentity(`0104601653030046215Abc12${GS}91EE06${GS}92abc=`), '0104601653030046215Abc12')
  t.equal(codeIdentity('04601653030046Ab1Cd2e0123XyZ9'), '04601653030046Ab1Cd2e', 'a tobacco pack loses price and crypto')
  for (const fullCodes of [false, true]) {
    const pub = new L3Publisher({ endpoint: 'tcp://127.0.0.1:0', line: 'p/l', clock: new ManualClock(), fullCodes })
    const endpoint = await pub.bind()
    const sub = new Subscriber()
    sub.connect(endpoint)
    sub.subscribe('item')
    const code = `0104601653030046215Abc12${GS}93dGVz`
    let seen: { code: string } | null = null
    const reader = (async () => { for await (const [, body] of sub) { seen = JSON.parse((body as Buffer).toString()).data; break } })()
    while (seen === null) { pub.publish('item', { seq: 1, code, verdict: 'good' }); await new Promise(resolve => setTimeout(resolve, 20)) }
    await reader
    sub.close()
    await pub.close()
    t.equal((seen as { code: string }).code, fullCodes ? code : '0104601653030046215Abc12', `fullCodes ${fullCodes}`)
  }
})

t.test('config: a job channel beyond this PC needs CURVE keys; keys are checked', async t => {
  const refused = (yaml: string, pattern: RegExp): void => {
    let err: unknown = null
    try { parseConfig(yaml) } catch (e) { err = e }
    t.ok(err instanceof ConfigError)
    t.match((err as Error).message, pattern)
  }
  refused('site: s\nline: l\nl3: { router: "tcp://0.0.0.0:5557" }\n', /l3\.curve: required when l3\.router listens beyond this PC/)
  refused('site: s\nline: l\nl3: { router: "tcp://*:5557", curve: { secretKey: "short", clients: ["x"] } }\n', /l3\.curve\.secretKey: expected a 40-character Z85/)
  refused('site: s\nline: l\nl3: { pub: "tcp://0.0.0.0:5556", fullCodes: true }\n', /l3\.fullCodes/)
  const k = curveKeyPair()
  t.equal(parseConfig(`site: s\nline: l\nl3: { router: "tcp://0.0.0.0:5557", curve: { secretKey: "${k.secretKey.replace(/"/g, '\\"')}", clients: ["${k.publicKey.replace(/"/g, '\\"')}"] } }\n`).l3.curve?.secretKey, k.secretKey)
  t.equal(parseConfig('site: s\nline: l\nl3: { router: "tcp://127.0.0.1:5557" }\n').l3.router, 'tcp://127.0.0.1:5557', 'loopback needs no keys')
})

t.test('a batch cannot carry a spreadsheet formula or markup', async t => {
  const job = { group: 'milk', gtin: '04601653030046', productionDate: '2026-11-25', quantity: 10, unitsPerBox: 0, boxesPerPallet: 0, minGrade: 'C', unitsPerMinute: 100 }
  t.notOk(jobInputSchema.safeParse({ ...job, batch: '=HYPERLINK("http://x")<svg onload=alert(1)>' }).success)
  t.notOk(jobInputSchema.safeParse({ ...job, batch: '+cmd' }).success)
  t.ok(jobInputSchema.safeParse({ ...job, batch: 'Партия-7/B.1_2' }).success)
})
