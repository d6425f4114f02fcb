// A simulated stream of a running line through the tracker: the PLC's triggers, the head's polled confirmations and
// the camera's results arrive with jitter, the controller stalls now and then (everything queued arrives at once),
// and slips are injected. Whatever happens: no product is good with a code it does not carry, and each slip
// writes off only a few products.
import t from 'tap'
import { AlarmBook } from '../../../line/alarms/alarms.ts'
import { silentLogger } from '../../../line/log.ts'
import { Tracker, type GoodUnit } from '../../../line/tracking/tracker.ts'
import { prng } from '../../../sim/codes/factory.ts'
import { GTIN_A, block, poolFixture } from '../../helpers/pool.ts'

interface Run { products: number, stalls: number, plcStalls?: number, slips: Array<{ at: number, kind: 'extra-print' | 'lost-trigger' | 'lost-confirmation' | 'no-print-go' }>, seed: number }

async function run (t: { teardown(fn: () => void): void }, o: Run) {
  const f = poolFixture(t)
  await f.pool.importBlock(block(f, 'b', o.products + 50))
  const codes = await f.pool.reserve(GTIN_A, o.products + 40, 'head-1', { jobId: 1 })
  const alarms = new AlarmBook(f.db, { clock: f.clock, log: silentLogger() })
  const P = 200 // pitch, ms
  const tracker = new Tracker({
    pool: f.pool, clock: f.clock, log: silentLogger(), alarms, plc: { reject: async () => {} },
    rejectDistance: 12, rejectMargin: 2, resultTimeoutMs: 7500, printTimeoutMs: 500, maxConsecutiveRejects: 1_000_000,
  })
  tracker.setJob({ id: 1, minGrade: 'C' })
  const good: GoodUnit[] = []
  tracker.on('good', u => good.push(u))
  const rand = prng(o.seed)
  const start = f.clock.now()
  // the physical line: what the head printed on each product, and the deliveries to the controller
  const onProduct = new Map<number, string | null>()
  type Ev = { at: number, order: number, run: () => void, stream: 'plc' | 'cam' | 'head', orig: number }
  const evs: Ev[] = []
  let order = 0
  const at = (time: number, fn: () => void, stream: Ev['stream']) => evs.push({ at: time, order: order++, run: fn, stream, orig: time })
  let next = 0
  let counter = 0
  const confirms: Array<{ time: number, i: number, counter: number, confirm: boolean }> = []
  const slipAt = new Map(o.slips.map(s => [s.at, s.kind]))
  for (let seq = 1; seq <= o.products; seq++) {
    const time = seq * P
    const slip = slipAt.get(seq)
    if (slip === 'extra-print') { const i = next++; counter++; confirms.push({ time: time - P / 2, i, counter, confirm: true }) }
    let code: string | null = null
    if (slip !== 'no-print-go') {
      const i = next++; counter++
      code = codes[i]!.code
      confirms.push({ time, i, counter, confirm: slip !== 'lost-confirmation' })
    }
    onProduct.set(seq, code)
    if (slip !== 'lost-trigger') at(time + 5 + rand() * 10, () => tracker.onTrigger(seq), 'plc')
    // the camera, two pitches on: a read of what is there (1 % no-reads)
    const read = code !== null && rand() > 0.01 ? code : null
    at(time + 2 * P + 20 + rand() * 30, () => tracker.onResult({ camera: 'cam-1', seq, ts: f.clock.now(), code: read, grade: read === null ? 'F' : 'A', receivedAt: f.clock.now() }), 'cam')
  }
  // the head is polled every 50 ms: a poll confirms, in order, what printed before it
  let ci = 0
  for (let time = 0; time <= (o.products + 20) * P; time += 50) {
    const batch: typeof confirms = []
    while (ci < confirms.length && confirms[ci]!.time <= time) batch.push(confirms[ci++]!)
    if (batch.length > 0) {
      at(time + 3, () => {
        for (const c of batch) if (c.confirm) tracker.onPrinted({ printer: 'head-1', item: { id: codes[c.i]!.id, code: codes[c.i]!.code }, counter: c.counter, at: f.clock.now() })
      }, 'head')
    }
  }
  // stalls: the MQTT messages queued during one arrive at its end, in order; the head is polled only after it, so
  // its confirmations come after all of them
  const stalls: Array<[number, number]> = []
  for (let k = 0; k < o.stalls; k++) { const s = Math.floor(rand() * o.products * P); stalls.push([s, s + 1000 + rand() * 3000]) }
  for (const e of evs) for (const [s, end] of stalls) if (e.at >= s && e.at < end) e.at = e.stream === 'head' ? end + 15 : end
  // the PLC's connection alone held up (its broker link, a busy machine): triggers arrive late, in a burst, while the
  // head's confirmations keep coming — prints wait for their triggers longer than the print timeout
  for (let k = 0; k < (o.plcStalls ?? 0); k++) {
    const s = Math.floor((0.2 + 0.6 * rand()) * o.products * P)
    const end = s + 1500 + rand() * 1500
    for (const e of evs) if (e.stream === 'plc' && e.at >= s && e.at < end) e.at = end
  }
  // each stream keeps its order (one poll loop; one MQTT connection per publisher)
  evs.sort((a, b) => a.orig - b.orig || a.order - b.order)
  for (const stream of ['plc', 'cam', 'head']) {
    let last = 0
    for (const e of evs) if (e.stream === stream) { e.at = Math.max(e.at, last); last = e.at }
  }
  evs.sort((a, b) => a.at - b.at || a.order - b.order)
  let lastTick = 0
  for (const e of evs) {
    f.clock.set(start + e.at)
    if (e.at - lastTick >= 100) { tracker.tick(); lastTick = e.at }
    e.run()
  }
  f.clock.advance(20_000); tracker.tick()
  await tracker.settled()
  const wrongGood = good.filter(g => onProduct.get(g.seq) !== g.code)
  const c = tracker.counters
  return { good, wrongGood, wrongCode: c.rejectsByReason.WRONG_CODE ?? 0, noPrint: c.rejectsByReason.NO_PRINT ?? 0, counters: c, alarms: alarms.list().map(a => a.code) }
}

t.test('a smooth line: every product good but the no-reads', async t => {
  const r = await run(t, { products: 400, stalls: 0, slips: [], seed: 1 })
  t.same(r.wrongGood, [])
  t.equal(r.wrongCode, 0)
  t.equal(r.noPrint, 0)
  t.ok(r.good.length >= 380, `${r.good.length} good`)
})

t.test('stalls of the controller: late confirmations go to their products, never to a neighbour', async t => {
  for (const seed of [2, 3, 4]) {
    const r = await run(t, { products: 600, stalls: 6, slips: [], seed })
    t.same(r.wrongGood, [], `seed ${seed}: no product good with a code it does not carry`)
    t.equal(r.wrongCode, 0, `seed ${seed}: no slip from stalls alone (NO_PRINT ${r.noPrint})`)
    t.ok(r.noPrint > 0, `seed ${seed}: the stalls did give products up (${r.noPrint})`)
  }
})

t.test('the PLC\'s messages alone held up: prints given up for want of their triggers, the streams re-aligned, the line goes on', async t => {
  for (const seed of [11, 12, 13]) {
    const r = await run(t, { products: 600, stalls: 0, plcStalls: 2, slips: [], seed })
    t.same(r.wrongGood, [], `seed ${seed}: no product good with a code it does not carry`)
    t.ok(r.alarms.includes('PRINT_WITHOUT_ITEM'), `seed ${seed}: prints were given up (the case this is about)`)
    // each stall writes off the products around it, not the rest of the job
    t.ok(r.good.length >= 600 - 2 * 60, `seed ${seed}: ${r.good.length} good of 600 (WRONG_CODE ${r.wrongCode}, NO_PRINT ${r.noPrint})`)
  }
})

t.test('injected slips, with stalls: each one written off locally', async t => {
  for (const seed of [5, 6, 7, 8]) {
    const slips: Run['slips'] = [
      { at: 50, kind: 'extra-print' }, { at: 120, kind: 'lost-trigger' }, { at: 200, kind: 'lost-confirmation' },
      { at: 280, kind: 'no-print-go' }, { at: 360, kind: 'extra-print' }, { at: 363, kind: 'lost-trigger' }, { at: 450, kind: 'no-print-go' },
    ]
    const r = await run(t, { products: 600, stalls: 3, slips, seed })
    t.same(r.wrongGood, [], `seed ${seed}: no product good with a code it does not carry`)
    t.ok(r.wrongCode <= slips.length * 6, `seed ${seed}: ${r.wrongCode} WRONG_CODE for ${slips.length} slips`)
    t.ok(r.good.length >= 600 - 120, `seed ${seed}: ${r.good.length} good of 600`)
  }
})
