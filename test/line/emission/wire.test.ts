import t from 'tap'
import { createHash } from 'node:crypto'
import { omsSchema, poolSchema } from '../../../line/config/sections/services.ts'
import { omsClientFromConfig, sizingFromConfig, type RequestSigner } from '../../../line/emission/index.ts'
import { OmsEmulator } from '../../../sim/oms/index.ts'
import { ManualClock } from '../../../line/clock.ts'
import { WATER_ORDER, GTIN } from './fixture.ts'

t.test('a client built from config talks to the OMS, signing requests when asked', async t => {
  const emu = new OmsEmulator({ clock: new ManualClock(), clientToken: 'emulator-token' })
  const url = await emu.start()
  t.teardown(() => emu.close())
  const signed: Buffer[] = []
  const signer: RequestSigner = { signDetached: async data => { signed.push(data); return createHash('sha256').update(data).digest('base64') } }
  const oms = omsSchema.parse({ url, omsId: emu.omsId, clientToken: emu.clientToken, signRequests: true, retryBaseMs: '10ms' })
  t.equal(oms.attempts, 4)
  t.equal(oms.retryMaxMs, 30_000)
  const client = omsClientFromConfig(oms, { signer })
  t.teardown(() => client.close())
  const order = await client.createOrder(WATER_ORDER(GTIN, 5))
  await client.orderStatus(order.orderId)
  t.equal(emu.signatures.length, 2)
  t.equal(emu.signatures[0], createHash('sha256').update(JSON.stringify(WATER_ORDER(GTIN, 5))).digest('base64'), 'POST: signature over the body bytes')
  t.match(signed[1]?.toString(), /^\/api\/v3\/order\/status\?omsId=.+&orderId=/, 'GET: over path + query')

  t.throws(() => omsClientFromConfig(omsSchema.parse({ url, omsId: 'x' })), { code: 'LC_ERR_CONFIG' }, 'no token, no provider')
  t.throws(() => omsClientFromConfig(omsSchema.parse({ url, omsId: 'x', clientToken: 'a', signRequests: true })), { code: 'LC_ERR_CONFIG' }, 'signing without a signer')
})

t.test('pool sizing from config', async t => {
  const s = sizingFromConfig(poolSchema.parse({ lowWatermarkMinutes: 30, blockSize: 20_000 }))
  t.match(s, { lowWatermarkMinutes: 30, targetMinutes: 480, blockSize: 20_000, maxOrderCodes: 150_000 })
  t.throws(() => poolSchema.parse({ blockSize: 150_001 }))
})
