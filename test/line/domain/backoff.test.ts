// The one backoff: doubling from base, capped, jitter within its share, no overflow after a days-long outage.
import t from 'tap'
import { backoffDelay } from '../../../line/domain/backoff.ts'

t.test('doubles from base up to the cap; no jitter unless asked', async t => {
  const o = { baseMs: 100, maxMs: 1_000 }
  t.same([1, 2, 3, 4, 5, 6].map(a => backoffDelay(a, o)), [100, 200, 400, 800, 1_000, 1_000])
  t.equal(backoffDelay(0, o), 100, 'attempt 0 is read as the first')
  t.equal(backoffDelay(100_000, o), 1_000, 'thousands of failures stay at the cap')
  t.equal(backoffDelay(100_000, { baseMs: 0, maxMs: 1_000 }), 0, 'no NaN from 0 · 2^n')
  t.equal(backoffDelay(3, { baseMs: 5_000, maxMs: 2_000 }), 2_000, 'the cap wins over the base')
})

t.test('jitter takes away at most its share, driven by the random source', async t => {
  const o = { baseMs: 1_000, maxMs: 60_000, jitter: 0.5 }
  t.equal(backoffDelay(2, { ...o, random: () => 0 }), 2_000)
  t.equal(backoffDelay(2, { ...o, random: () => 0.999999 }), 1_000)
  t.equal(backoffDelay(2, { ...o, jitter: 1, random: () => 0.5 }), 1_000, 'full jitter')
  for (let i = 0; i < 200; i++) {
    const d = backoffDelay(3, o)
    if (d < 2_000 || d > 4_000) t.fail(`delay ${d} outside [2000, 4000]`)
  }
  t.equal(backoffDelay(1, { ...o, jitter: 7, random: () => 0.5 }), 500, 'a jitter above 1 is read as 1')
})
