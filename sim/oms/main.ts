// Runs the OMS emulator as its own process (`tsx sim/oms/main.ts --port 8081 --activation-ms 2000`): prints one
// JSON line `{url, omsId, clientToken}` on stdout when listening, stops on SIGTERM / SIGINT.
import { parseArgs } from 'node:util'
import { OmsEmulator } from './server.ts'

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    'activation-ms': { type: 'string', default: '2000' },
    'rate-limit': { type: 'string', default: '10' },
    token: { type: 'string', default: 'emulator-token' },
    seed: { type: 'string', default: '7' },
  },
})

const emu = new OmsEmulator({
  host: values.host,
  port: Number(values.port),
  activationDelayMs: Number(values['activation-ms']),
  rateLimitPerSecond: Number(values['rate-limit']),
  clientToken: values.token,
  seed: Number(values.seed),
})
const url = await emu.start()
process.stdout.write(JSON.stringify({ url, omsId: emu.omsId, clientToken: emu.clientToken }) + '\n')
const stop = (): void => { void emu.close().then(() => process.exit(0)) }
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
