// `npm run emulators`: both emulators, linked, on free ports; one JSON line with what a client needs. The token it
// prints opens the OMS; a token from True API sign-in for the same connection replaces it.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import t from 'tap'

const SCRIPT = join(import.meta.dirname, '../../sim/emulators.ts')

interface Started { oms: { url: string, omsId: string, omsConnection: string, clientToken: string, clientTokenExpiresAt: number }, trueApi: { url: string } }

t.test('npm run emulators prints URLs and a working clientToken; GIS MT answers auth/key', async t => {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => { child.kill('SIGTERM') })
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no JSON line within 30 s')), 30_000)
    createInterface({ input: child.stdout }).once('line', l => { clearTimeout(timer); resolve(l) })
  })
  const s = JSON.parse(line) as Started
  t.match(s, { oms: { url: /^http:\/\/127\.0\.0\.1:\d+/, omsId: /./, omsConnection: /^[0-9a-f-]{36}$/, clientToken: /./ }, trueApi: { url: /^http:\/\/127\.0\.0\.1:\d+/ } })
  t.ok(s.oms.clientTokenExpiresAt > Date.now() + 9 * 3_600_000, 'the token lives about 10 h')
  const status = (token?: string): Promise<number> => fetch(`${s.oms.url}/api/v3/order/status?omsId=${s.oms.omsId}&orderId=no-such-order`, { headers: token === undefined ? {} : { clientToken: token } }).then(r => r.status)
  t.equal(await status(), 401, 'no token: refused')
  t.not(await status(s.oms.clientToken), 401, 'the printed token is taken')
  const key = await fetch(`${s.trueApi.url}/api/v3/true-api/auth/key`)
  t.equal(key.status, 200, 'GIS MT hands out a key to sign')
  t.match(await key.json(), { uuid: /./, data: /./ })
})
