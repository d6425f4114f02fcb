// The OMS clientToken as a real installation gets it (OMS guide §9.1.2): no token in the config, only the OMS
// connection; the controller signs in through the True API (`simpleSignIn/{omsConnection}`), and signs every OMS
// request with a detached X-Signature (§2.3.1). When GIS MT issues a newer token (another sign-in voids the older),
// the OMS refuses the old one and the controller signs in again without losing a block.
import t from 'tap'
import { linkEmulators } from '../../sim/gismt/from-oms.ts'
import { startTrueApiEmulator } from '../../sim/gismt/server.ts'
import { OmsEmulator } from '../../sim/oms/index.ts'
import { signatureKind } from '../../sim/shared/test-signature.ts'
import { startTestLine, waitFor } from '../helpers/line.ts'

const GTIN = '04601653030046'

t.test('no clientToken in the config: signed in through the True API, requests signed, a voided token replaced', async t => {
  // no fixed token: the OMS knows only the tokens it issued through GIS MT
  const oms = new OmsEmulator({ port: 0, activationDelayMs: 100, rateLimitPerSecond: 0, reportProcessingMs: 100 })
  await oms.start()
  const trueApi = await startTrueApiEmulator({ port: 0, checkDelayMs: 100 })
  linkEmulators(oms, trueApi)
  t.teardown(async () => { await oms.close(); await trueApi.close() })
  const { line } = await startTestLine(t, {
    config: {
      oms: { url: oms.url, omsId: oms.omsId, omsConnection: oms.omsConnection, signRequests: true, retryBaseMs: 50, retryMaxMs: 200 },
      trueApi: { url: trueApi.url },
      // small blocks: the pool keeps asking the OMS for a while
      pool: { lowWatermarkCodes: 600, targetCodes: 900, blockSize: 100, criticalCodes: 0, minRemainingValidity: 0 },
    },
  })
  await waitFor('codes from the OMS', () => line.pool.level(GTIN) >= 100, 60_000)
  t.ok(trueApi.receipts.signIns >= 1, `signed in through the True API (${trueApi.receipts.signIns})`)
  const signatures = oms.signatures
  t.ok(signatures.length > 0 && signatures.every(s => s !== undefined && signatureKind(s) === 'detached'), `every OMS request carried a detached X-Signature (${signatures.length})`)

  // another sign-in for the same connection (as a second installation would make) voids the controller's token
  const before = trueApi.receipts.signIns
  const level = line.pool.level(GTIN)
  t.ok(oms.issueClientToken(oms.omsConnection) !== undefined, 'a newer token was issued')
  await waitFor('the pool filled on', () => line.pool.level(GTIN) >= Math.min(level + 200, 900), 60_000)
  t.ok(trueApi.receipts.signIns > before, 'the controller signed in again after the OMS refused the voided token')
  t.ok((oms.requests['GET /api/v3/codes'] ?? 0) > 0, 'blocks kept coming')
  t.notOk(line.runtime.snapshot().alarms.some(a => a.active && a.code.startsWith('OMS_AUTH')), 'no standing authentication alarm')
})

t.test('an OMS connection without a True API to sign in through is a configuration error', async t => {
  const { validateConfig } = await import('../../line/config/load.ts')
  const { omsClientFromConfig } = await import('../../line/emission/index.ts')
  const config = validateConfig({
    site: 's', line: 'l', store: { path: '/tmp/x.db' }, printers: [], cameras: [],
    oms: { url: 'http://127.0.0.1:1', omsId: '00000000-0000-4000-8000-000000000000', omsConnection: '7f3b6a52-0c1e-4d5a-9b7e-2a61c9d40e11' },
  })
  t.throws(() => omsClientFromConfig(config.oms!), /omsConnection needs a trueApi section/)
})
