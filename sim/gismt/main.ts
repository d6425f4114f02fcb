// Runs the True API emulator as its own process on real time: prints {"url": …} on stdout, stops on SIGTERM/SIGINT.
// Controls over HTTP under /_emulator/ (codes, outage, receipts). Usage: tsx sim/gismt/main.ts [port] [checkDelayMs]
import { realClock } from '../shared/clock.ts'
import { startTrueApiEmulator } from './server.ts'

const port = Number(process.argv[2] ?? 0)
const checkDelayMs = Number(process.argv[3] ?? 0)
const emu = await startTrueApiEmulator({ clock: realClock, port, checkDelayMs })
process.stdout.write(JSON.stringify({ url: emu.url }) + '\n')
const stop = (): void => { emu.close().then(() => process.exit(0), () => process.exit(1)) }
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
