// The configurable result string of fixed-mount readers (Cognex DataMan "formatted output", Keyence SR-X "append
// data"): a template such as `{seq},{code},{grade},{sc},{mod}` parsed into a camera result, and the reverse for
// the reader simulator.

import { z } from 'zod'
import { GS } from '../../line/domain/gs1.ts'
import { ReaderFormatError } from '../errors.ts'
import type { Grade } from '../types.ts'

/** Placeholders a template may use, and the result parameter each fills. */
export const FIELDS = {
  seq: 'trigger id', code: 'decoded data', grade: 'overall ISO/IEC 15415 grade',
  sc: 'symbolContrastGrade', mod: 'modulationGrade', fpd: 'fixedPatternDamageGrade', an: 'axialNonUniformityGrade',
  gn: 'gridNonUniformityGrade', uec: 'unusedErrorCorrectionGrade', rm: 'reflectanceMarginGrade', ts: 'reader time (ms)',
} as const
export type FieldName = keyof typeof FIELDS

const PARAM_OF: Partial<Record<FieldName, string>> = {
  sc: 'symbolContrastGrade', mod: 'modulationGrade', fpd: 'fixedPatternDamageGrade', an: 'axialNonUniformityGrade',
  gn: 'gridNonUniformityGrade', uec: 'unusedErrorCorrectionGrade', rm: 'reflectanceMarginGrade',
}

export const readerFormatSchema = z.strictObject({
  /** e.g. `{seq},{code},{grade}`; {seq} and {code} are required, {code} may contain the separators. */
  template: z.string().min(1).default('{seq},{code},{grade},{sc},{mod},{fpd},{an},{gn},{uec}'),
  /** How the reader writes GS (FNC1 in the data): the raw byte by default; e.g. `<GS>` or `^]` on readers set to escape it. */
  gsToken: z.string().min(1).default(GS),
  /** What the reader sends in place of the data when it could not decode. */
  noRead: z.string().min(1).default('NoRead'),
  /** End of one result. */
  terminator: z.string().min(1).default('\r\n'),
}).refine(f => f.template.includes('{seq}') && f.template.includes('{code}'), 'the template needs {seq} and {code}')

export type ReaderFormat = z.infer<typeof readerFormatSchema>
export type ReaderFormatInput = z.input<typeof readerFormatSchema>

export interface ReaderResult {
  seq: number
  ts?: number
  code: string | null
  grade: Grade
  params: Record<string, Grade>
  symbology?: string
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** A grade as readers print it: a letter A–F, or the ISO numeric 0–4 (possibly with decimals, e.g. 3.5). */
export function parseGrade (s: string): Grade | null {
  const t = s.trim().toUpperCase()
  if (/^[ABCDF]$/.test(t)) return t as Grade
  if (/^[0-4](\.\d+)?$/.test(t)) return (['F', 'D', 'C', 'B', 'A'] as const)[Math.floor(Number(t))] as Grade
  return null
}

export class ResultFormat {
  readonly format: ReaderFormat
  readonly #fields: FieldName[] = []
  readonly #re: RegExp

  constructor (input: ReaderFormatInput = {}) {
    this.format = readerFormatSchema.parse(input)
    let re = '^'
    let last = 0
    const tpl = this.format.template
    for (const m of tpl.matchAll(/\{(\w+)\}/g)) {
      const name = m[1] as string
      if (!(name in FIELDS)) throw new ReaderFormatError(`unknown placeholder {${name}} in the reader format`, { reader: '', line: tpl, format: tpl })
      re += escapeRe(tpl.slice(last, m.index))
      // The data may contain anything, separators included: it takes what the other fields leave.
      re += name === 'code' ? '(.*)' : '([^\\s,;|\\t]*)'
      this.#fields.push(name as FieldName)
      last = (m.index as number) + m[0].length
    }
    re += escapeRe(tpl.slice(last)) + '$'
    this.#re = new RegExp(re, 's')
  }

  /** Parse one result line (without terminator). Throws ReaderFormatError naming what is wrong. */
  parse (line: string, reader = ''): ReaderResult {
    const m = this.#re.exec(line)
    const fail = (why: string): never => { throw new ReaderFormatError(`reader result ${why}`, { reader, line: line.slice(0, 256), format: this.format.template }) }
    if (m === null) fail('does not match the configured format')
    const match = m as RegExpExecArray
    const out: ReaderResult = { seq: -1, code: null, grade: 'F', params: {} }
    let gradeSeen = false
    this.#fields.forEach((f, i) => {
      const v = match[i + 1] as string
      if (f === 'seq') {
        if (!/^\d{1,15}$/.test(v)) fail(`has trigger id "${v}", expected digits`)
        out.seq = Number(v)
      } else if (f === 'ts') {
        if (!/^\d{1,15}$/.test(v)) fail(`has time "${v}", expected ms digits`)
        out.ts = Number(v)
      } else if (f === 'code') {
        if (v === this.format.noRead || v === '') { out.code = null; return }
        let data = v.split(this.format.gsToken).join(GS)
        // Readers set to transmit the ISO/IEC 15424 symbology identifier prefix it to the data.
        const sym = /^\][A-Za-z][0-9A-Za-z]/.exec(data)
        if (sym !== null) { out.symbology = sym[0]; data = data.slice(3) }
        if (data.startsWith(GS)) data = data.slice(1) // a leading FNC1 some readers pass through
        if (!/^[\x1d\x20-\x7e]+$/.test(data)) fail('has data with characters outside printable ASCII and GS')
        out.code = data
      } else if (f === 'grade') {
        const g = parseGrade(v)
        if (g === null) fail(`has grade "${v}", expected A–F or 0–4`)
        out.grade = g as Grade
        gradeSeen = true
      } else {
        if (v === '') return // a parameter the reader did not grade
        const g = parseGrade(v)
        if (g === null) fail(`has ${f} grade "${v}", expected A–F or 0–4`)
        out.params[PARAM_OF[f] as string] = g as Grade
      }
    })
    // ISO/IEC 15415: a failed decode is grade F whatever else was measured.
    if (out.code === null) out.grade = 'F'
    else if (!gradeSeen) out.grade = 'A'
    return out
  }

  /** The line a reader would send for `r` (reader simulator), terminator included. */
  render (r: { seq: number, ts?: number, code: string | null, grade: Grade, params?: Record<string, Grade | number>, symbology?: string }): string {
    const params = r.params ?? {}
    const out = this.format.template.replace(/\{(\w+)\}/g, (_m, name: string) => {
      switch (name as FieldName) {
        case 'seq': return String(r.seq)
        case 'ts': return String(Math.floor(r.ts ?? 0))
        case 'code': return r.code === null ? this.format.noRead : (r.symbology ?? '') + r.code.split(GS).join(this.format.gsToken)
        case 'grade': return r.grade
        default: {
          const v = params[PARAM_OF[name as FieldName] as string]
          return typeof v === 'string' ? v : ''
        }
      }
    })
    return out + this.format.terminator
  }
}
