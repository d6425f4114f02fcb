// Panel API for finding things (docs/hmi.md "Finding things"): closed boxes and pallets of a job and what they hold,
// a code's whereabouts and reports, its status in GIS MT (True API cises/info), the report queue and the retry of a
// rejected report. Reading needs a session; asking GIS MT and retrying are actions: role-checked and audited.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { Bilingual } from '../control.ts'
import { entryOf, type ErrorCode } from '../domain/catalogue.ts'
import type { Logger } from '../log.ts'
import type { LineLookup } from '../lookup/lookup.ts'
import { REPORT_STATES } from '../reports/states.ts'
import { HmiError, ValidationError } from './errors.ts'
import type { Action } from './roles.ts'
import { parse } from './schemas.ts'
import type { AuditAction, AuditResult } from './audit-names.ts'
import type { Session } from './store.ts'

export interface FindRoutesDeps {
  lookup: LineLookup
  /** The caller's session (any role). */
  session(req: FastifyRequest): Session
  /** The caller's session, allowed `action` (refusals are audited by the server). */
  permitted(req: FastifyRequest, action: Action): Session
  audit(s: Session, action: AuditAction, detail: unknown, result: AuditResult, message?: Bilingual | string | null): void
  log: Logger
}

const m = (ru: string, en: string) => ({ error: JSON.stringify({ ru, en }) })
const QUERY = z.string().max(300, m('Не длиннее 300 знаков', 'At most 300 characters'))

const containersQuery = z.object({
  job: z.coerce.number(m('Задание: номер', 'Job: a number')).int().positive().optional(),
  q: QUERY.optional(),
})
const ssccParam = z.object({ sscc: z.string().regex(/^(\(00\)|00)?\d{18}$/, m('SSCC: 18 цифр, 00+18 или (00)+18', 'SSCC: 18 digits, 00+18 or (00)+18')) })
const codeQuery = z.object({ q: QUERY.min(1, m('Введите или отсканируйте код', 'Enter or scan a code')) })
const codeBody = z.strictObject({ code: QUERY.min(1, m('Введите или отсканируйте код', 'Enter or scan a code')) })
const reportsQuery = z.object({
  state: z.enum(REPORT_STATES as unknown as [string, ...string[]], m('Состояние отчёта неизвестно', 'Unknown report state')).optional(),
  kind: z.enum(['utilisation', 'aggregation', 'pallet', 'introduction', 'dropout'], m('Вид отчёта неизвестен', 'Unknown report kind')).optional(),
})
const reportParam = z.object({ id: z.string().regex(/^R-[0-9a-f-]{36}$/, m('Номер отчёта: R-<uuid>', 'Report id: R-<uuid>')) })

function refusal (code: ErrorCode, status: number, what: string, context: Record<string, unknown> = {}): HmiError {
  const e = entryOf(code)
  return new HmiError(code, status, { ru: `${e.text.ru}: ${what}. ${e.action.ru}`, en: `${e.text.en}: ${what}. ${e.action.en}` }, context)
}

const NOT_A_CODE: Bilingual = {
  ru: 'это не код маркировки и не SSCC (ожидается код с GS или ⟨GS⟩, в скобках (01)…(21)…, 01+GTIN+21+серийный номер, или SSCC)',
  en: 'not a marking code or an SSCC (expected a code with GS or ⟨GS⟩, in brackets (01)…(21)…, 01+GTIN+21+serial, or an SSCC)',
}

export function registerFindRoutes (app: FastifyInstance, d: FindRoutesDeps): void {
  const { lookup } = d

  app.get('/api/find/jobs', async req => {
    d.session(req)
    return { jobs: lookup.recentJobs(), gismt: lookup.hasGismt }
  })

  app.get('/api/find/containers', async req => {
    d.session(req)
    const q = parse(containersQuery, req.query, 'find')
    const r = lookup.containers(q.job ?? null, q.q)
    if (r.matched === 'invalid') throw new ValidationError({ q: NOT_A_CODE })
    return r
  })

  app.get('/api/find/containers/:sscc', async req => {
    d.session(req)
    const { sscc } = parse(ssccParam, req.params, 'find')
    const c = lookup.container(sscc)
    if (c === null) throw refusal('LC_ERR_FIND_NOT_FOUND', 404, `SSCC ${sscc}`, { sscc })
    return { container: c }
  })

  app.get('/api/find/code', async req => {
    d.session(req)
    const { q } = parse(codeQuery, req.query, 'find')
    const c = lookup.code(q)
    if (c === undefined) throw new ValidationError({ q: NOT_A_CODE })
    if (c === null) throw refusal('LC_ERR_FIND_NOT_FOUND', 404, q.replaceAll('\u001d', '⟨GS⟩'))
    return { code: c }
  })

  // asks GIS MT in the participant's name: an action, in the trail
  app.post('/api/find/code/gismt', async req => {
    const s = d.permitted(req, 'code:gismt')
    let body: z.infer<typeof codeBody>
    try { body = parse(codeBody, req.body, 'gismt') } catch (err) {
      d.audit(s, 'code:gismt', null, 'invalid', err instanceof HmiError ? err.text : String(err))
      throw err
    }
    const shown = body.code.replaceAll('\u001d', '⟨GS⟩')
    if (!lookup.hasGismt) {
      const e = refusal('LC_ERR_FIND_GISMT', 503, 'True API не настроен / no True API configured')
      d.audit(s, 'code:gismt', { code: shown }, 'refused', e.text)
      throw e
    }
    let r: Awaited<ReturnType<LineLookup['gismt']>>
    try {
      r = await lookup.gismt(body.code)
    } catch (err) {
      d.log.warn({ err }, 'cises/info failed')
      const code = (err as { code?: unknown }).code
      const e = refusal('LC_ERR_FIND_GISMT', 502, typeof code === 'string' ? code : 'error', { cause: err instanceof Error ? err.message : String(err) })
      d.audit(s, 'code:gismt', { code: shown }, 'error', e.text)
      throw e
    }
    if (r === undefined) { d.audit(s, 'code:gismt', { code: shown }, 'invalid', NOT_A_CODE); throw new ValidationError({ code: NOT_A_CODE }) }
    if (r === null) {
      const e = refusal('LC_ERR_FIND_NOT_FOUND', 404, shown)
      d.audit(s, 'code:gismt', { code: shown }, 'refused', e.text)
      throw e
    }
    d.audit(s, 'code:gismt', { identity: r.identity, status: r.info.map(i => i.status ?? i.errorCode) }, 'ok')
    return { ok: true, result: r }
  })

  app.get('/api/find/reports', async req => {
    d.session(req)
    const q = parse(reportsQuery, req.query, 'reports')
    return { reports: lookup.reports(q) }
  })

  app.get('/api/find/reports/:id', async req => {
    d.session(req)
    const { id } = parse(reportParam, req.params, 'report')
    const r = lookup.report(id)
    if (r === null) throw refusal('LC_ERR_FIND_NOT_FOUND', 404, id, { id })
    return { report: r, history: lookup.history(id) }
  })

  app.post('/api/find/reports/:id/retry', async req => {
    const s = d.permitted(req, 'report:retry')
    let id: string
    try { ({ id } = parse(reportParam, req.params, 'report')) } catch (err) {
      d.audit(s, 'report:retry', null, 'invalid', err instanceof HmiError ? err.text : String(err))
      throw err
    }
    const before = lookup.report(id)
    const r = await lookup.retry(id)
    if (r === 'unknown') {
      const e = refusal('LC_ERR_FIND_NOT_FOUND', 404, id, { id })
      d.audit(s, 'report:retry', { id }, 'refused', e.text)
      throw e
    }
    if ('state' in r && !('id' in r)) {
      const e = refusal('LC_ERR_REPORT_RETRY', 409, `${id}: ${r.state}`, { id, state: r.state })
      d.audit(s, 'report:retry', { id, state: r.state }, 'refused', e.text)
      throw e
    }
    d.audit(s, 'report:retry', { id, kind: r.kind, codes: r.codes, previousReason: before?.reason ?? null, generation: r.generation }, 'ok')
    return { ok: true, result: r }
  })
}
