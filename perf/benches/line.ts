// The controller's own pipeline at full speed: trigger → confirmed print → camera result → VERIFIED → box
// (SSCC, AGGREGATED), with fsync-ed group commits. The print head is an in-memory stand-in (a real Modbus head
// is polled and would measure the link, not the controller); cameras are code-level ("fast"). Figures: items/s
// sustained, trigger→dispatch latency (the item's code assigned and PRINTED committed), RSS and its growth over
// the run, and the event loop's delay under that load (the store must never hold the loop for longer than one
// fsync-ed commit of a bounded batch).
import { EventEmitter } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { join } from 'node:path'
import { AlarmBook } from '../../line/alarms/alarms.ts'
import { Aggregator } from '../../line/aggregation/aggregator.ts'
import { ProfileRegistry, withCheckDigit } from '../../line/codes/index.ts'
import { systemClock } from '../../line/clock.ts'
import { silentLogger } from '../../line/log.ts'
import { CodePool } from '../../line/pool/index.ts'
import { openDatabase } from '../../line/store/open.ts'
import { Feeder } from '../../line/tracking/feeder.ts'
import { Tracker } from '../../line/tracking/tracker.ts'
import type { ClearResult, Printer, PrinterStatus, PrintItem } from '../../printers/types.ts'
import { CodeFactory } from '../../sim/codes/factory.ts'
import { ProbeWindow, nowMs, round, rssMb, summarize, type Bench } from '../lib.ts'

const GTIN = withCheckDigit('0460165303004')

/** In-memory head: a buffer and a print-go. Stand-in for the device so the benchmark measures the controller. */
class MemoryHead extends EventEmitter implements Printer {
  readonly id = 'mem-head'
  readonly kind = 'modbus-head' as const
  readonly buffer: PrintItem[] = []
  counter = 0
  constructor (readonly depth: number) { super() }
  async connect (): Promise<void> {}
  async close (): Promise<void> {}
  async load (items: readonly PrintItem[]): Promise<void> { this.buffer.push(...items) }
  room (): number { return this.depth - this.buffer.length }
  status (): PrinterStatus { return { state: 'ready', faults: [], warnings: [], bufferLevel: this.buffer.length, printed: this.counter } }
  async clear (): Promise<ClearResult> { const unprinted = this.buffer.splice(0); return { printed: [], unprinted, uncertain: [] } }
  trigger (): PrintItem | undefined {
    const item = this.buffer.shift()
    if (item !== undefined) this.emit('printed', { printer: this.id, item, counter: ++this.counter, at: 0 })
    return item
  }
}

/** Products the PLC hands over per turn of the event loop (a burst of trigger messages read from one socket). */
const BURST = 100
/** Dispatch probes in flight at most: the products wait when the store falls this far behind. */
const MAX_PROBES = 200
/** RSS is sampled this often; the growth figure is the slope over the samples after the first fifth of the run. */
const RSS_SAMPLES = 20

export default {
  description: 'line core: items/s through tracker, pool and aggregation with durable commits; dispatch latency, RSS growth, event-loop delay',
  async run ({ quick }) {
    const n = Number(process.env.PERF_LINE_ITEMS ?? (quick ? 20_000 : 1_000_000))
    if (!Number.isInteger(n) || n < 1000) throw new RangeError(`PERF_LINE_ITEMS must be an integer of at least 1000, not ${process.env.PERF_LINE_ITEMS}`)
    const dir = mkdtempSync(join(tmpdir(), 'perf-line-'))
    try {
      const db = openDatabase(join(dir, 'line.db'), { synchronous: 'FULL' })
      const profiles = new ProfileRegistry()
      const clock = systemClock
      const log = silentLogger()
      const pool = new CodePool(db, { profiles, clock })
      // generated block by block: a million codes held at once would be most of the RSS being measured
      const factory = new CodeFactory(9)
      for (let i = 0; i < n + 1000; i += 50_000) {
        const codes = factory.raw(profiles.get('water'), GTIN, Math.min(50_000, n + 1000 - i))
        pool.importBlockSync({ blockId: `b${i}`, gtin: GTIN, group: 'water', expiresAt: Date.now() + 30 * 86_400_000, codes })
      }
      const alarms = new AlarmBook(db, { clock, log })
      const head = new MemoryHead(512)
      const feeder = new Feeder({ pool, printers: [head], log, alarms, minChunk: 128, intervalMs: 5 })
      const tracker = new Tracker({ pool, clock, log, alarms, plc: { reject: async () => {} }, rejectDistance: 1_000_000, resultTimeoutMs: 60_000, printTimeoutMs: 60_000, maxConsecutiveRejects: 1_000_000 })
      const aggregator = new Aggregator({ db, pool, clock, log, alarms, companyPrefix: '4600000', extensionDigit: 0 })
      tracker.setJob({ id: 1, minGrade: 'C' })
      feeder.setJob({ id: 1, gtin: GTIN, budget: n + 1000 })
      aggregator.setJob({ id: 1, gtin: GTIN, batch: 'B', unitsPerBox: 12, boxesPerPallet: 40 })
      tracker.on('good', (u: { id: number }) => { void aggregator.addUnit(u.id) })
      const closed = { box: 0, pallet: 0 }
      aggregator.on('closed', (c: { level: 'box' | 'pallet' }) => { closed[c.level]++ })
      head.on('printed', d => tracker.onPrinted(d))
      feeder.start()
      while (head.buffer.length < 256) await new Promise(resolve => setTimeout(resolve, 1))

      const dispatchMs: number[] = []
      const rss: Array<{ items: number, mb: number }> = []
      const sampleEvery = Math.floor(n / RSS_SAMPLES)
      const probes = new ProbeWindow(MAX_PROBES)
      const eld = monitorEventLoopDelay({ resolution: 1 })
      eld.enable()
      const cpu0 = process.cpuUsage()
      const t0 = nowMs()
      let seq = 0
      while (seq < n) {
        for (let k = 0; k < BURST && seq < n; k++) {
          // a product enters only when the head holds a code (the feeder keeps it ahead)
          if (head.buffer.length === 0) break
          seq++
          const s = nowMs()
          tracker.onTrigger(seq)
          const item = head.trigger() as PrintItem
          // PRINTED is committed when the next group commit returns: that is the dispatch of this item.
          if (seq % 10 === 0) probes.push(pool.commit.submit(() => null, { savepoint: false }).then(() => { dispatchMs.push(nowMs() - s) }))
          tracker.onResult({ camera: 'cam', seq, ts: 0, code: item.code, grade: 'A', receivedAt: 0 })
          if (seq % sampleEvery === 0) rss.push({ items: seq, mb: process.memoryUsage().rss / 1048576 })
        }
        await probes.pace()
      }
      await probes.drain()
      await tracker.settled()
      await aggregator.settled()
      const elapsed = (nowMs() - t0) / 1000
      const cpu = process.cpuUsage(cpu0)
      eld.disable()
      const acc = pool.accounting().gtins[GTIN]
      feeder.close()
      if (acc === undefined || acc.states.AGGREGATED + acc.states.VERIFIED !== tracker.counters.verified) throw new Error(`store and counters disagree: ${JSON.stringify(acc?.states)} vs ${tracker.counters.verified}`)
      if (tracker.counters.verified !== n) throw new Error(`${n} items triggered, ${tracker.counters.verified} verified`)
      const boxes = Math.floor(n / 12)
      if (closed.box !== boxes || acc.states.AGGREGATED !== boxes * 12 || closed.pallet !== Math.floor(boxes / 40)) {
        throw new Error(`${n} items should close ${boxes} boxes (${boxes * 12} codes AGGREGATED) and ${Math.floor(boxes / 40)} pallets; closed ${closed.box} boxes, ${closed.pallet} pallets, ${acc.states.AGGREGATED} AGGREGATED`)
      }
      const lat = summarize(dispatchMs)
      const stats = pool.commit.stats
      pool.commit.close()
      db.close()
      return {
        items_per_s: Math.round(tracker.counters.verified / elapsed),
        cpu_us_per_item: round((cpu.user + cpu.system) / n, 1),
        dispatch_p50_ms: lat.p50,
        dispatch_p99_ms: lat.p99,
        event_loop_p99_ms: round(eld.percentile(99) / 1e6, 1),
        event_loop_max_ms: round(eld.max / 1e6, 1),
        rss_mb: rssMb(),
        rss_growth_mb_per_100k: round(slope(rss.filter(r => r.items > n / 5)) * 100_000, 2),
        commits: stats.commits,
        max_statements_per_commit: stats.maxStatements,
        commit_max_ms: round(stats.maxCommitMs, 1),
        items: tracker.counters.verified,
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
} satisfies Bench

/** Least-squares slope of RSS (MB) over items: robust to one noisy sample, unlike first-to-last. */
function slope (samples: Array<{ items: number, mb: number }>): number {
  if (samples.length < 2) return NaN
  const mx = samples.reduce((a, r) => a + r.items, 0) / samples.length
  const my = samples.reduce((a, r) => a + r.mb, 0) / samples.length
  let num = 0
  let den = 0
  for (const r of samples) { num += (r.items - mx) * (r.mb - my); den += (r.items - mx) ** 2 }
  return num / den
}
