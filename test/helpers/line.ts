// Whole-line fixture: a real controller (embedded broker, SQLite file) with the simulated world around it.
import { join } from 'node:path'
import { validateConfig } from '../../line/config/load.ts'
import type { LineConfig } from '../../line/config/schema.ts'
import { silentLogger } from '../../line/log.ts'
import { startLine, type LineHandle } from '../../line/main.ts'
import { ProfileRegistry } from '../../line/codes/index.ts'
import { CodeFactory } from '../../sim/codes/factory.ts'
import { SimWorld, type WorldOptions } from '../../sim/world.ts'
import { GTIN_A } from './pool.ts'
import { tempDir } from './tmp.ts'

export function lineConfig (dir: string, overrides: Record<string, unknown> = {}): LineConfig {
  return validateConfig({
    site: 'test-plant',
    line: 'l1',
    store: { path: join(dir, 'line.db'), synchronous: 'NORMAL' },
    log: { level: 'silent' },
    broker: { port: 0, persistence: join(dir, 'broker.db') },
    printers: [
      { id: 'head-1', driver: 'modbus-head', transport: { kind: 'tcp', port: 0 }, bufferDepth: 32, pollIntervalMs: 10 },
      { id: 'box-label', driver: 'zpl-label', role: 'box', transport: { kind: 'tcp', port: 0 } },
    ],
    cameras: [{ id: 'cam-1', role: 'unit', distance: 2, resultTimeoutMs: 1500 }],
    plc: { rejectDistance: 20, maxConsecutiveRejects: 50 },
    hmi: { host: '127.0.0.1', port: 0 },
    pool: { criticalCodes: 0, minRemainingValidity: 0 },
    job: { group: 'water', gtin: GTIN_A, batch: 'T-1', productionDate: '2026-11-25', expiryDate: '2027-11-25', quantity: 300, unitsPerBox: 12, boxesPerPallet: 10, minGrade: 'C', unitsPerMinute: 1500 },
    ...overrides,
  })
}

export interface LineFixture { line: LineHandle, world: SimWorld, config: LineConfig, dir: string }

export async function startTestLine (t: { teardown(fn: () => unknown): void }, options: { config?: Record<string, unknown>, world?: WorldOptions, codes?: number, dir?: string } = {}): Promise<LineFixture> {
  const dir = options.dir ?? tempDir(t)
  const base = lineConfig(dir, options.config)
  const { world, config } = await SimWorld.devices(base, options.world ?? {})
  const line = await startLine(config, { log: silentLogger(), hmiBootstrap: { adminUser: 'admin', adminPassword: 'admin-test-pw' } })
  t.teardown(async () => { await world.close(); await line.close() })
  if ((options.codes ?? 0) > 0) {
    const profiles = new ProfileRegistry()
    const job = config.job!
    line.pool.importBlockSync({ blockId: `prefill-${Date.now()}`, gtin: job.gtin, group: job.group, expiresAt: Date.now() + 30 * 86_400_000, codes: new CodeFactory(Date.now() % 1000).raw(profiles.get(job.group), job.gtin, options.codes ?? 0) })
  }
  await world.attach(config, line.broker?.url ?? String(config.broker.url))
  return { line, world, config, dir }
}

export async function waitFor (what: string, cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

/**
 * Press reset and start (as the PLC's buttons) until the line runs: a start is refused while a device is not
 * ready yet (e.g. the head's first status read timed out under load), and an operator simply presses it again.
 */
export async function runLine (world: SimWorld, config: LineConfig, state: () => string | undefined, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (state() !== 'Execute') {
    if (Date.now() > until) throw new Error(`line not running after ${timeoutMs} ms (state ${state()})`)
    const s = state()
    if (s === 'Stopped' || s === 'Complete') await world.command(config, 'reset')
    else if (s === 'Idle') await world.command(config, 'start')
    await new Promise(resolve => setTimeout(resolve, 300))
  }
}
