// Shared set-up for emission tests: an OMS emulator on loopback, a client against it, a real pool on SQLite.
import { join } from 'node:path'
import type { Test } from 'tap'
import { ManualClock } from '../../../line/clock.ts'
import { ProfileRegistry, withCheckDigit } from '../../../line/codes/index.ts'
import { OmsClient, Replenisher, StaticTokenProvider, type EmissionAlarm, type OmsClientOptions, type ReplenishSizing } from '../../../line/emission/index.ts'
import { CodePool } from '../../../line/pool/index.ts'
import { openDatabase } from '../../../line/store/open.ts'
import { tempDir } from '../../helpers/tmp.ts'
import { OmsEmulator, type OmsEmulatorOptions } from '../../../sim/oms/index.ts'

export interface OmsFixture {
  emu: OmsEmulator
  client: OmsClient
  clock: ManualClock
}

export async function omsFixture (t: { teardown(fn: () => unknown): void }, options: { emu?: OmsEmulatorOptions, client?: Partial<OmsClientOptions>, clock?: ManualClock } = {}): Promise<OmsFixture> {
  const clock = options.clock ?? new ManualClock()
  // a fixed token, always valid: a test convenience outside the guide (docs/oms.md)
  const emu = new OmsEmulator({ clock, activationDelayMs: 10_000, clientToken: 'emulator-token', ...options.emu })
  const url = await emu.start()
  const client = new OmsClient({
    url,
    omsId: emu.omsId,
    tokens: new StaticTokenProvider(emu.clientToken),
    timeoutMs: 2_000,
    attempts: 3,
    backoffBaseMs: 5,
    backoffMaxMs: 20,
    maxRequestsPerSecond: 10,
    ...options.client,
  })
  t.teardown(async () => { await client.close(); await emu.close() })
  return { emu, client, clock }
}

export const WATER_ORDER = (gtin: string, quantity: number) => ({
  productGroup: 'water',
  products: [{ gtin, quantity, serialNumberType: 'OPERATOR' as const, templateId: 16, cisType: 'UNIT' as const }],
  attributes: { releaseMethodType: 'PRODUCTION' as const, createMethodType: 'SELF_MADE' as const },
})

export const GTIN = withCheckDigit('0460165303004')
export const profiles = new ProfileRegistry()
export const SIZING: Partial<ReplenishSizing> = { lowWatermarkMinutes: 10, targetMinutes: 20, blockSize: 5_000, pollMinMs: 5_000, pollMaxMs: 20_000, errorBackoffMinMs: 10_000, errorBackoffMaxMs: 60_000 }

/** A line's emission side on a real SQLite file: pool + replenisher for a 600 units/min water job. */
export function lineFixture (t: Test, f: OmsFixture, dir = tempDir(t), sizing = SIZING) {
  const db = openDatabase(join(dir, 'line.db'), { synchronous: 'NORMAL' })
  const pool = new CodePool(db, { profiles, clock: f.clock })
  const alarms: EmissionAlarm[] = []
  const rep = new Replenisher({ client: f.client, pool, db, clock: f.clock, profiles, sizing, onAlarm: a => alarms.push(a) })
  rep.setDemand([{ gtin: GTIN, group: 'water', unitsPerMinute: 600 }])
  const close = (): void => { pool.commit.close(); if (db.open) db.close() }
  t.teardown(close)
  return { db, pool, rep, alarms, dir, close }
}

/** Every code the emulator handed out is in the pool exactly once (no loss, no duplicate). */
export function assertNoLoss (t: Test, f: OmsFixture, pool: CodePool): void {
  const issued = f.emu.issuedCodes()
  const rows = pool.db.prepare('SELECT code FROM codes').all() as Array<{ code: string }>
  const inPool = new Set(rows.map(r => r.code))
  t.equal(inPool.size, rows.length, 'no code twice in the pool')
  t.equal(issued.filter(c => !inPool.has(c)).length, 0, 'every issued code reached the pool')
  t.equal(rows.length, issued.length, 'and nothing else is there')
  t.ok(pool.accounting().balanced, 'pool accounting balanced')
}
