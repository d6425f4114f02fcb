// The operator panel server: fastify with the panel, a JSON API checked by role and audited, and live updates.
import websocket from '@fastify/websocket'
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify'
import type { Clock } from '../clock.ts'
import type { Bilingual, ControlResult, JobChange, JobInput, LineControl, LineOperation, ProductsControl, ReworkControl, SetupControl } from '../control.ts'
import { entryOf } from '../domain/catalogue.ts'
import { jobFieldsOf, productInputSchema } from '../products/product.ts'
import type { Logger } from '../log.ts'
import type { CommandResult } from '../state/packml.ts'
import type { Db } from '../store/open.ts'
import { HmiAuth, type BootstrapOptions } from './auth.ts'
import { shiftReportCsv } from './csv.ts'
import {
  ForbiddenError, HmiError, LineUnavailableError, LoginFailedError, RefusedError, UnauthenticatedError, UnknownActionError, ValidationError,
} from './errors.ts'
import type { CodeFilesPort } from '../codefiles/service.ts'
import { UPLOAD_HEADER, registerCodeRoutes } from './codes.ts'
import { registerFindRoutes } from './find-routes.ts'
import type { LineLookup } from '../lookup/lookup.ts'
import { registerStationRoutes, type StationPort } from './station.ts'
import { registerSetupRoutes } from './setup-routes.ts'
import { buildPanel, type PanelAssets } from './panel-build.ts'
import { LiveUpdates } from './live.ts'
import { ACTIONS, PERMISSIONS, can, type Action } from './roles.ts'
import {
  CARD_FIELDS, JOB_CHANGE_FIELDS, auditQuerySchema, changePasswordSchema, commandSchema, idParamSchema, jobChangeSchema, jobSchema, loginSchema, modeSchema, newUserSchema, parse,
  removeUnitSchema, reportQuerySchema, reprintSchema, reworkBoxSchema, reworkPalletSchema, reworkReasonsQuerySchema, samplesSchema, scrapSchema, updateUserSchema, usernameParamSchema,
} from './schemas.ts'
import { HmiStore, type Session } from './store.ts'
import type { AuditAction, AuditResult } from './audit-names.ts'

export interface HmiConfig {
  host: string
  port: number
  /** Session lifetime from login, ms (a shift). */
  sessionTtl: number
  /** Live updates to each panel at most this often, ms. */
  updateIntervalMs: number
  bootstrap?: BootstrapOptions
  /** Product groups the job form accepts (default: the built-in profiles). */
  groups?: readonly string[]
}

/** Jobs queued by the ERP API (line/erp/queue.ts), which the operator starts here; absent when the API is off. */
export interface HmiErpQueue {
  queued(): unknown[]
  start(id: number, actor: string): Promise<ControlResult<unknown>>
}

/** A job's end-of-batch report (line/erp/batch-report.ts) as a printable page; null for no such job. */
export type HmiBatchReportPage = (jobId: number) => string | null

export interface HmiServer {
  listen(): Promise<string>
  close(): Promise<void>
  /** For tests and the bench. */
  readonly live: { readonly clients: number, readonly pushes: number }
}

const COOKIE = 'lc_hmi'
const SHIFT_MS = 12 * 3_600_000

function cookieToken (req: FastifyRequest): string | undefined {
  const header = req.headers.cookie
  if (header === undefined) return undefined
  for (const part of header.split(';')) {
    const i = part.indexOf('=')
    if (i > 0 && part.slice(0, i).trim() === COOKIE) {
      // a malformed cookie is no session (401), not an internal error
      try { return decodeURIComponent(part.slice(i + 1).trim()) } catch { return undefined }
    }
  }
  return undefined
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
const CROSS_SITE = { ru: 'Запрос с чужой страницы отклонён', en: 'Request from another site refused' }
const JSON_ONLY = { ru: 'Команды панели принимаются только в формате JSON', en: 'Panel commands are accepted as JSON only' }

/**
 * Cross-site request forgery: a state change must come from the panel's own page. Browsers send Origin with every
 * cross-site POST, and a page elsewhere cannot send `application/json` without a CORS preflight this server never
 * answers; both are checked (OWASP CSRF Prevention Cheat Sheet: "Verifying Origin", "Custom request headers").
 */
function crossSiteRefusal (req: FastifyRequest): { status: number, text: Bilingual } | null {
  if (!UNSAFE_METHODS.has(req.method)) return null
  const origin = req.headers.origin
  if (origin !== undefined && origin !== '') {
    let host: string | null = null
    try { host = new URL(origin).host } catch { host = null }
    if (host === null || host !== req.headers.host) return { status: 403, text: CROSS_SITE }
  }
  const site = req.headers['sec-fetch-site']
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return { status: 403, text: CROSS_SITE }
  const type = (req.headers['content-type'] ?? '').toLowerCase()
  // a codes file is sent as it is, with a header of the panel's own that no cross-site page can send without a preflight
  const upload = req.headers[UPLOAD_HEADER] !== undefined && type.startsWith('application/octet-stream')
  if (!type.startsWith('application/json') && !upload) return { status: 415, text: JSON_ONLY }
  return null
}

/** True for a loopback bind address: only this PC reaches the panel. */
export function isLoopbackHost (host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.')
}

const MUST_CHANGE = { ru: 'Сначала смените временный пароль', en: 'Change your temporary password first' }

/**
 * A known first password (from the environment or the options) is fine for a panel only this PC reaches; on a
 * network-facing bind anyone on the plant network could log in with it before the operator, so it is ignored and a
 * random one goes to the password file instead.
 */
function bootstrapFor (host: string, b: BootstrapOptions, log: Logger): BootstrapOptions {
  if (isLoopbackHost(host) || b.adminPassword === undefined) return b
  log.error({ host }, 'HMI listens beyond loopback: the configured first administrator password is refused, a random one is written to the password file')
  const { adminPassword: _refused, ...rest } = b
  return rest
}

/**
 * `codeFiles`: the codes-files API (/api/codes/…) is served when given. `products`: the product catalogue
 * (line/products). With it the job form picks a product — a GTIN without a card is refused and the card gives group,
 * TN VED, packing and expiry — and the panel lists, syncs and edits cards.
 */
export function createHmiServer (o: { control: LineControl, rework?: ReworkControl, products?: ProductsControl, db: Db, log: Logger, clock: Clock, config: HmiConfig, codeFiles?: CodeFilesPort, erpQueue?: HmiErpQueue, batchReportPage?: HmiBatchReportPage, lookup?: LineLookup, station?: StationPort, setup?: SetupControl }): HmiServer {
  const { control, clock, config } = o
  const log = o.log.child({ module: 'hmi' })
  const store = new HmiStore(o.db)
  const auth = new HmiAuth({ store, clock, sessionTtl: config.sessionTtl, log })
  const live = new LiveUpdates({ control, intervalMs: config.updateIntervalMs, log, valid: t => auth.session(t)?.mustChange === false })
  const jobForm = jobSchema(config.groups)
  let assets: PanelAssets | null = null

  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, forceCloseConnections: true })

  /** One row of the trail; `action` one of the names the panel has words for (audit-names.ts). */
  const audit = (s: { username: string, role: string | null } | null, action: AuditAction, detail: unknown, result: AuditResult, message?: Bilingual | string | null): void => {
    record(s, action, detail, result, message)
  }
  /** The line's own operations name their action themselves (roles.ts names, by the LineControl contract). */
  const record = (s: { username: string, role: string | null } | null, action: string, detail: unknown, result: AuditResult, message?: Bilingual | string | null): void => {
    try {
      store.audit({ at: clock.now(), actor: s?.username ?? 'anonymous', role: s?.role ?? null, action, detail, result, message: message ?? null })
    } catch (err) {
      log.error({ err, action }, 'cannot write the HMI audit trail')
    }
  }

  // The line's audit trail is this one (hmi_audit). A panel action is one row: who, the input, the outcome, and what the
  // line reported doing ('operation', merged in). What the line did for anyone else (the PLC's buttons, the job from
  // the config) is a row of its own.
  const waiting = new Map<string, Array<Array<Record<string, unknown>>>>()
  const onOperation = (op: LineOperation): void => {
    const slot = waiting.get(`${op.actor}|${op.action}`)?.[0]
    if (slot !== undefined) { slot.push(op.detail); return }
    const refused = op.detail.ok === false
    record({ username: op.actor, role: null }, op.action, op.detail, refused ? 'refused' : 'ok', refused ? op.reason ?? (typeof op.detail.reason === 'string' ? op.detail.reason : null) : null)
  }
  control.on('operation', onOperation)
  /** Run a panel action and collect the line's own account of it. */
  async function withLineAccount<T> (actor: string, action: string, run: () => Promise<T>): Promise<{ r: T, line: Record<string, unknown> | undefined }> {
    const key = `${actor}|${action}`
    const slot: Array<Record<string, unknown>> = []
    const slots = waiting.get(key) ?? []
    slots.push(slot)
    waiting.set(key, slots)
    try {
      const r = await run()
      return { r, line: slot.length === 0 ? undefined : Object.assign({}, ...slot) as Record<string, unknown> }
    } finally {
      slots.splice(slots.indexOf(slot), 1)
      if (slots.length === 0) waiting.delete(key)
    }
  }
  /** The row's detail: the panel's input with the line's account merged in. */
  const detailOf = (input: unknown, line: Record<string, unknown> | undefined): unknown => {
    if (line === undefined) return input
    if (input === null || input === undefined) return line
    return typeof input === 'object' && !Array.isArray(input) ? { ...input, ...line } : { input, ...line }
  }

  /** The caller's session; one that must still change its temporary password may do only that (and log out). */
  const sessionOf = (req: FastifyRequest, o: { mustChangeAllowed?: boolean } = {}): Session => {
    const s = auth.session(cookieToken(req))
    if (s === null) throw new UnauthenticatedError({ path: req.url })
    if (s.mustChange && o.mustChangeAllowed !== true) throw new HmiError('LC_ERR_HMI_FORBIDDEN', 403, MUST_CHANGE, { path: req.url })
    return s
  }

  /** Auth, must-change, role, validation, the action, the audit entry: the same path for every state change. */
  async function act<I, R> (req: FastifyRequest, action: Action, input: () => I, run: (input: I, s: Session) => Promise<ControlResult<R> | CommandResult>): Promise<unknown> {
    const s = auth.session(cookieToken(req))
    if (s === null) {
      audit(null, action, { path: req.url }, 'forbidden')
      throw new UnauthenticatedError({ action })
    }
    if (s.mustChange) { audit(s, action, null, 'forbidden', MUST_CHANGE); throw new HmiError('LC_ERR_HMI_FORBIDDEN', 403, MUST_CHANGE, { action }) }
    if (!can(s.role, action)) {
      const e = new ForbiddenError(action, s.role)
      audit(s, action, null, 'forbidden', e.text)
      throw e
    }
    let value: I
    try {
      value = input()
    } catch (err) {
      if (err instanceof ValidationError) audit(s, action, { fields: Object.keys(err.fields) }, 'invalid', err.text)
      else if (err instanceof RefusedError) audit(s, action, err.context, 'refused', err.text)
      throw err
    }
    let r: ControlResult<R> | CommandResult
    let line: Record<string, unknown> | undefined
    try {
      ({ r, line } = await withLineAccount(s.username, action, async () => await run(value, s)))
    } catch (err) {
      const e = new LineUnavailableError(action, err)
      log.error({ err, action, actor: s.username }, 'line failed an HMI action')
      audit(s, action, value, 'error', e.text)
      throw e
    }
    if (!r.ok) {
      audit(s, action, detailOf(value, line), 'refused', r.reason)
      throw new RefusedError(r.reason, { action }, 'code' in r ? r.code : undefined)
    }
    audit(s, action, detailOf(value, line), 'ok')
    return { ok: true, result: 'value' in r ? r.value ?? null : r }
  }

  app.setErrorHandler((err: unknown, req, reply) => {
    if (err instanceof HmiError) {
      const body: Record<string, unknown> = { error: { code: err.code, message: err.text } }
      if (err instanceof ValidationError) (body.error as Record<string, unknown>).fields = err.fields
      if ((err instanceof RefusedError || err instanceof ValidationError) && err.lineCode !== undefined) (body.error as Record<string, unknown>).lineCode = err.lineCode
      if (err.status >= 500) log.warn({ err, url: req.url }, 'HMI request failed')
      else log.info({ code: err.code, url: req.url, ctx: err.context }, 'HMI request refused')
      return reply.status(err.status).send(body)
    }
    const status = typeof (err as { statusCode?: unknown }).statusCode === 'number' ? (err as { statusCode: number }).statusCode : 500
    if (status >= 400 && status < 500) {
      // fastify's own refusals: bad JSON, body too large, wrong content type.
      const detail = err instanceof Error ? err.message : String(err)
      log.info({ url: req.url, detail }, 'HMI request malformed')
      return reply.status(status).send({ error: { code: 'LC_ERR_HMI_INPUT', message: { ru: `Неверный запрос: ${detail}`, en: `Bad request: ${detail}` } } })
    }
    log.error({ err, url: req.url }, 'HMI internal error')
    return reply.status(500).send({ error: { code: 'LC_ERR_HMI_INTERNAL', message: { ru: 'Внутренняя ошибка панели, смотрите журнал', en: 'Internal panel error, see the log' } } })
  })

  app.setNotFoundHandler((req, reply) => {
    const e = new UnknownActionError(`${req.method} ${req.url.split('?')[0] ?? ''}`)
    return reply.status(404).send({ error: { code: e.code, message: e.text } })
  })

  app.addHook('onRequest', async (req, reply) => {
    const refused = crossSiteRefusal(req)
    if (refused === null) return
    log.warn({ url: req.url, origin: req.headers.origin ?? null, type: req.headers['content-type'] ?? null }, 'HMI refused a cross-site or non-JSON state change')
    return reply.status(refused.status).send({ error: { code: 'LC_ERR_HMI_CROSS_SITE', message: refused.text } })
  })

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('cache-control', 'no-store')
    reply.header('x-content-type-options', 'nosniff')
    // a page that sets its own (stricter) policy keeps it: the printable batch report has no script, one inline style
    if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', "default-src 'self'; img-src 'self' data: blob:; connect-src 'self' ws: wss:; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
    return payload
  })

  app.register(websocket)
  app.register(async app => {
    app.get('/ws', { websocket: true }, (socket, req) => {
      const token = cookieToken(req)
      const s = auth.session(token)
      if (token === undefined || s === null) { socket.close(4401, 'login required'); return }
      if (s.mustChange) { socket.close(4403, 'change the temporary password first'); return }
      live.add(socket, token)
    })
  })

  // --- panel assets
  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(assets?.html))
  app.get('/app.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').send(assets?.js))
  app.get('/app.css', async (_req, reply) => reply.type('text/css; charset=utf-8').send(assets?.css))

  // --- session
  app.post('/api/login', async (req, reply) => {
    const body = parse(loginSchema, req.body, 'login')
    try {
      const { token, session } = await auth.login(body.username, body.password, req.ip)
      audit(session, 'login', null, 'ok')
      reply.header('set-cookie', `${COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.floor(config.sessionTtl / 1000)}`)
      return { user: me(session) }
    } catch (err) {
      if (err instanceof LoginFailedError) audit({ username: body.username, role: null }, 'login', null, 'forbidden', err.text)
      throw err
    }
  })
  app.post('/api/logout', async (req, reply) => {
    const token = cookieToken(req)
    const s = auth.session(token)
    if (token !== undefined) auth.logout(token)
    if (s !== null) audit(s, 'logout', null, 'ok')
    reply.header('set-cookie', `${COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`)
    return { ok: true }
  })
  const me = (s: Session): Record<string, unknown> => ({
    username: s.username, role: s.role, mustChangePassword: s.mustChange, expiresAt: s.expiresAt, permissions: [...PERMISSIONS[s.role]],
  })
  app.get('/api/me', async req => ({ user: me(sessionOf(req, { mustChangeAllowed: true })) }))
  app.post('/api/me/password', async req => {
    const s = sessionOf(req, { mustChangeAllowed: true })
    const body = parse(changePasswordSchema, req.body, 'password')
    if (!await auth.changePassword(s.username, body.oldPassword, body.newPassword)) {
      const text = { ru: 'Старый пароль неверен', en: 'The old password is wrong' }
      audit(s, 'password:change', null, 'refused', text)
      throw new ValidationError({ oldPassword: text })
    }
    audit(s, 'password:change', null, 'ok')
    return { ok: true }
  })

  // --- line view
  app.get('/api/snapshot', async req => { sessionOf(req); return control.snapshot() })
  app.get('/api/image/last.png', async (req, reply) => {
    sessionOf(req)
    const png = control.lastImagePng()
    if (png === null) {
      return reply.status(404).send({ error: { code: 'LC_ERR_HMI_NO_IMAGE', message: { ru: 'Камера ещё не прислала изображение', en: 'No camera image yet' } } })
    }
    return reply.type('image/png').send(png)
  })

  // --- commands
  app.post('/api/command', async req => {
    const { command } = parse(commandSchema, req.body, 'command')
    const action = `cmd:${command.toLowerCase()}`
    if (!(ACTIONS as readonly string[]).includes(action)) {
      const s = auth.session(cookieToken(req))
      if (s === null) throw new UnauthenticatedError()
      const e = new UnknownActionError(command, 400)
      audit(s, 'command', { command }, 'invalid', e.text)
      throw e
    }
    return act(req, action as Action, () => command.toLowerCase(), (cmd, s) => control.command(cmd, s.username))
  })
  app.post('/api/mode', async req => act(req, 'mode:set', () => parse(modeSchema, req.body, 'mode'), (b, s) => control.setMode(b.mode, s.username)))
  app.post('/api/job', async req => act(req, 'job:start', () => jobRequest(req.body), (r, s) => r.change === undefined ? control.startJob(r.job, s.username) : control.startJob(r.job, s.username, r.change)))
  app.post('/api/alarms/:id/ack', async req => act(req, 'alarm:ack', () => parse(idParamSchema, req.params, 'alarm'), (p, s) => control.ackAlarm(p.id, s.username)))
  app.post('/api/box/close', async req => act(req, 'box:close', () => null, (_b, s) => control.closePartialBox(s.username)))
  app.post('/api/pallet/close', async req => act(req, 'pallet:close', () => null, (_b, s) => control.closePartialPallet(s.username)))
  app.post('/api/unit/remove', async req => act(req, 'unit:remove', () => parse(removeUnitSchema, req.body, 'remove-unit'), (b, s) => control.removeUnit(b.code, s.username)))
  app.post('/api/box/reprint', async req => act(req, 'label:reprint', () => parse(reprintSchema, req.body, 'reprint'), (b, s) => control.reprintLabel(b.sscc, s.username)))
  app.post('/api/box/scrap', async req => act(req, 'box:scrap', () => parse(scrapSchema, req.body, 'scrap'), (b, s) => control.scrapBox(b.sscc, b.reason, s.username)))

  // --- rework of boxes and pallets GIS MT holds (docs/rework.md): engineers; every attempt is audited
  const rework = o.rework
  if (rework !== undefined) {
    app.post('/api/rework/box', async req => act(req, 'box:rework', () => parse(reworkBoxSchema, req.body, 'rework-box'), (b, s) => rework.reworkBox({ sscc: b.sscc, take: b.take.map(t => t.reason === undefined ? { code: t.code, fate: t.fate } : { code: t.code, fate: t.fate, reason: t.reason }) }, s.username)))
    app.post('/api/rework/pallet', async req => act(req, 'box:rework', () => parse(reworkPalletSchema, req.body, 'rework-pallet'), (b, s) => rework.reworkPallet(b, s.username)))
    app.post('/api/rework/samples', async req => act(req, 'unit:sample', () => parse(samplesSchema, req.body, 'samples'), (b, s) => rework.takeSamples(b, s.username)))
    app.get('/api/rework/reasons', async req => { sessionOf(req); return { reasons: rework.sampleReasons(parse(reworkReasonsQuerySchema, req.query, 'rework-reasons').group) } })
  }

  // --- products (docs/hmi.md "Products"): everyone reads, operators sync, engineers enter cards by hand
  const products = o.products
  if (products !== undefined) {
    app.get('/api/products', async req => { sessionOf(req); return { products: products.list(), status: products.status() } })
    app.post('/api/products/sync', async req => act(req, 'product:sync', () => null, async (_b, s) => await products.sync(s.username)))
    app.post('/api/products', async req => act(req, 'product:edit', () => parse(productInputSchema, req.body, 'product'), async (p, s) => products.save(p, s.username)))
  }

  // --- reports
  const reportRange = (req: FastifyRequest): { from: number, to: number, lang: 'ru' | 'en' } => {
    const s = sessionOf(req)
    if (!can(s.role, 'report:view')) throw new ForbiddenError('report:view', s.role)
    const q = parse(reportQuerySchema, req.query, 'report')
    const to = q.to ?? clock.now()
    return { from: q.from ?? to - SHIFT_MS, to, lang: q.lang }
  }
  app.get('/api/shift-report', async req => {
    const { from, to } = reportRange(req)
    return { from, to, rows: control.shiftReport(from, to) }
  })
  app.get('/api/shift-report.csv', async (req, reply) => {
    const { from, to, lang } = reportRange(req)
    const day = new Date(to).toISOString().slice(0, 10)
    return reply.type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="shift-${day}.csv"`)
      .send(shiftReportCsv(control.shiftReport(from, to), lang))
  })
  app.get('/api/audit', async req => {
    const s = sessionOf(req)
    if (!can(s.role, 'audit:view')) throw new ForbiddenError('audit:view', s.role)
    const q = parse(auditQuerySchema, req.query, 'audit')
    return { rows: store.auditTrail(q.limit, q.before) }
  })

  /** The session of a user allowed `action`; a refusal is audited. */
  const permitted = (req: FastifyRequest, action: Action): Session => {
    const s = auth.session(cookieToken(req))
    if (s === null) { audit(null, action, { path: req.url }, 'forbidden'); throw new UnauthenticatedError({ action }) }
    if (s.mustChange) { audit(s, action, null, 'forbidden', MUST_CHANGE); throw new HmiError('LC_ERR_HMI_FORBIDDEN', 403, MUST_CHANGE, { action }) }
    if (!can(s.role, action)) { const e = new ForbiddenError(action, s.role); audit(s, action, null, 'forbidden', e.text); throw e }
    return s
  }
  // --- codes files (engineer)
  const codeFiles = o.codeFiles
  if (codeFiles !== undefined) {
    app.register(async app => { registerCodeRoutes(app, { codeFiles, permitted, audit, log }) })
  }
  // --- finding boxes, pallets, codes and reports (docs/hmi.md "Finding things")
  const lookup = o.lookup
  if (lookup !== undefined) {
    app.register(async app => { registerFindRoutes(app, { lookup, session: req => sessionOf(req), permitted, audit, log }) })
  }
  // --- the manual aggregation station (operator)
  const station = o.station
  if (station !== undefined) {
    app.register(async app => { registerStationRoutes(app, { station, permitted, session: req => sessionOf(req), audit, log }) })
  }
  // --- set-up mode: test prints and line parameters (engineer; docs/setup-mode.md)
  const setup = o.setup
  if (setup !== undefined) {
    app.register(async app => { registerSetupRoutes(app, { setup, permitted, session: req => sessionOf(req), audit, log }) })
  }
  // --- jobs queued by the ERP: listed for the panel, started by the operator (the same checks as the job form)
  const erpQueue = o.erpQueue
  if (erpQueue !== undefined) {
    app.get('/api/erp/jobs', async req => { sessionOf(req); return { jobs: erpQueue.queued() } })
    app.post('/api/erp/jobs/:id/start', async req => act(req, 'job:start', () => parse(idParamSchema, req.params, 'erp-job'), (p, s) => erpQueue.start(p.id, s.username)))
  }
  // --- a job's end-of-batch report, printable
  const batchReportPage = o.batchReportPage
  if (batchReportPage !== undefined) {
    app.get('/api/jobs/:id/report.html', async (req, reply) => {
      const s = sessionOf(req)
      if (!can(s.role, 'report:view')) throw new ForbiddenError('report:view', s.role)
      const { id } = parse(idParamSchema, req.params, 'report')
      const page = batchReportPage(id)
      if (page === null) throw new UnknownActionError(`job ${id}`)
      return reply.type('text/html; charset=utf-8').header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'").send(page)
    })
  }

  // --- users (admin)
  const admin = (req: FastifyRequest, action: AuditAction): Session => {
    const s = sessionOf(req)
    if (s.mustChange) throw new HmiError('LC_ERR_HMI_FORBIDDEN', 403, MUST_CHANGE, { action })
    if (!can(s.role, 'users:manage')) {
      const e = new ForbiddenError('users:manage', s.role)
      audit(s, action, null, 'forbidden', e.text)
      throw e
    }
    return s
  }
  app.get('/api/users', async req => { admin(req, 'users:list'); return { users: store.users() } })
  app.post('/api/users', async (req, reply) => {
    const s = admin(req, 'users:create')
    const u = parse(newUserSchema, req.body, 'user')
    if (!await auth.createUser(u, s.username)) {
      const text = { ru: `Пользователь «${u.username}» уже есть`, en: `User "${u.username}" already exists` }
      audit(s, 'users:create', { username: u.username }, 'refused', text)
      throw new RefusedError(text)
    }
    audit(s, 'users:create', { username: u.username, role: u.role }, 'ok')
    return reply.status(201).send({ ok: true })
  })
  app.patch('/api/users/:name', async req => {
    const s = admin(req, 'users:update')
    const { name } = parse(usernameParamSchema, req.params, 'user')
    const b = parse(updateUserSchema, req.body, 'user')
    const target = store.user(name)
    if (target === null) throw new UnknownActionError(`user ${name}`)
    // An administrator does not block or demote themselves (another administrator does, if it must be).
    if (name === s.username && (b.disabled === true || (b.role !== undefined && b.role !== target.role))) {
      const text = { ru: 'Нельзя заблокировать себя или изменить свою роль: это делает другой администратор', en: 'You cannot block yourself or change your own role: another administrator does that' }
      audit(s, 'users:update', { username: name }, 'refused', text)
      throw new RefusedError(text)
    }
    // The last active administrator cannot lock everyone out of user management.
    const losesAdmin = target.role === 'admin' && !target.disabled && ((b.role !== undefined && b.role !== 'admin') || b.disabled === true)
    if (losesAdmin && store.activeAdmins() <= 1) {
      const text = { ru: 'Нельзя лишить прав последнего администратора', en: 'Cannot demote or disable the last administrator' }
      audit(s, 'users:update', { username: name }, 'refused', text)
      throw new RefusedError(text)
    }
    if (b.role !== undefined) store.setRole(name, b.role)
    if (b.disabled !== undefined) store.setDisabled(name, b.disabled)
    if (b.password !== undefined) await auth.resetPassword(name, b.password)
    audit(s, 'users:update', { username: name, role: b.role, disabled: b.disabled, password: b.password !== undefined }, 'ok')
    return { ok: true }
  })

  /**
   * The job form's request: the job, and the confirmation of a job change when one is active. With the product
   * catalogue the GTIN must have a card, and the card gives what is the product's (group, TN VED, packing, expiry from
   * its shelf life); a different value for those in the request is refused, not silently replaced.
   */
  function jobRequest (body: unknown): { job: JobInput, change?: JobChange } {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return { job: parse(jobForm, body, 'job') }
    const b: Record<string, unknown> = { ...(body as Record<string, unknown>) }
    const asked: Record<string, unknown> = {}
    for (const k of JOB_CHANGE_FIELDS) {
      if (b[k] !== undefined && b[k] !== '' && b[k] !== null && b[k] !== false) asked[k] = b[k]
      delete b[k]
    }
    const change = Object.keys(asked).length === 0 ? undefined : parse(jobChangeSchema, asked, 'job-change')
    if (products !== undefined) {
      const gtin = typeof b.gtin === 'string' ? b.gtin.trim() : ''
      const card = /^\d{14}$/.test(gtin) ? products.get(gtin) : null
      if (card === null && /^\d{14}$/.test(gtin)) {
        const e = entryOf('LC_ERR_JOB_NO_PRODUCT')
        throw new RefusedError({ ru: `GTIN ${gtin}: ${e.text.ru}. ${e.action.ru}`, en: `GTIN ${gtin}: ${e.text.en}. ${e.action.en}` }, { gtin }, 'LC_ERR_JOB_NO_PRODUCT')
      }
      if (card !== null) {
        const fromCard: Record<string, unknown> = jobFieldsOf(card, typeof b.productionDate === 'string' ? b.productionDate.trim() : '')
        const owned = [...CARD_FIELDS, ...(fromCard.expiryDate === undefined ? [] : ['expiryDate'])]
        const fields: Record<string, Bilingual> = {}
        for (const k of owned) {
          const v = b[k]
          if (v !== undefined && v !== null && v !== '' && String(v).trim() !== String(fromCard[k] ?? '')) fields[k] = { ru: `берётся из карточки товара (${String(fromCard[k] ?? '—')})`, en: `comes from the product card (${String(fromCard[k] ?? '—')})` }
          delete b[k]
        }
        if (Object.keys(fields).length > 0) throw new ValidationError(fields, { form: 'job' })
        Object.assign(b, fromCard)
      }
    }
    const job = parse(jobForm, b, 'job')
    return change === undefined ? { job } : { job, change }
  }

  let url: string | null = null
  return {
    get live () { return { clients: live.clients, pushes: live.pushes } },
    async listen () {
      assets ??= await buildPanel()
      const boot = await auth.bootstrap(bootstrapFor(config.host, config.bootstrap ?? {}, log))
      if (boot.created) log.info({ username: boot.username }, 'HMI administrator bootstrapped')
      const address = await app.listen({ host: config.host, port: config.port })
      url = address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1')
      log.info({ url }, 'HMI listening')
      return url
    },
    async close () {
      control.off('operation', onOperation)
      live.close()
      await app.close()
    },
  }
}
