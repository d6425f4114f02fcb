// Fuzz: whatever the OMS or the True API answers — any status, garbage, wrong shapes, invalid codes, a wrong content
// type — every client call resolves with a checked value or rejects with a typed error (LC_ERR_…), never anything
// else and never a crash.
import t from 'tap'
import fc from 'fast-check'
import type { ServerResponse } from 'node:http'
import { ManualClock } from '../../line/clock.ts'
import { OmsClient, StaticTokenProvider } from '../../line/emission/index.ts'
import { TrueApiClient } from '../../line/gismt/index.ts'
import { TestSigner } from '../../line/signer/index.ts'
import { scriptedServer } from '../line/http/server.ts'

interface Answer { status: number, type: string, body: string }
let next: Answer = { status: 200, type: 'application/json', body: '{}' }
const send = (res: ServerResponse): void => { res.writeHead(next.status, { 'content-type': next.type }); res.end(next.body) }

const code = fc.oneof(fc.string(), fc.constant('0104601653030046215Abc12\u001d93dGVz'), fc.constant('01046016530300462'))
const shaped = fc.record({
  omsId: fc.string(), orderId: fc.oneof(fc.uuid(), fc.integer(), fc.constant(null)), expectedCompleteTimestamp: fc.oneof(fc.integer(), fc.string()),
  codes: fc.oneof(fc.array(code, { maxLength: 5 }), fc.string(), fc.constant(null)), blockId: fc.oneof(fc.string(), fc.integer()),
  reportId: fc.oneof(fc.uuid(), fc.integer()), reportStatus: fc.constantFrom('SUCCESS', 'REJECTED', 'PENDING', 'x', 7), errorReason: fc.string(),
  bufferStatus: fc.constantFrom('ACTIVE', 'PENDING', 'EXHAUSTED', 'x'), leftInBuffer: fc.oneof(fc.integer(), fc.string()), gtin: fc.string(),
  uuid: fc.uuid(), data: fc.string(), token: fc.oneof(fc.string(), fc.integer()), value: fc.string(), status: fc.string(), number: fc.string(),
  globalErrors: fc.array(fc.record({ errorCode: fc.integer(), error: fc.string() }), { maxLength: 2 }),
}, { requiredKeys: [] })
const answer = fc.record({
  status: fc.constantFrom(200, 201, 202, 204, 301, 400, 401, 403, 404, 413, 429, 500, 502, 503),
  type: fc.constantFrom('application/json', 'text/html', 'application/json; charset=utf-8', 'text/plain'),
  body: fc.oneof(fc.string({ maxLength: 200 }), fc.jsonValue({ maxDepth: 3 }).map(v => JSON.stringify(v)), shaped.map(v => JSON.stringify(v)), shaped.map(v => JSON.stringify([v])), fc.constant('')),
})

function typedOnly (t: { fail(msg: string): unknown }, what: string, err: unknown): boolean {
  const c = (err as { code?: unknown })?.code
  if (typeof c === 'string' && c.startsWith('LC_ERR_')) return true
  t.fail(`${what}: not a typed error: ${(err as Error)?.stack ?? String(err)}`)
  return false
}

t.test('OMS client: a checked value or a typed error for any answer', async t => {
  const { url } = await scriptedServer(t, (_req, res) => send(res))
  const client = new OmsClient({ url, omsId: 'oms-1', tokens: new StaticTokenProvider('tok'), timeoutMs: 1000, attempts: 1, backoffBaseMs: 1, backoffMaxMs: 2, maxRequestsPerSecond: 1000 })
  t.teardown(() => client.close())
  const calls: Array<[string, () => Promise<unknown>]> = [
    ['createOrder', () => client.createOrder({ productGroup: 'water', products: [{ gtin: '04601653030046', quantity: 10, serialNumberType: 'OPERATOR', templateId: 16, cisType: 'UNIT' }], attributes: { releaseMethodType: 'PRODUCTION', createMethodType: 'SELF_MADE' } } as never)],
    ['orderStatus', () => client.orderStatus('o-1', '04601653030046')],
    ['getCodes', () => client.getCodes('o-1', '04601653030046', 5)],
    ['listBlocks', () => client.listBlocks('o-1', '04601653030046')],
    ['retryBlock', () => client.retryBlock('b-1')],
    ['closeOrder', () => client.closeOrder('o-1')],
    ['reportInfo', () => client.reportInfo('r-1')],
  ]
  await fc.assert(fc.asyncProperty(answer, fc.constantFrom(...calls), async (a, [name, call]) => {
    next = a
    try { await call(); return true } catch (err) { return typedOnly(t, `${name} ← ${a.status} ${a.body.slice(0, 80)}`, err) }
  }), { numRuns: 500 })
})

t.test('True API client: a checked value or a typed error for any answer, sign-in included', async t => {
  const { url } = await scriptedServer(t, (_req, res) => send(res))
  const client = new TrueApiClient({ url, signer: new TestSigner(), clock: new ManualClock(), retries: 0, retryBaseMs: 1, timeoutMs: 1000 })
  t.teardown(() => client.close())
  const calls: Array<[string, () => Promise<unknown>]> = [
    ['getToken', () => client.auth.getToken()],
    ['documentInfo', () => client.documentInfo('d-1', 'water')],
    ['submitDocument', () => client.submitDocument({ type: 'AGGREGATION_DOCUMENT', group: 'water', body: {} } as never)],
    ['findDocument', () => client.findDocument({ type: 'AGGREGATION_DOCUMENT', group: 'water', codes: ['0104601653030046215abcdefghijk'], senderInn: '7700000000' }, 0)],
  ]
  await fc.assert(fc.asyncProperty(answer, fc.constantFrom(...calls), async (a, [name, call]) => {
    next = a
    try { await call(); return true } catch (err) { return typedOnly(t, `${name} ← ${a.status} ${a.body.slice(0, 80)}`, err) }
  }), { numRuns: 500 })
})
