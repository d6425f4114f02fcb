// Read and validate a line's YAML config; every problem is reported with its path, never as a stack trace.
import { readFileSync } from 'node:fs'
import { parseDocument } from 'yaml'
import type { z } from 'zod'
import { LineError } from '../domain/errors.ts'
import { configSchema, type LineConfig } from './schema.ts'

export class ConfigError extends LineError {
  readonly problems: string[]
  constructor (source: string, problems: string[]) {
    super('LC_ERR_CONFIG', `invalid config ${source}:\n  ${problems.join('\n  ')}`, { source, problems })
    this.problems = problems
  }
}

/** `printers[1].transport.port` from a zod path. */
export function formatPath (path: readonly PropertyKey[]): string {
  let out = ''
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : (out === '' ? String(p) : `.${String(p)}`)
  return out === '' ? '(root)' : out
}

export function formatIssue (issue: z.core.$ZodIssue): string {
  let msg = issue.message.replace(/^Invalid (input|option): /, '')
  if (issue.code === 'unrecognized_keys') msg = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map(k => `"${k}"`).join(', ')}`
  if (issue.code === 'invalid_type' && /received undefined$/.test(msg)) msg = 'required'
  if (issue.code === 'too_small' && /^Too small/.test(msg)) msg = `must be at least ${String(issue.minimum)}`
  if (issue.code === 'too_big' && /^Too big/.test(msg)) msg = `must be at most ${String(issue.maximum)}`
  return `${formatPath(issue.path)}: ${msg}`
}

/**
 * Validate an already-parsed object. Cross-field checks (duplicate ids, watermark order) run once every field
 * is individually valid, so a config with both kinds of problem is reported in two rounds.
 */
export function validateConfig (raw: unknown, source = '(inline)'): LineConfig {
  const r = configSchema.safeParse(raw)
  if (!r.success) throw new ConfigError(source, r.error.issues.map(formatIssue))
  return r.data
}

/** Parse YAML text and validate it. */
export function parseConfig (text: string, source = '(inline)'): LineConfig {
  const doc = parseDocument(text, { prettyErrors: true })
  if (doc.errors.length > 0) {
    throw new ConfigError(source, doc.errors.map(e => `line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`))
  }
  return validateConfig(doc.toJS(), source)
}

export function loadConfig (path: string): LineConfig {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigError(path, [`cannot read the file: ${(err as Error).message}`])
  }
  return parseConfig(text, path)
}
