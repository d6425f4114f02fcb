import t from 'tap'
import { ProfileRegistry, parseCode, withCheckDigit } from '../../../line/codes/index.ts'
import { OmsClient, OmsHttpError, OmsNetworkError, OmsRequestError, OmsResponseError, OmsTimeoutError, StaticTokenProvider } from '../../../line/emission/index.ts'
import { WATER_ORDER, omsFixture } from './fixture.ts'

const GTIN = withCheckDigit('0460165303004')
const profiles = new ProfileRegistry()

t.test('order → pending (−1 counters) → active → codes in blocks → exhausted → close', async t => {
  const { client, clock, emu } = await omsFixture(t)
  const order = await client.createOrder(WATER_ORDER(GTIN, 250))
  t.equal(order.omsId, emu.omsId)
  t.equal(order.expectedCompleteTimestamp, clock.now() + 10_000)
  const [pending] = await client.orderStatus(order.orderId, GTIN)
  t.equal(pending?.bufferStatus, 'PENDING')
  t.equal(pending?.availableCodes, -1)
  t.equal(pending?.totalCodes, -1)
  const early = await client.getCodes(order.orderId, GTIN, 10).catch(e => e)
  t.ok(early instanceof OmsHttpError && early.status === 400, 'no codes while PENDING')

  clock.advance(10_000)
  const [active] = await client.orderStatus(order.orderId, GTIN)
  t.equal(active?.bufferStatus, 'ACTIVE')
  t.equal(active?.availableCodes, 250)
  t.ok((active?.expiredDate ?? 0) > clock.now() + 29 * 86_400_000, 'water codes expire in 30 days')

  const b1 = await client.getCodes(order.orderId, GTIN, 200)
  const b2 = await client.getCodes(order.orderId, GTIN, 200)
  t.equal(b1.codes.length, 200)
  t.equal(b2.codes.length, 50, 'the rest of the buffer')
  t.not(b1.blockId, b2.blockId)
  const all = [...b1.codes, ...b2.codes]
  t.equal(new Set(all).size, 250, 'distinct codes')
  for (const c of all.slice(0, 20)) t.equal(parseCode(profiles.get('water'), c).gtin, GTIN)

  const [done] = await client.orderStatus(order.orderId, GTIN)
  t.equal(done?.bufferStatus, 'EXHAUSTED')
  t.equal(done?.totalPassed, 250)

  const blocks = await client.listBlocks(order.orderId, GTIN)
  t.same(blocks.map(b => b.blockId), [b1.blockId, b2.blockId])
  t.same((await client.retryBlock(b1.blockId)).codes, b1.codes, 'block retry gives the same codes')

  await client.closeOrder(order.orderId)
  const [closed] = await client.orderStatus(order.orderId, GTIN)
  t.equal(closed?.bufferStatus, 'CLOSED')
  const afterClose = await client.retryBlock(b1.blockId).catch(e => e)
  t.ok(afterClose instanceof OmsHttpError, 'no block retry once closed')
})

t.test('errors carry the OMS error body', async t => {
  const { client, emu } = await omsFixture(t, { emu: { catalog: { [GTIN]: 'water' } } })
  const unknown = withCheckDigit('0460165303011')
  const e = await client.createOrder(WATER_ORDER(unknown, 10)).catch(e => e)
  t.ok(e instanceof OmsHttpError)
  t.equal(e.code, 'LC_ERR_OMS_HTTP')
  t.equal(e.status, 400)
  t.equal(e.body.success, false)
  t.match(e.body.fieldErrors[0], { fieldName: 'products[0].gtin', fieldError: /не найден/ })
  t.equal(e.retryable, false)
  t.equal(emu.requests['POST /api/v3/order'], 1, 'a 400 is not retried')

  const bad = new OmsClient({ url: emu.url, omsId: emu.omsId, tokens: new StaticTokenProvider('wrong'), attempts: 3 })
  t.teardown(() => bad.close())
  const e401 = await bad.orderStatus('x').catch(e => e)
  t.equal(e401.code, 'LC_ERR_OMS_AUTH')
  t.equal(e401.status, 401)
  t.match(e401.body.globalErrors[0].error, /clientToken/)

  // A refreshing provider (the True-API sign-in later) gets one fresh token after a 401.
  const issued: string[] = []
  const refreshing = new OmsClient({ url: emu.url, omsId: emu.omsId, tokens: { token: async () => issued.length === 0 ? 'stale' : emu.clientToken, invalidate: tok => { issued.push(tok) } }, attempts: 1 })
  t.teardown(() => refreshing.close())
  const order = await refreshing.createOrder(WATER_ORDER(GTIN, 3))
  t.ok(order.orderId, 'succeeds with the fresh token')
  t.same(issued, ['stale'], 'the stale token was invalidated once')

  const big = await client.getCodes('x', GTIN, 150_001).catch(e => e)
  t.ok(big instanceof OmsRequestError, 'over 150,000 refused before sending')
  const eleven = await client.createOrder({ ...WATER_ORDER(GTIN, 1), products: Array.from({ length: 11 }, (_, i) => ({ ...WATER_ORDER(withCheckDigit(String(4601000000000 + i)), 1).products[0]! })) }).catch(e => e)
  t.ok(eleven instanceof OmsRequestError, 'more than 10 GTINs refused before sending')
})

t.test('5xx and 429 are retried with backoff; garbage and hangs become typed errors', async t => {
  const { client, emu } = await omsFixture(t, { client: { timeoutMs: 300 } })
  const order = await client.createOrder(WATER_ORDER(GTIN, 10))

  emu.inject({ kind: 'http500', path: '/api/v3/order/status', times: 2 })
  const [s] = await client.orderStatus(order.orderId)
  t.equal(s?.bufferStatus, 'PENDING', 'succeeds on the third attempt')
  t.equal(emu.faults.served.http500, 2)

  emu.inject({ kind: 'http500', path: '/api/v3/order/status', times: 5 })
  const e5 = await client.orderStatus(order.orderId).catch(e => e)
  t.ok(e5 instanceof OmsHttpError && e5.status === 500, 'gives up after the configured attempts')
  t.equal(e5.body.globalErrors[0].errorCode, 500)
  emu.faults.clear()

  emu.inject({ kind: 'http429', path: '/api/v3/order', times: 1 })
  const o2 = await client.createOrder(WATER_ORDER(GTIN, 5))
  t.ok(o2.orderId, 'a 429 on create is retried: the OMS did not act on it')

  emu.inject({ kind: 'http503', path: '/api/v3/order', times: 1 })
  const e503 = await client.createOrder(WATER_ORDER(GTIN, 5)).catch(e => e)
  t.ok(e503 instanceof OmsHttpError && e503.status === 503, 'a 5xx on create is not blindly retried')

  emu.inject({ kind: 'garbage', path: '/api/v3/order/status', times: 3 })
  const eg = await client.orderStatus(order.orderId).catch(e => e)
  t.ok(eg instanceof OmsResponseError)
  t.equal(eg.code, 'LC_ERR_OMS_RESPONSE')
  t.match(eg.context.excerpt, /html/)

  emu.inject({ kind: 'hang', path: '/api/v3/order/status', times: 3 })
  const eh = await client.orderStatus(order.orderId).catch(e => e)
  t.ok(eh instanceof OmsTimeoutError)
  t.equal(eh.context.timeoutMs, 300)

  emu.inject({ kind: 'drop', path: '/api/v3/order/status', times: 3 })
  const ed = await client.orderStatus(order.orderId).catch(e => e)
  t.ok(ed instanceof OmsNetworkError)
  t.equal(ed.code, 'LC_ERR_OMS_NETWORK')

  emu.inject({ kind: 'slow', path: '/api/v3/order/status', delayMs: 50 })
  const [slow] = await client.orderStatus(order.orderId)
  t.equal(slow?.bufferStatus, 'PENDING', 'a slow answer within the timeout is fine')

  emu.inject({ kind: 'drop', path: '/api/v3/order/status', times: 1 })
  const [again] = await client.orderStatus(order.orderId)
  t.equal(again?.bufferStatus, 'PENDING', 'a single dropped connection is retried (status is idempotent)')
})

t.test('the emulator soft limit answers 429; the client paces itself under it', async t => {
  const { client: fast, emu } = await omsFixture(t, { client: { maxRequestsPerSecond: 1_000, attempts: 1 } })
  const order = await fast.createOrder(WATER_ORDER(GTIN, 5))
  const results = await Promise.allSettled(Array.from({ length: 15 }, () => fast.orderStatus(order.orderId)))
  const limited = results.filter(r => r.status === 'rejected' && (r.reason as OmsHttpError).status === 429)
  t.ok(limited.length >= 4, `15 requests at once: ${limited.length} answered 429`)
  t.equal((limited[0] as PromiseRejectedResult).reason.code, 'LC_ERR_OMS_RATE_LIMIT')

  await new Promise(resolve => setTimeout(resolve, 1_100))
  const paced = new OmsClient({ url: emu.url, omsId: emu.omsId, tokens: new StaticTokenProvider(emu.clientToken), maxRequestsPerSecond: 5, attempts: 1 })
  t.teardown(() => paced.close())
  const ok = await Promise.allSettled(Array.from({ length: 12 }, () => paced.orderStatus(order.orderId)))
  t.equal(ok.filter(r => r.status === 'fulfilled').length, 12, 'a client paced at 5/s never trips the 10/s limit')
})
