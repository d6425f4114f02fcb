// A real HTTP server on an ephemeral loopback port whose answers a test scripts, recording when each request came.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Seen { method: string, url: string, at: number, headers: IncomingMessage['headers'], body: string }

export type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void

export async function scriptedServer (t: { teardown(fn: () => unknown): void }, handler: Handler): Promise<{ url: string, seen: Seen[] }> {
  const seen: Seen[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', at: performance.now(), headers: req.headers, body: Buffer.concat(chunks).toString() })
      handler(req, res, seen.length)
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => {
    server.closeAllConnections()
    await new Promise(resolve => server.close(resolve))
  })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen }
}

export function json (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}
