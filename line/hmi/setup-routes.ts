// Panel API of set-up mode (docs/setup-mode.md): the tab's view, test prints, and the line parameters engineers set.
// Every attempt — allowed, refused by role, invalid, refused by the line — is one row of the audit trail; a parameter
// change records each value old → new.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { PARAMETER_KEYS, type ParameterChange, type SetupControl } from '../control.ts'
import { MAX_TEST_PRINTS } from '../domain/test-print.ts'
import type { Logger } from '../log.ts'
import { ForbiddenError, LineUnavailableError, RefusedError, ValidationError } from './errors.ts'
import { can, type Action } from './roles.ts'
import { parse } from './schemas.ts'
import type { AuditResult, Session } from './store.ts'

export interface SetupRoutesDeps {
  setup: SetupControl
  /** The caller's session, allowed `action` (a refusal is audited). */
  permitted(req: FastifyRequest, action: Action): Session
  session(req: FastifyRequest): Session
  audit(s: Session, action: string, detail: unknown, result: AuditResult, message?: string | null): void
  log: Logger
}

const m = (ru: string, en: string) => ({ error: JSON.stringify({ ru, en }) })

const testPrintSchema = z.strictObject({
  printer: z.string(m('Принтер: выберите', 'Printer: choose one')).min(1, m('Принтер: выберите', 'Printer: choose one')).max(100),
  count: z.number(m('Количество: введите число', 'Count: enter a number')).int(m('Количество: целое число', 'Count: a whole number'))
    .min(1, m('Количество: не меньше 1', 'Count: at least 1'))
    .max(MAX_TEST_PRINTS, m(`Количество: не больше ${MAX_TEST_PRINTS}`, `Count: at most ${MAX_TEST_PRINTS}`)),
})

// Types only here: the bounds and the rules between the values are the config schema's, applied by the line.
const whole = (ru: string, en: string) => z.number(m(`${ru}: введите число`, `${en}: enter a number`)).int(m(`${ru}: целое число`, `${en}: a whole number`))
const parametersSchema = z.strictObject({
  rejectDistance: whole('Расстояние до отсекателя', 'Reject distance').optional(),
  rejectMargin: whole('Запас до отсекателя', 'Reject margin').optional(),
  maxConsecutiveRejects: whole('Брак подряд', 'Rejects in a row').optional(),
  /** null: the rule off. */
  maxRejectsPer100: whole('Брак на 100', 'Rejects per 100').nullable().optional(),
  /** Keys given back to the config file's value. */
  reset: z.array(z.enum(PARAMETER_KEYS, m('Сброс: неизвестный параметр', 'Reset: unknown parameter'))).max(PARAMETER_KEYS.length).default([]),
})

export function registerSetupRoutes (app: FastifyInstance, d: SetupRoutesDeps): void {
  const { setup } = d
  const input = <T>(s: Session, action: Action, schema: z.ZodType<T>, body: unknown, form: string): T => {
    try {
      return parse(schema, body, form)
    } catch (err) {
      if (err instanceof ValidationError) d.audit(s, action, { fields: Object.keys(err.fields) }, 'invalid', err.text.en)
      throw err
    }
  }

  app.get('/api/setup', async req => {
    const s = d.session(req)
    if (!can(s.role, 'setup:print') && !can(s.role, 'setup:params')) throw new ForbiddenError('setup:params', s.role)
    return setup.view()
  })

  app.post('/api/setup/test-print', async req => {
    const s = d.permitted(req, 'setup:print')
    const body = input(s, 'setup:print', testPrintSchema, req.body, 'test-print')
    const state = setup.view().state
    let r
    try {
      r = await setup.testPrint(body, s.username)
    } catch (err) {
      const e = new LineUnavailableError('setup:print', err)
      d.log.error({ err, actor: s.username }, 'test print failed')
      d.audit(s, 'setup:print', { ...body, state }, 'error', e.text.en)
      throw e
    }
    if (!r.ok) {
      d.audit(s, 'setup:print', { ...body, state, code: r.code }, 'refused', r.reason.en)
      throw new RefusedError(r.reason, { action: 'setup:print' }, r.code)
    }
    const v = r.value as NonNullable<typeof r.value>
    d.audit(s, 'setup:print', { printer: v.printer, count: v.count, state, first: v.texts[0] }, 'ok')
    return { ok: true, result: v }
  })

  app.post('/api/setup/parameters', async req => {
    const s = d.permitted(req, 'setup:params')
    const body = input(s, 'setup:params', parametersSchema, req.body, 'parameters')
    const { reset, ...rest } = body
    const change: ParameterChange = { values: Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)), reset }
    const r = setup.changeParameters(change, s.username)
    if (!r.ok) {
      const detail = { values: change.values, reset, state: setup.view().state, code: r.code }
      if (r.fields !== undefined) {
        d.audit(s, 'setup:params', { ...detail, fields: r.fields }, 'refused', r.reason.en)
        throw new ValidationError(r.fields, { form: 'parameters' }, r.code)
      }
      d.audit(s, 'setup:params', detail, 'refused', r.reason.en)
      throw new RefusedError(r.reason, { action: 'setup:params' }, r.code)
    }
    const changes = r.value?.changes ?? []
    d.audit(s, 'setup:params', { changes }, 'ok')
    return { ok: true, result: { changes, view: setup.view() } }
  })
}
