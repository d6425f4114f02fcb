import t from 'tap'
import { Dealer, Request, Subscriber } from 'zeromq'
import { ManualClock } from '../../../line/clock.ts'
import { Envelope, L3JobRouter, L3Publisher, type MesMessage } from '../../../line/l3/index.ts'
import { LineError } from '../../../line/codes/index.ts'
import { feedOutbox } from '../../../line/l3/index.ts'
import { boxedCodes, reportsFixture, runUntil } from '../reports/fixture.ts'

t.test('a subscriber sees every event in order, with contiguous sequence numbers', async t => {
  const clock = new ManualClock()
  const pub = new L3Publisher({ endpoint: 'tcp://127.0.0.1:0', line: 'plant1/line2', clock })
  const endpoint = await pub.bind()
  const sub = new Subscriber()
  t.teardown(async () => { sub.close(); await pub.close() })
  sub.connect(endpoint)
  sub.subscribe()
  // PUB drops what is sent before a subscription arrives (the slow-joiner rule): warm up until one gets through.
  const received: Envelope[] = []
  let topicMismatch = 0
  const reader = (async () => {
    for await (const [topic, body] of sub) {
      const env = Envelope.parse(JSON.parse((body as Buffer).toString()))
      if (topic?.toString() !== env.type) topicMismatch++
      received.push(env)
      if (env.type === 'alarm' && (env.data as { last?: boolean }).last === true) break
    }
  })()
  while (received.length === 0) { pub.publish('alarm', { warmup: true }); await new Promise(resolve => setTimeout(resolve, 20)) }
  const firstReal = pub.lastSeq + 1
  const types = ['item', 'box', 'report'] as const
  for (let i = 0; i < 3000; i++) { clock.advance(1); pub.publish(types[i % 3] as 'item', { i }) }
  pub.publish('alarm', { last: true })
  await reader
  const real = received.filter(e => e.seq >= firstReal)
  t.equal(real.length, 3001, 'every event after the subscription arrived')
  let gaps = 0
  for (let i = 1; i < received.length; i++) if ((received[i] as Envelope).seq !== (received[i - 1] as Envelope).seq + 1) gaps++
  t.equal(gaps, 0, 'no gap from the first event seen')
  t.same(real.slice(0, 3000).map(e => (e.data as { i: number }).i), Array.from({ length: 3000 }, (_, i) => i), 'in order')
  t.equal(topicMismatch, 0, 'the topic frame is the event type')
  t.equal(real[0]?.line, 'plant1/line2')
  t.equal(real[1]?.type, 'box')
  t.equal((real[2]?.ts ?? 0) - (real[1]?.ts ?? 0), 1, 'ts from the injected clock')
})

t.test('a restarted publisher continues from the persisted sequence number', async t => {
  const pub = new L3Publisher({ endpoint: 'tcp://127.0.0.1:0', line: 'l', clock: new ManualClock(), startSeq: 501 })
  await pub.bind()
  t.teardown(() => pub.close())
  t.equal(pub.publish('item', {}).seq, 501)
  t.equal(pub.publish('item', {}).seq, 502)
})

t.test('router: valid jobs are acked, malformed ones nacked with the reason, the line keeps serving', async t => {
  const got: MesMessage[] = []
  const router = new L3JobRouter({
    endpoint: 'tcp://127.0.0.1:0',
    handler: msg => {
      if (msg.type === 'job.cancel' && msg.jobId === 'unknown') throw new LineError('LC_ERR_JOB_UNKNOWN', 'no such job', { jobId: msg.jobId })
      got.push(msg)
      return msg.type === 'ping' ? { pong: true } : undefined
    },
  })
  const endpoint = await router.bind()
  const dealer = new Dealer()
  dealer.connect(endpoint)
  t.teardown(async () => { dealer.close(); await router.close() })
  const ask = async (payload: string): Promise<any> => {
    await dealer.send(payload)
    const [answer] = await dealer.receive()
    return JSON.parse((answer as Buffer).toString())
  }
  const job = { jobId: 'J-1', gtin: '04601653030046', group: 'water', quantity: 12000, productionDate: '2026-01-02' }
  t.same(await ask(JSON.stringify({ msgId: 'm1', type: 'job.load', job })), { msgId: 'm1', type: 'ack' })
  t.same(got[0], { msgId: 'm1', type: 'job.load', job })
  const bad = await ask(JSON.stringify({ msgId: 'm2', type: 'job.load', job: { ...job, gtin: '123', quantity: -1 } }))
  t.equal(bad.type, 'nack')
  t.equal(bad.msgId, 'm2')
  t.equal(bad.error.code, 'LC_ERR_L3_MESSAGE')
  t.same(bad.error.issues.map((i: { path: string }) => i.path).sort(), ['job.gtin', 'job.quantity'])
  const garbage = await ask('\u0000\u00ffnot json')
  t.same([garbage.type, garbage.msgId, garbage.error.code], ['nack', null, 'LC_ERR_L3_MESSAGE'])
  const unknown = await ask(JSON.stringify({ msgId: 'm3', type: 'job.cancel', jobId: 'unknown' }))
  t.same([unknown.type, unknown.error.code], ['nack', 'LC_ERR_JOB_UNKNOWN'], "the handler's typed error is the nack")
  t.same(await ask(JSON.stringify({ msgId: 'm4', type: 'ping' })), { msgId: 'm4', type: 'ack', data: { pong: true } })
  t.equal(got.length, 2, 'refused messages never reached the line')
  t.equal(router.nacks, 3)

  const req = new Request()
  req.connect(endpoint)
  t.teardown(() => req.close())
  await req.send(JSON.stringify({ msgId: 'r1', type: 'ping' }))
  const [r] = await req.receive()
  t.equal(JSON.parse((r as Buffer).toString()).type, 'ack', 'REQ peers are answered too')
})

t.test("the outbox's report changes and alarms go out on the feed", async t => {
  const f = await reportsFixture(t)
  const pub = new L3Publisher({ endpoint: 'tcp://127.0.0.1:0', line: 'l', clock: f.clock })
  const endpoint = await pub.bind()
  const sub = new Subscriber()
  sub.connect(endpoint)
  sub.subscribe('report')
  sub.subscribe('alarm')
  t.teardown(async () => { sub.close(); await pub.close() })
  const envs: Envelope[] = []
  const reader = (async () => {
    for await (const [, body] of sub) {
      const env = Envelope.parse(JSON.parse((body as Buffer).toString()))
      envs.push(env)
      if (env.type === 'alarm') break
    }
  })()
  // Wait for the subscription to take effect: warm-up events of the subscribed topic until one arrives.
  while (envs.length === 0) { pub.publish('report', { warmup: true }); await new Promise(resolve => setTimeout(resolve, 20)) }
  const unwire = feedOutbox(f.outbox, pub)
  const { ids } = await boxedCodes(f, 'b1', 10, 10)
  const { reportIds } = await f.outbox.add({ kind: 'aggregation', group: 'water', codeIds: ids })
  await f.outbox.closeOpen()
  await runUntil(f, () => f.outbox.get(reportIds[0] as string)?.state === 'REJECTED')
  await reader
  unwire()
  const states = envs.filter(e => e.type === 'report' && (e.data as { id?: string }).id === reportIds[0]).map(e => (e.data as { state: string }).state)
  t.same(states, ['SENDING', 'SENT', 'REJECTED'])
  const alarm = envs[envs.length - 1]
  t.equal((alarm?.data as { code: string }).code, 'LC_ERR_REPORT_REJECTED')
  t.equal(f.outbox.listenerCount('report'), 0, 'unwired')
})
