// Loopback port helpers for starting external programs (a mosquitto for a test or a bench) on a free port.
import { connect, createServer, type AddressInfo } from 'node:net'

/** A TCP port free on 127.0.0.1 right now. */
export function freePort (): Promise<number> {
  return new Promise(resolve => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as AddressInfo).port; s.close(() => resolve(p)) })
  })
}

/** Whether something accepts connections on 127.0.0.1:`port` within `ms`. */
export async function portOpen (port: number, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    const ok = await new Promise<boolean>(resolve => {
      const c = connect(port, '127.0.0.1', () => { c.destroy(); resolve(true) })
      c.on('error', () => resolve(false))
    })
    if (ok) return true
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  return false
}
