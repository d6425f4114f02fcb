// The ERP / 1C interface: an HTTP API for jobs and end-of-batch reports (docs/erp-api.md).
export { buildBatchReport, batchReportCsv, batchReportHtml, type BatchReport, type BatchSources } from './batch-report.ts'
export { ErpError, type ErrorBody, type FieldProblem } from './errors.ts'
export { clientOf, hashKey, newKey } from './keys.ts'
export { openApiDocument } from './openapi.ts'
export { createErpServer, API_PREFIX, type ErpConfig, type ErpServer, type ErpServerOptions } from './server.ts'
export { ErpStore, type QueuedJob } from './store.ts'
