// The connection doctor against the linked emulators, run as an engineer runs it (`npm run doctor -- <config>`):
// one verdict per check, exit 0 when all is well; a wrong omsId, a refused token, a dead endpoint and a voiding
// sign-in are each named; nothing is ordered.
import t from 'tap'
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { linkEmulators } from '../../sim/gismt/from-oms.ts'
import { startTrueApiEmulator } from '../../sim/gismt/server.ts'
import { OmsEmulator } from '../../sim/oms/index.ts'
import { startLine } from '../../line/main.ts'
import { silentLogger } from '../../line/log.ts'
import { lineConfig, waitFor } from '../helpers/line.ts'
import { GTIN_A } from '../helpers/pool.ts'
import { tempDir } from '../helpers/tmp.ts'

interface Run { code: number | null, verdicts: Array<{ check: string, status: string, ru: string, en: string }>, stdout: string }

function doctor (config: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'line/doctor/main.ts', config, '--json', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    child.stdout.on('data', d => { stdout += String(d) })
    child.on('error', reject)
    child.on('close', code => resolve({ code, stdout, verdicts: stdout.trim().split('\n').filter(Boolean).map(l => JSON.parse(l)) }))
  })
}
const status = (r: Run, check: string): string | undefined => r.verdicts.find(v => v.check === check)?.status

t.test('the doctor checks each service the config names, and says what is wrong', async t => {
  const oms = new OmsEmulator({ port: 0, clientToken: 'doctor-token', rateLimitPerSecond: 0 })
  await oms.start()
  const trueApi = await startTrueApiEmulator({ port: 0 })
  linkEmulators(oms, trueApi)
  t.teardown(async () => { await oms.close(); await trueApi.close() })
  const dir = tempDir(t)
  const write = (name: string, oms: Record<string, unknown>): string => {
    const path = join(dir, name)
    writeFileSync(path, JSON.stringify({
      site: 's', line: 'l', store: { path: join(dir, 'line.db') }, printers: [], cameras: [],
      signer: { kind: 'test' }, trueApi: { url: trueApi.url }, oms,
      job: { group: 'water', gtin: '04601653030046', batch: 'D-1', productionDate: '2026-11-25', expiryDate: '2027-11-25', quantity: 100, unitsPerBox: 12, boxesPerPallet: 10, minGrade: 'C', unitsPerMinute: 600 },
    }))
    return path
  }

  const good = await doctor(write('good.yaml', { url: oms.url, omsId: oms.omsId, clientToken: 'doctor-token', signRequests: true }))
  t.equal(good.code, 0, `all well: exit 0\n${good.stdout}`)
  t.same(good.verdicts.map(v => [v.check, v.status]), [['config', 'ok'], ['signer', 'ok'], ['OMS.clock', 'ok'], ['True API.clock', 'ok'], ['true-api.sign-in', 'ok'], ['oms.ping', 'ok'], ['oms.buffers', 'skip']], 'one verdict per check, in order')
  t.ok(good.verdicts.every(v => v.ru !== '' && v.en !== ''), 'each in Russian and English')
  t.equal(oms.requests['POST /api/v3/order'] ?? 0, 0, 'nothing was ordered')

  const wrongId = await doctor(write('id.yaml', { url: oms.url, omsId: '00000000-0000-4000-8000-0000000000ff', clientToken: 'doctor-token' }))
  t.equal(wrongId.code, 1, 'a failed check: exit 1')
  t.equal(status(wrongId, 'oms.ping'), 'fail')
  t.match(wrongId.verdicts.find(v => v.check === 'oms.ping')?.en, /omsId/, 'names the omsId')

  const wrongToken = await doctor(write('token.yaml', { url: oms.url, omsId: oms.omsId, clientToken: 'not-the-token' }))
  t.equal(status(wrongToken, 'oms.ping'), 'fail')
  t.match(wrongToken.verdicts.find(v => v.check === 'oms.ping')?.en, /refused the token/)

  // an OMS connection: its sign-in would void the running line's token, so it is asked only with --sign-in-oms
  const signInsBefore = trueApi.receipts.signIns
  const conn = await doctor(write('conn.yaml', { url: oms.url, omsId: oms.omsId, omsConnection: oms.omsConnection }))
  t.equal(status(conn, 'oms.token'), 'skip', 'no OMS sign-in without the flag')
  t.equal(conn.code, 0)
  const signed = await doctor(write('conn.yaml', { url: oms.url, omsId: oms.omsId, omsConnection: oms.omsConnection }), '--sign-in-oms')
  t.equal(status(signed, 'oms.ping'), 'ok', `with --sign-in-oms the OMS takes the token signed in through GIS MT\n${signed.stdout}`)
  t.ok(trueApi.receipts.signIns > signInsBefore, 'it signed in for the connection')

  const dead = await doctor(write('dead.yaml', { url: 'http://127.0.0.1:9', omsId: oms.omsId, clientToken: 'doctor-token' }))
  t.equal(status(dead, 'OMS.clock'), 'fail', 'an endpoint that does not answer is named')
  t.equal(dead.code, 1)

  // the line's own open orders, read from its store: their buffers in the OMS and the codes in the pool
  const lineDir = tempDir(t)
  const config = lineConfig(lineDir, {
    printers: [], cameras: [], signer: { kind: 'test' },
    oms: { url: oms.url, omsId: oms.omsId, clientToken: 'doctor-token' },
    pool: { lowWatermarkCodes: 300, targetCodes: 500, blockSize: 100, criticalCodes: 0, minRemainingValidity: 0 },
  })
  const line = await startLine(config, { log: silentLogger() })
  await waitFor('codes from the OMS', () => line.pool.level(GTIN_A) >= 100, 30_000)
  await line.close()
  const withStore = join(lineDir, 'line.yaml')
  writeFileSync(withStore, JSON.stringify({ ...JSON.parse(readFileSync(write('x.yaml', { url: oms.url, omsId: oms.omsId, clientToken: 'doctor-token' }), 'utf8')), store: { path: config.store.path }, job: { ...config.job } }))
  const orders = oms.requests['POST /api/v3/order'] ?? 0
  const buffers = await doctor(withStore)
  const b = buffers.verdicts.find(v => v.check === 'oms.buffers')
  t.equal(b?.status, 'ok', `the line's orders found in its store\n${buffers.stdout}`)
  t.match(b?.en, /\d+ order\(s\), \d+ codes in the OMS buffers, \d+ in the pool/)
  t.equal(oms.requests['POST /api/v3/order'] ?? 0, orders, 'and still nothing ordered')

  const broken = join(dir, 'broken.yaml')
  writeFileSync(broken, 'site: [')
  const bad = await doctor(broken)
  t.equal(bad.code, 2, 'an unreadable config: exit 2')
  t.equal(status(bad, 'config'), 'fail')
})
