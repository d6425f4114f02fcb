// Panel API of the manual aggregation station (docs/station.md): the station's view, a scan typed by a keyboard-wedge
// scanner into the station screen, and "Close box". Every scan and close is one row of the panel's audit trail.

import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { Bilingual } from '../control.ts'
import type { StationDecision, StationView } from '../station/station.ts'
import type { Logger } from '../log.ts'
import { HmiError } from './errors.ts'
import type { Action } from './roles.ts'
import { parse } from './schemas.ts'
import type { AuditAction, AuditResult } from './audit-names.ts'
import type { Session } from './store.ts'

/** What the panel needs of the station service. */
export interface StationPort {
  view(): StationView
  scan(raw: unknown, source: string): Promise<StationDecision>
  close(source: string, jobId?: number): Promise<StationDecision>
}

export interface StationRoutesDeps {
  station: StationPort
  /** The caller's session, allowed `action`. */
  permitted(req: FastifyRequest, action: Action): Session
  /** Any logged-in session (reading the view). */
  session(req: FastifyRequest): Session
  audit(s: Session, action: AuditAction, detail: unknown, result: AuditResult, message?: Bilingual | string | null): void
  log: Logger
}

const m = (ru: string, en: string) => ({ error: JSON.stringify({ ru, en }) })

// The scan itself is checked by the station (line/station/scan.ts), so that garbage gets its refusal on the screen
// like any other read; here only the envelope, with a bound far above any code.
const scanSchema = z.strictObject({
  code: z.string(m('Скан: ожидается текст', 'Scan: text expected')).max(4096, m('Скан: слишком длинный', 'Scan: too long')),
})

const closeSchema = z.strictObject({
  /** A box left open by an ended job (the view's `leftOpen`); absent: the active job's box. */
  jobId: z.number(m('Задание: ожидается номер', 'Job: a number expected')).int().positive().optional(),
})

export function registerStationRoutes (app: FastifyInstance, d: StationRoutesDeps): void {
  const { station } = d
  const audited = (s: Session, action: Action, r: StationDecision): StationDecision => {
    d.audit(s, action, { read: r.read, decision: r.code, ...(r.sscc === undefined ? {} : { sscc: r.sscc }) }, r.ok ? 'ok' : 'refused', r.ok ? null : r.text)
    return r
  }
  /** The envelope checked; a refused one is a row of the audit trail like any other refusal. */
  const input = <T>(s: Session, action: Action, schema: z.ZodType<T>, body: unknown, form: string): T => {
    try {
      return parse(schema, body, form)
    } catch (err) {
      d.audit(s, action, null, 'invalid', err instanceof HmiError ? err.text : String(err))
      throw err
    }
  }
  app.get('/api/station', async req => { d.session(req); return station.view() })
  app.post('/api/station/scan', async req => {
    const s = d.permitted(req, 'station:scan')
    const body = input(s, 'station:scan', scanSchema, req.body, 'station-scan')
    const decision = audited(s, 'station:scan', await station.scan(body.code, `panel:${s.username}`))
    return { decision, view: station.view() }
  })
  app.post('/api/station/close', async req => {
    const s = d.permitted(req, 'station:close')
    const body = input(s, 'station:close', closeSchema, req.body ?? {}, 'station-close')
    const decision = audited(s, 'station:close', await station.close(`panel:${s.username}`, body.jobId))
    return { decision, view: station.view() }
  })
}
