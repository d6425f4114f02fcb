// A job on the whole simulated line with both APIs: utilisation and dropout to the OMS emulator, aggregation and
// introduction documents to the True API emulator (which learns applied codes from the OMS, as GIS MT does). At
// the end every code is matched code for code in both emulators, and an L3 subscriber saw the job in order.
import t from 'tap'
import { Dealer, Subscriber } from 'zeromq'
import { Envelope } from '../../line/l3/index.ts'
import { startLine } from '../../line/main.ts'
import { silentLogger } from '../../line/log.ts'
import { CodeState } from '../../line/pool/states.ts'
import { passOmsReportsToTrueApi } from '../../sim/gismt/from-oms.ts'
import { startTrueApiEmulator } from '../../sim/gismt/server.ts'
import { OmsEmulator } from '../../sim/oms/index.ts'
import { SimWorld } from '../../sim/world.ts'
import { lineConfig, runLine, waitFor } from '../helpers/line.ts'
import { tempDir } from '../helpers/tmp.ts'

const GTIN = '04601653030046'
const identity = (code: string): string => code.split('\u001d')[0] as string

t.test('a job ends utilised, aggregated and introduced in both emulators, code for code; L3 sees it in order', async t => {
  const dir = tempDir(t)
  const oms = new OmsEmulator({ port: 0, clientToken: 'tok', activationDelayMs: 200, rateLimitPerSecond: 0, reportProcessingMs: 100 })
  await oms.start()
  const trueApi = await startTrueApiEmulator({ port: 0, checkDelayMs: 100 })
  passOmsReportsToTrueApi(oms, trueApi)
  t.teardown(async () => { await oms.close(); await trueApi.close() })
  const quantity = 240
  const base = lineConfig(dir, {
    pool: { lowWatermarkCodes: quantity + 200, targetCodes: quantity + 400, criticalCodes: 0, minRemainingValidity: 0 },
    oms: { url: oms.url, omsId: oms.omsId, clientToken: 'tok' },
    trueApi: { url: trueApi.url },
    reports: { aggregationVia: 'true-api', window: 300, pollIntervalMs: 100, tickMs: 50, retryBaseMs: 200, retryMaxMs: 1000 },
    l3: { pub: 'tcp://127.0.0.1:*', router: 'tcp://127.0.0.1:*' },
    job: { group: 'water', gtin: GTIN, batch: 'R-1', productionDate: '2026-11-25', expiryDate: '2027-11-25', quantity, unitsPerBox: 12, boxesPerPallet: 4, minGrade: 'C', unitsPerMinute: 1500, tnvedCode: '2201101100' },
  })
  const { world, config } = await SimWorld.devices(base, { camera: { mode: 'fast', noReadRate: 0.03 } })
  const line = await startLine(config, { log: silentLogger(), hmiBootstrap: { adminUser: 'admin', adminPassword: 'admin-test-pw' } })
  t.teardown(async () => { await world.close(); await line.close() })
  await world.attach(config, line.broker?.url ?? '')
  const rt = line.runtime
  const state = () => rt.snapshot().state.state
  const t0 = Date.now()
  const phase = (what: string): void => { t.comment(`${what} after ${((Date.now() - t0) / 1000).toFixed(1)} s`) }

  // an MES listening to the feed from before the job runs
  t.ok(line.l3?.pubEndpoint, 'the feed is bound')
  const sub = new Subscriber()
  sub.connect(line.l3?.pubEndpoint as string)
  sub.subscribe()
  const events: Envelope[] = []
  const reading = (async () => { for await (const [, body] of sub) events.push(Envelope.parse(JSON.parse(String(body)))) })().catch(() => {})
  t.teardown(() => { sub.close(); return reading })
  await new Promise(resolve => setTimeout(resolve, 300))

  // the job router answers, and refuses a job while one is running
  const mes = new Dealer({ receiveTimeout: 5000 })
  mes.connect(line.l3?.routerEndpoint as string)
  t.teardown(() => mes.close())
  const ask = async (msg: unknown): Promise<{ type: string, error?: { code: string } }> => {
    await mes.send(JSON.stringify(msg))
    const [answer] = await mes.receive()
    return JSON.parse(String(answer))
  }
  t.equal((await ask({ msgId: 'p1', type: 'ping' })).type, 'ack', 'ping is answered')
  t.equal((await ask({ msgId: 'bad', type: 'job.load', job: { jobId: 'J', gtin: '123' } })).error?.code, 'LC_ERR_L3_MESSAGE', 'a malformed job is refused')

  await waitFor('codes from the OMS emulator', () => rt.snapshot().pool.available >= quantity, 60_000)
    .catch(err => { throw new Error(`${err.message}: ${JSON.stringify({ pool: rt.snapshot().pool, emission: line.replenisher?.status() })}`) })
  phase('codes in the pool')
  await runLine(world, config, state)
  const refused = await ask({ msgId: 'j2', type: 'job.load', job: { jobId: 'J-2', gtin: GTIN, group: 'water', quantity: 10 } })
  t.equal(refused.error?.code, 'LC_ERR_JOB_REFUSED', 'a job from the MES is refused while the line runs')
  await waitFor('Complete', () => state() === 'Complete', 120_000)
  await waitFor('the conveyor is empty', () => world.conveyor!.onConveyor === 0, 20_000)
  phase('job complete')

  const db = line.db
  const goodStates = [CodeState.VERIFIED, CodeState.AGGREGATED, CodeState.REPORTED].join(',')
  const pending = () => ({
    reports: (db.prepare("SELECT count(*) AS n FROM report_outbox WHERE state != 'ACCEPTED'").get() as { n: number }).n,
    notIntroduced: (db.prepare(`SELECT count(*) AS n FROM codes WHERE state IN (${goodStates}) AND intro_report IS NULL`).get() as { n: number }).n,
    notDropped: (db.prepare(`SELECT count(*) AS n FROM codes WHERE state = ${CodeState.DEFECT}`).get() as { n: number }).n,
    notPalletised: (db.prepare(`SELECT count(*) AS n FROM codes WHERE state IN (${goodStates}) AND pallet_report IS NULL`).get() as { n: number }).n,
  })
  await waitFor('every report accepted and every good code introduced', () => {
    const p = pending()
    return p.reports === 0 && p.notIntroduced === 0 && p.notDropped === 0 && p.notPalletised === 0
  }, 90_000).catch(err => { throw new Error(`${err.message}: ${JSON.stringify(pending())}`) })

  phase('every report accepted')
  const rejected = db.prepare("SELECT count(*) AS n FROM report_outbox WHERE state = 'REJECTED'").get() as { n: number }
  t.equal(rejected.n, 0, 'no report was rejected by either API')
  const acc = line.pool.accounting()
  t.ok(acc.balanced, 'imported = sum of states')
  const st = acc.gtins[GTIN]!.states
  const c = rt.counters()
  t.equal(c.printed, c.verified + c.rejected, 'printed = verified + rejected')
  t.equal(st.VERIFIED + st.AGGREGATED, 0, 'no good code is left without its reports')
  t.equal(st.REPORTED, c.verified, 'every verified unit ends REPORTED')
  t.equal(st.DEFECT, 0, 'every defect code ends DROPPED')
  const droppedRejects = world.conveyor!.stats.rejectedCodes.filter(x => line.pool.findByIdentity(identity(x))?.state !== 'DROPPED')
  t.same(droppedRejects, [], 'every rejected product carries a DROPPED code')

  const good = db.prepare(`SELECT code, identity, parent FROM codes WHERE state = ${CodeState.REPORTED}`).all() as Array<{ code: string, identity: string, parent: string | null }>
  const utilised = new Set(oms.utilised())
  t.equal(good.filter(g => !utilised.has(g.code)).length, 0, 'every reported code was utilised in the OMS (full code)')
  t.equal(utilised.size, good.length, 'and the OMS utilised nothing else')
  const introduced = new Set(trueApi.introducedCodes())
  t.equal(good.filter(g => !introduced.has(g.identity)).length, 0, 'every reported code is introduced in GIS MT')
  t.equal(introduced.size, good.length, 'and GIS MT introduced nothing else')
  t.equal(good.filter(g => trueApi.codeInfo(g.identity)?.aggregatedIn !== g.parent).length, 0, 'every code is aggregated in GIS MT under the box the store says')
  const dropped = new Set(oms.dropped().map(d => d.code))
  const defects = db.prepare(`SELECT code FROM codes WHERE state = ${CodeState.DROPPED}`).all() as Array<{ code: string }>
  t.equal(defects.filter(d => !dropped.has(d.code)).length, 0, 'every dropped code is in an OMS dropout report')
  t.equal(dropped.size, defects.length, 'and the OMS dropped nothing else')
  t.equal([...trueApi.receipts.byHash.values()].filter(n => n > 1).length, 0, 'no document was created twice')
  const boxes = new Set(good.map(g => g.parent))
  t.equal(boxes.size, Math.ceil(c.verified / 12), 'boxes = ceil(good units / 12)')
  t.ok(introduced.size > 0 && [...boxes].every(b => b !== null && identity(b) === b), 'units were introduced through their boxes')

  const pallets = db.prepare(`SELECT p.sscc AS pallet, b.sscc AS box FROM containers p JOIN containers b ON b.parent_id = p.id WHERE p.level = 'pallet' AND p.state = 'closed' AND b.state = 'closed'`).all() as Array<{ pallet: string, box: string }>
  t.equal(new Set(pallets.map(p => p.pallet)).size, Math.ceil(boxes.size / 4), 'pallets = ceil(boxes / 4), the last one partial')
  t.equal(pallets.length, boxes.size, 'every box is on a pallet')
  t.same(pallets.filter(p => trueApi.aggregateParent(`00${p.box}`) !== `00${p.pallet}`), [], 'GIS MT holds every box in the pallet the store says')

  // the feed: contiguous from the first event seen, every product's verdict, every box
  await line.l3?.publisher?.flush()
  await waitFor('the last events on the feed', () => events.filter(e => e.type === 'item').length >= c.triggered, 10_000).catch(() => {})
  let gaps = 0
  for (let i = 1; i < events.length; i++) if ((events[i] as Envelope).seq !== (events[i - 1] as Envelope).seq + 1) gaps++
  t.equal(gaps, 0, 'sequence numbers without a gap')
  const items = events.filter(e => e.type === 'item').map(e => e.data as { seq: number, verdict: string })
  t.equal(items.length, c.triggered, `one item event per product the PLC triggered (${items.length} events, ${c.verified} good, ${c.rejected} rejected, ${c.printed} printed, ${c.triggered} triggered)`)
  t.equal(items.filter(i => i.verdict === 'good').length, c.verified)
  t.equal(events.filter(e => e.type === 'box' && (e.data as { level: string }).level === 'box').length, boxes.size, 'one box event per box')
  t.equal(events.filter(e => e.type === 'box' && (e.data as { level: string }).level === 'pallet').length, Math.ceil(boxes.size / 4), 'one box event per pallet')
  t.ok(events.some(e => e.type === 'report' && (e.data as { kind: string, state: string }).kind === 'introduction' && (e.data as { state: string }).state === 'ACCEPTED'), 'introduction acceptances are on the feed')
})
