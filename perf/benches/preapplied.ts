// The pre-applied mode's pipeline at full speed (docs/modes.md): trigger → the camera's read → the check (is the
// code one handed over for the job's GTIN, seen on no other pack?) → VERIFIED with the pack's number → box (SSCC,
// AGGREGATED), on a real SQLite file with fsync-ed group commits, through the line's own tracker, pool and
// aggregator. Nothing prints and the check is local (the store), so there is no network in the loop. The reads
// carry what a printing house's roll does: 1 % repeated codes, 0.5 % codes of another roll, 0.5 % codes of another
// product, 0.5 % unreadable prints. Figures: items/s (reads decided and their store writes committed), the latency
// of the per-read check (the tracker's synchronous work on one result), read → VERIFIED committed, and the event
// loop's delay.
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
import { PlantCheck } from '../../line/plant/check.ts'
import { PendingClaims } from '../../line/plant/pending.ts'
import { PlantRegistry } from '../../line/plant/registry.ts'
import { Tracker } from '../../line/tracking/tracker.ts'
import { postgresBin, startPostgres } from '../../sim/postgres.ts'
import { CodeFactory, prng } from '../../sim/codes/factory.ts'
import { ProbeWindow, nowMs, round, rssMb, summarize, type Bench } from '../lib.ts'

const GTIN = withCheckDigit('0460165303004')
const OTHER_GTIN = withCheckDigit('0460165303011')

/** Products the PLC hands over per turn of the event loop (as in the line bench). */
const BURST = 100
/** Verify probes in flight at most: the products wait when the store falls this far behind. */
const MAX_PROBES = 200
/** Shares of the reads that are not a fresh code of the job (a printing house's roll). */
const SHARES = { duplicate: 0.01, foreign: 0.005, other: 0.005, unreadable: 0.005 }

type Expected = 'good' | 'DUPLICATE_CODE' | 'FOREIGN_CODE' | 'WRONG_CODE' | 'UNREADABLE'

export default {
  description: 'pre-applied: items/s through read → check → VERIFIED → box with durable commits; latency of the per-read check; the same with the plant-wide check on a local PostgreSQL',
  async run ({ quick }) {
    const n = Number(process.env.PERF_PREAPPLIED_ITEMS ?? (quick ? 20_000 : 300_000))
    if (!Number.isInteger(n) || n < 1000) throw new RangeError(`PERF_PREAPPLIED_ITEMS must be an integer of at least 1000, not ${process.env.PERF_PREAPPLIED_ITEMS}`)
    const local = await pipeline(n, null)
    if (postgresBin() === null) {
      process.stderr.write('preapplied: the plant-wide check is not measured: PostgreSQL is not installed (apt-get install postgresql)\n')
      return local
    }
    // the plant-wide check (docs/modes.md): every read that passed the line's own check is claimed in the plant
    // register, a PostgreSQL cluster on this machine (loopback: the figure is the register's and the claim batching's
    // cost, without the plant network's round trip)
    const teardown: Array<() => void> = []
    try {
      const pg = await startPostgres({ teardown: fn => teardown.push(fn) })
      const plant = await pipeline(n, pg.url)
      const paced = await pacedClaims(pg.url, quick ? 500 : 2_000, 200)
      const figure = (k: string): number => plant[k] ?? Number.NaN
      return {
        ...local,
        plant_items_per_s: figure('items_per_s'),
        plant_cpu_us_per_item: figure('cpu_us_per_item'),
        plant_claim_p50_ms: figure('claim_p50_ms'),
        plant_claim_p99_ms: figure('claim_p99_ms'),
        plant_claim_max_ms: figure('claim_max_ms'),
        plant_claims_per_statement: figure('claims_per_statement'),
        plant_event_loop_p99_ms: figure('event_loop_p99_ms'),
        // at a line's pace (200 packs/s = 12,000/min), one claim per pack: the latency a pack waits for its answer
        plant_paced_claim_p50_ms: paced.p50,
        plant_paced_claim_p99_ms: paced.p99,
      }
    } finally {
      for (const fn of teardown) fn()
    }
  },
} satisfies Bench

async function pipeline (n: number, plantUrl: string | null): Promise<Record<string, number>> {
    const dir = mkdtempSync(join(tmpdir(), 'perf-preapplied-'))
    try {
      const db = openDatabase(join(dir, 'line.db'), { synchronous: 'FULL' })
      const profiles = new ProfileRegistry()
      const clock = systemClock
      const log = silentLogger()
      const pool = new CodePool(db, { profiles, clock })
      const water = profiles.get('water')
      // the job's codes and another product's, all handed over to the printing house (set-up, not measured)
      const factory = new CodeFactory(9)
      const handed: string[] = []
      for (let i = 0; i < n; i += 50_000) {
        const codes = factory.raw(water, GTIN, Math.min(50_000, n - i))
        pool.importBlockSync({ blockId: `b${i}`, gtin: GTIN, group: 'water', expiresAt: Date.now() + 30 * 86_400_000, codes })
        handed.push(...codes)
      }
      const other = factory.raw(water, OTHER_GTIN, Math.ceil(n * SHARES.other) + 100)
      pool.importBlockSync({ blockId: 'other', gtin: OTHER_GTIN, group: 'water', expiresAt: Date.now() + 30 * 86_400_000, codes: other })
      const ids = db.prepare('SELECT id FROM codes ORDER BY id').pluck().all() as number[]
      for (let i = 0; i < ids.length; i += 50_000) pool.transitionSync({ ids: ids.slice(i, i + 50_000), to: 'HANDED_OVER', exportId: 'PH-1' })

      // what the camera reads, pack after pack: the roll's next code, or one of its faults
      const stranger = new CodeFactory(77)
      const rand = prng(5)
      const reads: Array<string | null> = []
      const expected: Expected[] = []
      let next = 0
      let otherNext = 0
      while (next < handed.length) {
        const r = rand()
        let s = SHARES.duplicate
        if (r < s && next > 0) { reads.push(handed[Math.floor(rand() * next)] as string); expected.push('DUPLICATE_CODE'); continue }
        if (r < (s += SHARES.foreign)) { reads.push(stranger.next(water, GTIN).raw); expected.push('FOREIGN_CODE'); continue }
        if (r < (s += SHARES.other)) { reads.push(other[otherNext++] as string); expected.push('WRONG_CODE'); continue }
        if (r < (s += SHARES.unreadable)) { reads.push(null); expected.push('UNREADABLE'); continue }
        reads.push(handed[next++] as string)
        expected.push('good')
      }
      const want: Record<string, number> = {}
      for (const e of expected) want[e] = (want[e] ?? 0) + 1

      const alarms = new AlarmBook(db, { clock, log })
      // The tracker's deadlines follow the pitch it measures between triggers. Products come here in bursts of 100
      // in the same millisecond: on the wall clock the pitch falls to nothing, and a pack whose read comes a
      // millisecond after its trigger would be overdue. Its clock steps one millisecond per product instead.
      let seq = 0
      const lineClock = { now: () => seq }
      const registry = plantUrl === null ? null : new PlantRegistry({ url: plantUrl, site: 'perf', line: 'L1', timeoutMs: 5_000 })
      const plant = registry === null ? null : new PlantCheck({ registry, pending: new PendingClaims(db), whenUnreachable: 'hold', alarms, clock, log })
      const claimMs: number[] = []
      const plantClaim = plant === null ? undefined : async (c: { identity: string, jobId: number, seq: number }) => {
        const s = nowMs()
        const v = await plant.claim(c)
        claimMs.push(nowMs() - s)
        return v
      }
      const tracker = new Tracker({ pool, clock: lineClock, log, alarms, plc: { reject: async () => {} }, rejectDistance: 1_000_000, resultTimeoutMs: 60_000, printTimeoutMs: 60_000, maxConsecutiveRejects: 1_000_000, ...(plantClaim === undefined ? {} : { plantClaim }) })
      const aggregator = new Aggregator({ db, pool, clock, log, alarms, companyPrefix: '4600000', extensionDigit: 0 })
      tracker.setJob({ id: 1, minGrade: 'C', reads: { gtin: GTIN } })
      aggregator.setJob({ id: 1, gtin: GTIN, batch: 'B', unitsPerBox: 12, boxesPerPallet: 40 })
      tracker.on('good', (u: { id: number }) => { void aggregator.addUnit(u.id) })
      const closed = { box: 0, pallet: 0 }
      aggregator.on('closed', (c: { level: 'box' | 'pallet' }) => { closed[c.level]++ })

      const total = reads.length
      const checkMs = new Float64Array(total)
      const verifyMs: number[] = []
      const probes = new ProbeWindow(MAX_PROBES)
      const eld = monitorEventLoopDelay({ resolution: 1 })
      eld.enable()
      const cpu0 = process.cpuUsage()
      const t0 = nowMs()
      while (seq < total) {
        for (let k = 0; k < BURST && seq < total; k++) {
          const code = reads[seq] as string | null
          seq++
          tracker.onTrigger(seq)
          const s = nowMs()
          tracker.onResult({ camera: 'cam', seq, ts: 0, code, grade: 'A', receivedAt: 0 })
          checkMs[seq - 1] = nowMs() - s
          // VERIFIED is committed when the next group commit returns: read → verified for this pack
          if (seq % 10 === 0) probes.push(pool.commit.submit(() => null, { savepoint: false }).then(() => { verifyMs.push(nowMs() - s) }))
        }
        await probes.pace()
      }
      await probes.drain()
      await tracker.settled()
      await aggregator.settled()
      const elapsed = (nowMs() - t0) / 1000
      const cpu = process.cpuUsage(cpu0)
      eld.disable()

      // the verdicts are the ones the reads call for, and the store agrees
      const c = tracker.counters
      const acc = pool.accounting().gtins[GTIN]
      const got: Record<string, number> = { good: c.verified, ...c.rejectsByReason }
      if (JSON.stringify(Object.entries(got).sort()) !== JSON.stringify(Object.entries(want).sort())) throw new Error(`verdicts ${JSON.stringify(got)}, the reads call for ${JSON.stringify(want)}`)
      if (acc === undefined || acc.states.AGGREGATED + acc.states.VERIFIED !== c.verified) throw new Error(`store and counters disagree: ${JSON.stringify(acc?.states)} vs ${c.verified}`)
      const boxes = Math.floor(c.verified / 12)
      if (closed.box !== boxes || acc.states.AGGREGATED !== boxes * 12) throw new Error(`${c.verified} good packs should close ${boxes} boxes; closed ${closed.box}, ${acc.states.AGGREGATED} AGGREGATED`)
      const check = summarize(Array.from(checkMs))
      const verify = summarize(verifyMs)
      const stats = pool.commit.stats
      const claims = summarize(claimMs)
      const statements = registry?.batches ?? 0
      await registry?.close()
      pool.commit.close()
      db.close()
      return {
        ...(registry === null ? {} : { claim_p50_ms: claims.p50, claim_p99_ms: claims.p99, claim_max_ms: claims.max, claims_per_statement: round(claimMs.length / Math.max(1, statements), 1) }),
        items_per_s: Math.round(total / elapsed),
        good_per_s: Math.round(c.verified / elapsed),
        cpu_us_per_item: round((cpu.user + cpu.system) / total, 1),
        check_p50_ms: check.p50,
        check_p99_ms: check.p99,
        check_max_ms: check.max,
        verify_p50_ms: verify.p50,
        verify_p99_ms: verify.p99,
        event_loop_p99_ms: round(eld.percentile(99) / 1e6, 1),
        event_loop_max_ms: round(eld.max / 1e6, 1),
        rss_mb: rssMb(),
        commits: stats.commits,
        items: total,
        rejects: total - c.verified,
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
}

/** Claims of fresh codes at `perSecond`, each timed from its request to its answer (the register's round trip). */
async function pacedClaims (url: string, count: number, perSecond: number): Promise<{ p50: number, p99: number }> {
  const registry = new PlantRegistry({ url, site: 'perf', line: 'paced', timeoutMs: 5_000 })
  const ms: number[] = []
  const t0 = nowMs()
  const pending: Array<Promise<void>> = []
  for (let i = 0; i < count; i++) {
    const due = t0 + (i * 1000) / perSecond
    const wait = due - nowMs()
    if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait))
    const s = nowMs()
    pending.push(registry.claim({ identity: `0104601653030046215PACED${String(i).padStart(8, '0')}`, jobId: 1, seq: i }).then(() => { ms.push(nowMs() - s) }))
  }
  await Promise.all(pending)
  await registry.close()
  const sum = summarize(ms)
  return { p50: sum.p50, p99: sum.p99 }
}
