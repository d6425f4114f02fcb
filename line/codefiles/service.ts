// Codes files as one service for the panel and the command line: export for a printing house, resume, import from a
// file on disk or from an upload (spooled to disk first, within a size limit). Every outcome is in the pool's audit.

import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { basename, join, resolve, sep } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Clock } from '../clock.ts'
import type { ProfileRegistry } from '../codes/profiles.ts'
import { LineError } from '../domain/errors.ts'
import type { CodePool, ExportRecord, LineEnd } from '../pool/index.ts'
import { FileIoError, FileTooLargeError } from './errors.ts'
import { type ExportHooks, type ExportResult, exportCodes, manifestPathOf, newExportId, resumeExports } from './export.ts'
import { DEFAULT_IMPORT_LIMITS, type ImportLimits, type ImportRequest, type ImportSummary, importCodesFile } from './import.ts'

export interface CodeFilesOptions {
  pool: CodePool
  profiles: ProfileRegistry
  clock: Clock
  /** Where exports asked for without a path (the panel's) are written. */
  exportDir: string
  /** Where uploads are spooled before their import (default: exportDir/../uploads). */
  uploadDir?: string
  limits?: Partial<ImportLimits>
}

export interface PanelExportRequest { gtin: string, count: number, exportId?: string, lineEnd?: LineEnd }

/** What the panel and the command line need of codes files (line/hmi takes it as an option). */
export interface CodeFilesPort {
  readonly limits: ImportLimits
  exportCodes(r: PanelExportRequest & { out?: string }, actor: string, hooks?: ExportHooks): Promise<ExportResult>
  resume(actor: string): Promise<ExportResult[]>
  exports(limit?: number): ExportRecord[]
  /** An export's files, for a download; null for an unknown id or one not written yet. */
  exportFiles(exportId: string): { path: string, manifestPath: string } | null
  importFile(r: ImportRequest, actor: string): Promise<ImportSummary>
  importUpload(body: Readable, r: Omit<ImportRequest, 'path'> & { fileName: string }, actor: string): Promise<ImportSummary>
}

/** A file name from outside (an upload's), made safe to show and to name a block with. */
export function safeFileName (name: string): string {
  const base = name.split(/[\\/]/).pop() ?? ''
  const clean = base.replace(/[^\p{L}\p{N}._ -]/gu, '_').slice(0, 120).trim()
  return clean === '' || clean === '.' || clean === '..' ? 'upload.txt' : clean
}

export class CodeFiles implements CodeFilesPort {
  readonly limits: ImportLimits
  readonly #o: CodeFilesOptions

  constructor (o: CodeFilesOptions) {
    this.#o = o
    this.limits = { ...DEFAULT_IMPORT_LIMITS, ...o.limits }
  }

  async exportCodes (r: PanelExportRequest & { out?: string }, actor: string, hooks: ExportHooks = {}): Promise<ExportResult> {
    const id = r.exportId
    // the panel names no path: its exports go to one folder, named by the export id
    const out = r.out ?? (id === undefined ? undefined : this.#o.pool.files.exportRecord(id)?.path)
    return await this.#audited(actor, 'codes:export', { gtin: r.gtin, count: r.count, exportId: id ?? null }, async () => {
      if (out !== undefined) return await exportCodes(this.#o.pool, this.#o.clock, { ...r, out }, actor, hooks)
      const exportId = id ?? newExportId(this.#o.clock)
      return await exportCodes(this.#o.pool, this.#o.clock, { ...r, exportId, out: join(this.#o.exportDir, `${exportId}.txt`) }, actor, hooks)
    })
  }

  async resume (actor: string): Promise<ExportResult[]> {
    return await resumeExports(this.#o.pool, actor)
  }

  exports (limit = 50): ExportRecord[] {
    return this.#o.pool.files.recentExports(limit)
  }

  exportFiles (exportId: string): { path: string, manifestPath: string } | null {
    const rec = this.#o.pool.files.exportRecord(exportId)
    if (rec === null || rec.status !== 'written') return null
    const dir = resolve(this.#o.exportDir) + sep
    // the panel hands out only what it wrote itself, never a path a command line export chose
    if (!rec.path.startsWith(dir)) return null
    return { path: rec.path, manifestPath: manifestPathOf(rec.path) }
  }

  async importFile (r: ImportRequest, actor: string): Promise<ImportSummary> {
    const fileName = r.fileName ?? basename(r.path)
    return await this.#audited(actor, 'codes:import', { file: fileName, gtin: r.gtin, group: r.group }, async () =>
      await importCodesFile(this.#o.pool, this.#o.profiles, r, actor, this.limits))
  }

  async importUpload (body: Readable, r: Omit<ImportRequest, 'path'> & { fileName: string }, actor: string): Promise<ImportSummary> {
    const fileName = safeFileName(r.fileName)
    const dir = this.#o.uploadDir ?? join(this.#o.exportDir, '..', 'uploads')
    const path = join(dir, `upload-${randomBytes(8).toString('hex')}.part`)
    try {
      await this.#audited(actor, 'codes:import', { file: fileName, gtin: r.gtin, group: r.group }, async () => {
        await mkdir(dir, { recursive: true })
        await spool(body, path, fileName, this.limits.maxBytes)
      })
      return await this.importFile({ ...r, fileName, path }, actor)
    } finally {
      await rm(path, { force: true })
    }
  }

  /** Refusals and failures go to the pool's audit too (successes are audited in the pool's own transaction). */
  async #audited<T> (actor: string, action: string, detail: Record<string, unknown>, run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (err) {
      const e = err instanceof LineError ? { code: err.code, message: err.message } : { code: null, message: String(err) }
      await this.#o.pool.audit(actor, `${action}:refused`, { ...detail, ...e }).catch(() => {})
      throw err
    }
  }
}

/** Copy an upload to disk, refusing it as soon as it passes `maxBytes`. */
async function spool (body: Readable, path: string, fileName: string, maxBytes: number): Promise<void> {
  let n = 0
  const limit = async function * (src: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of src) {
      n += chunk.length
      if (n > maxBytes) throw new FileTooLargeError(fileName, `more than ${maxBytes} bytes`, { maxBytes })
      yield chunk
    }
  }
  try {
    await pipeline(body, limit, createWriteStream(path, { mode: 0o600 }))
  } catch (err) {
    if (err instanceof FileTooLargeError) throw err
    throw new FileIoError(fileName, 'the upload could not be received', err)
  }
}
