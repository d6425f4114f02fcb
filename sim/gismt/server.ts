// True API emulator: auth flow with expiring tokens, document create / info / list, checking that moves documents
// IN_PROGRESS → CHECKED_OK or CHECKED_NOT_OK with a reason per code, and outages on demand (5xx, 429, hang, slow).
// It holds the aggregates it accepted (aggregation documents, OMS aggregations) until a disaggregation undoes them.
import { createHash, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { realClock, type Clock } from '../shared/clock.ts'
import { DEFAULT_TEST_SECRET, openAttachedSignature, verifyDetachedSignature } from '../shared/test-signature.ts'

export type OutageMode = '5xx' | '429' | 'hang' | 'slow'
export interface Outage {
  mode: OutageMode
  /** For `slow`: the request is processed, then the answer waits this long. */
  delayMs?: number
  /** Only paths containing this text are affected (default: all). */
  path?: string
}

export interface EmulatorOptions {
  secret?: string
  clock?: Clock
  tokenTtlMs?: number
  /** A document stays IN_PROGRESS at least this long (emulator clock). */
  checkDelayMs?: number
  signatureOver?: 'json' | 'base64'
  /**
   * The GTINs GIS MT holds permit data for (from the product cards, or earlier documents); 'all' (default): every
   * GTIN. An introduction of a group that needs a permit, of a GTIN without one on file, must carry
   * `certificate_document_data` (TA §4.1.4.1).
   */
  permitsOnFile?: 'all' | readonly string[]
  host?: string
  port?: number
}

/**
 * TA §4.1.4.1, `certificate_document_data`: mandatory for these groups (of those the line serves: «Молочная
 * продукция», «Упакованная вода», «Безалкогольное пиво», «Соковая продукция и безалкогольные напитки», «Обувные
 * товары», «Предметы одежды…») when GIS MT holds no permit data for the codes and the card sets no
 * reasonCertMissingDetails; the types from «Справочник «Виды разрешительной документации»».
 */
const PERMIT_GROUPS = new Set(['milk', 'water', 'nabeer', 'softdrinks', 'shoes', 'lp'])
const PERMIT_TYPES = new Set(['CONFORMITY_CERTIFICATE', 'CONFORMITY_DECLARATION', 'STATE_REGISTRATION_CERTIFICATE'])
/** TA §4.1.4.1 certificate_date formats: yyyy-MM-ddTHH:mm:ss.SSS; yyyy-MM-ddTHH:mm:ss; dd.MM.yyyy; dd.MM.yyyy HH:mm; yyyy-MM-dd. */
const PERMIT_DATE = /^(\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{3})?)?|\d{2}\.\d{2}\.\d{4}( \d{2}:\d{2})?)$/

/** What is wrong with an entry's permit data, or null. */
function permitProblem (p: Record<string, unknown>): string | null {
  const outside = ['certificate_document', 'certificate_document_number', 'certificate_document_date'].filter(k => p[k] !== undefined)
  const data = p.certificate_document_data
  if (data === undefined) return outside.length === 0 || outside.length === 3 ? null : 'certificate_document, _number and _date: all three or none'
  if (outside.length > 0) return 'certificate_document_data and certificate_document* given both inside and outside the array'
  if (!Array.isArray(data)) return 'certificate_document_data must be an array'
  for (const d of data as Array<Record<string, unknown>>) {
    const given = ['certificate_type', 'certificate_number', 'certificate_date'].filter(k => d?.[k] !== undefined)
    if (given.length === 0 && d?.well_number !== undefined) continue
    if (given.length !== 3) return 'certificate_type, certificate_number and certificate_date: all three or none'
    if (!PERMIT_TYPES.has(String(d.certificate_type))) return `certificate_type ${String(d.certificate_type)} is not in the directory of permit types`
    if (typeof d.certificate_number !== 'string' || d.certificate_number.trim() === '' || d.certificate_number.length > 255) return 'certificate_number must be 1–255 characters'
    if (typeof d.certificate_date !== 'string' || !PERMIT_DATE.test(d.certificate_date)) return 'certificate_date: yyyy-MM-dd, dd.MM.yyyy or with a time'
  }
  return null
}

interface Doc {
  id: string
  type: string
  group: string
  content: string
  body: unknown
  createdAt: number
  status: string
  errors: Array<{ cis: string, message: string }>
}

interface CodeInfo { applied: boolean, aggregatedIn?: string, introduced?: boolean }

export const REASONS = {
  unknown: 'code is not known to GIS MT (unknown code)',
  notApplied: 'code not applied (no utilisation report)',
  aggregated: 'code already aggregated',
  introduced: 'code already introduced into circulation',
  noAggregate: 'aggregate not found: GIS MT holds no such aggregate (never aggregated, or already disaggregated)',
  aggregateStatus: 'aggregate cannot be disaggregated: a code inside it is not APPLIED or INTRODUCED',
  participant: 'participant_inn must be a 10- or 12-digit INN',
} as const

export class TrueApiEmulator {
  readonly #o: Required<Omit<EmulatorOptions, 'host' | 'port'>>
  readonly #server: Server
  readonly #sockets = new Set<Socket>()
  readonly #timers = new Set<NodeJS.Timeout>()
  readonly #keys = new Map<string, string>()
  readonly #tokens = new Map<string, { expiresAt: number, connection: string }>()
  readonly #codes = new Map<string, CodeInfo>()
  /** Aggregates GIS MT knows (`00`+SSCC → unit codes inside), from aggregation documents or from the OMS. */
  readonly #aggregates = new Map<string, string[]>()
  readonly #introducedAggregates = new Set<string>()
  readonly #aggregateParent = new Map<string, string>()
  readonly docs = new Map<string, Doc>()
  #outage: Outage | undefined
  #seq = 0
  url = ''
  /** Receipts: create requests accepted per content hash and per code, to prove nothing is sent twice. */
  readonly receipts = { creates: 0, byHash: new Map<string, number>(), byCode: new Map<string, number>(), signIns: 0, requests: 0 }

  constructor (options: EmulatorOptions = {}) {
    this.#o = {
      secret: options.secret ?? DEFAULT_TEST_SECRET,
      clock: options.clock ?? realClock,
      tokenTtlMs: options.tokenTtlMs ?? 10 * 3_600_000,
      permitsOnFile: options.permitsOnFile ?? 'all',
      checkDelayMs: options.checkDelayMs ?? 0,
      signatureOver: options.signatureOver ?? 'json',
    }
    this.#server = createServer((req, res) => { this.#handle(req, res) })
    this.#server.on('connection', s => { this.#sockets.add(s); s.on('close', () => this.#sockets.delete(s)) })
  }

  async listen (port = 0, host = '127.0.0.1'): Promise<string> {
    await new Promise<void>(resolve => this.#server.listen(port, host, resolve))
    this.url = `http://${host}:${(this.#server.address() as AddressInfo).port}`
    return this.url
  }

  async close (): Promise<void> {
    for (const t of this.#timers) clearTimeout(t)
    for (const s of this.#sockets) s.destroy()
    await new Promise<void>(resolve => this.#server.close(() => resolve()))
  }

  // ---- test controls ----------------------------------------------------------------------------------

  /** Make codes known to GIS MT (by identity, without crypto part); `applied` = a utilisation report was accepted. */
  registerCodes (codes: Iterable<string>, options: { applied?: boolean } = {}): void {
    for (const c of codes) this.#codes.set(c, { ...this.#codes.get(c), applied: options.applied ?? true })
  }

  markApplied (codes: Iterable<string>): void { this.registerCodes(codes, { applied: true }) }

  /** An aggregate GIS MT learnt of another way (an aggregation report through the OMS). */
  registerAggregate (unit: string, codes: readonly string[]): void {
    for (const c of codes) if (!this.#aggregates.has(c)) this.#codes.set(c, { applied: false, ...this.#codes.get(c) })
    this.#setAggregate(unit, codes)
  }

  /** The aggregate an aggregate was put in (a box's pallet). */
  aggregateParent (unit: string): string | undefined { return this.#aggregateParent.get(unit) }

  #setAggregate (unit: string, members: readonly string[]): void {
    for (const c of members) {
      if (this.#aggregates.has(c)) this.#aggregateParent.set(c, unit)
      else (this.#codes.get(c) as CodeInfo).aggregatedIn = unit
    }
    this.#aggregates.set(unit, [...members])
  }

  /** What GIS MT holds now: every aggregate with its members, as copies (tests compare it with the line's store). */
  aggregates (): Map<string, string[]> {
    return new Map([...this.#aggregates].map(([k, v]) => [k, [...v]]))
  }

  /**
   * Undo an aggregate: its members are free again. The aggregate that held it is undone first: "Автоматическое
   * расформирование упаковки происходит при любых действиях с КИ в составе КИТУ" (TA §4.1.2.3).
   */
  #disaggregate (unit: string): void {
    const parent = this.#aggregateParent.get(unit)
    if (parent !== undefined) this.#disaggregate(parent)
    for (const m of this.#aggregates.get(unit) ?? []) {
      if (this.#aggregates.has(m)) this.#aggregateParent.delete(m)
      else { const info = this.#codes.get(m); if (info !== undefined) delete info.aggregatedIn }
    }
    this.#aggregates.delete(unit)
    this.#introducedAggregates.delete(unit)
    this.onDisaggregated?.(unit)
  }

  /** Called for every aggregate a disaggregation undid (a linked OMS forgets it too: sim/gismt/from-oms.ts). */
  onDisaggregated: ((unit: string) => void) | undefined

  /** Codes introduced into circulation, directly or through their aggregate. */
  introducedCodes (): string[] { return [...this.#codes].filter(([, i]) => i.introduced === true).map(([c]) => c) }

  codeInfo (code: string): Readonly<CodeInfo> | undefined { return this.#codes.get(code) }

  outage (o: Outage | undefined): void { this.#outage = o }

  /** The unit codes inside an aggregate, through nested aggregates. */
  /** Whether GIS MT holds permit data for the code (an aggregate: for every code inside it). */
  #permitOnFile (cis: string): boolean {
    const on = this.#o.permitsOnFile
    if (on === 'all') return true
    const leaves = this.#aggregates.has(cis) ? this.#leaves(cis) : [cis]
    return leaves.length > 0 && leaves.every(c => { const g = gtinOf(c); return g !== null && on.includes(g) })
  }

  #leaves (unit: string): string[] {
    return (this.#aggregates.get(unit) ?? []).flatMap(m => this.#aggregates.has(m) ? this.#leaves(m) : [m])
  }

  /** Revoke every token (as when another installation signs in). */
  revokeTokens (): void { this.#tokens.clear() }

  /**
   * The OMS this GIS MT registers client tokens with (§9.1.2 steps 8–10 of the OMS guide): simpleSignIn/{omsConnection}
   * then returns the OMS's own token, so the OMS accepts it for 10 h or until a newer one replaces it.
   */
  omsTokenIssuer: ((omsConnection: string) => { token: string } | undefined) | undefined
  /** Called before every request: a linked OMS processes its due reports, so what it passed on is known here. */
  beforeRequest: (() => void) | undefined

  // ---- HTTP ---------------------------------------------------------------------------------------------

  #handle (req: IncomingMessage, res: ServerResponse): void {
    this.receipts.requests++
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const o = this.#outage
      const url = new URL(req.url ?? '/', 'http://x')
      // Controls are never part of an outage: the test must be able to end it.
      const hit = o !== undefined && !url.pathname.startsWith('/_emulator/') && (o.path === undefined || url.pathname.includes(o.path))
      if (hit && o.mode === 'hang') return
      if (hit && o.mode === '5xx') { send(res, 503, { error_message: 'Service Unavailable (emulated outage)' }); return }
      if (hit && o.mode === '429') { send(res, 429, { error_message: 'Too Many Requests (emulated)' }); return }
      let status = 500
      let body: unknown
      try {
        this.beforeRequest?.()
        ;[status, body] = this.#route(req.method ?? 'GET', url, Buffer.concat(chunks), req.headers.authorization)
      } catch (err) {
        status = 500; body = { error_message: `emulator error: ${(err as Error).message}` }
      }
      if (hit && o.mode === 'slow') {
        const timer = setTimeout(() => { this.#timers.delete(timer); send(res, status, body) }, o.delayMs ?? 1000)
        this.#timers.add(timer)
      } else send(res, status, body)
    })
  }

  #route (method: string, url: URL, raw: Buffer, authz: string | undefined): [number, unknown] {
    const p = url.pathname
    if (p.startsWith('/_emulator/')) return this.#control(method, p, raw)
    if (method === 'GET' && p === '/api/v3/true-api/auth/key') {
      const uuid = randomUUID()
      const data = randomUUID().replace(/-/g, '')
      this.#keys.set(uuid, data)
      return [200, { uuid, data }]
    }
    const signIn = /^\/api\/v3\/true-api\/auth\/simpleSignIn(?:\/([^/]+))?$/.exec(p)
    if (method === 'POST' && signIn !== null) return this.#signIn(raw, signIn[1] === undefined ? '' : decodeURIComponent(signIn[1]))

    const token = /^Bearer (.+)$/.exec(authz ?? '')?.[1]
    const t = token === undefined ? undefined : this.#tokens.get(token)
    if (t === undefined || t.expiresAt <= this.#o.clock.now()) return [401, { error_message: 'token is missing, expired or revoked' }]

    if (method === 'POST' && p === '/api/v3/true-api/lk/documents/create') return this.#create(url, raw)
    if (method === 'POST' && p === '/api/v3/true-api/cises/info') return this.#cisesInfo(url, raw)
    const info = /^\/api\/v4\/true-api\/doc\/([^/]+)\/info$/.exec(p)
    if (method === 'GET' && info !== null) {
      const d = this.docs.get(decodeURIComponent(info[1] as string))
      if (d === undefined) return [404, { error_message: 'document not found' }]
      this.#check(d)
      // True API v553 §6.4: the document's content only when asked (`content=true`, or `body=true`), as its JSON
      const withContent = url.searchParams.get('content') === 'true' || url.searchParams.get('body') === 'true'
      return [200, [{ number: d.id, docDate: new Date(d.createdAt).toISOString(), type: d.type, status: d.status, errors: d.errors, ...(withContent ? { content: JSON.stringify(d.body) } : {}) }]]
    }
    if (method === 'GET' && p === '/api/v4/true-api/doc/list') {
      // §6.1: pg is required, and exactly one of senderInn / receiverInn; otherwise 400 "Bad request"
      const sender = url.searchParams.get('senderInn')
      const receiver = url.searchParams.get('receiverInn')
      if (url.searchParams.get('pg') === null || (sender === null) === (receiver === null)) return [400, { error_message: 'Bad request: pg and exactly one of senderInn, receiverInn are required' }]
      const from = Date.parse(url.searchParams.get('dateFrom') ?? '1970-01-01T00:00:00Z')
      const type = url.searchParams.get('documentType')
      const results = [...this.docs.values()]
        // documents created here are the participant's own: it is their sender, and receives none
        .filter(d => sender !== null && senderOf(d.body) === sender)
        .filter(d => d.createdAt >= from && (type === null || d.type === type) && d.group === url.searchParams.get('pg'))
        .map(d => ({ number: d.id, docDate: new Date(d.createdAt).toISOString(), type: d.type, status: d.status }))
      return [200, { results }]
    }
    return [404, { error_message: `no route ${method} ${p}` }]
  }

  /** Test controls over HTTP, for an emulator in another process (benchmarks, `npm run sim`). */
  #control (method: string, p: string, raw: Buffer): [number, unknown] {
    let body: Record<string, unknown> = {}
    try { if (raw.length > 0) body = JSON.parse(raw.toString('utf8')) as Record<string, unknown> } catch { return [400, { error_message: 'body is not JSON' }] }
    if (method === 'POST' && p === '/_emulator/codes' && Array.isArray(body.codes)) {
      this.registerCodes(body.codes.map(String), { applied: body.applied !== false })
      return [200, { registered: body.codes.length }]
    }
    if (method === 'POST' && p === '/_emulator/outage') {
      this.outage(typeof body.mode === 'string' ? body as unknown as Outage : undefined)
      return [200, { outage: this.#outage ?? null }]
    }
    if (method === 'GET' && p === '/_emulator/receipts') {
      const r = this.receipts
      return [200, { creates: r.creates, signIns: r.signIns, requests: r.requests, documents: this.docs.size, codes: r.byCode.size, codesReceivedTwice: [...r.byCode.values()].filter(n => n > 1).length }]
    }
    return [404, { error_message: `no control ${method} ${p}` }]
  }

  #signIn (raw: Buffer, connection: string): [number, unknown] {
    let req: { uuid?: unknown, data?: unknown }
    try { req = JSON.parse(raw.toString('utf8')) as { uuid?: unknown, data?: unknown } } catch { return [400, { error_message: 'body is not JSON' }] }
    // True API §1.5 (auth/simpleSignIn): 400 without uuid or data, 400 for a uuid not in the key store,
    // 403 "Подпись не валидна" for a signature that does not verify
    if (typeof req.uuid !== 'string') return [400, { error_message: 'В запросе отсутствует идентификатор авторизации (UUID)' }]
    if (typeof req.data !== 'string') return [400, { error_message: 'В запросе отсутствует параметр data' }]
    const expected = this.#keys.get(req.uuid)
    if (expected === undefined) return [400, { error_message: `UUID не найден в хранилище ключей. UUID = ${req.uuid}` }]
    this.#keys.delete(req.uuid)
    const content = openAttachedSignature(this.#o.secret, req.data)
    if (content === undefined || content.toString('utf8') !== expected) return [403, { error_message: 'Подпись не валидна' }]
    if (connection !== '' && this.omsTokenIssuer !== undefined) {
      // the OMS registers the token (OMS guide §9.1.2 step 10); an unknown installation fails there (step 9).
      // The guide names no status for that failure: 400, True API's status for a request it cannot serve.
      const issued = this.omsTokenIssuer(connection)
      if (issued === undefined) return [400, { error_message: `Установка интеграционного решения ${connection} не зарегистрирована в СУЗ` }]
      this.receipts.signIns++
      return [200, { token: issued.token }]
    }
    // One token per OMS connection: a new one replaces the old (OMS guide §9.1 item 2.2).
    if (connection !== '') for (const [k, v] of this.#tokens) if (v.connection === connection) this.#tokens.delete(k)
    const token = randomUUID()
    this.#tokens.set(token, { expiresAt: this.#o.clock.now() + this.#o.tokenTtlMs, connection })
    this.receipts.signIns++
    return [200, { token }]
  }

  #create (url: URL, raw: Buffer): [number, unknown] {
    const pg = url.searchParams.get('pg')
    if (pg === null || pg === '') return [400, { error_message: 'pg is required' }]
    let req: Record<string, unknown>
    try { req = JSON.parse(raw.toString('utf8')) as Record<string, unknown> } catch { return [400, { error_message: 'body is not JSON' }] }
    const { document_format: fmt, product_document: pd, type, signature } = req
    if (fmt !== 'MANUAL' || typeof pd !== 'string' || typeof type !== 'string' || typeof signature !== 'string') {
      return [400, { error_message: 'document_format MANUAL, product_document, type and signature are required' }]
    }
    const json = Buffer.from(pd, 'base64')
    const signed = this.#o.signatureOver === 'base64' ? Buffer.from(pd, 'ascii') : json
    if (!verifyDetachedSignature(this.#o.secret, signed, signature)) return [400, { error_message: 'detached signature does not verify' }]
    let body: unknown
    try { body = JSON.parse(json.toString('utf8')) } catch { return [400, { error_message: 'product_document is not base64 JSON' }] }
    const hash = createHash('sha256').update(pd).digest('hex')
    this.receipts.creates++
    this.receipts.byHash.set(hash, (this.receipts.byHash.get(hash) ?? 0) + 1)
    for (const c of codesOf(type, body)) this.receipts.byCode.set(c, (this.receipts.byCode.get(c) ?? 0) + 1)
    const id = `${type === 'AGGREGATION_DOCUMENT' ? 'AGG' : 'DOC'}-${++this.#seq}-${randomUUID().slice(0, 8)}`
    this.docs.set(id, { id, type, group: pg, content: pd, body, createdAt: this.#o.clock.now(), status: 'IN_PROGRESS', errors: [] })
    return [200, id]
  }

  /**
   * True API v553 §5.1.2 «Метод получения общедоступной информации о КИ по списку» (POST /cises/info): a JSON array of
   * 1 to 1000 codes, each 18 to 74 characters without brackets. 400 without a body («Required request body is
   * missing»), for a body that is not an array («JSON parse error …») and for an empty one («В запросе не указан ни
   * один КМ»). Each code is answered from what GIS MT holds here: EMITTED (known, not applied), APPLIED, INTRODUCED
   * («Справочник «Статусы КИ»»), UNIT or BOX («Справочник «Типы упаковки»»), its aggregate (`parent`) and, for an
   * aggregate, its content (`child`); an unknown one gets errorCode "404" «КИ не найден», and if none is known the
   * HTTP status is 404 too.
   */
  #cisesInfo (url: URL, raw: Buffer): [number, unknown] {
    if (raw.length === 0) return [400, { error_message: 'Required request body is missing' }]
    let req: unknown
    try { req = JSON.parse(raw.toString('utf8')) } catch (err) { return [400, { error_message: `JSON parse error: ${(err as Error).message}` }] }
    if (!Array.isArray(req) || !req.every(c => typeof c === 'string')) return [400, { error_message: 'JSON parse error: Cannot deserialize instance of `java.util.ArrayList` out of START_OBJECT token' }]
    const cises = req as string[]
    if (cises.length === 0) return [400, { error_message: 'В запросе не указан ни один КМ' }]
    // the guide's limits (1000 codes, 18–74 characters, no brackets); it names no text for these refusals
    if (cises.length > 1000) return [400, { error_message: 'Не более 1000 КИ в массиве' }]
    const bad = cises.find(c => c.length < 18 || c.length > 74 || c.startsWith('('))
    if (bad !== undefined) return [400, { error_message: `Некорректный КИ: ${bad}` }]
    const pg = url.searchParams.get('pg')
    const answers = cises.map(requested => {
      // a code with its crypto part is found by the code without it
      const cis = requested.split('\u001d')[0] as string
      const members = this.#aggregates.get(cis)
      if (members !== undefined) {
        const parent = this.#aggregateParent.get(cis)
        return { cisInfo: { requestedCis: requested, cis, packageType: 'BOX', generalPackageType: 'BOX', status: this.#introducedAggregates.has(cis) ? 'INTRODUCED' : 'APPLIED', statusEx: 'EMPTY', child: [...members], ...(parent === undefined ? {} : { parent }), ...(pg === null ? {} : { productGroup: pg }) } }
      }
      const info = this.#codes.get(cis)
      if (info === undefined) return { cisInfo: { requestedCis: requested, cis, gtin: /^01(\d{14})/.exec(cis)?.[1] ?? null, packageType: null }, errorMessage: 'КИ не найден', errorCode: '404' }
      return {
        cisInfo: {
          requestedCis: requested, cis, gtin: cis.slice(2, 16), packageType: 'UNIT', generalPackageType: 'UNIT',
          status: info.introduced === true ? 'INTRODUCED' : info.applied ? 'APPLIED' : 'EMITTED', statusEx: 'EMPTY',
          ...(info.aggregatedIn === undefined ? {} : { parent: info.aggregatedIn }), ...(pg === null ? {} : { productGroup: pg }),
        },
      }
    })
    return [answers.every(a => 'errorCode' in a) ? 404 : 200, answers]
  }

  /** Move a document out of IN_PROGRESS once its check delay passed: all its codes pass, or it is refused whole. */
  #check (d: Doc): void {
    if (d.status !== 'IN_PROGRESS' || this.#o.clock.now() < d.createdAt + this.#o.checkDelayMs) return
    const errors: Doc['errors'] = []
    const b = d.body as Record<string, unknown>
    if (d.type === 'AGGREGATION_DOCUMENT') {
      const seen = new Set<string>()
      const units = Array.isArray(b.aggregationUnits) ? b.aggregationUnits as Array<{ unitSerialNumber?: unknown, sntins?: unknown }> : []
      if (units.length === 0) errors.push({ cis: '', message: 'aggregationUnits is empty' })
      for (const u of units) {
        for (const c of Array.isArray(u.sntins) ? u.sntins as string[] : []) {
          // a higher level (a pallet) holds aggregates GIS MT knows
          if (this.#aggregates.has(c)) {
            if (this.#aggregateParent.has(c) || seen.has(c)) errors.push({ cis: c, message: REASONS.aggregated })
            seen.add(c)
            continue
          }
          const info = this.#codes.get(c)
          if (info === undefined) errors.push({ cis: c, message: REASONS.unknown })
          else if (!info.applied) errors.push({ cis: c, message: REASONS.notApplied })
          else if (info.aggregatedIn !== undefined || seen.has(c)) errors.push({ cis: c, message: REASONS.aggregated })
          seen.add(c)
        }
      }
      if (errors.length === 0) {
        for (const u of units) {
          this.#setAggregate(String(u.unitSerialNumber), u.sntins as string[])
        }
      }
    } else if (d.type === 'DISAGGREGATION_DOCUMENT') {
      // TA §4.1.2.3: { participant_inn, products_list: [{ uitu }] }; the aggregate must be held, its codes APPLIED or
      // INTRODUCED. Entries are taken in order, as GIS MT would process them one after the other: an aggregate undone
      // by an earlier entry (a pallet undone with its box) is no longer held.
      if (typeof b.participant_inn !== 'string' || !/^\d{10}(\d{2})?$/.test(b.participant_inn)) errors.push({ cis: '', message: REASONS.participant })
      const list = Array.isArray(b.products_list) ? b.products_list as Array<{ uitu?: unknown }> : []
      if (list.length === 0) errors.push({ cis: '', message: 'products_list is empty' })
      const gone = new Set<string>()
      const undo: string[] = []
      for (const p of list) {
        const u = typeof p.uitu === 'string' ? p.uitu : ''
        if (!this.#aggregates.has(u) || gone.has(u)) { errors.push({ cis: u, message: REASONS.noAggregate }); continue }
        if (this.#leaves(u).some(c => this.#codes.get(c)?.applied !== true)) { errors.push({ cis: u, message: REASONS.aggregateStatus }); continue }
        for (let x: string | undefined = u; x !== undefined; x = this.#aggregateParent.get(x)) gone.add(x)
        undo.push(u)
      }
      if (errors.length === 0) for (const u of undo) this.#disaggregate(u)
    } else if (d.type === 'LP_INTRODUCE_GOODS') {
      const products = Array.isArray(b.products) ? b.products as Array<{ uit_code?: string, uitu_code?: string } & Record<string, unknown>> : []
      // an aggregate (uitu_code) introduces every unit inside it; milk lists the aggregate and the units inside it
      // (TA §4.1.4.1 uitu_code: "для товарной группы «Молочная продукция» указывается КИ агрегата и КИ вложений")
      const milk = d.group === 'milk'
      const listed = new Set(products.flatMap(p => p.uit_code === undefined ? [] : [p.uit_code]))
      const inListed = new Set<string>()
      const codes: string[] = []
      for (const p of products) {
        const cis = p.uit_code ?? p.uitu_code ?? ''
        const problem = permitProblem(p)
        if (problem !== null) errors.push({ cis, message: problem })
        else if (PERMIT_GROUPS.has(d.group) && p.certificate_document_data === undefined && p.certificate_document === undefined && !this.#permitOnFile(cis)) {
          errors.push({ cis, message: 'certificate_document_data is mandatory: GIS MT holds no permit data for the code and the card sets no reasonCertMissingDetails' })
        }
        if (p.uitu_code !== undefined) {
          const inside = this.#aggregates.get(p.uitu_code)
          if (inside === undefined) errors.push({ cis: p.uitu_code, message: REASONS.unknown })
          else if (this.#introducedAggregates.has(p.uitu_code)) errors.push({ cis: p.uitu_code, message: REASONS.introduced })
          else {
            if (milk) {
              const missing = inside.filter(c => !listed.has(c))
              if (missing.length > 0) errors.push({ cis: p.uitu_code, message: `milk: the aggregate is listed with the codes inside it; ${missing.length} of ${inside.length} not listed` })
            }
            for (const c of inside) inListed.add(c)
            codes.push(...inside)
          }
        }
      }
      // a unit listed beside its aggregate (milk) is introduced with it, not a second time
      for (const p of products) if (p.uitu_code === undefined && !inListed.has(p.uit_code ?? '')) codes.push(p.uit_code ?? '')
      for (const c of codes) {
        const info = this.#codes.get(c)
        if (info === undefined) errors.push({ cis: c, message: REASONS.unknown })
        else if (!info.applied) errors.push({ cis: c, message: REASONS.notApplied })
        else if (info.introduced === true) errors.push({ cis: c, message: REASONS.introduced })
      }
      if (errors.length === 0) {
        for (const c of codes) (this.#codes.get(c) as CodeInfo).introduced = true
        for (const p of products) if (p.uitu_code !== undefined) this.#introducedAggregates.add(p.uitu_code)
      }
    }
    d.status = errors.length === 0 ? 'CHECKED_OK' : 'CHECKED_NOT_OK'
    d.errors = errors
  }
}

function gtinOf (cis: string): string | null {
  const m = /^01(\d{14})/.exec(cis)
  return m === null ? null : m[1] as string
}

function codesOf (type: string, body: unknown): string[] {
  const b = body as Record<string, unknown>
  if (type === 'AGGREGATION_DOCUMENT' && Array.isArray(b.aggregationUnits)) {
    return (b.aggregationUnits as Array<{ sntins?: unknown }>).flatMap(u => Array.isArray(u.sntins) ? u.sntins as string[] : [])
  }
  if (type === 'DISAGGREGATION_DOCUMENT' && Array.isArray(b.products_list)) return (b.products_list as Array<{ uitu?: unknown }>).map(p => String(p.uitu ?? ''))
  if (Array.isArray(b.products)) return (b.products as Array<{ uit_code?: string, uitu_code?: string }>).map(p => p.uit_code ?? p.uitu_code ?? '')
  return []
}

function send (res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' })
  res.end(text)
}

export async function startTrueApiEmulator (options: EmulatorOptions = {}): Promise<TrueApiEmulator> {
  const emu = new TrueApiEmulator(options)
  await emu.listen(options.port ?? 0, options.host ?? '127.0.0.1')
  return emu
}

/** The participant a document names as its author (AGGREGATION_DOCUMENT participantId, others participant_inn). */
function senderOf (body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  const b = body as Record<string, unknown>
  const inn = b.participantId ?? b.participant_inn ?? b.participantInn
  return typeof inn === 'string' ? inn : undefined
}
