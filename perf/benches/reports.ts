// Reports end to end through the True API emulator: codes/s from outbox.add to ACCEPTED (build, sign, send, poll,
// link and move codes), and the time to build + sign + send one 30,000-code report. The emulator runs in its own
// process, as a remote API would, so its parsing does not count as the controller's time. The OMS leg comes later.
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ProfileRegistry, buildSscc, withCheckDigit } from '../../line/codes/index.ts'
import { systemClock } from '../../line/clock.ts'
import { TrueApiClient } from '../../line/gismt/index.ts'
import { CodePool } from '../../line/pool/index.ts'
import { ReportOutbox, TrueApiDocumentSender } from '../../line/reports/index.ts'
import { TestSigner } from '../../line/signer/index.ts'
import { openDatabase } from '../../line/store/open.ts'
import { CodeFactory } from '../../sim/codes/factory.ts'
import { round, rssMb, type Bench } from '../lib.ts'

const GTIN = withCheckDigit('0460165303004')
const BOX = 20

/** The emulator as a child process; resolves once it printed its URL. */
async function emulatorProcess () {
  const main = fileURLToPath(new URL('../../sim/gismt/main.ts', import.meta.url))
  const child = spawn(process.execPath, ['--import', 'tsx', main], { stdio: ['ignore', 'pipe', 'inherit'] })
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout })
    rl.once('line', l => { rl.close(); resolve(l) })
    child.once('exit', code => reject(new Error(`emulator exited with ${code}`)))
  })
  const url = (JSON.parse(line) as { url: string }).url
  const control = async (method: string, path: string, body?: unknown): Promise<any> => {
    const res = await fetch(url + path, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
    return res.json()
  }
  const close = async (): Promise<void> => {
    if (child.exitCode !== null) return
    const exited = new Promise(resolve => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }
  return { url, control, close }
}

async function world (n: number, pollIntervalMs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'lc-bench-reports-'))
  const db = openDatabase(join(dir, 'line.db'), { synchronous: 'NORMAL' })
  const profiles = new ProfileRegistry()
  const pool = new CodePool(db, { profiles, clock: systemClock })
  const factory = new CodeFactory(7)
  const emu = await emulatorProcess()
  const client = new TrueApiClient({ url: emu.url, signer: new TestSigner(), clock: systemClock, timeoutMs: 30_000 })
  const sender = new TrueApiDocumentSender({ client, participantInn: '7700000000' })
  const outbox = new ReportOutbox({
    pool, clock: systemClock, senders: { aggregation: sender, introduction: sender },
    windowMs: 200, pollIntervalMs, retryBaseMs: 50, onAccepted: { aggregation: 'REPORTED' }, concurrency: 4,
  })
  // Set-up, not measured: codes imported, printed, verified, boxed; known to the emulator.
  const ids: number[] = []
  const CHUNK = 10_000
  let box = 0
  for (let i = 0; i < n; i += CHUNK) {
    const m = Math.min(CHUNK, n - i)
    await pool.importBlock({ blockId: `b${i}`, gtin: GTIN, group: 'water', expiresAt: systemClock.now() + 30 * 86_400_000, codes: factory.raw(profiles.get('water'), GTIN, m) })
    const r = (await pool.reserve(GTIN, m, 'p1')).map(x => x.id)
    await pool.markPrinted(r)
    await pool.markVerified(r)
    for (let j = 0; j < r.length; j += BOX) await pool.aggregate(r.slice(j, j + BOX), buildSscc(0, '4601653', ++box).digits)
    ids.push(...r)
  }
  const identities = pool.queries.codesIn(['AGGREGATED']).map(r => r.identity)
  for (let i = 0; i < identities.length; i += 50_000) await emu.control('POST', '/_emulator/codes', { codes: identities.slice(i, i + 50_000) })
  const close = async (): Promise<void> => { await outbox.stop(); await client.close(); await emu.close(); pool.commit.close(); db.close(); rmSync(dir, { recursive: true, force: true }) }
  return { pool, outbox, emu, ids, close }
}

export default {
  description: 'reports through the True API emulator: codes/s add→ACCEPTED, and build+sign+send of a 30,000-code report',
  async run ({ quick }) {
    // 1. One 30,000-code report: build (body from the store), sign, persist SENDING, send, persist SENT.
    const reps = quick ? 2 : 3
    // Polling is pushed out so the measured tick only builds, signs and sends.
    const w1 = await world(30_000 * reps, 3_600_000)
    const times: number[] = []
    for (let k = 0; k < reps; k++) {
      const part = w1.ids.slice(k * 30_000, (k + 1) * 30_000)
      const { reportIds } = await w1.outbox.add({ kind: 'introduction', group: 'water', codeIds: part, attributes: { productionDate: '2026-01-02', tnvedCode: '2201101100', rep: k } })
      const t0 = performance.now()
      await w1.outbox.tick()
      times.push(performance.now() - t0)
      if (w1.outbox.get(reportIds[0] as string)?.state !== 'SENT') throw new Error('the 30k report was not sent')
    }
    await w1.close()
    times.sort((a, b) => a - b)

    // 2. End to end: the line adds box after box; the outbox batches, sends, polls, accepts, moves codes.
    const n = quick ? 60_000 : 150_000
    const w2 = await world(n, 5)
    const t0 = performance.now()
    let done = false
    const loop = (async () => { while (!done) { await w2.outbox.tick(); await new Promise(resolve => setImmediate(resolve)) } })()
    for (let i = 0; i < n; i += 1000) await w2.outbox.add({ kind: 'aggregation', group: 'water', codeIds: w2.ids.slice(i, i + 1000) })
    await w2.outbox.closeOpen()
    while (w2.outbox.summary().ACCEPTED.codes < n) {
      await new Promise(resolve => setTimeout(resolve, 5))
      if (performance.now() - t0 > 120_000) throw new Error('reports did not catch up within 120 s')
    }
    const elapsed = performance.now() - t0
    done = true
    await loop
    const reported = (w2.pool.accounting().gtins[GTIN]?.states.REPORTED ?? 0)
    const receipts = await w2.emu.control('GET', '/_emulator/receipts') as { documents: number, codes: number, codesReceivedTwice: number }
    if (reported !== n || receipts.codes !== n || receipts.codesReceivedTwice !== 0) throw new Error(`expected ${n} codes reported once, got ${JSON.stringify({ reported, ...receipts })}`)
    const docs = receipts.documents
    await w2.close()
    return {
      codes_per_s: round(n / (elapsed / 1000), 0),
      utilisation_30k_ms: round(times[Math.floor(times.length / 2)] as number, 1),
      utilisation_30k_max_ms: round(times[times.length - 1] as number, 1),
      documents: docs,
      codes: n,
      rss_mb: rssMb(),
    }
  },
} satisfies Bench
