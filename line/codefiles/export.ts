// Export of codes for a printing house: N AVAILABLE codes of a GTIN handed over (HANDED_OVER in the pool) and written
// one full code per line, GS as the 0x1D byte, with a JSON manifest beside the file (docs/codes-files.md).
//
// Order, for a crash at any point: the hand-over is committed first, with the export's id and target path; then the
// codes file and the manifest are each written to a temporary name, fsynced and renamed, the folder fsynced; then the
// export is marked written. A crash before the commit exports nothing; after it, the codes are HANDED_OVER (never
// available and exported at once) and `resume` — or the same export id again — writes the same bytes.

import { createHash, randomBytes } from 'node:crypto'
import { closeSync, fsyncSync, openSync } from 'node:fs'
import { mkdir, open, rename, rm } from 'node:fs/promises'
import { basename, dirname, resolve } from 'node:path'
import type { Clock } from '../clock.ts'
import type { CodePool, ExportRecord, LineEnd } from '../pool/index.ts'
import { FileIoError } from './errors.ts'

export interface ExportRequest {
  gtin: string
  count: number
  /** The codes file to write; the manifest goes beside it (`manifestPathOf`). */
  out: string
  /** Given again, the same export is completed or written again, never made twice. */
  exportId?: string
  lineEnd?: LineEnd
}

export interface ExportManifest {
  format: 'lc-codes-export/1'
  exportId: string
  gtin: string
  group: string
  count: number
  orders: string[]
  blocks: string[]
  file: string
  sha256: string
  bytes: number
  separator: 'GS (0x1D)'
  lineEnd: 'LF' | 'CRLF'
  createdAt: string
  createdBy: string
}

export interface ExportResult {
  ok: true
  exportId: string
  path: string
  manifestPath: string
  manifest: ExportManifest
  /** False when the export id existed: its file was (re)written from the pool. */
  created: boolean
}

/** Codes read from the pool per page while writing (the store is free between pages). */
const PAGE = 10_000

export function manifestPathOf (path: string): string {
  const base = basename(path)
  const dot = base.lastIndexOf('.')
  return `${dirname(path)}/${dot > 0 ? base.slice(0, dot) : base}.manifest.json`
}

/** A new export's id: time and randomness, readable in a file list. */
export function newExportId (clock: Clock): string {
  return `EXP-${new Date(clock.now()).toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`
}

export interface ExportHooks {
  /** Called after the hand-over is committed, before any byte is written (tests stop the process here). */
  afterCommit?: (record: ExportRecord) => void | Promise<void>
}

export async function exportCodes (pool: CodePool, clock: Clock, r: ExportRequest, actor: string, hooks: ExportHooks = {}): Promise<ExportResult> {
  const exportId = r.exportId ?? newExportId(clock)
  const { record, created } = await pool.files.handOver({ exportId, gtin: r.gtin, count: r.count, path: resolve(r.out), lineEnd: r.lineEnd ?? 'lf', actor })
  await hooks.afterCommit?.(record)
  return { ...await writeExport(pool, record, actor), created }
}

/** Exports committed but not known to be written (a crash between the two): each written now. */
export async function resumeExports (pool: CodePool, actor: string): Promise<ExportResult[]> {
  const out: ExportResult[] = []
  for (const rec of pool.files.pendingExports()) out.push({ ...await writeExport(pool, rec, actor), created: false })
  return out
}

/** Write (or write again) an export's file and manifest from the pool: the same export gives the same bytes. */
export async function writeExport (pool: CodePool, rec: ExportRecord, actor: string): Promise<Omit<ExportResult, 'created'>> {
  const path = rec.path
  const manifestPath = manifestPathOf(path)
  const eol = rec.lineEnd === 'crlf' ? '\r\n' : '\n'
  const file = basename(path)
  const tmp = `${path}.${rec.exportId}.tmp`
  const hash = createHash('sha256')
  let bytes = 0
  let count = 0
  try {
    await mkdir(dirname(path), { recursive: true })
    const fh = await open(tmp, 'w', 0o640)
    try {
      let after = 0
      for (;;) {
        const page = pool.files.exportPage(rec.exportId, after, PAGE)
        if (page.length === 0) break
        let text = ''
        for (const c of page) text += c.code + eol
        const buf = Buffer.from(text, 'utf8')
        hash.update(buf)
        await fh.write(buf)
        bytes += buf.length
        count += page.length
        after = (page[page.length - 1] as { id: number }).id
      }
      await fh.sync()
    } finally {
      await fh.close()
    }
    if (count !== rec.count) throw new Error(`the pool holds ${count} codes of export ${rec.exportId}, ${rec.count} were handed over`)
    await rename(tmp, path)
  } catch (err) {
    await rm(tmp, { force: true })
    throw new FileIoError(file, `cannot write export ${rec.exportId}`, err)
  }
  const sha256 = hash.digest('hex')
  const sources = pool.files.exportSources(rec.exportId)
  const manifest: ExportManifest = {
    format: 'lc-codes-export/1',
    exportId: rec.exportId,
    gtin: rec.gtin,
    group: rec.group,
    count: rec.count,
    orders: sources.orders,
    blocks: sources.blocks,
    file,
    sha256,
    bytes,
    separator: 'GS (0x1D)',
    lineEnd: rec.lineEnd === 'crlf' ? 'CRLF' : 'LF',
    createdAt: new Date(rec.createdAt).toISOString(),
    createdBy: rec.createdBy,
  }
  const mtmp = `${manifestPath}.${rec.exportId}.tmp`
  try {
    const fh = await open(mtmp, 'w', 0o640)
    try {
      await fh.write(`${JSON.stringify(manifest, null, 2)}\n`)
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(mtmp, manifestPath)
    syncDir(dirname(path))
  } catch (err) {
    await rm(mtmp, { force: true })
    throw new FileIoError(basename(manifestPath), `cannot write the manifest of export ${rec.exportId}`, err)
  }
  if (rec.status !== 'written' || rec.sha256 !== sha256) await pool.files.markWritten(rec.exportId, sha256, actor)
  return { ok: true, exportId: rec.exportId, path, manifestPath, manifest }
}

/** The renames are durable only once the folder itself is synced (POSIX; a no-op where folders cannot be opened). */
function syncDir (dir: string): void {
  let fd: number | undefined
  try {
    fd = openSync(dir, 'r')
    fsyncSync(fd)
  } catch { /* Windows: folders cannot be fsynced */ } finally {
    if (fd !== undefined) closeSync(fd)
  }
}
