// The drivers' shared reconnect loop: growing pauses between failures, one loop for all callers, stop rejects.
import t from 'tap'
import { ReconnectLoop } from '../../printers/reconnect.ts'

t.test('retries with doubling pauses up to the cap, then succeeds; callers share one loop', async t => {
  const at: number[] = []
  const pauses: number[] = []
  const loop = new ReconnectLoop({
    open: async () => { at.push(performance.now()); if (at.length < 5) throw new Error('refused') },
    closedError: () => new Error('closed'),
    baseMs: 20,
    maxMs: 60,
    onFailure: (_err, failures, delayMs) => { pauses.push(delayMs); t.equal(failures, pauses.length) },
  })
  const a = loop.run()
  const b = loop.run()
  t.equal(loop.running, true)
  await Promise.all([a, b])
  t.equal(loop.running, false)
  t.equal(at.length, 5, 'one attempt each time, whoever asked')
  t.same(pauses, [20, 40, 60, 60])
  for (let i = 1; i < at.length; i++) t.ok((at[i] as number) - (at[i - 1] as number) >= (pauses[i - 1] as number) - 2, `pause ${i} kept`)
  await loop.run()
  t.equal(at.length, 6, 'a later run() starts a new loop with a fresh first attempt')
})

t.test('stop() rejects a loop waiting for its next attempt, and any later run()', async t => {
  let attempts = 0
  const loop = new ReconnectLoop({ open: async () => { attempts++; throw new Error('down') }, closedError: () => new Error('closed'), baseMs: 10_000, maxMs: 10_000 })
  const p = loop.run()
  await new Promise(resolve => setTimeout(resolve, 20))
  loop.stop()
  await t.rejects(p, { message: 'closed' })
  t.equal(attempts, 1, 'no attempt after stop')
  await t.rejects(loop.run(), { message: 'closed' })
})
