// Connection factories (MQTT.js style): a driver asks for a fresh duplex stream and never knows if it is TCP or serial.
import { connect as netConnect } from 'node:net'
import type { Duplex } from 'node:stream'
import { SerialPort } from 'serialport'

export type StreamFactory = () => Promise<Duplex>

/** How a device is reached; the same shape as `transport` in the line config. */
export type TransportConfig =
  | { kind: 'tcp', host: string, port: number }
  | { kind: 'serial', path: string, baudRate: number, dataBits: 7 | 8, parity: 'none' | 'even' | 'odd', stopBits: 1 | 2 }

export function tcpStream (host: string, port: number, timeoutMs: number): StreamFactory {
  return async () => await new Promise<Duplex>((resolve, reject) => {
    const socket = netConnect({ host, port })
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`connect to ${host}:${port} timed out`)) }, timeoutMs)
    socket.once('connect', () => { clearTimeout(timer); socket.setNoDelay(true); socket.removeListener('error', reject); resolve(socket) })
    socket.once('error', err => { clearTimeout(timer); reject(err) })
  })
}

export function serialStream (options: { path: string, baudRate: number, dataBits?: 7 | 8, parity?: 'none' | 'even' | 'odd', stopBits?: 1 | 2 }): StreamFactory {
  return async () => await new Promise<Duplex>((resolve, reject) => {
    const port = new SerialPort({ path: options.path, baudRate: options.baudRate, dataBits: options.dataBits ?? 8, parity: options.parity ?? 'none', stopBits: options.stopBits ?? 1, autoOpen: false })
    port.open(err => { if (err != null) reject(err); else resolve(port) })
  })
}

export function streamFor (transport: TransportConfig, timeoutMs: number): StreamFactory {
  return transport.kind === 'tcp' ? tcpStream(transport.host, transport.port, timeoutMs) : serialStream(transport)
}
