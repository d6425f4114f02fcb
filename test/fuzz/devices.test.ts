// Fuzz: a print head or a label printer that answers garbage (random bytes, truncated frames, silence after a few
// bytes) is a printer fault the line can see — never an exception, never a confirmed print that did not happen.
import t from 'tap'
import fc from 'fast-check'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { ModbusHeadPrinter } from '../../printers/modbus-head/driver.ts'
import { modbusTcp } from '../../printers/modbus-head/link.ts'
import { tcpStream } from '../../printers/transport.ts'
import type { Printer } from '../../printers/types.ts'
import { ZplLabelPrinter } from '../../printers/zpl-label/driver.ts'
import { codes } from '../printers/rigs.ts'

/** A device that answers every chunk it receives with the next of `replies` (then stays silent). */
async function garbageDevice (t: { teardown(fn: () => unknown): void }, replies: Buffer[]): Promise<number> {
  const sockets = new Set<Socket>()
  const server = createServer(sock => {
    sockets.add(sock)
    let i = 0
    sock.on('data', () => { const r = replies[i++]; if (r !== undefined && !sock.destroyed) sock.write(r) })
    sock.on('error', () => {})
    sock.on('close', () => sockets.delete(sock))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()))
  t.teardown(() => new Promise<void>(resolve => { for (const s of sockets) s.destroy(); server.close(() => resolve()) }))
  return (server.address() as AddressInfo).port
}

const replies = fc.array(fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 40 }).map(b => Buffer.from(b)),
  // a Modbus TCP header (MBAP) with a plausible length and random PDU
  fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ minLength: 1, maxLength: 20 })).map(([tid, pdu]) => { const h = Buffer.alloc(7); h.writeUInt16BE(tid, 0); h.writeUInt16BE(0, 2); h.writeUInt16BE(pdu.length + 1, 4); h[6] = 1; return Buffer.concat([h, Buffer.from(pdu)]) }),
  // a ZPL ~HS answer with random fields
  fc.array(fc.string({ maxLength: 6 }), { maxLength: 12 }).map(f => Buffer.from(`\u0002${f.join(',')}\u0003\r\n`)),
), { maxLength: 30 })

async function exercise (printer: Printer): Promise<{ printed: number, thrown: unknown[] }> {
  let printed = 0
  const thrown: unknown[] = []
  printer.on('printed', () => { printed++ })
  const typed = (err: unknown): void => { if (typeof (err as { code?: unknown })?.code !== 'string' || !String((err as { code: string }).code).startsWith('LC_ERR_')) thrown.push(err) }
  await Promise.race([printer.connect().catch(typed), new Promise(resolve => setTimeout(resolve, 300))])
  await Promise.race([printer.load(codes(3)).catch(typed), new Promise(resolve => setTimeout(resolve, 300))])
  await new Promise(resolve => setTimeout(resolve, 100))
  await printer.close()
  return { printed, thrown }
}

t.test('a Modbus head answering garbage: faults, no false prints, no untyped errors', async t => {
  await fc.assert(fc.asyncProperty(replies, async r => {
    const port = await garbageDevice(t, r)
    const head = new ModbusHeadPrinter({ id: 'fuzz-head', connector: modbusTcp('127.0.0.1', port, 150), timeoutMs: 150, pollIntervalMs: 10, reconnectMs: 50, bufferDepth: 4 })
    const { printed, thrown } = await exercise(head)
    if (thrown.length > 0) t.fail(`untyped: ${String((thrown[0] as Error)?.stack ?? thrown[0])}`)
    return printed === 0 && thrown.length === 0
  }), { numRuns: 25 })
})

t.test('a ZPL printer answering garbage: faults, no false prints, no untyped errors', async t => {
  await fc.assert(fc.asyncProperty(replies, async r => {
    const port = await garbageDevice(t, r)
    const zpl = new ZplLabelPrinter({ id: 'fuzz-zpl', stream: tcpStream('127.0.0.1', port, 150), timeoutMs: 150, statusIntervalMs: 20, reconnectMs: 50, bufferDepth: 4 })
    const { thrown } = await exercise(zpl)
    if (thrown.length > 0) t.fail(`untyped: ${String((thrown[0] as Error)?.stack ?? thrown[0])}`)
    return thrown.length === 0
  }), { numRuns: 25 })
})
