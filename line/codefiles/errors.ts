// Typed errors of codes files: each names the file and carries what the engineer needs to correct it.
import type { ErrorCode } from '../domain/catalogue.ts'
import { LineError } from '../domain/errors.ts'

/**
 * One refused line of a file: its 1-based number, its kind (the panel words it in the operator's language), why in
 * English (the parser's own words), and (shortened) what it held. `sameAs`: the line a duplicate repeats; `gtin`: the
 * GTIN a code of another product carries.
 */
export interface BadLine { line: number, kind: BadLineKind, reason: string, code?: string, sameAs?: number, gtin?: string }

/** Why a line was refused; `empty`: a file with no code at all. */
export type BadLineKind = 'format' | 'gtin' | 'too-long' | 'truncated' | 'duplicate' | 'in-pool' | 'empty'

export class CodesFileError extends LineError {
  constructor (code: ErrorCode, message: string, context: { file: string, [k: string]: unknown }, options?: { cause?: unknown }) {
    super(code, message, context, options)
  }
}

/** Lines that are not codes of the GTIN and group named: nothing of the file was imported. */
export class BadLinesError extends CodesFileError {
  readonly badLines: BadLine[]
  constructor (file: string, o: { badLines: BadLine[], badCount: number, byReason: Record<string, number>, lines: number }) {
    const first = o.badLines[0]
    super('LC_ERR_CODES_FILE_BAD_LINES', `${file}: ${o.badCount} bad line(s) of ${o.lines}, nothing imported${first === undefined ? '' : `; first: line ${first.line}: ${first.reason}`}`, { file, ...o })
    this.badLines = o.badLines
  }
}

/** The file ends in the middle of a code, or does not match the count or checksum of its manifest. */
export class TruncatedFileError extends CodesFileError {
  constructor (file: string, message: string, context: Record<string, unknown> = {}) {
    super('LC_ERR_CODES_FILE_TRUNCATED', `${file}: ${message}`, { file, ...context })
  }
}

/** The same file (by checksum), or a file of codes all already in the pool, imported again. */
export class FileTwiceError extends CodesFileError {
  constructor (file: string, message: string, context: Record<string, unknown> = {}) {
    super('LC_ERR_CODES_FILE_TWICE', `${file}: ${message}`, { file, ...context })
  }
}

export class FileTooLargeError extends CodesFileError {
  constructor (file: string, message: string, context: Record<string, unknown> = {}) {
    super('LC_ERR_CODES_FILE_TOO_LARGE', `${file}: ${message}`, { file, ...context })
  }
}

/** The GTIN or group the importer named is wrong in itself (check digit, unknown group, another group's GTIN). */
export class FileTargetError extends CodesFileError {
  constructor (file: string, message: string, context: Record<string, unknown> = {}) {
    super('LC_ERR_CODES_FILE_TARGET', `${file}: ${message}`, { file, ...context })
  }
}

export class FileIoError extends CodesFileError {
  constructor (file: string, message: string, cause: unknown) {
    super('LC_ERR_CODES_FILE_IO', `${file}: ${message}: ${cause instanceof Error ? cause.message : String(cause)}`, { file, errno: (cause as { code?: string } | null)?.code ?? null }, { cause })
  }
}
