// The controller's own pipeline at full speed: trigger → confirmed print → camera result → VERIFIED → box
// (SSCC, AGGREGATED), with fsync-ed group commits. The print head is an in-memory stand-in (a real Modbus head
// is polled and would measure the link, not the controller); cameras are code-level ("fast"). Figures: items/s
// sustained, trigger→dispatch latency (the item's code assigned and PRINTED committed), RSS.
import { EventEmitter } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
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
import { nowMs, rssMb, summarize, type Bench } from '../lib.ts'

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

export default {
  description: 'line core: items/s through tracker, pool and aggregation with durable commits; dispatch latency',
  async run ({ quick }) {
    const n = quick ? 20_000 : 100_000
    const dir = mkdtempSync(join(tmpdir(), 'perf-line-'))
    try {
      const db = openDatabase(join(dir, 'line.db'), { synchronous: 'FULL' })
      const profiles = new ProfileRegistry()
      const clock = systemClock
      const log = silentLogger()
      const pool = new CodePool(db, { profiles, clock })
      const codes = new CodeFactory(9).raw(profiles.get('water'), GTIN, n + 1000)
      for (let i = 0; i < codes.length; i += 50_000) pool.importBlockSync({ blockId: `b${i}`, gtin: GTIN, group: 'water', expiresAt: Date.now() + 30 * 86_400_000, codes: codes.slice(i, i + 50_000) })
      const alarms = new AlarmBook(db, { clock, log })
      const head = new MemoryHead(512)
      const feeder = new Feeder({ pool, printers: [head], log, alarms, minChunk: 128, intervalMs: 5 })
      const tracker = new Tracker({ pool, clock, log, alarms, plc: { reject: async () => {} }, rejectDistance: 1_000_000, resultTimeoutMs: 60_000, printTimeoutMs: 60_000, maxConsecutiveRejects: 1_000_000 })
      const aggregator = new Aggregator({ db, pool, clock, log, alarms, companyPrefix: '4600000', extensionDigit: 0 })
      tracker.setJob({ id: 1, minGrade: 'C' })
      feeder.setJob({ id: 1, gtin: GTIN, budget: n + 1000 })
      aggregator.setJob({ id: 1, gtin: GTIN, batch: 'B', unitsPerBox: 12, boxesPerPallet: 40 })
      tracker.on('good', (u: { id: number }) => { void aggregator.addUnit(u.id) })
      head.on('printed', d => tracker.onPrinted(d))
      feeder.start()
      while (head.buffer.length < 256) await new Promise(resolve => setTimeout(resolve, 1))

      const dispatchMs: number[] = []
      const t0 = nowMs()
      let seq = 0
      const chunk = 500
      while (seq < n) {
        const pending: Array<Promise<unknown>> = []
        for (let k = 0; k < chunk && seq < n; k++) {
          // a product enters only when the head holds a code (the feeder keeps it ahead)
          while (head.buffer.length === 0) await new Promise(resolve => setImmediate(resolve))
          seq++
          const s = nowMs()
          tracker.onTrigger(seq)
          const item = head.trigger() as PrintItem
          // PRINTED is committed when the next group commit returns: that is the dispatch of this item.
          if (seq % 10 === 0) pending.push(pool.commit.submit(() => null, { savepoint: false }).then(() => { dispatchMs.push(nowMs() - s) }))
          tracker.onResult({ camera: 'cam', seq, ts: 0, code: item.code, grade: 'A', receivedAt: 0 })
        }
        await Promise.all(pending)
        feeder.fill(head)
      }
      await tracker.settled()
      await aggregator.settled()
      const elapsed = (nowMs() - t0) / 1000
      const acc = pool.accounting().gtins[GTIN]
      feeder.close()
      if (acc === undefined || acc.states.AGGREGATED + acc.states.VERIFIED !== tracker.counters.verified) throw new Error(`store and counters disagree: ${JSON.stringify(acc?.states)} vs ${tracker.counters.verified}`)
      const lat = summarize(dispatchMs)
      pool.commit.close()
      db.close()
      return { items_per_s: Math.round(tracker.counters.verified / elapsed), dispatch_p50_ms: lat.p50, dispatch_p99_ms: lat.p99, rss_mb: rssMb(), items: tracker.counters.verified }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
} satisfies Bench
