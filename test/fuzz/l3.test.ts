// Fuzz: random frames on the L3 job channel are answered (ack or nack with a code), never crash the router, and
// only messages matching the schema reach the line.
import t from 'tap'
import fc from 'fast-check'
import { Dealer } from 'zeromq'
import { L3JobRouter, MesMessage } from '../../line/l3/index.ts'

t.test('random frames: every one answered, only valid messages handled', async t => {
  let handled = 0
  const router = new L3JobRouter({ endpoint: 'tcp://127.0.0.1:0', maxMessagesPerSecond: 1000, handler: () => { handled++; return null } })
  const endpoint = await router.bind()
  const d = new Dealer({ linger: 0, receiveTimeout: 3000 })
  t.teardown(async () => { d.close(); await router.close() })
  d.connect(endpoint)
  const job = fc.record({ jobId: fc.string(), gtin: fc.oneof(fc.string(), fc.constant('04601653030046')), group: fc.string(), quantity: fc.oneof(fc.integer(), fc.double()), batch: fc.string() }, { requiredKeys: [] })
  const frame = fc.oneof(
    fc.uint8Array({ maxLength: 300 }).map(b => Buffer.from(b)),
    fc.string({ maxLength: 200 }).map(s => Buffer.from(s)),
    fc.jsonValue({ maxDepth: 3 }).map(v => Buffer.from(JSON.stringify(v))),
    fc.record({ msgId: fc.oneof(fc.string(), fc.integer()), type: fc.constantFrom('job.load', 'job.cancel', 'ping', 'x'), job, jobId: fc.string() }, { requiredKeys: [] }).map(v => Buffer.from(JSON.stringify(v))),
  )
  let valid = 0
  await fc.assert(fc.asyncProperty(frame, async f => {
    let parsed: unknown
    try { parsed = JSON.parse(f.toString('utf8')) } catch { parsed = undefined }
    if (MesMessage.safeParse(parsed).success) valid++
    await d.send(f)
    const [answer] = await d.receive()
    const a = JSON.parse((answer as Buffer).toString()) as { type: string, error?: { code: string } }
    return a.type === 'ack' || (a.type === 'nack' && typeof a.error?.code === 'string')
  }), { numRuns: 500 })
  t.equal(handled, valid, `the ${valid} valid messages and nothing else reached the line`)
})
