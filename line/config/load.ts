// Read and validate a line's YAML config; every problem is reported with its path, never as a stack trace.
import { readFileSync } from 'node:fs'
import { parseDocument } from 'yaml'
import { LineError } from '../domain/errors.ts'
import { issueLines } from '../domain/validation.ts'
import { configSchema, type LineConfig } from './schema.ts'

export class ConfigError extends LineError {
  readonly problems: string[]
  constructor (source: string, problems: string[]) {
    super('LC_ERR_CONFIG', `invalid config ${source}:\n  ${problems.join('\n  ')}`, { source, problems })
    this.problems = problems
  }
}

/**
 * Validate an already-parsed object. Cross-field checks (duplicate ids, watermark order) run once every field
 * is individually valid, so a config with both kinds of problem is reported in two rounds.
 */
export function validateConfig (raw: unknown, source = '(inline)'): LineConfig {
  const r = configSchema.safeParse(raw)
  if (!r.success) throw new ConfigError(source, issueLines(r.error.issues))
  return r.data
}

/** Parse YAML text and validate it. */
export function parseConfig (text: string, source = '(inline)'): LineConfig {
  const doc = parseDocument(text, { prettyErrors: true })
  if (doc.errors.length > 0) {
    throw new ConfigError(source, doc.errors.map(e => `line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`))
  }
  let raw: unknown
  try {
    raw = doc.toJS({ maxAliasCount: 100 })
  } catch (err) {
    // an alias to an anchor that is not there, or an alias bomb: the YAML itself is wrong
    throw new ConfigError(source, [`the YAML cannot be read: ${(err as Error).message.split('\n')[0]}`])
  }
  return validateConfig(raw, source)
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
