// Panel API for codes files (docs/codes-files.md): export for a printing house and its downloads, import of an
// uploaded file. Engineer and admin only; every request is in the panel's audit trail, every outcome in the pool's.

import { createReadStream } from 'node:fs'
import { basename } from 'node:path'
import type { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { CodeFilesPort } from '../codefiles/service.ts'
import { CodesFileError } from '../codefiles/errors.ts'
import { CATALOGUE, type Bilingual, type ErrorCode } from '../domain/catalogue.ts'
import { LineError } from '../domain/errors.ts'
import type { Logger } from '../log.ts'
import { HmiError, UnknownActionError } from './errors.ts'
import type { Action } from './roles.ts'
import { parse } from './schemas.ts'
import type { AuditAction, AuditResult } from './audit-names.ts'
import type { Session } from './store.ts'

export interface CodeRoutesDeps {
  codeFiles: CodeFilesPort
  /** The caller's session, allowed `action` (refusals are audited by the caller's server). */
  permitted(req: FastifyRequest, action: Action): Session
  audit(s: Session, action: AuditAction, detail: unknown, result: AuditResult, message?: Bilingual | string | null): void
  log: Logger
}

/** Header an upload must carry: a page of another site cannot send it without a CORS preflight, never answered here. */
export const UPLOAD_HEADER = 'x-lc-upload'

const m = (ru: string, en: string) => ({ error: JSON.stringify({ ru, en }) })

const exportSchema = z.strictObject({
  gtin: z.string(m('GTIN: обязателен', 'GTIN: required')).regex(/^\d{14}$/, m('GTIN: 14 цифр', 'GTIN: 14 digits')),
  count: z.number(m('Количество: введите число', 'Count: enter a number')).int().min(1, m('Количество: не меньше 1', 'Count: at least 1'))
    .max(1_000_000, m('Количество: не больше 1 000 000 за раз', 'Count: at most 1,000,000 at a time')),
  exportId: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, m('Номер выгрузки: буквы, цифры, «-», «_», «.»', 'Export id: letters, digits, "-", "_", "."')).optional(),
  lineEnd: z.enum(['lf', 'crlf']).optional(),
})

const importQuery = z.object({
  gtin: z.string(m('GTIN: обязателен', 'GTIN: required')),
  group: z.string(m('Товарная группа: обязательна', 'Product group: required')),
  name: z.string(m('Имя файла: обязательно', 'File name: required')).min(1).max(255),
  expires: z.iso.date(m('Годен до: ГГГГ-ММ-ДД', 'Valid until: yyyy-MM-dd')).optional(),
  count: z.coerce.number().int().min(1).optional(),
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, m('SHA-256: 64 шестнадцатеричных знака', 'SHA-256: 64 hex digits')).optional(),
  /** 1: the codes are already on packs (a printing house's file), handed over at once; 0 or absent: for printing here. */
  printed: z.enum(['0', '1'], m('Коды уже нанесены: 0 или 1', 'Already printed: 0 or 1')).optional(),
})

const idParam = z.object({ id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/) })

/** How each refusal answers: the catalogue's text, the detail, and for bad lines the list the panel shows. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  LC_ERR_CODES_FILE_BAD_LINES: 422,
  LC_ERR_CODES_FILE_TRUNCATED: 422,
  LC_ERR_CODES_FILE_TWICE: 409,
  LC_ERR_CODES_FILE_TOO_LARGE: 413,
  LC_ERR_CODES_FILE_TARGET: 400,
  LC_ERR_CODES_FILE_IO: 503,
  LC_ERR_CODES_EXPORT: 409,
  LC_ERR_POOL_EMPTY: 409,
  LC_ERR_POOL_IMPORT: 409,
  LC_ERR_PROFILE: 400,
}

const DETAIL_KEYS = ['badLines', 'badCount', 'byReason', 'lines', 'codes', 'expected', 'requested', 'available', 'blockId', 'importedAt', 'inPool', 'bytes', 'maxBytes', 'maxLines', 'gtin', 'group', 'poolGroup'] as const

class CodeFileRefusal extends HmiError {
  readonly details: Record<string, unknown>
  constructor (err: LineError, status: number) {
    const text = CATALOGUE[err.code].text
    super(err.code, status, { ru: `${text.ru}: ${err.message}`, en: `${text.en}: ${err.message}` }, err.context)
    // what the panel words the refusal with, in the operator's language: numbers, ids and line lists, never a path
    this.details = Object.fromEntries(DETAIL_KEYS.filter(k => err.context[k] !== undefined).map(k => [k, err.context[k]]))
  }
}

export function registerCodeRoutes (app: FastifyInstance, d: CodeRoutesDeps): void {
  const { codeFiles } = d
  // an upload arrives as it is sent: the service spools it to disk within its own size limit
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => { done(null, payload) })

  /** Run an action for a permitted user; its outcome, whatever it is, is one audit row. */
  async function run<T> (req: FastifyRequest, action: Action, input: () => Record<string, unknown>, work: (input: Record<string, unknown>, s: Session) => Promise<T>): Promise<T> {
    const s = d.permitted(req, action)
    let value: Record<string, unknown>
    try { value = input() } catch (err) {
      d.audit(s, action, null, 'invalid', err instanceof HmiError ? err.text : String(err))
      throw err
    }
    try {
      const r = await work(value, s)
      d.audit(s, action, { ...value, ...summaryOf(r) }, 'ok')
      return r
    } catch (err) {
      const status = err instanceof LineError ? STATUS[err.code] : undefined
      if (err instanceof LineError && status !== undefined) {
        d.audit(s, action, { ...value, code: err.code }, 'refused', err.message)
        throw new CodeFileRefusal(err, status)
      }
      if (err instanceof HmiError) { d.audit(s, action, value, 'refused', err.text); throw err }
      d.log.error({ err, action, actor: s.username }, 'codes file action failed')
      d.audit(s, action, value, 'error', err instanceof Error ? err.message : String(err))
      throw new HmiError('LC_ERR_CODES_FILE_IO', 503, { ru: 'Операция с файлом кодов не выполнена, смотрите журнал', en: 'The codes file operation failed, see the log' }, { action }, { cause: err })
    }
  }

  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof CodeFileRefusal) return reply.status(err.status).send({ error: { code: err.code, message: err.text, details: err.details } })
    throw err
  })

  app.post('/api/codes/export', async req => ({
    ok: true,
    result: await run(req, 'codes:export', () => parse(exportSchema, req.body, 'export'), async (b, s) => {
      const r = await codeFiles.exportCodes(b as z.infer<typeof exportSchema>, s.username)
      return { ...r, download: downloads(r.exportId) }
    }),
  }))

  app.post('/api/codes/exports/resume', async req => ({
    ok: true,
    result: await run(req, 'codes:export', () => ({}), async (_b, s) => (await codeFiles.resume(s.username)).map(r => ({ ...r, download: downloads(r.exportId) }))),
  }))

  app.get('/api/codes/exports', async req => {
    d.permitted(req, 'codes:export')
    return { exports: codeFiles.exports(100).map(e => ({ ...e, path: basename(e.path), download: e.status === 'written' ? downloads(e.exportId) : null })) }
  })

  const download = (kind: 'file' | 'manifest') => async (req: FastifyRequest, reply: FastifyReply) => {
    const s = d.permitted(req, 'codes:export')
    const { id } = parse(idParam, req.params, 'export')
    const files = codeFiles.exportFiles(id)
    if (files === null) throw new UnknownActionError(`export ${id}`)
    const path = kind === 'file' ? files.path : files.manifestPath
    d.audit(s, 'codes:download', { exportId: id, kind }, 'ok')
    return reply.type(kind === 'file' ? 'text/plain; charset=us-ascii' : 'application/json')
      .header('content-disposition', `attachment; filename="${basename(path).replace(/[^A-Za-z0-9._-]/g, '_')}"`)
      .send(createReadStream(path))
  }
  app.get('/api/codes/exports/:id/file', download('file'))
  app.get('/api/codes/exports/:id/manifest', download('manifest'))

  app.post('/api/codes/import', { bodyLimit: codeFiles.limits.maxBytes }, async (req, reply) => {
    const declared = Number(req.headers['content-length'] ?? Number.NaN)
    const result = await run(req, 'codes:import', () => {
      const q = parse(importQuery, req.query, 'import')
      if (!(req.body instanceof Object) || typeof (req.body as Readable).pipe !== 'function') {
        throw new HmiError('LC_ERR_HMI_INPUT', 415, { ru: 'Файл передаётся как application/octet-stream', en: 'Send the file as application/octet-stream' })
      }
      if (Number.isFinite(declared) && declared > codeFiles.limits.maxBytes) {
        reply.header('connection', 'close')
        throw new CodeFileRefusal(new CodesFileError('LC_ERR_CODES_FILE_TOO_LARGE', `${declared} bytes, at most ${codeFiles.limits.maxBytes} are taken`, { file: q.name, bytes: declared, maxBytes: codeFiles.limits.maxBytes }), 413)
      }
      return q
    }, async (q, s) => {
      const v = q as z.infer<typeof importQuery>
      const expect = v.count === undefined && v.sha256 === undefined ? undefined : { ...(v.count === undefined ? {} : { count: v.count }), ...(v.sha256 === undefined ? {} : { sha256: v.sha256 }) }
      return await codeFiles.importUpload(req.body as Readable, {
        fileName: v.name, gtin: v.gtin, group: v.group,
        ...(v.expires === undefined ? {} : { expiresAt: Date.parse(`${v.expires}T23:59:59.999Z`) }),
        ...(expect === undefined ? {} : { expect }),
        ...(v.printed === '1' ? { printed: true } : {}),
      }, s.username)
    })
    return { ok: true, result }
  })
}

function downloads (exportId: string): { file: string, manifest: string } {
  const id = encodeURIComponent(exportId)
  return { file: `/api/codes/exports/${id}/file`, manifest: `/api/codes/exports/${id}/manifest` }
}

/** What an audit row keeps of a result: the counts and ids, not the codes. */
function summaryOf (r: unknown): Record<string, unknown> {
  if (r === null || typeof r !== 'object' || Array.isArray(r)) return {}
  const o = r as Record<string, unknown>
  const pick = ['exportId', 'blockId', 'imported', 'sha256', 'created'] as const
  return Object.fromEntries(pick.filter(k => o[k] !== undefined).map(k => [k, o[k]]))
}
