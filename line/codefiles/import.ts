// Import of codes from a file the plant got elsewhere (the personal cabinet, another OMS installation): checked whole
// like an OMS block, then stored as one block in one transaction — or refused whole, every bad line listed.
//
// Two passes over the file on disk, so memory stays bounded whatever its size: the first streams it, hashes it, checks
// every line and finds codes twice in the file (in a scratch SQLite file) or already in the pool; only a clean file
// gets the second, which reads it again synchronously inside the pool's transaction and inserts its codes.

import { createHash } from 'node:crypto'
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs'
import { basename } from 'node:path'
import { gs1CheckDigit, isDigits } from '../domain/gs1.ts'
import type { GroupProfile, ProfileRegistry } from '../codes/profiles.ts'
import type { CodePool, FileRow } from '../pool/index.ts'
import { PoolImportError } from '../pool/errors.ts'
import { openScratch } from '../store/scratch.ts'
import { type BadKind, checkLine } from './check.ts'
import { type BadLine, BadLinesError, FileIoError, FileTargetError, FileTooLargeError, FileTwiceError, TruncatedFileError } from './errors.ts'
import { type FileLine, LineSplitter } from './lines.ts'

export interface ImportLimits {
  /** Lines a file may have (blank ones included). */
  maxLines: number
  /** Bytes a file may have. */
  maxBytes: number
  /** Bad lines listed in a refusal (all are counted). */
  maxListed: number
}

export const DEFAULT_IMPORT_LIMITS: ImportLimits = { maxLines: 2_000_000, maxBytes: 400 * 1024 * 1024, maxListed: 200 }

/** Codes without a known expiry (a file says nothing of it): the largest time a Date holds. */
export const NO_EXPIRY = 8_640_000_000_000_000

export interface ImportRequest {
  /** The file on disk. */
  path: string
  /** The name it is known by (an upload's original name); default the path's base name. */
  fileName?: string
  gtin: string
  group: string
  /** When the codes stop being valid (Unix ms); default none known. */
  expiresAt?: number
  /** From the file's manifest, when it came with one: the file must match both. */
  expect?: { count?: number, sha256?: string }
  /** The codes are already printed on packs (a printing house's file): handed over at once, never printed here. */
  printed?: boolean
}

export interface ImportSummary {
  ok: true
  blockId: string
  fileName: string
  sha256: string
  gtin: string
  group: string
  lines: number
  blankLines: number
  imported: number
  /** Stored HANDED_OVER (already on packs) rather than AVAILABLE. */
  printed: boolean
}

/** Lines checked between two turns of the event loop on the first pass (a chunk is read between them anyway). */
const READ_CHUNK = 256 * 1024

export async function importCodesFile (pool: CodePool, profiles: ProfileRegistry, r: ImportRequest, actor: string, limits: ImportLimits = DEFAULT_IMPORT_LIMITS): Promise<ImportSummary> {
  const fileName = r.fileName ?? basename(r.path)
  const profile = checkTarget(pool, profiles, r, fileName)
  let size: number
  try { size = statSync(r.path).size } catch (err) { throw new FileIoError(fileName, 'cannot read the file', err) }
  if (size > limits.maxBytes) throw new FileTooLargeError(fileName, `${size} bytes, at most ${limits.maxBytes} are taken`, { bytes: size, maxBytes: limits.maxBytes })
  if (size === 0) throw new BadLinesError(fileName, { badLines: [{ line: 1, kind: 'empty', reason: 'the file is empty' }], badCount: 1, byReason: { empty: 1 }, lines: 0 })

  const first = await firstPass(pool, profile, r, fileName, limits)
  if (r.expect?.sha256 !== undefined && r.expect.sha256.toLowerCase() !== first.sha256) {
    throw new TruncatedFileError(fileName, `its SHA-256 is ${first.sha256}, its manifest says ${r.expect.sha256}`, { sha256: first.sha256, expected: r.expect.sha256, codes: first.codes })
  }
  const before = pool.files.fileBlock(first.sha256)
  if (before !== null) throw new FileTwiceError(fileName, `this file was imported before as block ${before.blockId} (${before.count} codes)`, { blockId: before.blockId, sha256: first.sha256, importedAt: before.importedAt })
  if (first.codes === 0 && first.badCount > 0 && first.byReason['in-pool'] === first.badCount) {
    throw new FileTwiceError(fileName, `all its ${first.badCount} codes are in the pool already (imported before in another file?)`, { sha256: first.sha256, inPool: first.badCount })
  }
  if (first.truncated) {
    throw new TruncatedFileError(fileName, `the file ends in the middle of line ${first.lines}`, { lines: first.lines, badLines: first.badLines, badCount: first.badCount, byReason: first.byReason })
  }
  if (first.badCount > 0) throw new BadLinesError(fileName, { badLines: first.badLines, badCount: first.badCount, byReason: first.byReason, lines: first.lines })
  if (first.codes === 0) throw new BadLinesError(fileName, { badLines: [{ line: 1, kind: 'empty', reason: 'the file has no codes (blank lines only)' }], badCount: 1, byReason: { empty: 1 }, lines: first.lines })
  if (r.expect?.count !== undefined && r.expect.count !== first.codes) {
    throw new TruncatedFileError(fileName, `it has ${first.codes} codes, its manifest says ${r.expect.count}`, { codes: first.codes, expected: r.expect.count })
  }

  const blockId = `file:${fileName}:sha256:${first.sha256.slice(0, 16)}`
  let imported: number
  try {
    imported = await pool.files.importFile({
      blockId, gtin: r.gtin, group: r.group, fileName, sha256: first.sha256, expiresAt: r.expiresAt ?? NO_EXPIRY, count: first.codes, printed: r.printed === true,
    }, () => secondPass(r.path, fileName, profile, r.gtin, first.sha256), actor)
  } catch (err) {
    // the pool changed between the passes (an OMS block with one of the codes, the same file from another panel)
    if (err instanceof PoolImportError && err.context.twice === true) throw new FileTwiceError(fileName, err.message, { sha256: first.sha256 })
    if (err instanceof PoolImportError && Array.isArray(err.context.problems)) {
      const p = err.context.problems as Array<{ index: number, code: string, error: string }>
      throw new BadLinesError(fileName, { badLines: p.map(x => ({ line: x.index, kind: 'in-pool' as const, reason: x.error })), badCount: p.length, byReason: { 'in-pool': p.length }, lines: first.lines })
    }
    throw err
  }
  return { ok: true, blockId, fileName, sha256: first.sha256, gtin: r.gtin, group: r.group, lines: first.lines, blankLines: first.blank, imported, printed: r.printed === true }
}

function checkTarget (pool: CodePool, profiles: ProfileRegistry, r: ImportRequest, fileName: string): GroupProfile {
  if (!/^\d{14}$/.test(r.gtin) || !isDigits(r.gtin) || gs1CheckDigit(r.gtin.slice(0, 13)) !== r.gtin.charCodeAt(13) - 48) {
    throw new FileTargetError(fileName, `GTIN "${r.gtin}" is not 14 digits with a correct check digit`, { gtin: r.gtin })
  }
  if (!profiles.has(r.group)) throw new FileTargetError(fileName, `unknown product group "${r.group}"`, { group: r.group, known: profiles.groups() })
  const has = pool.files.groupOf(r.gtin)
  if (has !== null && has !== r.group) throw new FileTargetError(fileName, `GTIN ${r.gtin} is in the pool for group ${has}, not ${r.group}`, { gtin: r.gtin, group: r.group, poolGroup: has })
  if (r.expiresAt !== undefined && !Number.isFinite(r.expiresAt)) throw new FileTargetError(fileName, 'the expiry is not a valid time', { expiresAt: r.expiresAt })
  return profiles.get(r.group)
}

interface FirstPass {
  sha256: string
  lines: number
  blank: number
  codes: number
  badCount: number
  badLines: BadLine[]
  byReason: Partial<Record<BadKind, number>>
  truncated: boolean
}

async function firstPass (pool: CodePool, profile: GroupProfile, r: ImportRequest, fileName: string, limits: ImportLimits): Promise<FirstPass> {
  const hash = createHash('sha256')
  const splitter = new LineSplitter()
  const out: FirstPass = { sha256: '', lines: 0, blank: 0, codes: 0, badCount: 0, badLines: [], byReason: {}, truncated: false }
  const bad = (line: number, kind: BadKind, reason: string, code?: string, more: { sameAs?: number, gtin?: string } = {}): void => {
    out.badCount++
    out.byReason[kind] = (out.byReason[kind] ?? 0) + 1
    if (out.badLines.length < limits.maxListed) out.badLines.push({ line, kind, reason, ...(code === undefined || code === '' ? {} : { code }), ...more })
  }
  const scratch = openScratch(undefined, 'lc-import')
  try {
    scratch.db.exec('CREATE TABLE seen_codes (identity TEXT PRIMARY KEY, line INTEGER NOT NULL) WITHOUT ROWID')
    const seen = scratch.db.prepare('INSERT INTO seen_codes (identity, line) VALUES (?, ?) ON CONFLICT DO NOTHING')
    const firstLine = scratch.db.prepare('SELECT line FROM seen_codes WHERE identity = ?').pluck()
    const take = scratch.db.transaction((lines: FileLine[]) => {
      for (const l of lines) {
        const v = checkLine(profile, r.gtin, l)
        if (v === null) { out.blank++; continue }
        if (!v.ok) {
          if (v.kind === 'truncated') out.truncated = true
          bad(l.line, v.kind, v.reason, v.code, v.gtin === undefined ? {} : { gtin: v.gtin })
          continue
        }
        if (seen.run(v.identity, l.line).changes === 0) {
          const sameAs = firstLine.get(v.identity) as number
          bad(l.line, 'duplicate', `the same code as line ${sameAs}`, v.identity, { sameAs })
        } else if (pool.files.hasIdentity(v.identity)) {
          bad(l.line, 'in-pool', 'already in the pool', v.identity)
        } else {
          out.codes++
        }
      }
    })
    const lines: FileLine[] = []
    const stream = createReadStream(r.path, { highWaterMark: READ_CHUNK })
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        hash.update(chunk)
        splitter.push(chunk, lines)
        if (splitter.lines > limits.maxLines) {
          throw new FileTooLargeError(fileName, `more than ${limits.maxLines} lines`, { maxLines: limits.maxLines })
        }
        take(lines)
        lines.length = 0
      }
    } catch (err) {
      if (err instanceof FileTooLargeError) throw err
      throw new FileIoError(fileName, 'cannot read the file', err)
    } finally {
      stream.destroy()
    }
    splitter.end(lines)
    take(lines)
    out.lines = splitter.lines
    out.sha256 = hash.digest('hex')
    return out
  } finally {
    scratch.close()
  }
}

/** The file read again inside the pool's transaction: synchronous, a chunk at a time; it must be the file checked. */
function * secondPass (path: string, fileName: string, profile: GroupProfile, gtin: string, sha256: string): Generator<FileRow> {
  const fd = openSync(path, 'r')
  const hash = createHash('sha256')
  try {
    const buf = Buffer.allocUnsafe(READ_CHUNK)
    const splitter = new LineSplitter()
    const lines: FileLine[] = []
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null)
      if (n === 0) splitter.end(lines)
      else {
        hash.update(buf.subarray(0, n))
        splitter.push(buf.subarray(0, n), lines)
      }
      for (const l of lines) {
        const v = checkLine(profile, gtin, l)
        if (v === null) continue
        if (!v.ok) throw new PoolImportError(`file ${fileName} changed while it was imported: line ${l.line}: ${v.reason}`, { blockId: fileName })
        yield { identity: v.identity, raw: v.raw, line: l.line }
      }
      lines.length = 0
      if (n === 0) break
    }
  } finally {
    closeSync(fd)
  }
  if (hash.digest('hex') !== sha256) throw new PoolImportError(`file ${fileName} changed while it was imported`, { blockId: fileName })
}
