// A pool with verified, boxed codes, the True API emulator, a client with the test signer and an outbox on top.
import { buildSscc } from '../../../line/codes/index.ts'
import { TrueApiClient } from '../../../line/gismt/index.ts'
import { ReportOutbox, TrueApiDocumentSender, type OutboxOptions } from '../../../line/reports/index.ts'
import { TestSigner, type Signer } from '../../../line/signer/index.ts'
import { startTrueApiEmulator, type EmulatorOptions, type TrueApiEmulator } from '../../../sim/gismt/server.ts'
import { block, poolFixture, type PoolFixture } from '../../helpers/pool.ts'

export interface ReportsFixture extends PoolFixture {
  emu: TrueApiEmulator
  client: TrueApiClient
  outbox: ReportOutbox
  signer: Signer
}

export async function reportsFixture (t: { teardown(fn: () => void | Promise<void>): void }, options: { signer?: Signer, outbox?: Partial<OutboxOptions>, timeoutMs?: number, emulator?: EmulatorOptions } = {}): Promise<ReportsFixture> {
  const f = poolFixture(t)
  const emu = await startTrueApiEmulator({ clock: f.clock, ...options.emulator })
  const signer = options.signer ?? new TestSigner()
  const client = new TrueApiClient({ url: emu.url, signer, clock: f.clock, retries: 1, retryBaseMs: 5, timeoutMs: options.timeoutMs ?? 2000 })
  const sender = new TrueApiDocumentSender({ client, participantInn: '7700000000' })
  const outbox = new ReportOutbox({
    pool: f.pool, clock: f.clock, senders: { aggregation: sender, pallet: sender, introduction: sender, disaggregation: sender },
    windowMs: 10_000, retryBaseMs: 1000, retryMaxMs: 60_000, pollIntervalMs: 1000, onAccepted: { aggregation: 'REPORTED' },
    ...options.outbox,
  })
  t.teardown(async () => { await outbox.stop(); await client.close(); await emu.close() })
  return { ...f, emu, client, outbox, signer }
}

/** Import n codes, take them to VERIFIED and into boxes of `perBox`; returns ids, identities and box SSCCs. */
export async function boxedCodes (f: PoolFixture, blockId: string, n: number, perBox: number, ssccStart = 1): Promise<{ ids: number[], identities: string[], boxes: string[] }> {
  const b = block(f, blockId, n)
  await f.pool.importBlock(b)
  const reserved = await f.pool.reserve(b.gtin, n, 'p1')
  const ids = reserved.map(r => r.id)
  await f.pool.markPrinted(ids)
  await f.pool.markVerified(ids)
  const boxes: string[] = []
  for (let i = 0; i < ids.length; i += perBox) {
    const sscc = buildSscc(0, '4601653', ssccStart + boxes.length).digits
    boxes.push(sscc)
    await f.pool.aggregate(ids.slice(i, i + perBox), sscc)
  }
  const identities = ids.map(id => (f.pool.get(id) as { identity: string }).identity)
  return { ids, identities, boxes }
}

/** Tick until `done` or `max` rounds pass, advancing the manual clock by `stepMs` between rounds. */
export async function runUntil (f: ReportsFixture, done: () => boolean, stepMs = 1000, max = 200): Promise<number> {
  for (let i = 0; i < max; i++) {
    await f.outbox.tick()
    if (done()) return i
    f.clock.advance(stepMs)
  }
  return -1
}
