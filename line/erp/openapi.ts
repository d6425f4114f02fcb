// The ERP API's OpenAPI 3.1 document, served at /erp/v1/openapi.json. The job body's schema is generated from the
// zod schema the server checks with; the rest is written here next to the routes' statuses (a test compares the
// routes the server registers with the paths listed here).
import { z } from 'zod'
import type { ErrorCode } from '../domain/catalogue.ts'
import { erpJobSchema, ERP_STATUSES } from './schemas.ts'

/** The codes an answer of this API may carry: its own, and the job refusals of JobStore.validate. */
const ERP_CODES: readonly ErrorCode[] = ([
  'LC_ERR_ERP_AUTH', 'LC_ERR_ERP_RATE', 'LC_ERR_ERP_INPUT', 'LC_ERR_ERP_TOO_LARGE', 'LC_ERR_ERP_IDEMPOTENCY_KEY',
  'LC_ERR_ERP_IDEMPOTENCY_MISMATCH', 'LC_ERR_ERP_NOT_FOUND', 'LC_ERR_ERP_CONFLICT', 'LC_ERR_ERP_INTERNAL',
  'LC_ERR_JOB', 'LC_ERR_JOB_GROUP', 'LC_ERR_JOB_GROUP_REFUSED', 'LC_ERR_JOB_GROUP_MISMATCH', 'LC_ERR_JOB_MODE', 'LC_ERR_JOB_NO_PRODUCT',
] satisfies ErrorCode[])

const ref = (name: string): { $ref: string } => ({ $ref: `#/components/schemas/${name}` })
const json = (schema: unknown): Record<string, unknown> => ({ content: { 'application/json': { schema } } })
const error = (description: string): Record<string, unknown> => ({ description, ...json(ref('Error')) })

const AUTH_ERRORS = {
  401: error('No key, or a key no client holds (`LC_ERR_ERP_AUTH`). Also sent with `WWW-Authenticate: Bearer`.'),
  429: { description: 'Over the client\'s request rate, or too many wrong keys from this address (`LC_ERR_ERP_RATE`); see `Retry-After`.', headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'seconds' } }, ...json(ref('Error')) },
}
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[1-9][0-9]{0,15}$' } }
const idempotencyHeader = {
  name: 'Idempotency-Key', in: 'header', required: true,
  description: 'A new key for every new request (a UUID fits); the same key when the same request is retried. The first answer is stored and replayed for the same key and body; the same key with another body is refused (422).',
  schema: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,128}$' },
}
const replayedHeader = { 'Idempotent-Replayed': { schema: { type: 'string', enum: ['true'] }, description: 'present when this is the stored answer of an earlier request with the same key' } }
const langParam = { name: 'lang', in: 'query', required: false, schema: { type: 'string', enum: ['ru', 'en'], default: 'ru' }, description: 'language of the CSV headings' }

function reportPaths (base: string, of: string): Record<string, unknown> {
  const notFound = error(`No ${of} with this id (\`LC_ERR_ERP_NOT_FOUND\`).`)
  const common = { parameters: [idParam], security: [{ bearer: [] }, { apiKey: [] }] }
  const conflict = base.includes('/line-jobs/') ? {} : { 409: error('The job is still queued or was cancelled: no report yet (`LC_ERR_ERP_CONFLICT`).') }
  return {
    [`${base}/report`]: { get: { ...common, summary: `End-of-batch report of ${of}, as JSON`, operationId: `${base.includes('line-jobs') ? 'lineJob' : 'job'}Report`, responses: { 200: { description: 'the report', ...json(ref('BatchReport')) }, 400: error('Bad id (`LC_ERR_ERP_INPUT`).'), 404: notFound, ...conflict, ...AUTH_ERRORS } } },
    [`${base}/report.csv`]: { get: { ...common, parameters: [idParam, langParam], summary: `End-of-batch report of ${of}, as CSV (UTF-8 with BOM, ";" separated, CRLF: Excel in a Russian locale opens it as it is)`, operationId: `${base.includes('line-jobs') ? 'lineJob' : 'job'}ReportCsv`, responses: { 200: { description: 'the report', content: { 'text/csv': { schema: { type: 'string' } } } }, 400: error('Bad id (`LC_ERR_ERP_INPUT`).'), 404: notFound, ...conflict, ...AUTH_ERRORS } } },
    [`${base}/report.html`]: { get: { ...common, summary: `End-of-batch report of ${of}, as a printable page (Russian first, English second)`, operationId: `${base.includes('line-jobs') ? 'lineJob' : 'job'}ReportHtml`, responses: { 200: { description: 'the page', content: { 'text/html': { schema: { type: 'string' } } } }, 400: error('Bad id (`LC_ERR_ERP_INPUT`).'), 404: notFound, ...conflict, ...AUTH_ERRORS } } },
  }
}

const bilingual = { type: 'object', required: ['ru', 'en'], properties: { ru: { type: 'string' }, en: { type: 'string' } }, additionalProperties: false }
const isoTime = { type: ['string', 'null'], format: 'date-time' }

let cached: Record<string, unknown> | null = null

export function openApiDocument (): Record<string, unknown> {
  cached ??= build()
  return cached
}

function build (): Record<string, unknown> {
  const { $schema: _s, ...jobBody } = z.toJSONSchema(erpJobSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>
  return {
    openapi: '3.1.0',
    info: {
      title: 'Line controller ERP / 1C API',
      version: '1.0.0',
      description: 'Jobs from an ERP are queued for the operator, who starts them at the line; their status and end-of-batch reports. See docs/erp-api.md.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <key>' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
      },
      schemas: {
        JobInput: jobBody,
        Error: {
          type: 'object', required: ['error'], additionalProperties: false,
          properties: {
            error: {
              type: 'object', required: ['code', 'message', 'action'], additionalProperties: false,
              properties: {
                code: { type: 'string', enum: ERP_CODES },
                message: bilingual,
                action: bilingual,
                detail: { type: 'string' },
                fields: { type: 'array', items: { type: 'object', required: ['path', 'message'], additionalProperties: false, properties: { path: { type: 'string', description: 'e.g. gtin, expDateConditions.1, (root)' }, message: { type: 'string' } } } },
              },
            },
          },
        },
        ErpJob: {
          type: 'object', additionalProperties: false,
          required: ['id', 'reference', 'status', 'client', 'job', 'createdAt', 'cancelledAt', 'startedAt', 'startedBy', 'lineJobId', 'endedAt', 'links'],
          properties: {
            id: { type: 'integer', description: 'the ERP queue id' },
            reference: { type: ['string', 'null'] },
            status: { type: 'string', enum: [...ERP_STATUSES], description: 'queued: waiting for the operator; active: running on the line; complete: finished; cancelled: cancelled while queued, or ended at the line by the next job' },
            client: { type: 'string' },
            job: { type: 'object', description: 'the job as the line runs it (defaults filled in)' },
            createdAt: isoTime, cancelledAt: isoTime, startedAt: isoTime, endedAt: isoTime,
            startedBy: { type: ['string', 'null'] },
            lineJobId: { type: ['integer', 'null'] },
            links: { type: 'object', properties: { self: { type: 'string' }, report: { type: 'string' } }, required: ['self'] },
          },
        },
        BatchReport: {
          type: 'object',
          required: ['format', 'line', 'generatedAt', 'job', 'times', 'codes', 'defects', 'boxes', 'pallets', 'reports', 'startedBy', 'operators'],
          properties: {
            format: { const: 'batch-report/1' },
            line: { type: 'string' },
            generatedAt: { type: 'string', format: 'date-time' },
            job: {
              type: 'object',
              properties: {
                id: { type: 'integer' }, erpId: { type: ['integer', 'null'] }, reference: { type: ['string', 'null'] }, group: { type: 'string' }, gtin: { type: 'string' },
                batch: { type: 'string' }, productionDate: { type: 'string' }, expiryDate: { type: ['string', 'null'] }, quantity: { type: 'integer' },
                unitsPerBox: { type: 'integer' }, boxesPerPallet: { type: 'integer' }, status: { type: 'string', enum: ['active', 'complete', 'cancelled'] },
              },
            },
            times: { type: 'object', properties: { queuedAt: isoTime, startedAt: { type: 'string', format: 'date-time' }, endedAt: isoTime, durationMs: { type: ['integer', 'null'] } } },
            codes: {
              type: 'object',
              properties: {
                reserved: { type: 'integer' }, printed: { type: 'integer' }, verified: { type: 'integer' }, rejected: { type: 'integer' },
                aggregated: { type: 'integer' }, reported: { type: 'integer' }, dropped: { type: 'integer' },
                byState: { type: 'object', additionalProperties: { type: 'integer' } },
              },
            },
            defects: { type: 'array', items: { type: 'object', properties: { reason: { type: 'string' }, count: { type: 'integer' } } } },
            boxes: { type: 'object', properties: { count: { type: 'integer' }, list: { type: 'array', items: { type: 'object', properties: { sscc: { type: 'string', pattern: '^[0-9]{18}$' }, units: { type: 'integer' }, pallet: { type: ['string', 'null'] }, closedAt: { type: 'string', format: 'date-time' } } } } } },
            pallets: { type: 'object', properties: { count: { type: 'integer' }, list: { type: 'array', items: { type: 'object', properties: { sscc: { type: 'string', pattern: '^[0-9]{18}$' }, boxes: { type: 'integer' }, closedAt: { type: 'string', format: 'date-time' } } } } } },
            reports: { type: 'array', items: { type: 'object', properties: { kind: { type: 'string' }, state: { type: 'string' }, reports: { type: 'integer' }, codes: { type: 'integer' } } } },
            startedBy: { type: 'string' },
            operators: { type: 'array', items: { type: 'object', properties: { actor: { type: 'string' }, role: { type: ['string', 'null'] }, actions: { type: 'integer' }, firstAt: { type: 'string', format: 'date-time' }, lastAt: { type: 'string', format: 'date-time' } } } },
          },
        },
      },
    },
    security: [{ bearer: [] }, { apiKey: [] }],
    paths: {
      '/erp/v1/openapi.json': {
        get: { summary: 'This document', operationId: 'openApi', security: [], responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } } } },
      },
      '/erp/v1/jobs': {
        post: {
          summary: 'Queue a job for the operator',
          description: 'The job is checked as at every entry of the line (the job store, the product-group table) and queued: it never replaces the job on the line. The operator starts it at the panel. The 201 is sent after the job and this answer are committed to the store.',
          operationId: 'createJob',
          parameters: [idempotencyHeader],
          requestBody: { required: true, ...json({ ...ref('JobInput') }) },
          responses: {
            201: { description: 'queued', headers: replayedHeader, ...json(ref('ErpJob')) },
            400: error('Malformed JSON, an empty body, or a missing or invalid Idempotency-Key (`LC_ERR_ERP_INPUT`, `LC_ERR_ERP_IDEMPOTENCY_KEY`).'),
            409: error('This client already sent a job with this `reference` (`LC_ERR_ERP_CONFLICT`).'),
            413: error('Body over 64 KiB (`LC_ERR_ERP_TOO_LARGE`).'),
            415: error('Content-Type is not application/json (`LC_ERR_ERP_INPUT`).'),
            422: error('The job is refused, with the fields at fault (`LC_ERR_JOB`, `LC_ERR_JOB_GROUP`, `LC_ERR_JOB_GROUP_REFUSED`, `LC_ERR_JOB_GROUP_MISMATCH`), or the Idempotency-Key was used for another request (`LC_ERR_ERP_IDEMPOTENCY_MISMATCH`).'),
            ...AUTH_ERRORS,
          },
        },
        get: {
          summary: 'List ERP jobs',
          operationId: 'listJobs',
          parameters: [
            { name: 'status', in: 'query', required: false, schema: { type: 'string', enum: [...ERP_STATUSES] }, description: 'queued jobs are listed oldest first (queue order), all others newest first' },
            { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
          ],
          responses: {
            200: { description: 'the jobs', ...json({ type: 'object', required: ['jobs'], properties: { jobs: { type: 'array', items: ref('ErpJob') } } }) },
            400: error('Unknown status or bad limit (`LC_ERR_ERP_INPUT`).'),
            ...AUTH_ERRORS,
          },
        },
      },
      '/erp/v1/jobs/{id}': {
        get: {
          summary: 'An ERP job and its status',
          operationId: 'getJob',
          parameters: [idParam],
          responses: { 200: { description: 'the job', ...json(ref('ErpJob')) }, 400: error('Bad id (`LC_ERR_ERP_INPUT`).'), 404: error('No such ERP job (`LC_ERR_ERP_NOT_FOUND`).'), ...AUTH_ERRORS },
        },
      },
      '/erp/v1/jobs/{id}/cancel': {
        post: {
          summary: 'Cancel a queued job',
          description: 'Only a queued job can be cancelled. A started job is ended by the operator at the line (products may be on the conveyor). Send no body, or `{}`.',
          operationId: 'cancelJob',
          parameters: [idParam, idempotencyHeader],
          responses: {
            200: { description: 'cancelled', headers: replayedHeader, ...json(ref('ErpJob')) },
            400: error('Bad id, or a missing or invalid Idempotency-Key (`LC_ERR_ERP_INPUT`, `LC_ERR_ERP_IDEMPOTENCY_KEY`).'),
            404: error('No such ERP job (`LC_ERR_ERP_NOT_FOUND`).'),
            409: error('The job is not queued (`LC_ERR_ERP_CONFLICT`).'),
            422: error('The Idempotency-Key was used for another request (`LC_ERR_ERP_IDEMPOTENCY_MISMATCH`).'),
            ...AUTH_ERRORS,
          },
        },
      },
      ...reportPaths('/erp/v1/jobs/{id}', 'an ERP job (once started)'),
      ...reportPaths('/erp/v1/line-jobs/{id}', 'any line job (by its line job id)'),
    },
  }
}
