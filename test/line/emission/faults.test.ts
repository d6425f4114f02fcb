import t from 'tap'
import { GTIN, assertNoLoss, lineFixture as line, omsFixture } from './fixture.ts'

t.test('every fault mode of the OMS is survived without loss or duplicate', async t => {
  for (const kind of ['http500', 'http503', 'http429', 'drop', 'garbage', 'truncate', 'hang', 'slow'] as const) {
    await t.test(kind, async t => {
      const f = await omsFixture(t, { emu: { rateLimitPerSecond: 0 }, client: { timeoutMs: 300, attempts: 2, maxRequestsPerSecond: 200 } })
      const { pool, rep } = line(t, f)
      for (const path of ['/api/v3/order', '/api/v3/order/status', '/api/v3/codes', '/api/v3/order/codes/blocks', '/api/v3/order/close']) {
        f.emu.inject({ kind, path, times: 2, delayMs: 20 })
      }
      for (let i = 0; i < 100 && !(pool.level(GTIN) >= 12_000 && rep.status().ordersInFlight.length === 0); i++) {
        await rep.tick()
        f.clock.advance(10_000)
      }
      t.equal(pool.level(GTIN), 12_000, 'target level reached')
      t.equal(rep.status().ordersInFlight.length, 0, 'orders finished')
      t.ok((f.emu.faults.served[kind] ?? 0) > 0, 'the fault was served')
      assertNoLoss(t, f, pool)
      const created = rep.orders().filter(o => o.state === 'DONE')
      t.equal(created.length, 1, 'one order did the job')
      // an order whose answer was lost is found among the receipts, not written off and ordered again
      t.equal(f.emu.state.orders.size, 1, 'the OMS holds that one order only')
    })
  }
})

