// A minimal Modbus slave over any duplex stream (aedes-style `handle(stream)`): MBAP framing for TCP, CRC framing for RTU.
// Written here rather than using modbus-serial's servers so faults (silence, delay, garbage) can be injected per request.
import type { Duplex } from 'node:stream'

export type Framing = 'tcp' | 'rtu'

/** Answers one request PDU (function code first) with a response PDU, or null to stay silent. */
export type PduHandler = (unit: number, pdu: Buffer) => Promise<Buffer | null> | Buffer | null

export function crc16 (buf: Uint8Array): number {
  let crc = 0xffff
  for (const b of buf) {
    crc ^= b
    for (let i = 0; i < 8; i++) crc = (crc & 1) !== 0 ? (crc >>> 1) ^ 0xa001 : crc >>> 1
  }
  return crc
}

/** Expected RTU request length from the bytes so far, or 0 when more bytes are needed, -1 when unframeable. */
function rtuLength (b: Buffer): number {
  if (b.length < 2) return 0
  const fc = b[1] as number
  if (fc === 3 || fc === 4 || fc === 6) return 8
  if (fc === 16) return b.length < 7 ? 0 : 9 + (b[6] as number)
  return -1
}

/** Serve requests from one stream, strictly one at a time, until it closes. */
export function serveModbus (stream: Duplex, framing: Framing, handler: PduHandler, onGarbage?: (bytes: Buffer) => void): void {
  let buf = Buffer.alloc(0)
  let busy = false
  stream.on('error', () => {}) // a peer that vanishes is normal for a simulator

  const pump = async (): Promise<void> => {
    if (busy) return
    busy = true
    try {
      for (;;) {
        let unit: number
        let pdu: Buffer
        let reply: (res: Buffer) => Buffer
        if (framing === 'tcp') {
          if (buf.length < 7) break
          const len = buf.readUInt16BE(4)
          if (buf.length < 6 + len) break
          const tid = buf.readUInt16BE(0)
          unit = buf[6] as number
          pdu = buf.subarray(7, 6 + len)
          buf = buf.subarray(6 + len)
          reply = res => {
            const h = Buffer.alloc(7)
            h.writeUInt16BE(tid, 0); h.writeUInt16BE(0, 2); h.writeUInt16BE(res.length + 1, 4); h[6] = unit
            return Buffer.concat([h, res])
          }
        } else {
          const n = rtuLength(buf)
          if (n < 0) { onGarbage?.(buf); buf = Buffer.alloc(0); break }
          if (n === 0 || buf.length < n) break
          const frame = buf.subarray(0, n)
          buf = buf.subarray(n)
          if (crc16(frame.subarray(0, n - 2)) !== frame.readUInt16LE(n - 2)) { onGarbage?.(frame); buf = Buffer.alloc(0); continue }
          unit = frame[0] as number
          pdu = frame.subarray(1, n - 2)
          reply = res => {
            const body = Buffer.concat([Buffer.from([unit]), res])
            const c = Buffer.alloc(2)
            c.writeUInt16LE(crc16(body))
            return Buffer.concat([body, c])
          }
        }
        let res: Buffer | null
        try {
          res = await handler(unit, Buffer.from(pdu))
        } catch {
          res = exceptionPdu(pdu[0] ?? 0, 0x04) // slave device failure, as a real slave answers an internal error
        }
        if (res !== null && !stream.destroyed && stream.writable) stream.write(reply(res))
      }
    } finally {
      busy = false
    }
  }

  stream.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk])
    pump().catch(() => {})
  })
}

export function exceptionPdu (fc: number, code: number): Buffer {
  return Buffer.from([fc | 0x80, code])
}
