// The OMS (СУЗ) API v3 emulator: a real HTTP server on loopback speaking the v3 paths, with auth, a soft rate
// limit, the buffer lifecycle on an injected clock, report checks, and fault injection on demand.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { ProfileRegistry } from '../../line/codes/index.ts'
import { systemClock, type Clock } from '../../line/clock.ts'
import { FaultPlan, processedByDefault, type Fault, type OutageMode } from './faults.ts'
import { OmsHandlers, errorBody, type Reply } from './handlers.ts'
import { OmsState, type EmuReport } from './state.ts'

export interface OmsEmulatorOptions {
  clock?: Clock
  profiles?: ProfileRegistry
  omsId?: string
  clientToken?: string
  host?: string
  port?: number
  seed?: number
  /** Time (injected clock) from order to ACTIVE. */
  activationDelayMs?: number
  autoCloseMs?: number
  reportProcessingMs?: number
  /** Soft limit answered with 429 (wall clock, per second); 0 turns it off. oms-api.md: 10. */
  rateLimitPerSecond?: number
  catalog?: Record<string, string>
}

const MAX_BODY = 64 * 1024 * 1024

export class OmsEmulator {
  readonly state: OmsState
  readonly faults = new FaultPlan()
  readonly omsId: string
  clientToken: string
  rateLimitPerSecond: number
  /** Requests served, by "METHOD path": tests check what the client really did. */
  readonly requests: Record<string, number> = {}
  /** The `X-Signature` header of each request (undefined when absent), in arrival order. */
  readonly signatures: Array<string | undefined> = []
  readonly #handlers: OmsHandlers
  readonly #server: Server
  readonly #host: string
  readonly #port: number
  readonly #sockets = new Set<Socket>()
  #window: number[] = []

  constructor (options: OmsEmulatorOptions = {}) {
    this.omsId = options.omsId ?? 'cdf12109-10d3-11e6-8b6f-0050569977a1'
    this.clientToken = options.clientToken ?? 'emulator-token'
    this.rateLimitPerSecond = options.rateLimitPerSecond ?? 10
    this.#host = options.host ?? '127.0.0.1'
    this.#port = options.port ?? 0
    this.state = new OmsState({
      clock: options.clock ?? systemClock,
      profiles: options.profiles ?? new ProfileRegistry(),
      ...pick(options, ['seed', 'activationDelayMs', 'autoCloseMs', 'reportProcessingMs', 'catalog']),
    })
    this.#handlers = new OmsHandlers(this.state, this.omsId)
    this.#server = createServer((req, res) => { this.#handle(req, res).catch(err => this.#fail(res, err)) })
    this.#server.on('connection', s => { this.#sockets.add(s); s.on('close', () => this.#sockets.delete(s)) })
  }

  async start (): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject)
      this.#server.listen(this.#port, this.#host, () => { this.#server.off('error', reject); resolve() })
    })
    return this.url
  }

  get url (): string {
    const a = this.#server.address() as AddressInfo
    return `http://${this.#host}:${a.port}`
  }

  async close (): Promise<void> {
    for (const s of this.#sockets) s.destroy()
    await new Promise<void>(resolve => this.#server.close(() => resolve()))
  }

  // ---- test controls ------------------------------------------------------------------------------------

  inject (fault: Fault): void { this.faults.inject(fault) }
  /** A standing outage until `null`: every request dropped, answered 503, or left hanging. */
  setOutage (mode: OutageMode | null): void { this.faults.outage = mode }
  /** The next `n` reports are accepted, then REJECTED when processed. */
  rejectNextReports (n = 1): void { this.state.rejectReports += n }
  rejectGtin (gtin: string): void { this.state.rejectGtins.add(gtin) }
  /** Called for every report the OMS processed successfully (what it passes on to GIS MT). */
  onReportProcessed (fn: (r: Readonly<EmuReport>) => void): void { this.state.processedListeners.push(fn) }

  /** Every code issued so far (handed out in a block). */
  issuedCodes (): string[] {
    const out: string[] = []
    for (const b of this.state.blocks.values()) out.push(...b.codes)
    return [...new Set(out)]
  }

  utilised (): string[] { return this.#codesOf('utilisation') }
  dropped (): Array<{ code: string, reason: string }> {
    return [...this.state.reports.values()].filter(r => r.kind === 'dropout' && r.status !== 'REJECTED').flatMap(r => r.codes.map(code => ({ code, reason: r.dropoutReason ?? '' })))
  }

  /** Aggregates of unit codes (boxes), as reported. */
  aggregated (): Array<{ unitSerialNumber: string, sntins: string[] }> {
    return this.#units().filter(u => !this.state.aggregates.has(u.sntins[0] as string))
  }

  /** Aggregates of aggregates (pallets of boxes), as reported. */
  pallets (): Array<{ unitSerialNumber: string, sntins: string[] }> {
    return this.#units().filter(u => this.state.aggregates.has(u.sntins[0] as string))
  }

  #units (): Array<{ unitSerialNumber: string, sntins: string[] }> {
    return [...this.state.reports.values()].filter(r => r.kind === 'aggregation' && r.status !== 'REJECTED').flatMap(r => r.units ?? [])
  }

  reports (): EmuReport[] {
    for (const r of this.state.reports.values()) this.state.refreshReport(r)
    return [...this.state.reports.values()]
  }

  #codesOf (kind: EmuReport['kind']): string[] {
    return [...this.state.reports.values()].filter(r => { this.state.refreshReport(r); return r.kind === kind && r.status !== 'REJECTED' }).flatMap(r => r.codes)
  }

  // ---- request path -------------------------------------------------------------------------------------

  async #handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://oms')
    const key = `${req.method} ${url.pathname}`
    this.requests[key] = (this.requests[key] ?? 0) + 1
    const sig = req.headers['x-signature']
    this.signatures.push(Array.isArray(sig) ? sig[0] : sig)
    const raw = await readBody(req)
    const fault = this.faults.take(url.pathname)

    if (fault !== null && !processedByDefault(fault)) {
      if (fault.kind === 'hang') return // never answered; close() destroys the socket
      if (fault.kind === 'drop') { req.socket.destroy(); return }
      if (fault.kind === 'http429') return this.#send(res, [429, errorBody(['Too many requests (emulator fault)'], [], 429)], { 'retry-after': '0' })
      if (fault.kind === 'http500' || fault.kind === 'http503') {
        const code = fault.kind === 'http500' ? 500 : 503
        return this.#send(res, [code, errorBody([`Внутренняя ошибка / internal error (emulator fault ${code})`], [], code)])
      }
    }

    if (this.rateLimitPerSecond > 0 && this.#overLimit()) {
      return this.#send(res, [429, errorBody([`Превышен лимит запросов: не более ${this.rateLimitPerSecond} в секунду`], [], 429)], { 'retry-after': '1' })
    }
    if (req.headers.clienttoken !== this.clientToken) return this.#send(res, [401, errorBody(['Неверный clientToken / invalid token'], [], 401)])
    if (url.searchParams.get('omsId') !== this.omsId) return this.#send(res, [400, errorBody([`Неизвестный omsId ${url.searchParams.get('omsId')}`], [], 400)])

    let body: unknown
    if (req.method === 'POST') {
      try { body = JSON.parse(raw) } catch { return this.#send(res, [400, errorBody(['Тело запроса не JSON / body is not JSON'])]) }
    }
    const reply = this.#route(req.method ?? 'GET', url, body)

    if (fault !== null) {
      const text = JSON.stringify(reply[1])
      switch (fault.kind) {
        case 'hang': return
        case 'drop': req.socket.destroy(); return
        case 'garbage':
          res.writeHead(200, { 'content-type': 'application/json' })
          res.end('<html><body>502 Bad Gateway</body></html>{"codes":[')
          return
        case 'truncate':
          // Promise the whole body, deliver half, cut the connection: what a dying proxy does.
          res.writeHead(reply[0], { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
          res.write(text.slice(0, Math.floor(text.length / 2)), () => res.destroy())
          return
        case 'corrupt-code':
        case 'duplicate-code':
        case 'wrong-gtin':
          this.#send(res, this.#spoil(fault.kind, reply))
          return
        case 'slow':
          await new Promise(resolve => setTimeout(resolve, fault.delayMs ?? 1_000))
          break
        default: break
      }
    }
    this.#send(res, reply)
  }

  #route (method: string, url: URL, body: unknown): Reply {
    const h = this.#handlers
    const q = url.searchParams
    switch (`${method} ${url.pathname}`) {
      case 'POST /api/v3/order': return h.createOrder(body)
      case 'GET /api/v3/order/status': return h.orderStatus(q)
      case 'GET /api/v3/codes': return h.getCodes(q)
      case 'GET /api/v3/order/codes/blocks': return h.listBlocks(q)
      case 'GET /api/v3/order/codes/retry': return h.retryBlock(q)
      case 'POST /api/v3/order/close': return h.closeOrder(body)
      case 'POST /api/v3/utilisation': return h.utilisation(body)
      case 'POST /api/v3/dropout': return h.dropout(body)
      case 'POST /api/v3/aggregation': return h.aggregation(body)
      case 'GET /api/v3/report/info': return h.reportInfo(q)
      default: return [404, errorBody([`Нет такого метода / no route ${method} ${url.pathname}`], [], 404)]
    }
  }

  /** A copy of a codes answer with bad content; the stored block (and its retry) stays good. */
  #spoil (kind: 'corrupt-code' | 'duplicate-code' | 'wrong-gtin', reply: Reply): Reply {
    const body = reply[1] as { codes?: string[], blockId?: string }
    if (reply[0] !== 200 || !Array.isArray(body.codes) || body.codes.length === 0) return reply
    const codes = [...body.codes]
    const first = codes[0] as string
    // '~' is outside the AI-82 set every serial and crypto part is drawn from.
    if (kind === 'corrupt-code') codes[0] = first.slice(0, -1) + '~'
    if (kind === 'duplicate-code') {
      const earlier = [...this.state.blocks.values()].find(b => b.blockId !== body.blockId && b.codes.length > 0)
      codes[0] = earlier?.codes[0] ?? codes[1] ?? first
    }
    if (kind === 'wrong-gtin') {
      const info = this.state.issued.get(first)
      const profile = this.state.profiles.get(info?.group ?? 'water')
      codes.splice(0, codes.length, ...this.state.factory.raw(profile, '04600000000015', codes.length))
    }
    return [200, { ...body, codes }]
  }

  #overLimit (): boolean {
    const now = performance.now()
    this.#window = this.#window.filter(t => t > now - 1000)
    this.#window.push(now)
    return this.#window.length > this.rateLimitPerSecond
  }

  #send (res: ServerResponse, [status, body]: Reply, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body)
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers })
    res.end(text)
  }

  #fail (res: ServerResponse, err: unknown): void {
    if (res.headersSent) { res.destroy(); return }
    this.#send(res, [500, errorBody([`emulator error: ${(err as Error).message}`], [], 500)])
  }
}

function readBody (req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let n = 0
    req.on('data', (c: Buffer) => { n += c.length; if (n > MAX_BODY) req.destroy(new Error('body too large')); else chunks.push(c) })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function pick<T extends object, K extends keyof T> (o: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {}
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k]
  return out
}
