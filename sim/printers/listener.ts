// Where a simulated device is reachable: TCP servers on loopback and a serial port (one end of a pty pair), with every
// open connection tracked so a test can pull the cable (dropConnections) or switch the device off (close).
import { createServer, type Server, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { SerialPort } from 'serialport'

export type DeviceLink = 'tcp' | 'serial'

export class DeviceListener {
  readonly #accept: (stream: Duplex, link: DeviceLink) => void
  readonly #streams = new Set<Duplex>()
  readonly #servers: Server[] = []
  #serial: SerialPort | undefined

  /** `accept` serves one connection; it must call `track()` (directly or through the device's own handle()). */
  constructor (accept: (stream: Duplex, link: DeviceLink) => void) {
    this.#accept = accept
  }

  /** Count a connection as open until it closes: also for streams handed to the device directly (in-memory tests). */
  track (stream: Duplex): void {
    this.#streams.add(stream)
    stream.once('close', () => this.#streams.delete(stream))
  }

  /** Listen on TCP; port 0 picks a free one. Resolves with the port. */
  async listenTcp (port = 0, host = '127.0.0.1'): Promise<number> {
    const server = createServer((s: Socket) => { s.setNoDelay(true); this.#accept(s, 'tcp') })
    this.#servers.push(server)
    await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(port, host, () => resolve()) })
    return (server.address() as { port: number }).port
  }

  /** Open a serial device and serve it as one long-lived connection. */
  async openSerial (path: string, baudRate = 9600): Promise<void> {
    const port = new SerialPort({ path, baudRate, autoOpen: false })
    await new Promise<void>((resolve, reject) => port.open(err => { if (err != null) reject(err); else resolve() }))
    this.#serial = port
    this.#accept(port, 'serial')
  }

  /** Cut every open connection (cable pulled); TCP servers keep listening and the serial port stays open. */
  dropConnections (): void {
    for (const s of this.#streams) if (s !== this.#serial) s.destroy()
  }

  async close (): Promise<void> {
    this.dropConnections()
    for (const server of this.#servers.splice(0)) await new Promise<void>(resolve => server.close(() => resolve()))
    const serial = this.#serial
    this.#serial = undefined
    if (serial?.isOpen === true) await new Promise<void>(resolve => serial.close(() => resolve()))
  }
}
