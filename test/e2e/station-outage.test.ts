// The manual aggregation station on the real line while the OMS is unreachable: the line prints and verifies a job
// it does not box (unitsPerBox 0), the operator boxes those units at the station through the panel's API (wedge
// scans), with a duplicate, a foreign code and garbage refused; the box's label comes out of the line's label
// printer and scanning it closes the box. Its aggregation report waits in the durable outbox during the outage and
// is accepted by the OMS once it is back: the units end REPORTED under the box's SSCC, as a line-made box would.
import t from 'tap'
import { hashPassword } from '../../line/hmi/passwords.ts'
import { HmiStore } from '../../line/hmi/store.ts'
import { CodeFactory } from '../../sim/codes/factory.ts'
import { ProfileRegistry } from '../../line/codes/index.ts'
import { OmsEmulator } from '../../sim/oms/index.ts'
import { Client } from '../line/hmi/harness.ts'
import { runLine, startTestLine, waitFor } from '../helpers/line.ts'

const GTIN = '04601653030046'

t.test('station boxes during an OMS outage: decided locally, reported through the outbox when the OMS is back', async t => {
  const oms = new OmsEmulator({ port: 0, clientToken: 'st-token', activationDelayMs: 300, rateLimitPerSecond: 0, reportProcessingMs: 200 })
  await oms.start()
  t.teardown(() => oms.close())
  const { line, world, config } = await startTestLine(t, {
    world: { camera: { mode: 'fast', noReadRate: 0 } },
    config: {
      oms: { url: oms.url, omsId: oms.omsId, clientToken: 'st-token' },
      reports: { aggregationVia: 'oms', window: 300, pollIntervalMs: 200, retryBaseMs: 200, retryMaxMs: 1000 },
      pool: { lowWatermarkMinutes: 0.01, targetMinutes: 0.01, lowWatermarkCodes: 300, targetCodes: 500, criticalCodes: 0, minRemainingValidity: 0 },
      job: { group: 'water', gtin: GTIN, batch: 'ST-1', productionDate: '2026-11-25', expiryDate: '2027-11-25', quantity: 200, unitsPerBox: 0, boxesPerPallet: 0, minGrade: 'C', unitsPerMinute: 1200 },
      station: { unitsPerBox: 4 },
    },
  })
  const rt = line.runtime
  const db = line.db
  const state = (): string => rt.snapshot().state.state
  const conveyor = world.conveyor!
  const labels = world.labelPrinters.get('box-label')!
  new HmiStore(db).addUser({ username: 'ivanov', role: 'operator', passwordHash: await hashPassword('operator-pass-1'), mustChange: false, createdBy: 'test' }, Date.now())
  const op = new Client(line.hmiUrl)
  t.equal(await op.login('ivanov', 'operator-pass-1'), 200)
  const verifiedUnits = () => db.prepare('SELECT id, code FROM codes WHERE state = 3 ORDER BY id').all() as Array<{ id: number, code: string }>

  // ---- the line makes verified units it does not box, then holds
  await waitFor('codes from the OMS', () => rt.snapshot().pool.available >= 200, 60_000)
  await runLine(world, config, state)
  await waitFor('verified units', () => verifiedUnits().length >= 12, 60_000)
  t.equal((await op.req('POST', '/api/command', { command: 'hold' })).status, 200)
  await waitFor('Held', () => state() === 'Held', 30_000)
  await waitFor('the conveyor empty', () => conveyor.onConveyor === 0, 30_000)

  // ---- the OMS goes away; the station works on
  oms.setOutage('http503')
  const units = verifiedUnits().slice(0, 4)
  const scan = async (code: string) => {
    const r = await op.req('POST', '/api/station/scan', { code })
    t.equal(r.status, 200)
    return r.body.decision as { code: string, ok: boolean, sscc?: string, text: { ru: string, en: string } }
  }
  t.equal((await scan(units[0]!.code)).code, 'ADDED')
  t.equal((await scan(units[0]!.code)).code, 'DUPLICATE')
  // a well-formed code of the job's GTIN that the store never had (the emulator's serials may collide with a factory's)
  const inStore = (code: string): boolean => db.prepare('SELECT 1 FROM codes WHERE identity = ?').get(code.split('\u001d')[0]) !== undefined
  const foreign = new CodeFactory(991).raw(new ProfileRegistry().get('water'), GTIN, 50).find(c => !inStore(c))!
  t.equal((await scan(foreign)).code, 'FOREIGN')
  t.equal((await scan('\u0007\u0000junk')).code, 'BAD_INPUT')
  t.equal((await scan(units[1]!.code)).code, 'ADDED')
  t.equal((await scan(units[2]!.code)).code, 'ADDED')
  const full = await scan(units[3]!.code)
  t.equal(full.code, 'BOX_FULL')
  const sscc = full.sscc!
  await waitFor('the box label printed', () => labels.printed.some(l => l.barcodes.some(b => b.type === 'gs1-128' && b.data === `00${sscc}`)), 30_000)
  t.equal((await scan(`00${sscc}`)).code, 'CLOSED')
  const ids = units.map(u => u.id)
  const codeState = (id: number) => db.prepare('SELECT state, parent FROM codes WHERE id = ?').get(id) as { state: number, parent: string | null }
  t.ok(ids.every(id => codeState(id).state === 4 && codeState(id).parent === `00${sscc}`), 'units AGGREGATED under the station box')
  // the aggregation report is in the outbox, not accepted: the OMS is down
  await waitFor('the aggregation report queued', () => line.outbox!.reportsOfCodes(ids).some(r => r.kind === 'aggregation'), 30_000)
  t.notOk(line.outbox!.reportsOfCodes(ids).some(r => r.kind === 'aggregation' && r.state === 'ACCEPTED'), 'nothing accepted during the outage')

  // ---- the OMS is back: the report goes through, the units end REPORTED
  oms.setOutage(null)
  await waitFor('the aggregation accepted', () => ids.every(id => codeState(id).state === 5), 120_000)
  t.ok(line.outbox!.reportsOfCodes(ids).some(r => r.kind === 'aggregation' && r.state === 'ACCEPTED'), 'the aggregation report is accepted')
  const audit = new HmiStore(db).auditTrail(200).filter(a => a.action === 'station:scan')
  t.equal(audit.length, 8, 'every scan in the audit trail')
})
