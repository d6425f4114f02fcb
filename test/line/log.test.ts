// Log lines are rate-limited per message, and what was held back is counted on the next line.
import t from 'tap'
import { Writable } from 'node:stream'
import { ManualClock } from '../../line/clock.ts'
import { createLogger } from '../../line/log.ts'

function sink (): { lines: Array<Record<string, unknown>>, stream: Writable } {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({ write (chunk, _enc, cb) { for (const l of String(chunk).split('\n')) if (l !== '') lines.push(JSON.parse(l)); cb() } })
  return { lines, stream }
}

t.test('a flood of one message writes a bounded number of lines; other messages are not held back', async t => {
  const clock = new ManualClock()
  const { lines, stream } = sink()
  const log = createLogger({ level: 'info', clock, destination: stream }).child({ module: 'plc' })
  for (let i = 0; i < 10_000; i++) log.warn({ i }, 'invalid PLC payload dropped')
  log.error('broker connection lost')
  await new Promise(resolve => setImmediate(resolve))
  t.equal(lines.filter(l => l.msg === 'invalid PLC payload dropped').length, 20, '20 a second')
  t.equal(lines.filter(l => l.msg === 'broker connection lost').length, 1, 'another message still goes out')
  clock.advance(1000)
  log.warn({ i: -1 }, 'invalid PLC payload dropped')
  await new Promise(resolve => setImmediate(resolve))
  const last = lines.at(-1) as Record<string, unknown>
  t.equal(last.heldBack, 9980, 'the next line counts what was held back')
  t.equal(last.i, -1)
  t.equal(last.module, 'plc', 'child bindings kept')
})

t.test('rateLimit: false writes everything', async t => {
  const { lines, stream } = sink()
  const log = createLogger({ level: 'info', destination: stream, rateLimit: false })
  for (let i = 0; i < 100; i++) log.info('x')
  await new Promise(resolve => setImmediate(resolve))
  t.equal(lines.length, 100)
})
