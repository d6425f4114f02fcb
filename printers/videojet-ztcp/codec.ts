// The Zipher Text Communications Protocol (Videojet DataFlex TTO and other Zipher-based machines): command lines
// out, answer lines in. Written from the protocol document, see printers/videojet-ztcp/driver.ts for the source.
//
// What the document gives (its command table and the per-command "Response" paragraphs):
//   - a command is a three-letter mnemonic, its parameters each followed by `|`, and a carriage return:
//     `GST<CR>`, `SID|17|0104…|<CR>`;
//   - the default success response is `ACK<CR>`, the default failure response `ERR<CR>`;
//   - data answers are a three-letter tag, `|`-terminated fields and a carriage return: `STS|3|0|JOB|12|3456|<CR>`.
// The document defines no escape for `|` or CR inside a field, so a value holding either cannot be sent.

export const CR = 0x0d
export const SUCCESS = 'ACK'
export const FAILURE = 'ERR'

/** A parsed answer line: the default responses, or a tagged data answer. */
export type Reply = { kind: 'ack' } | { kind: 'err' } | { kind: 'data', tag: string, fields: string[] }

/** An answer line that is not one of the protocol's answer forms (line noise, another device, a lost byte). */
export class ZtcpSyntaxError extends Error {}

/** Characters a field value cannot carry: the field separator and the line terminators. */
export function fieldProblem (value: string): string | undefined {
  if (value.includes('|')) return 'contains "|" (the field separator)'
  if (/[\r\n]/.test(value)) return 'contains a line break (the command terminator)'
  if (/[^\x00-\xff]/.test(value)) return 'contains characters outside 8-bit text'
  return undefined
}

/** `MNE|p1|p2|<CR>`, or `MNE<CR>` without parameters, as bytes (latin1: one byte per character). */
export function encodeCommand (mnemonic: string, params: readonly string[] = []): Buffer {
  if (!/^[A-Z]{3}$/.test(mnemonic)) throw new Error(`not a protocol mnemonic: ${mnemonic}`)
  for (const p of params) { const why = fieldProblem(p); if (why !== undefined) throw new Error(`parameter ${why}`) }
  const text = params.length === 0 ? mnemonic : `${mnemonic}|${params.map(p => `${p}|`).join('')}`
  return Buffer.concat([Buffer.from(text, 'latin1'), Buffer.from([CR])])
}

/** Parse one answer line (without its CR). Throws ZtcpSyntaxError for anything that is not an answer. */
export function parseReply (line: string): Reply {
  if (line === SUCCESS) return { kind: 'ack' }
  if (line === FAILURE) return { kind: 'err' }
  const m = /^([A-Z]{3})\|(.*)$/s.exec(line)
  if (m === null || !line.endsWith('|')) throw new ZtcpSyntaxError(`not a protocol answer: ${JSON.stringify(line.slice(0, 60))}`)
  const body = (m[2] as string).slice(0, -1)
  return { kind: 'data', tag: m[1] as string, fields: body === '' ? [] : body.split('|') }
}

/** A data answer with the expected tag, else a syntax error (an `ERR` is handled by the caller before this). */
export function expectData (r: Reply, tag: string): string[] {
  if (r.kind !== 'data' || r.tag !== tag) throw new ZtcpSyntaxError(`expected a ${tag} answer, got ${r.kind === 'data' ? r.tag : r.kind.toUpperCase()}`)
  return r.fields
}

export function uint (fields: readonly string[], i: number, what: string): number {
  const v = fields[i]
  if (v === undefined || !/^\d{1,10}$/.test(v)) throw new ZtcpSyntaxError(`${what}: not a count (${JSON.stringify(v)})`)
  return Number(v)
}

/** GST's overall state (the document's SST/GST state values). */
export const OVERALL_STATES = { 0: 'shut down', 1: 'starting up', 2: 'shutting down', 3: 'running', 4: 'offline' } as const
export type OverallState = keyof typeof OVERALL_STATES
/** GST's error state. */
export const ERROR_STATES = { 0: 'no errors', 1: 'warnings present', 2: 'faults present' } as const
export type ErrorState = keyof typeof ERROR_STATES

export interface PrinterState { overall: OverallState, error: ErrorState, job: string, batchCount: number, totalCount: number }

/** `STS|overall|error|job|batch count|total count|`, the answer to GST. */
export function parseState (r: Reply): PrinterState {
  const f = expectData(r, 'STS')
  if (f.length !== 5) throw new ZtcpSyntaxError(`STS: ${f.length} fields, expected 5`)
  const overall = uint(f, 0, 'STS overall state')
  const error = uint(f, 1, 'STS error state')
  if (!(overall in OVERALL_STATES)) throw new ZtcpSyntaxError(`STS: unknown overall state ${overall}`)
  if (!(error in ERROR_STATES)) throw new ZtcpSyntaxError(`STS: unknown error state ${error}`)
  return { overall: overall as OverallState, error: error as ErrorState, job: f[2] as string, batchCount: uint(f, 3, 'STS batch count'), totalCount: uint(f, 4, 'STS total count') }
}

export interface ErrorEntry { code: string, clearable: boolean, text: string }

/** `FLT|count|code|clearable|text|…|` (GFT) or `WRN|…` (GWN): the count, then three fields per error. */
export function parseErrorList (r: Reply, tag: 'FLT' | 'WRN'): ErrorEntry[] {
  const f = expectData(r, tag)
  const n = uint(f, 0, `${tag} count`)
  if (f.length !== 1 + 3 * n) throw new ZtcpSyntaxError(`${tag}: count ${n} does not match ${f.length - 1} fields`)
  const out: ErrorEntry[] = []
  for (let i = 0; i < n; i++) out.push({ code: f[1 + 3 * i] as string, clearable: f[2 + 3 * i] !== '0', text: f[3 + 3 * i] as string })
  return out
}

/** A single-number answer such as `SRC|12|`, `SLR|40|`. */
export function parseCount (r: Reply, tag: string): number {
  const f = expectData(r, tag)
  if (f.length !== 1) throw new ZtcpSyntaxError(`${tag}: ${f.length} fields, expected 1`)
  return uint(f, 0, tag)
}

/** Splits a byte stream into CR-terminated lines; a line longer than `maxLine` without a CR is noise. */
export class LineReader {
  #buf = ''
  constructor (readonly maxLine = 4096) {}

  push (chunk: Buffer): string[] {
    this.#buf += chunk.toString('latin1')
    const out: string[] = []
    for (let i = this.#buf.indexOf('\r'); i >= 0; i = this.#buf.indexOf('\r')) {
      out.push(this.#buf.slice(0, i).replace(/^\n/, '')) // a CR LF sender leaves its LF at the next line's start
      this.#buf = this.#buf.slice(i + 1)
    }
    if (this.#buf.length > this.maxLine) throw new ZtcpSyntaxError(`${this.#buf.length} bytes without a line end`)
    return out
  }
}
