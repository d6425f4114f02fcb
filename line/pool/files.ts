// The pool's side of codes files (docs/codes-files.md): codes handed over to a printing house in an export, and codes
// imported from a file as a block of their own. The file I/O lives in line/codefiles; all SQL on the pool's tables
// stays here (issue 12 §3), states only through CodeState.

import type { Statement } from 'better-sqlite3'
import type { Clock } from '../clock.ts'
import type { GroupCommit } from '../store/group-commit.ts'
import type { Db } from '../store/open.ts'
import { PoolEmptyError, PoolExportError, PoolImportError } from './errors.ts'
import { CodeState } from './states.ts'

export type LineEnd = 'lf' | 'crlf'

export interface ExportRecord {
  exportId: string
  gtin: string
  group: string
  count: number
  /** Where the codes file is (to be) written; the manifest sits beside it. */
  path: string
  lineEnd: LineEnd
  createdAt: number
  createdBy: string
  /** `committed`: the codes are HANDED_OVER, the file is not known to be written yet; `written`: file and manifest are on disk. */
  status: 'committed' | 'written'
  sha256: string | null
  writtenAt: number | null
}

export interface HandOverRequest {
  exportId: string
  gtin: string
  count: number
  path: string
  lineEnd: LineEnd
  actor: string
}

/** A block imported from a file. */
export interface FileBlock {
  blockId: string
  gtin: string
  group: string
  fileName: string
  sha256: string
  count: number
  importedAt: number
}

export interface FileImport {
  blockId: string
  gtin: string
  group: string
  fileName: string
  sha256: string
  expiresAt: number
  /** How many codes `rows` yields (the block's count). */
  count: number
  /**
   * The codes are already on packs (a printing house printed them): stored HANDED_OVER, so no head is ever given
   * one, and a pre-applied job accepts them. Otherwise they are AVAILABLE, for printing on the line.
   */
  printed?: boolean
}

/** One validated code of the file and the line it stands on. */
export interface FileRow { identity: string, raw: string, line: number }

/** Codes per INSERT statement on a file import (6 parameters each). */
const INSERT_ROWS = 64

interface RawExport {
  export_id: string, gtin: string, grp: string, count: number, path: string, line_end: string, created_at: number, created_by: string,
  status: string, sha256: string | null, written_at: number | null
}

function toExport (r: RawExport): ExportRecord {
  return {
    exportId: r.export_id, gtin: r.gtin, group: r.grp, count: r.count, path: r.path, lineEnd: r.line_end === 'crlf' ? 'crlf' : 'lf',
    createdAt: r.created_at, createdBy: r.created_by, status: r.status === 'written' ? 'written' : 'committed', sha256: r.sha256, writtenAt: r.written_at,
  }
}

export class PoolFiles {
  readonly #db: Db
  readonly #commit: GroupCommit
  readonly #clock: Clock
  readonly #minRemainingMs: number
  readonly #st: {
    exportById: Statement
    insertExport: Statement
    handOver: Statement
    level: Statement
    groupOf: Statement
    page: Statement
    sources: Statement
    written: Statement
    pending: Statement
    recent: Statement
    inPool: Statement
    fileBlock: Statement
    blockExists: Statement
    insertBlock: Statement
    insertCode: Statement
    insertCodes: Statement
    handOverBlock: Statement
    audit: Statement
  }

  constructor (db: Db, o: { commit: GroupCommit, clock: Clock, minRemainingMs: number }) {
    this.#db = db
    this.#commit = o.commit
    this.#clock = o.clock
    this.#minRemainingMs = o.minRemainingMs
    const insertCols = 'INSERT INTO codes (identity, code, gtin, block_id, expires_at, updated_at) VALUES '
    this.#st = {
      exportById: db.prepare('SELECT * FROM code_exports WHERE export_id = ?'),
      insertExport: db.prepare(`INSERT INTO code_exports (export_id, gtin, grp, count, path, line_end, created_at, created_by, status)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'committed')`),
      // the same choice as a reservation for a head: unexpired with the minimum remaining validity, nearest expiry first
      handOver: db.prepare(`UPDATE codes SET state = ${CodeState.HANDED_OVER}, export_id = ?, updated_at = ? WHERE id IN (
        SELECT id FROM codes WHERE state = ${CodeState.AVAILABLE} AND gtin = ? AND expires_at > ? ORDER BY expires_at, id LIMIT ?)`),
      level: db.prepare(`SELECT count(*) AS n FROM codes WHERE state = ${CodeState.AVAILABLE} AND gtin = ? AND expires_at > ?`),
      groupOf: db.prepare('SELECT grp FROM blocks WHERE gtin = ? LIMIT 1'),
      page: db.prepare('SELECT id, code FROM codes WHERE export_id = ? AND id > ? ORDER BY id LIMIT ?'),
      sources: db.prepare(`SELECT DISTINCT b.block_id AS blockId, b.order_id AS orderId FROM codes c JOIN blocks b ON b.block_id = c.block_id
        WHERE c.export_id = ? ORDER BY b.block_id`),
      written: db.prepare("UPDATE code_exports SET status = 'written', sha256 = ?, written_at = ? WHERE export_id = ?"),
      pending: db.prepare("SELECT * FROM code_exports WHERE status = 'committed' ORDER BY created_at, export_id"),
      recent: db.prepare('SELECT * FROM code_exports ORDER BY created_at DESC, export_id DESC LIMIT ?'),
      inPool: db.prepare('SELECT 1 FROM codes WHERE identity = ?'),
      fileBlock: db.prepare("SELECT block_id AS blockId, gtin, grp AS 'group', file_name AS fileName, sha256, count, imported_at AS importedAt FROM blocks WHERE sha256 = ?"),
      blockExists: db.prepare('SELECT 1 FROM blocks WHERE block_id = ?'),
      insertBlock: db.prepare(`INSERT INTO blocks (block_id, order_id, gtin, grp, count, expires_at, imported_at, source, file_name, sha256)
        VALUES (?, NULL, ?, ?, ?, ?, ?, 'imported', ?, ?)`),
      insertCode: db.prepare(`${insertCols}(?, ?, ?, ?, ?, ?)`),
      insertCodes: db.prepare(`${insertCols}${Array(INSERT_ROWS).fill('(?, ?, ?, ?, ?, ?)').join(', ')}`),
      handOverBlock: db.prepare(`UPDATE codes SET state = ${CodeState.HANDED_OVER}, updated_at = ? WHERE block_id = ? AND state = ${CodeState.AVAILABLE}`),
      audit: db.prepare('INSERT INTO audit (ts, actor, action, detail) VALUES (?, ?, ?, ?)'),
    }
  }

  // ---- export for a printing house ----------------------------------------------------------------------

  /**
   * Commit the hand-over before any byte of the file is written: `count` AVAILABLE codes of the GTIN become
   * HANDED_OVER under `exportId`, with the export's record and an audit entry, in one transaction. A crash after this
   * leaves codes that are exported and not available — never both; the file is (re)written from the record.
   * An export id seen before returns its record (`created: false`) and changes nothing.
   */
  handOver (r: HandOverRequest): Promise<{ record: ExportRecord, created: boolean }> {
    return this.#commit.submit(() => {
      const old = this.#st.exportById.get(r.exportId) as RawExport | undefined
      if (old !== undefined) {
        const rec = toExport(old)
        if (rec.gtin !== r.gtin || rec.count !== r.count) {
          throw new PoolExportError(`export ${r.exportId} exists for ${rec.count} codes of GTIN ${rec.gtin}`, { exportId: r.exportId, gtin: rec.gtin, count: rec.count, asked: { gtin: r.gtin, count: r.count } })
        }
        return { record: rec, created: false }
      }
      if (!Number.isInteger(r.count) || r.count < 1) throw new PoolExportError(`cannot export ${r.count} codes`, { exportId: r.exportId, count: r.count })
      const group = (this.#st.groupOf.get(r.gtin) as { grp: string } | undefined)?.grp
      const now = this.#clock.now()
      const available = (this.#st.level.get(r.gtin, now + this.#minRemainingMs) as { n: number }).n
      if (group === undefined || available < r.count) throw new PoolEmptyError({ gtin: r.gtin, requested: r.count, available })
      const moved = this.#st.handOver.run(r.exportId, now, r.gtin, now + this.#minRemainingMs, r.count).changes
      if (moved !== r.count) throw new PoolEmptyError({ gtin: r.gtin, requested: r.count, available: moved })
      this.#st.insertExport.run(r.exportId, r.gtin, group, r.count, r.path, r.lineEnd, now, r.actor)
      this.#st.audit.run(now, r.actor, 'codes:export', JSON.stringify({ exportId: r.exportId, gtin: r.gtin, count: r.count, path: r.path }))
      return { record: toExport(this.#st.exportById.get(r.exportId) as RawExport), created: true }
    }, { statements: r.count + 4 })
  }

  exportRecord (exportId: string): ExportRecord | null {
    const r = this.#st.exportById.get(exportId) as RawExport | undefined
    return r === undefined ? null : toExport(r)
  }

  /** Up to `limit` codes of an export after code id `afterId`, in id order (pages keep the store free between them). */
  exportPage (exportId: string, afterId: number, limit: number): Array<{ id: number, code: string }> {
    return this.#st.page.all(exportId, afterId, limit) as Array<{ id: number, code: string }>
  }

  /** The blocks (and their OMS orders) an export's codes came from. */
  exportSources (exportId: string): { blocks: string[], orders: string[] } {
    const rows = this.#st.sources.all(exportId) as Array<{ blockId: string, orderId: string | null }>
    return { blocks: rows.map(r => r.blockId), orders: [...new Set(rows.flatMap(r => r.orderId === null ? [] : [r.orderId]))].sort() }
  }

  /** The file and its manifest are on disk (after their renames and the folder's fsync). */
  markWritten (exportId: string, sha256: string, actor: string): Promise<void> {
    return this.#commit.submit(() => {
      const now = this.#clock.now()
      this.#st.written.run(sha256, now, exportId)
      this.#st.audit.run(now, actor, 'codes:export-written', JSON.stringify({ exportId, sha256 }))
    })
  }

  /** Exports committed whose file is not known to be written: what `codes resume` completes. */
  pendingExports (): ExportRecord[] {
    return (this.#st.pending.all() as RawExport[]).map(toExport)
  }

  recentExports (limit = 50): ExportRecord[] {
    return (this.#st.recent.all(limit) as RawExport[]).map(toExport)
  }

  // ---- import from a file -------------------------------------------------------------------------------

  /** Whether the pool holds a code with this identity (GTIN + serial), whatever its state. */
  hasIdentity (identity: string): boolean {
    return this.#st.inPool.get(identity) !== undefined
  }

  /** The block a file with this SHA-256 was imported as, if it was. */
  fileBlock (sha256: string): FileBlock | null {
    return (this.#st.fileBlock.get(sha256) as FileBlock | undefined) ?? null
  }

  /** The product group a GTIN's codes were stored for, or null. */
  groupOf (gtin: string): string | null {
    return (this.#st.groupOf.get(gtin) as { grp: string } | undefined)?.grp ?? null
  }

  /**
   * Store a validated file as one block, all of it or nothing: `rows()` is read synchronously inside the transaction
   * (from the file on disk, so memory stays bounded). A code the pool already holds, or a file imported before,
   * refuses the whole file.
   */
  importFile (f: FileImport, rows: () => Iterable<FileRow>, actor: string): Promise<number> {
    return this.#commit.submit(() => {
      const twice = this.fileBlock(f.sha256)
      if (twice !== null || this.#st.blockExists.get(f.blockId) !== undefined) {
        throw new PoolImportError(`file ${f.fileName} was imported before as block ${twice?.blockId ?? f.blockId}`, { blockId: twice?.blockId ?? f.blockId, sha256: f.sha256, twice: true })
      }
      const now = this.#clock.now()
      this.#st.insertBlock.run(f.blockId, f.gtin, f.group, f.count, f.expiresAt, now, f.fileName, f.sha256)
      const args: unknown[] = new Array(INSERT_ROWS * 6)
      const batch: FileRow[] = []
      let n = 0
      const flush = (full: boolean): void => {
        try {
          if (full) {
            for (let k = 0; k < INSERT_ROWS; k++) {
              const r = batch[k] as FileRow
              const o = k * 6
              args[o] = r.identity; args[o + 1] = r.raw; args[o + 2] = f.gtin; args[o + 3] = f.blockId; args[o + 4] = f.expiresAt; args[o + 5] = now
            }
            this.#st.insertCodes.run(args)
          } else {
            for (const r of batch) this.#st.insertCode.run(r.identity, r.raw, f.gtin, f.blockId, f.expiresAt, now)
          }
        } catch (err) {
          if ((err as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw err
          const at = batch.find(r => this.hasIdentity(r.identity)) ?? batch[0] as FileRow
          throw new PoolImportError(`file ${f.fileName} refused: the code on line ${at.line} is already in the pool`, {
            blockId: f.blockId, gtin: f.gtin, problems: [{ index: at.line, code: at.raw, error: 'already in the pool' }],
          })
        }
        n += batch.length
        batch.length = 0
      }
      for (const r of rows()) {
        batch.push(r)
        if (batch.length === INSERT_ROWS) flush(true)
      }
      flush(false)
      if (n !== f.count) throw new PoolImportError(`file ${f.fileName} changed while it was imported: ${n} codes, ${f.count} validated`, { blockId: f.blockId, count: n, validated: f.count })
      if (f.printed === true) this.#st.handOverBlock.run(now, f.blockId)
      this.#st.audit.run(now, actor, 'codes:import', JSON.stringify({ blockId: f.blockId, gtin: f.gtin, group: f.group, file: f.fileName, sha256: f.sha256, count: n, ...(f.printed === true ? { printed: true } : {}) }))
      return n
    }, { statements: f.count + 4 })
  }
}
