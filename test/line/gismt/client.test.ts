import { createServer } from 'node:net'
import t from 'tap'
import { ManualClock } from '../../../line/clock.ts'
import { TrueApiClient, TrueApiHttpError, TrueApiNetworkError, TrueApiTimeoutError, aggregationDocument, introduceGoodsDocument, unitSerialNumber, MAX_CODES_PER_DOCUMENT } from '../../../line/gismt/index.ts'
import { RateLimiter } from '../../../line/http/index.ts'
import { TestSigner } from '../../../line/signer/index.ts'
import { startTrueApiEmulator } from '../../../sim/gismt/server.ts'

const HOUR = 3_600_000

async function setup (t: { teardown(fn: () => void | Promise<void>): void }, options: { timeoutMs?: number, signatureOver?: 'json' | 'base64', emuSignatureOver?: 'json' | 'base64' } = {}) {
  const clock = new ManualClock()
  const emu = await startTrueApiEmulator({ clock, signatureOver: options.emuSignatureOver ?? 'json' })
  const client = new TrueApiClient({ url: emu.url, signer: new TestSigner(), clock, retries: 2, retryBaseMs: 5, timeoutMs: options.timeoutMs ?? 2000, signatureOver: options.signatureOver ?? 'json' })
  t.teardown(async () => { await client.close(); await emu.close() })
  return { clock, emu, client }
}

t.test('sign-in: key, attached signature, token reused, refreshed before its 10 hours run out', async t => {
  const { clock, emu, client } = await setup(t)
  const tok = await client.auth.getToken()
  t.equal(await client.auth.getToken(), tok, 'cached')
  t.equal(emu.receipts.signIns, 1)
  const both = await Promise.all([client.auth.getToken(), client.auth.getToken()])
  t.same(both, [tok, tok])
  clock.advance(9 * HOUR)
  t.equal(await client.auth.getToken(), tok, 'still valid at 9 h')
  clock.advance(40 * 60_000)
  const fresh = await client.auth.getToken()
  t.not(fresh, tok, 'renewed within the last 30 minutes')
  t.equal(emu.receipts.signIns, 2)
})

t.test('a revoked token is replaced once on 401', async t => {
  const { emu, client } = await setup(t)
  const doc = await client.prepareDocument('AGGREGATION_DOCUMENT', 'water', { participantId: '7700000000', aggregationUnits: [] })
  await client.submitDocument(doc)
  emu.revokeTokens()
  const id = await client.submitDocument(doc)
  t.ok(id.length > 0)
  t.equal(emu.receipts.signIns, 2)
})

t.test('OMS clientToken per connection; a new token replaces the old one', async t => {
  const { client, emu } = await setup(t)
  const p = client.omsTokenProvider('conn-1')
  t.equal(client.omsTokenProvider('conn-1'), p, 'one provider per connection')
  const a = await p.getToken()
  t.not(a, await client.auth.getToken(), 'not the participant token')
  p.invalidate()
  const b = await p.getToken()
  t.not(a, b)
  t.equal(emu.receipts.signIns, 3)
})

t.test('documents: create with base64 body and detached signature, status until checked', async t => {
  const { client, emu } = await setup(t)
  emu.registerCodes(['0104601653030046215abcdefghijk'])
  const body = aggregationDocument('7700000000', [{ unit: '046016530000000017', codes: ['0104601653030046215abcdefghijk'] }])
  const doc = await client.prepareDocument('AGGREGATION_DOCUMENT', 'water', body)
  t.same(JSON.parse(Buffer.from(doc.productDocument, 'base64').toString()), body)
  const id = await client.submitDocument(doc)
  const info = await client.documentInfo(id, 'water')
  t.equal(info.status, 'CHECKED_OK')
  const wanted = { type: 'AGGREGATION_DOCUMENT' as const, group: 'water', senderInn: '7700000000' }
  t.equal(await client.findDocument({ ...wanted, codes: ['0104601653030046215abcdefghijk', '00046016530000000017'] }, 0), id, 'found again by the codes it lists (§6.1, §6.4)')
  t.equal(await client.findDocument({ ...wanted, codes: ['0104601653030046215abcdefghijk\u001d93abcd', '046016530000000017'] }, 0), id, 'a crypto part and the SSCC without 00 compare the same')
  t.equal(await client.findDocument({ ...wanted, codes: ['0104601653030046215zzzzzzzzzzz', '00046016530000000017'] }, 0), undefined, 'other codes: not it')
  t.equal(await client.findDocument({ ...wanted, senderInn: '7711111111', codes: ['0104601653030046215abcdefghijk', '00046016530000000017'] }, 0), undefined, 'sent by another participant: not it')
})

t.test('the signature mode is switchable and must match the server', async t => {
  const a = await setup(t, { signatureOver: 'base64', emuSignatureOver: 'base64' })
  const doc = await a.client.prepareDocument('LP_INTRODUCE_GOODS', 'water', { products: [] })
  t.ok((await a.client.submitDocument(doc)).length > 0)
  const b = await setup(t, { signatureOver: 'json', emuSignatureOver: 'base64' })
  const e = await b.client.submitDocument(await b.client.prepareDocument('LP_INTRODUCE_GOODS', 'water', { products: [] })).catch(e => e)
  t.ok(e instanceof TrueApiHttpError)
  t.equal(e.status, 400)
  t.match(e.body, { error_message: /signature/ }, 'the API body is carried')
  t.equal(e.retryable, false)
})

t.test('retries on 5xx and 429 only; 4xx at once; a create is never retried blindly', async t => {
  const { client, emu } = await setup(t)
  await client.auth.getToken()
  emu.outage({ mode: '5xx', path: '/doc/' })
  const before = emu.receipts.requests
  const e = await client.documentInfo('nope', 'water').catch(e => e)
  t.ok(e instanceof TrueApiHttpError)
  t.equal(e.status, 503)
  t.equal(e.retryable, true)
  t.equal(emu.receipts.requests - before, 3, 'one call and two retries')
  emu.outage(undefined)
  const b2 = emu.receipts.requests
  const e404 = await client.documentInfo('nope', 'water').catch(e => e)
  t.equal(e404.status, 404)
  t.equal(emu.receipts.requests - b2, 1, 'no retry on 404')
  emu.outage({ mode: '429', path: 'documents/create' })
  const b3 = emu.receipts.requests
  const doc = await client.prepareDocument('LP_INTRODUCE_GOODS', 'water', { products: [] })
  t.equal((await client.submitDocument(doc).catch(e => e)).status, 429)
  t.equal(emu.receipts.requests - b3, 1, 'create: the outbox decides')
})

t.test('a hanging server gives a timeout error; a closed port a network error marked not sent', async t => {
  const { client, emu } = await setup(t, { timeoutMs: 200 })
  emu.outage({ mode: 'hang' })
  const e = await client.auth.getToken().catch(e => e)
  t.ok(e instanceof TrueApiTimeoutError)
  t.equal(e.code, 'LC_ERR_TRUE_API_TIMEOUT')
  const srv = createServer()
  await new Promise<void>(resolve => srv.listen(0, '127.0.0.1', resolve))
  const port = (srv.address() as { port: number }).port
  await new Promise(resolve => srv.close(resolve))
  const dead = new TrueApiClient({ url: `http://127.0.0.1:${port}`, signer: new TestSigner(), clock: new ManualClock(), retries: 0, timeoutMs: 500 })
  const e2 = await dead.auth.getToken().catch(e => e)
  await dead.close()
  t.ok(e2 instanceof TrueApiNetworkError)
  t.equal(e2.context.sent, false)
})

t.test('document builders: formats of the domain notes, checked', async t => {
  t.equal(unitSerialNumber('046016530000000017'), '00046016530000000017')
  t.equal(unitSerialNumber('(00)046016530000000017'), '00046016530000000017')
  t.throws(() => aggregationDocument('7700000000', [{ unit: '046016530000000017', codes: ['a'.repeat(31), 'b'.repeat(25)] }]), { code: 'LC_ERR_TRUE_API_DOCUMENT' }, 'one code length per document')
  t.throws(() => aggregationDocument('77', [{ unit: '046016530000000017', codes: ['x'] }]), { code: 'LC_ERR_TRUE_API_DOCUMENT' })
  t.throws(() => aggregationDocument('7700000000', [{ unit: '046016530000000017', codes: Array.from({ length: MAX_CODES_PER_DOCUMENT + 1 }, (_, i) => String(i).padStart(10, '0')) }]), /at most 30000/)
  const intro = introduceGoodsDocument({ participantInn: '7700000000', productionDate: '2026-01-02', tnvedCode: '0401201100', uitCodes: ['c1', 'c2'] })
  t.same(intro, {
    participant_inn: '7700000000', producer_inn: '7700000000', owner_inn: '7700000000', production_date: '2026-01-02', production_type: 'OWN_PRODUCTION',
    products: [{ uit_code: 'c1', tnved_code: '0401201100' }, { uit_code: 'c2', tnved_code: '0401201100' }],
  })
  t.throws(() => introduceGoodsDocument({ participantInn: '7700000000', productionDate: '02.01.2026', tnvedCode: '0401201100', uitCodes: ['c'] }), /yyyy-MM-dd/)
  // milk: each aggregate followed by the codes inside it; the permit on every entry (TA §4.1.4.1)
  const certificate = { type: 'CONFORMITY_CERTIFICATE' as const, number: 'RU C-RU.AA01.B.00001/26', date: '2026-01-15' }
  const milk = introduceGoodsDocument({ participantInn: '7700000000', productionDate: '2026-01-02', tnvedCode: '0401201100', aggregatesWithUnits: [{ aggregate: '046016530000000017', units: ['u1', 'u2'] }], certificate })
  const data = [{ certificate_type: certificate.type, certificate_number: certificate.number, certificate_date: certificate.date }]
  t.same(milk.products, [
    { uitu_code: '00046016530000000017', tnved_code: '0401201100', certificate_document_data: data },
    { uit_code: 'u1', tnved_code: '0401201100', certificate_document_data: data },
    { uit_code: 'u2', tnved_code: '0401201100', certificate_document_data: data },
  ])
  t.throws(() => introduceGoodsDocument({ participantInn: '7700000000', productionDate: '2026-01-02', tnvedCode: '0401201100', aggregatesWithUnits: [{ aggregate: '046016530000000017', units: [] }] }), /with the units inside it/)
  t.throws(() => introduceGoodsDocument({ participantInn: '7700000000', productionDate: '2026-01-02', tnvedCode: '0401201100', uitCodes: ['c'], certificate: { ...certificate, date: '15.01.2026' } }), /certificate date/)
  t.throws(() => introduceGoodsDocument({ participantInn: '7700000000', productionDate: '2026-01-02', tnvedCode: '0401201100', uitCodes: ['c'], certificate: { ...certificate, type: 'LICENCE' as never } }), /certificate type/)
})

t.test('rate limiter: never more than perSecond starts in any one-second window, served in order', async t => {
  t.throws(() => new RateLimiter({ perSecond: 0 }))
  const limiter = new RateLimiter({ perSecond: 200 })
  const starts: number[] = []
  const order: number[] = []
  await Promise.all(Array.from({ length: 230 }, (_, i) => limiter.acquire().then(() => { starts.push(performance.now()); order.push(i) })))
  t.same(order, Array.from({ length: 230 }, (_, i) => i), 'first come, first served')
  let violations = 0
  // A lower bound on spacing holds however loaded the machine is (timers never fire early by more than a tick).
  for (let i = 0; i + 200 < starts.length; i++) if ((starts[i + 200] as number) - (starts[i] as number) < 999) violations++
  t.equal(violations, 0, 'no 201 starts within a second')
})
