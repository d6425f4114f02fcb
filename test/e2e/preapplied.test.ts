// The pre-applied mode on the whole simulated line (docs/modes.md): codes ordered from the OMS emulator are handed
// over to a printing house; the packs come printed with them (a roll with a blank pack, a code printed twice and a
// pack from another roll); nothing on the line prints. The camera's read is each pack's code: good packs are
// verified, boxed and utilised in the OMS; the repeat, the stranger and the blank are rejected without touching the
// store; the job completes on its quantity.
import t from 'tap'
import { startLine } from '../../line/main.ts'
import { silentLogger } from '../../line/log.ts'
import { CodeState } from '../../line/pool/states.ts'
import { OmsEmulator } from '../../sim/oms/index.ts'
import { PrintedRoll } from '../../sim/line/printed-roll.ts'
import { SimWorld } from '../../sim/world.ts'
import { lineConfig, runLine, waitFor } from '../helpers/line.ts'
import { tempDir } from '../helpers/tmp.ts'

const GTIN = '04601653030046'
const identity = (code: string): string => code.split('\u001d')[0] as string

t.test('packs printed elsewhere are read, checked, rejected, boxed and reported; nothing prints', async t => {
  const dir = tempDir(t)
  const oms = new OmsEmulator({ port: 0, clientToken: 'tok', activationDelayMs: 200, rateLimitPerSecond: 0, reportProcessingMs: 100 })
  await oms.start()
  t.teardown(() => oms.close())
  const quantity = 72
  const rollCodes: string[] = []
  const roll = new PrintedRoll(rollCodes, { blankEvery: 25, repeatEvery: 31, foreignEvery: 37, foreign: () => `0104601653030046215FOREIGN${String(Math.random()).slice(2, 8)}\u001d93zz` })
  const base = lineConfig(dir, {
    printers: [{ id: 'box-label', driver: 'zpl-label', role: 'box', transport: { kind: 'tcp', port: 0 } }],
    pool: { lowWatermarkCodes: 200, targetCodes: 300, criticalCodes: 0, minRemainingValidity: 0 },
    oms: { url: oms.url, omsId: oms.omsId, clientToken: 'tok' },
    reports: { aggregationVia: 'oms', window: 300, pollIntervalMs: 100, tickMs: 50, retryBaseMs: 200, retryMaxMs: 1000 },
    job: { group: 'water', gtin: GTIN, batch: 'P-1', productionDate: '2026-11-25', expiryDate: '2027-11-25', quantity, unitsPerBox: 12, boxesPerPallet: 4, minGrade: 'C', unitsPerMinute: 600, mode: 'preapplied' },
  })
  const { world, config } = await SimWorld.devices(base, { camera: { mode: 'fast' }, roll })
  const line = await startLine(config, { log: silentLogger(), hmiBootstrap: { adminUser: 'admin', adminPassword: 'admin-test-pw' } })
  t.teardown(async () => { await world.close(); await line.close() })
  const rt = line.runtime
  const state = () => rt.snapshot().state.state

  // the printing house gets a codes file: those codes are HANDED_OVER, never given to a head
  await waitFor('codes from the OMS emulator', () => line.pool.level(GTIN) >= quantity + 20, 60_000)
  const handed = line.db.prepare(`SELECT id, code FROM codes WHERE gtin = ? AND state = ${CodeState.AVAILABLE} ORDER BY id LIMIT ?`).all(GTIN, quantity + 20) as Array<{ id: number, code: string }>
  await line.pool.transition({ ids: handed.map(c => c.id), to: 'HANDED_OVER', exportId: 'PH-1' })
  rollCodes.push(...handed.map(c => c.code))
  const availableBefore = line.pool.level(GTIN)

  await world.attach(config, line.broker?.url ?? '')
  await runLine(world, config, state)
  await waitFor('Complete', () => state() === 'Complete', 120_000).catch(err => { throw new Error(`${err.message}: ${JSON.stringify({ state: state(), counters: rt.counters() })}`) })
  await waitFor('the conveyor is empty', () => world.conveyor!.onConveyor === 0, 20_000)
  const db = line.db
  await waitFor('every report accepted', () => (db.prepare("SELECT count(*) AS n FROM report_outbox WHERE state != 'ACCEPTED'").get() as { n: number }).n === 0 &&
    (db.prepare(`SELECT count(*) AS n FROM codes WHERE state IN (${CodeState.VERIFIED}, ${CodeState.AGGREGATED}, ${CodeState.DEFECT})`).get() as { n: number }).n === 0, 60_000)
    .catch(err => { throw new Error(`${err.message}: ${JSON.stringify(line.pool.accounting().gtins[GTIN]?.states)}`) })

  const stateOf = (code: string) => line.pool.findByIdentity(identity(code))
  const conv = world.conveyor!.stats
  const packs = roll.packs
  t.ok(packs.includes(null), 'the roll had a blank pack')
  const seen = new Set<string>()
  const repeats = packs.filter(c => c !== null && (seen.has(c) || (seen.add(c), false)))
  t.ok(repeats.length > 0, `a code was printed twice (${repeats.length})`)
  t.ok(packs.some(c => c !== null && c.includes('FOREIGN')), 'a pack came from another roll')
  t.same(conv.shippedCodes.filter(c => !['REPORTED'].includes(stateOf(c)?.state ?? '')), [], 'every shipped pack carries a code that ends REPORTED')
  t.equal(new Set(conv.shippedCodes).size, conv.shippedCodes.length, 'no code shipped twice')
  t.ok(conv.rejectedCodes.filter(c => c.includes('FOREIGN')).length > 0, 'the stranger was rejected')
  t.equal(conv.rejectedCodes.filter(c => repeats.includes(c)).length, repeats.length, 'every repeat was rejected (its first pack shipped)')
  t.ok(conv.unmarked > 0, 'the blank pack entered the line')

  const claimed = (db.prepare('SELECT count(*) AS n FROM codes WHERE job_id IS NOT NULL AND state <> ?').get(CodeState.HANDED_OVER) as { n: number }).n
  // the infeed stops when the job's quantity is read; packs already between the photocell and the camera are
  // real products with real codes, read and accounted like the others
  t.ok(claimed >= quantity && claimed <= quantity + config.plc.rejectDistance, `the job took its quantity of codes, and the packs already on the way (${claimed} of ${quantity})`)
  t.ok(line.pool.level(GTIN) >= availableBefore, 'no available code was used')
  t.equal(world.heads.size, 0, 'nothing on the line prints units')
  const reported = db.prepare(`SELECT code, parent FROM codes WHERE state = ${CodeState.REPORTED}`).all() as Array<{ code: string, parent: string | null }>
  const utilised = new Set(oms.utilised())
  t.same(reported.filter(r => !utilised.has(r.code)), [], 'every good pack utilised in the OMS (its full code)')
  t.equal(utilised.size, reported.length, 'and nothing else')
  t.equal(oms.aggregated().reduce((n, u) => n + u.sntins.length, 0), reported.length, 'every good pack aggregated in its box')
  const c = rt.counters()
  t.equal(c.verified, reported.length, 'counters agree with the store')
  t.ok((c.rejectsByReason.DUPLICATE_CODE ?? 0) >= repeats.length && (c.rejectsByReason.FOREIGN_CODE ?? 0) >= 1, `rejects by reason ${JSON.stringify(c.rejectsByReason)}`)
  t.equal((db.prepare(`SELECT count(*) AS n FROM codes WHERE state = ${CodeState.HANDED_OVER} AND export_id = 'PH-1'`).get() as { n: number }).n, handed.length - claimed, 'the rest of the roll stays handed over')
})
