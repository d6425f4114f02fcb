// The OMS (СУЗ) API v3 emulator: a real HTTP server on loopback speaking the v3 paths, with client tokens, a soft
// rate limit, the buffer lifecycle on an injected clock, reports processed asynchronously with receipts, and fault
// injection on demand. Written from the СУЗ-Облако 4.0 guide (API 3.0.27); imports nothing from line/.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { realClock, type Clock } from '../shared/clock.ts'
import { signatureKind } from '../shared/test-signature.ts'
import { FaultPlan, processedByDefault, type Fault, type OutageMode } from './faults.ts'
import { OmsHandlers, errorBody, type Reply } from './handlers.ts'
import { OmsState, type EmuReport } from './state.ts'
import { CLIENT_TOKEN_TTL_MS, ClientTokens } from './tokens.ts'

export interface OmsEmulatorOptions {
  clock?: Clock
  omsId?: string
  /**
   * A fixed clientToken that is always valid (no expiry, never replaced): an emulator convenience for tests that do
   * not exercise the token flow. Without it the only valid tokens are those issued through GIS MT (§9.1).
   */
  clientToken?: string
  /** Registered installations (§9.1.1); the first is `omsConnection`. Default: one fixed UUID. */
  omsConnections?: string[]
  /** Lifetime of an issued clientToken on the emulator's clock: 10 h (§9.1 item 2.3). */
  tokenTtlMs?: number
  /** INN shown in receipts of reports that carry none. */
  participantInn?: string
  host?: string
  port?: number
  seed?: number
  /** Time (injected clock) from order to ACTIVE. */
  activationDelayMs?: number
  autoCloseMs?: number
  reportProcessingMs?: number
  /**
   * Requests per second (wall clock) above which the emulator answers 429; 0 turns it off. The guide recommends at
   * most 10 a second and warns of "temporary blocking" above 100 (§4.4 note) without naming a status: 429 is the
   * emulator's choice, kept so a client's pacing is tested; the default enforces the recommendation.
   */
  rateLimitPerSecond?: number
  catalog?: Record<string, string>
}

const MAX_BODY = 64 * 1024 * 1024
const TOKEN_TEXT = { unknown: 'отсутствует или неизвестен / missing or unknown', expired: 'истёк (10 ч) / expired', replaced: 'заменён новым токеном / replaced by a newer token' } as const

export class OmsEmulator {
  readonly state: OmsState
  readonly faults = new FaultPlan()
  readonly omsId: string
  readonly tokens: ClientTokens
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
    // §4.4 note: "не чаще, чем 10 раз в секунду" (recommended); see #handle for the status
    this.rateLimitPerSecond = options.rateLimitPerSecond ?? 10
    this.#host = options.host ?? '127.0.0.1'
    this.#port = options.port ?? 0
    const clock = options.clock ?? realClock
    this.tokens = new ClientTokens(clock, options.tokenTtlMs ?? CLIENT_TOKEN_TTL_MS, options.clientToken)
    for (const c of options.omsConnections ?? ['7f3b6a52-0c1e-4d5a-9b7e-2a61c9d40e11']) this.tokens.connections.add(c)
    this.state = new OmsState({
      clock,
      ...pick(options, ['seed', 'activationDelayMs', 'autoCloseMs', 'reportProcessingMs', 'catalog', 'participantInn']),
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

  /** The fixed token (`clientToken` option); an error when none was configured (then tokens come from GIS MT). */
  get clientToken (): string {
    if (this.tokens.fixed === undefined) throw new Error('the OMS emulator has no fixed clientToken: configure one, or issue one with issueClientToken()')
    return this.tokens.fixed
  }

  /** The first registered installation (§9.1.1). */
  get omsConnection (): string { return [...this.tokens.connections][0] as string }

  /** What GIS MT asks during simpleSignIn/{omsConnection} (§9.1.2 steps 8–10): a new token, the older one void. */
  issueClientToken (omsConnection = this.omsConnection): { token: string, expiresAt: number } | undefined {
    return this.tokens.issue(omsConnection)
  }

  /** Process the reports whose time has come (also done before every request). */
  processDue (): void { this.state.processDue() }

  // ---- test controls ------------------------------------------------------------------------------------

  inject (fault: Fault): void { this.faults.inject(fault) }
  /** A standing outage until `null`: every request dropped, answered 503, or left hanging. */
  setOutage (mode: OutageMode | null): void { this.faults.outage = mode }
  /** The next `n` reports are accepted, then REJECTED when processed. */
  rejectNextReports (n = 1): void { this.state.rejectReports += n }
  rejectGtin (gtin: string): void { this.state.rejectGtins.add(gtin) }
  /** Called for every report the OMS processed successfully (what it passes on to GIS MT). */
  onReportProcessed (fn: (r: Readonly<EmuReport>) => void): void { this.state.processedListeners.push(fn) }

  /** GIS MT disaggregated an aggregate (sim/gismt/from-oms.ts): the OMS no longer holds its members in it. */
  forgetAggregate (unit: string): void { this.state.forgetAggregate(unit) }

  /** Every code issued so far (handed out in a block). */
  issuedCodes (): string[] {
    const out: string[] = []
    for (const b of this.state.blocks.values()) out.push(...b.codes)
    return [...new Set(out)]
  }

  /** Reports of `kind` the emulator took (whatever their processing came to): what reached it. */
  received (kind: string): number {
    return [...this.state.reports.values()].filter(r => r.kind === kind).length
  }

  /** Codes whose utilisation took effect (processed), in report order. */
  utilised (): string[] { return this.#codesOf('utilisation') }
  dropped (): Array<{ code: string, reason: string }> {
    this.state.processDue()
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
    this.state.processDue()
    return [...this.state.reports.values()].filter(r => r.kind === 'aggregation' && r.status !== 'REJECTED').flatMap(r => r.acceptedUnits)
  }

  reports (): EmuReport[] {
    this.state.processDue()
    return [...this.state.reports.values()]
  }

  #codesOf (kind: EmuReport['kind']): string[] {
    this.state.processDue()
    return [...this.state.reports.values()].filter(r => r.kind === kind && r.status !== 'REJECTED').flatMap(r => r.codes)
  }

  // ---- request path -------------------------------------------------------------------------------------

  async #handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://oms')
    const key = `${req.method} ${url.pathname}`
    this.requests[key] = (this.requests[key] ?? 0) + 1
    const sigHeader = req.headers['x-signature']
    const sig = Array.isArray(sigHeader) ? sigHeader[0] : sigHeader
    this.signatures.push(sig)
    const raw = await readBody(req)
    const fault = this.faults.take(url.pathname)

    // Faults (5xx, 429, drops …) are injected on purpose: their statuses need no source in the guide.
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
    // The guide documents no status for a missing, expired or replaced clientToken (§6.2.2 lists 400/404/413/500).
    // 401 is kept: HTTP's status for refused credentials, the one True API documents for its own token, and the
    // one the controller's client reacts to by fetching a new token. The body says which of the three it was.
    const tokenHeader = req.headers.clienttoken
    const check = this.tokens.check(Array.isArray(tokenHeader) ? tokenHeader[0] : tokenHeader)
    if (check !== 'valid') return this.#send(res, [401, errorBody([`clientToken ${TOKEN_TEXT[check]}`], [], 401)])
    if (url.searchParams.get('omsId') !== this.omsId) return this.#send(res, [400, errorBody([`Неизвестный omsId ${url.searchParams.get('omsId')}`], [], 400)])
    // §6.2.2 Table 258: 413 — an attached signature, which the system does not take
    if (sig !== undefined && signatureKind(sig) === 'attached') return this.#send(res, [413, errorBody(['Указана прикреплённая подпись, которая не поддерживается системой / attached signature'], [], 413)])
    this.state.processDue()

    let body: unknown
    if (req.method === 'POST') {
      try { body = JSON.parse(raw) } catch { return this.#send(res, [400, errorBody(['Тело запроса не JSON / body is not JSON'])]) }
    }
    const reply = this.#route(req.method ?? 'GET', url, body, raw)

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

  #route (method: string, url: URL, body: unknown, raw: string): Reply {
    const h = this.#handlers
    const q = url.searchParams
    switch (`${method} ${url.pathname}`) {
      case 'POST /api/v3/order': return h.createOrder(body)
      case 'GET /api/v3/order/status': return h.orderStatus(q)
      case 'GET /api/v3/codes': return h.getCodes(q)
      case 'GET /api/v3/order/codes/blocks': return h.listBlocks(q)
      case 'GET /api/v3/order/codes/retry': return h.retryBlock(q)
      case 'POST /api/v3/order/close': return h.closeOrder(body)
      case 'POST /api/v3/utilisation': return h.utilisation(body, raw)
      case 'POST /api/v3/dropout': return h.dropout(body, raw)
      case 'POST /api/v3/aggregation': return h.aggregation(body, raw)
      case 'GET /api/v3/report/info': return h.reportInfo(q)
      case 'GET /api/v3/ping': return h.ping()
      case 'POST /api/v3/receipts/receipt/search': return h.receiptSearch(body)
      case 'GET /api/v3/receipts/receipt': return h.receipt(q)
      case 'GET /api/v3/receipts/document': return h.receiptDocument(q)
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
      const layout = this.state.issued.get(first)?.layout
      if (layout !== undefined) for (let i = 0; i < codes.length; i++) codes[i] = this.state.issuer.next(layout, '04600000000015').code
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
