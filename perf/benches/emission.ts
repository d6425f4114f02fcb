// Codes per second from the OMS emulator (its own process, over loopback HTTP) into the durable pool, validation
// and an fsync'd commit included, for 150,000-code blocks; and the controller's memory while doing it.

import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { ProfileRegistry, withCheckDigit } from '../../line/codes/index.ts'
import { OmsClient, StaticTokenProvider } from '../../line/emission/index.ts'
import { CodePool } from '../../line/pool/index.ts'
import { openDatabase } from '../../line/store/open.ts'
import { nowMs, round, rssMb, summarize, type Bench } from '../lib.ts'

const BLOCK = 150_000

async function startEmulator (): Promise<{ url: string, omsId: string, clientToken: string, stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../../sim/oms/main.ts'), '--activation-ms', '0', '--rate-limit', '0'], { stdio: ['ignore', 'pipe', 'inherit'] })
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout })
    rl.once('line', resolve)
    child.once('exit', code => reject(new Error(`emulator exited with ${code}`)))
  })
  return { ...JSON.parse(line) as { url: string, omsId: string, clientToken: string }, stop: () => { child.kill('SIGTERM') } }
}

export default {
  description: 'codes/s from the OMS emulator to the durable pool (150,000-code blocks, validation + FULL fsync)',
  async run ({ quick }) {
    const blocks = quick ? 1 : 6
    const emu = await startEmulator()
    const dir = mkdtempSync(join(tmpdir(), 'bench-emission-'))
    const client = new OmsClient({ url: emu.url, omsId: emu.omsId, tokens: new StaticTokenProvider(emu.clientToken), maxRequestsPerSecond: 100, timeoutMs: 120_000 })
    const db = openDatabase(join(dir, 'line.db'), { synchronous: 'FULL' })
    const profiles = new ProfileRegistry()
    const pool = new CodePool(db, { profiles })
    const fetchMs: number[] = []
    const importMs: number[] = []
    let rssPeak = rssMb()
    let codes = 0
    let totalMs = 0
    try {
      for (let i = 0; i < blocks; i++) {
        const gtin = withCheckDigit(String(4607100000000 + i))
        const order = await client.createOrder({
          productGroup: 'water',
          products: [{ gtin, quantity: BLOCK, serialNumberType: 'OPERATOR', templateId: 16, cisType: 'UNIT' }],
          attributes: { releaseMethodType: 'PRODUCTION', createMethodType: 'SELF_MADE' },
        })
        // Activation makes the emulator generate the codes; that is the OMS's time, not ours.
        const [status] = await client.orderStatus(order.orderId, gtin)
        if (status?.bufferStatus !== 'ACTIVE') throw new Error(`order not active: ${status?.bufferStatus}`)
        const t0 = nowMs()
        const block = await client.getCodes(order.orderId, gtin, BLOCK)
        const t1 = nowMs()
        const r = await pool.importBlock({ blockId: block.blockId, orderId: order.orderId, gtin, group: 'water', expiresAt: status.expiredDate ?? Date.now() + 30 * 86_400_000, codes: block.codes })
        const t2 = nowMs()
        if (r.imported !== BLOCK) throw new Error(`imported ${r.imported}`)
        fetchMs.push(t1 - t0)
        importMs.push(t2 - t1)
        totalMs += t2 - t0
        codes += r.imported
        rssPeak = Math.max(rssPeak, rssMb())
        await client.closeOrder(order.orderId)
      }
      if (!pool.accounting().balanced) throw new Error('pool accounting off')
    } finally {
      await client.close()
      pool.commit.close()
      db.close()
      emu.stop()
      rmSync(dir, { recursive: true, force: true })
    }
    const f = summarize(fetchMs)
    const im = summarize(importMs)
    return {
      codes_per_s: Math.round(codes / (totalMs / 1000)),
      rss_mb: rssPeak,
      block_codes: BLOCK,
      blocks,
      fetch_ms_p50: f.p50,
      import_ms_p50: im.p50,
      import_codes_per_s: Math.round(BLOCK / (im.p50 / 1000)),
      fetch_codes_per_s: Math.round(BLOCK / (f.p50 / 1000)),
      total_s: round(totalMs / 1000, 2),
    }
  },
} satisfies Bench
