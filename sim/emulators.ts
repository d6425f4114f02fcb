// `npm run emulators [-- --oms-port N --true-api-port N --host H]`: the OMS and True API emulators, linked as the
// real services are (GIS MT learns the codes the OMS processed; its simpleSignIn/{omsConnection} returns the OMS's
// client token), on the given ports or free ones. Prints one JSON line with their URLs and what a client needs —
// omsId, omsConnection and a valid clientToken (10 h on the emulator's clock; a newer one voids it) — then runs
// until SIGINT/SIGTERM. The test signature format they accept is in docs/test-signature.md.
import { parseArgs } from 'node:util'
import { linkEmulators } from './gismt/from-oms.ts'
import { startTrueApiEmulator } from './gismt/server.ts'
import { OmsEmulator } from './oms/server.ts'
import { realClock } from './shared/clock.ts'

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    'oms-port': { type: 'string', default: '0' },
    'true-api-port': { type: 'string', default: '0' },
    'activation-ms': { type: 'string', default: '2000' },
    seed: { type: 'string', default: '7' },
  },
})
const port = (v: string | undefined, key: string): number => {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 0 || n > 65535) { process.stderr.write(`--${key}: expected a port (0–65535), received ${JSON.stringify(v)}\n`); process.exit(2) }
  return n
}

const oms = new OmsEmulator({ host: values.host, port: port(values['oms-port'], 'oms-port'), activationDelayMs: Number(values['activation-ms']), seed: Number(values.seed) })
const omsUrl = await oms.start()
const trueApi = await startTrueApiEmulator({ clock: realClock, host: values.host, port: port(values['true-api-port'], 'true-api-port') })
linkEmulators(oms, trueApi)
const token = oms.issueClientToken()
process.stdout.write(JSON.stringify({
  oms: { url: omsUrl, omsId: oms.omsId, omsConnection: oms.omsConnection, clientToken: token?.token ?? null, clientTokenExpiresAt: token?.expiresAt ?? null },
  trueApi: { url: trueApi.url },
  signature: 'docs/test-signature.md',
}) + '\n')
const stop = (): void => { Promise.all([oms.close(), trueApi.close()]).then(() => process.exit(0), () => process.exit(1)) }
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
