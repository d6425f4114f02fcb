// Pool throughput: codes through reserve → printed → verified → aggregated with durable (fsync-ed) group
// commits, one operation per item as the line issues them, and the latency of a 64-code buffer refill.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ProfileRegistry, withCheckDigit } from '../../line/codes/index.ts'
import { CodePool } from '../../line/pool/index.ts'
import { openDatabase } from '../../line/store/open.ts'
import { CodeFactory } from '../../sim/codes/factory.ts'
import { nowMs, rssMb, summarize, type Bench } from '../lib.ts'

const GTIN = withCheckDigit('0460165303004')

export default {
  description: 'code pool: lifecycle transitions/s with fsync-ed group commits, reserve latency',
  async run ({ quick }) {
    const n = quick ? 60_000 : 240_000
    const dir = mkdtempSync(join(tmpdir(), 'perf-pool-'))
    try {
      const db = openDatabase(join(dir, 'line.db'), { synchronous: 'FULL' })
      const profiles = new ProfileRegistry()
      const pool = new CodePool(db, { profiles })
      const codes = new CodeFactory(1).raw(profiles.get('water'), GTIN, n)
      const ti = nowMs()
      for (let i = 0; i < n; i += 30_000) {
        await pool.importBlock({ blockId: `b${i}`, gtin: GTIN, group: 'water', expiresAt: Date.now() + 30 * 86_400_000, codes: codes.slice(i, i + 30_000) })
      }
      const importMs = nowMs() - ti

      const chunk = 12_000
      const commitsBefore = pool.commit.stats.commits
      const t0 = nowMs()
      let transitions = 0
      for (let done = 0; done < n; done += chunk) {
        const refills: Array<Promise<{ id: number }[]>> = []
        for (let k = 0; k < chunk; k += 64) refills.push(pool.reserve(GTIN, Math.min(64, chunk - k), 'head-1'))
        const ids = (await Promise.all(refills)).flat().map(c => c.id)
        const ops: Array<Promise<unknown>> = []
        for (const id of ids) ops.push(pool.markPrinted([id]))
        for (const id of ids) ops.push(pool.markVerified([id], 'A'))
        for (let b = 0; b < ids.length; b += 12) ops.push(pool.aggregate(ids.slice(b, b + 12), `00${String(done + b).padStart(18, '0')}`))
        await Promise.all(ops)
        transitions += ids.length * 4
      }
      const elapsed = (nowMs() - t0) / 1000
      const commits = pool.commit.stats.commits - commitsBefore
      const acc = pool.accounting()
      if (!acc.balanced || acc.gtins[GTIN]?.states.AGGREGATED !== n) throw new Error(`accounting broken: ${JSON.stringify(acc)}`)

      // Latency of a 64-code buffer refill while the line's per-item transitions share the same commits:
      // each round submits a refill plus the printed/verified/aggregated operations of the previous 64 items.
      const m = quick ? 19_200 : 64_000
      const G2 = withCheckDigit('0460165303011')
      await pool.importBlock({ blockId: 'lat', gtin: G2, group: 'water', expiresAt: Date.now() + 30 * 86_400_000, codes: new CodeFactory(2).raw(profiles.get('water'), G2, m) })
      const reserveMs: number[] = []
      let prev: number[] = []
      const background: Array<Promise<unknown>> = []
      for (let done = 0; done < m; done += 64) {
        for (const id of prev) background.push(pool.markPrinted([id]))
        for (const id of prev) background.push(pool.markVerified([id], 'A'))
        const s = nowMs()
        const got = await pool.reserve(G2, 64, 'head-2')
        reserveMs.push(nowMs() - s)
        prev = got.map(c => c.id)
      }
      await Promise.all(background)
      const lat = summarize(reserveMs)
      pool.commit.close()
      db.close()
      return {
        transitions_per_s: Math.round(transitions / elapsed),
        reserve_p50_ms: lat.p50,
        reserve_p99_ms: lat.p99,
        import_codes_per_s: Math.round(n / (importMs / 1000)),
        commits_per_s: Math.round(commits / elapsed),
        codes: n,
        rss_mb: rssMb(),
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
} satisfies Bench
