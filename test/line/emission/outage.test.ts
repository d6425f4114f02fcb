import t from 'tap'
import { GTIN, SIZING, assertNoLoss, lineFixture as line, omsFixture } from './fixture.ts'

const MIN = 60_000

t.test('a 600 units/min job runs through a 30-minute OMS outage without the pool running dry', async t => {
  const f = await omsFixture(t, { emu: { rateLimitPerSecond: 0 }, client: { maxRequestsPerSecond: 1_000, attempts: 2, timeoutMs: 200 } })
  const { pool, rep, alarms } = line(t, f, undefined, { ...SIZING, lowWatermarkMinutes: 40, targetMinutes: 60, blockSize: 10_000 })
  const STEP = 30_000 // the policy looks every 30 s of line time
  const PER_STEP = 300 // 600 units/min
  let minLevel = Infinity
  let printed = 0
  let outageTicks = 0
  let sawOutage = false
  const start = f.clock.now()
  for (let step = 0; f.clock.now() - start < 100 * MIN; step++) {
    const elapsed = f.clock.now() - start
    const outage = elapsed >= 30 * MIN && elapsed < 60 * MIN
    f.emu.setOutage(outage ? (step % 3 === 0 ? 'drop' : step % 3 === 1 ? 'http503' : 'hang') : null)
    await rep.tick()
    if (outage) {
      outageTicks++
      const st = rep.status()
      if (!st.healthy && ['LC_ERR_OMS_NETWORK', 'LC_ERR_OMS_HTTP'].includes(st.lastError?.code ?? '')) sawOutage = true
    }
    // The line needs its codes whatever happens to the OMS: reserve throws PoolEmptyError if the pool ran dry.
    if (elapsed >= 5 * MIN) {
      const codes = await pool.reserve(GTIN, PER_STEP, 'head-1')
      await pool.markPrinted(codes.map(c => c.id))
      printed += codes.length
      minLevel = Math.min(minLevel, pool.level(GTIN))
    }
    f.clock.advance(STEP)
  }
  t.equal(printed, 95 * 600, '95 minutes at 600/min printed')
  t.ok(minLevel > 0, `pool never ran dry (lowest level ${minLevel})`)
  t.equal(outageTicks, 60, 'the outage lasted 30 simulated minutes')
  t.ok((f.emu.faults.served['outage-drop'] ?? 0) + (f.emu.faults.served['outage-http503'] ?? 0) > 0, 'the policy did hit the outage')
  t.ok(sawOutage, 'the status showed the outage (unhealthy, last error from the OMS)')
  const warned = alarms.filter(a => a.code === 'LC_ERR_EMISSION_OUTAGE')
  t.equal(warned.length, 1, 'the operator was warned once that the pool is draining')
  t.match(warned[0]?.text, { ru: /Нет связи с СУЗ/, en: /OMS unreachable/ })
  t.ok(rep.status().healthy, 'healthy again after the outage')
  t.ok(rep.orders().length >= 2, 'reordered during the run')
  assertNoLoss(t, f, pool)
})

