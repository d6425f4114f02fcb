// A Modbus head's register map as data (docs/modbus-head.md, "Map files"): the zod schema of a map file, and its loader.
// The driver (driver.ts) and the simulator (sim/printers/modbus-head.ts) both read a head only through a HeadMap.
import { readFileSync } from 'node:fs'
import { dirname, extname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseDocument } from 'yaml'
import { z } from 'zod'
import { formatPath, issueMessage } from '../../line/domain/validation.ts'
import { PrinterConfigError } from '../errors.ts'

/** Folder of the maps shipped with the project: `map: 'generic'` is `config/heads/generic.json`. */
export const BUILTIN_MAP_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../config/heads')

/** A register number: 0…65535, written as a number or as hex text ("0x2494") the way head manuals print them. */
const word = () => z.union([
  z.int().min(0).max(0xffff),
  z.string().regex(/^0x[0-9a-fA-F]{1,4}$/, 'expected 0…65535 or hex text such as "0x2494"').transform(s => Number.parseInt(s, 16)),
], { error: iss => iss.input === undefined ? 'required' : `expected 0…65535 or hex text such as "0x2494", received ${JSON.stringify(iss.input)}` })

/** Modbus data model (Modbus Application Protocol v1.1b3 §4.3): input registers are read-only, holding read/write. */
const area = z.enum(['input', 'holding'])
export type Area = z.output<typeof area>

const register = z.strictObject({ area, address: word() })
export type RegisterRef = z.output<typeof register>

/**
 * What a status word can say, in the driver's status model (printers/types.ts): `not-ready` (paused, starting up,
 * stopping) and the faults stop printing; `ink-low` and `buffer-empty` are warnings; `ready`, `printing`,
 * `buffer-full` and `none` only inform.
 */
export const CONDITIONS = ['ready', 'printing', 'not-ready', 'fault', 'ink-low', 'ink-out', 'buffer-full', 'buffer-empty', 'head-error', 'cover-open', 'none'] as const
const condition = z.enum(CONDITIONS)
export type Condition = z.output<typeof condition>

const text = z.strictObject({ ru: z.string().min(1, 'must not be empty'), en: z.string().min(1, 'must not be empty') })

/** An object whose keys must match `pattern` (zod's own record-key message does not say what is expected). */
function keyed<T extends z.ZodType> (pattern: RegExp, expected: string, value: T) {
  return z.record(z.string(), value).superRefine((r, ctx) => {
    for (const k of Object.keys(r)) if (!pattern.test(k)) ctx.addIssue({ code: 'custom', path: [k], message: `${expected}, received ${JSON.stringify(k)}` })
  })
}

/** Keys of a code table: decimal ("4") or hex ("0x44") text, since JSON object keys are text. */
function codeTable<T extends z.ZodType> (entry: T) {
  return keyed(/^(\d{1,5}|0x[0-9a-fA-F]{1,4})$/, 'expected a code such as "4" or "0x44"', entry).transform(r => {
    const m = new Map<number, z.output<T>>()
    for (const [k, v] of Object.entries(r)) m.set(Number(k), v as z.output<T>)
    return m
  })
}

const statusWord = z.discriminatedUnion('kind', [
  /** One bit per condition, bit 0 the least significant. */
  z.strictObject({
    kind: z.literal('bits'),
    register,
    bits: keyed(/^([0-9]|1[0-5])$/, 'expected a bit number 0…15', condition),
  }),
  /** The whole word is one code (a state machine's state, e.g. Hitachi's operation status), each with its text. */
  z.strictObject({
    kind: z.literal('codes'),
    register,
    codes: codeTable(z.strictObject({ condition, ru: z.string().min(1), en: z.string().min(1) })),
    /** A code the table does not name. */
    unknown: condition.default('fault'),
  }),
], { error: iss => iss.input === undefined ? 'required' : 'expected kind "bits" (bits: {"0": "ready", …}) or "codes" (codes: {"0x32": {condition, ru, en}, …})' })
export type StatusWord = z.output<typeof statusWord>

const encoding = z.discriminatedUnion('kind', [
  /** Two 8-bit characters per register; `high-first`: the first character in the high byte. */
  z.strictObject({ kind: z.literal('ascii-packed'), byteOrder: z.enum(['high-first', 'low-first']).default('high-first') }),
  /** One 16-bit character code per register. */
  z.strictObject({ kind: z.literal('ucs2') }),
  /** Two registers per character: an attribute word, then the character code (Hitachi UX §4.4 (1), 0x0084…). */
  z.strictObject({ kind: z.literal('attributed-ucs2'), attribute: word().default(0) }),
], { error: iss => iss.input === undefined ? 'required' : 'expected kind "ascii-packed", "ucs2" or "attributed-ucs2"' })

const charset = z.strictObject({
  /** Character codes the head accepts; a code with any other character is refused before anything is written. */
  min: word().default(0),
  max: word().default(0x7f),
  /**
   * Characters sent as another code (e.g. the GS separator of a Chestny Znak code as the head's FNC1 character).
   * Keys are one character, written as JSON escapes ("\u001d").
   */
  substitute: keyed(/^[\s\S]$/u, 'expected one character, e.g. "\\u001d"', word()).default({}),
})

const fifoBuffer = z.strictObject({
  /** The head queues records: the host loads ahead of the product, each print-go prints the oldest. */
  kind: z.literal('fifo'),
  /** Records committed and not yet printed. */
  fill: register,
  /** Sequence number of the last record committed (16 bits, wraps): settles a write whose answer was lost. */
  lastSeq: register,
  /** Records the head can hold (informational). */
  capacity: register.optional(),
  /** Modbus exception the head answers when it is full (06 = slave device busy). */
  busyException: z.int().min(1).max(255).default(6),
  /** Command value (written to commands.register) that empties the queue. */
  clear: word(),
})

const singleBuffer = z.strictObject({
  /**
   * One message field: every print-go prints the field's current content, again and again until it is replaced. The
   * driver writes the next code only after the head's counter proved the previous one printed (docs/modbus-head.md).
   */
  kind: z.literal('single'),
  /** How to empty the field so a code already printed (or uncertain) cannot print again. */
  erase: z.strictObject({ register: word(), value: word() }),
})

const record = z.discriminatedUnion('write', [
  /** One FC 16 starting at `seq`: [seq, length, data…]; the head commits on the sequence number. */
  z.strictObject({ write: z.literal('block'), seq: word(), length: word(), data: word(), maxChars: z.int().min(1).max(1000) }),
  /**
   * Several writes fenced by a start/stop flag: the head holds them and applies all at "stop" (Hitachi UX §4.6 (3)–(4)).
   * Length and data go in separate writes (a write across two functional areas is refused, §4.6 (2)).
   */
  z.strictObject({
    write: z.literal('transaction'),
    transaction: z.strictObject({ register: word(), start: word(), stop: word() }),
    length: word(),
    data: word(),
    maxChars: z.int().min(1).max(1000),
  }),
], { error: iss => iss.input === undefined ? 'required' : 'expected write "block" (seq, length, data) or "transaction" (transaction, length, data)' })

export const headMapSchema = z.strictObject({
  /** The name a config's `map:` uses for a shipped map; the file is config/heads/<name>.json. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and "-"'),
  model: z.string().min(1),
  /** Where every number in the file comes from: the public document, its revision, the sections used. */
  source: z.strictObject({
    document: z.string().min(1),
    revision: z.string().optional(),
    sections: z.array(z.string()).optional(),
    urls: z.array(z.string()).optional(),
    notes: z.array(z.string()).optional(),
  }),
  /** Function codes the head supports (Modbus Application Protocol §6): reads 03/04, writes 06/16. */
  functionCodes: z.array(z.union([z.literal(3), z.literal(4), z.literal(6), z.literal(16)])).min(1),
  /** Largest read (≤ 125 registers) and write (≤ 123) the head takes in one request. */
  maxReadRegisters: z.int().min(1).max(125).default(125),
  maxWriteRegisters: z.int().min(1).max(123).default(123),
  /** Register blocks read every poll; every register below that is read must lie in one of them. */
  poll: z.array(z.strictObject({ area, start: word(), length: z.int().min(1).max(125) })).min(1),
  /** The head says it is online when this register holds `value` (absent: always online). */
  online: z.strictObject({ register, value: word() }).optional(),
  status: z.array(statusWord).min(1),
  /** An error-code register and its table (0 = no error); `condition` lets a simulator choose the code. */
  errors: z.strictObject({
    register,
    codes: codeTable(z.strictObject({ ru: z.string().min(1), en: z.string().min(1), condition: z.enum([...CONDITIONS, 'missed']).optional() })),
  }).optional(),
  /** The print-done counter: one print, one step; wraps at 2^width. */
  counter: z.strictObject({ register, width: z.union([z.literal(16), z.literal(32)]), wordOrder: z.enum(['high-first', 'low-first']).default('high-first') }),
  /** Print-go signals that printed nothing (16 bits, wraps); absent: the head cannot tell, only the camera can. */
  missed: z.strictObject({ register }).optional(),
  /** Ink left, percent (informational). */
  inkPercent: z.strictObject({ register }).optional(),
  /** Characters one message holds: read from the head, or fixed by the manual. */
  slotChars: z.union([z.strictObject({ register }), z.strictObject({ fixed: z.int().min(1).max(1000) })]),
  encoding,
  charset: charset.prefault({}),
  record,
  buffer: z.discriminatedUnion('kind', [fifoBuffer, singleBuffer], { error: iss => iss.input === undefined ? 'required' : 'expected kind "fifo" (fill, lastSeq, clear) or "single" (erase)' }),
  /** Commands written as one value to one register. */
  commands: z.strictObject({ register: word(), resetFaults: word().optional() }),
}).superRefine((m, ctx) => {
  const need = (fc: 3 | 4 | 6 | 16, path: PropertyKey[], why: string): void => {
    if (!m.functionCodes.includes(fc)) ctx.addIssue({ code: 'custom', path, message: `${why} needs function code ${fc}, which functionCodes does not list` })
  }
  m.poll.forEach((b, i) => {
    need(b.area === 'input' ? 4 : 3, ['poll', i, 'area'], `reading ${b.area} registers`)
    if (b.length > m.maxReadRegisters) ctx.addIssue({ code: 'custom', path: ['poll', i, 'length'], message: `${b.length} registers is more than maxReadRegisters (${m.maxReadRegisters})` })
    if (b.start + b.length > 0x10000) ctx.addIssue({ code: 'custom', path: ['poll', i, 'length'], message: 'runs past register 65535' })
  })
  need(16, ['record', 'write'], 'writing a record')
  const polled = (r: RegisterRef, words = 1): boolean => m.poll.some(b => b.area === r.area && r.address >= b.start && r.address + words <= b.start + b.length)
  const check = (r: RegisterRef | undefined, path: PropertyKey[], words = 1): void => {
    if (r !== undefined && !polled(r, words)) ctx.addIssue({ code: 'custom', path, message: `${r.area} register ${r.address}${words > 1 ? `…${r.address + words - 1}` : ''} is in no poll block` })
  }
  check(m.online?.register, ['online', 'register'])
  m.status.forEach((s, i) => { check(s.register, ['status', i, 'register']) })
  check(m.errors?.register, ['errors', 'register'])
  check(m.counter.register, ['counter', 'register'], m.counter.width / 16)
  check(m.missed?.register, ['missed', 'register'])
  check(m.inkPercent?.register, ['inkPercent', 'register'])
  if ('register' in m.slotChars) check(m.slotChars.register, ['slotChars', 'register'])
  if (m.buffer.kind === 'fifo') {
    check(m.buffer.fill, ['buffer', 'fill'])
    check(m.buffer.lastSeq, ['buffer', 'lastSeq'])
    check(m.buffer.capacity, ['buffer', 'capacity'])
    if (m.record.write !== 'block') ctx.addIssue({ code: 'custom', path: ['record', 'write'], message: 'a fifo buffer commits by sequence number: expected write "block"' })
  } else if (m.record.write !== 'transaction') {
    ctx.addIssue({ code: 'custom', path: ['record', 'write'], message: 'a single message field is written as a transaction: expected write "transaction"' })
  }
  if (m.record.write === 'block') {
    if (m.record.length !== m.record.seq + 1 || m.record.data !== m.record.seq + 2) ctx.addIssue({ code: 'custom', path: ['record', 'length'], message: 'a block record is [seq, length, data…] at consecutive registers: expected length = seq + 1 and data = seq + 2' })
    const regs = 2 + registersFor(m.record.maxChars, m.encoding.kind)
    if (regs > m.maxWriteRegisters) ctx.addIssue({ code: 'custom', path: ['record', 'maxChars'], message: `a block of ${regs} registers does not fit one write of maxWriteRegisters (${m.maxWriteRegisters})` })
  }
  if (m.record.write === 'transaction' && m.record.data + registersFor(m.record.maxChars, m.encoding.kind) > 0x10000) {
    ctx.addIssue({ code: 'custom', path: ['record', 'maxChars'], message: 'the data area runs past register 65535' })
  }
  if ('fixed' in m.slotChars && m.slotChars.fixed > m.record.maxChars) ctx.addIssue({ code: 'custom', path: ['slotChars', 'fixed'], message: `more than record.maxChars (${m.record.maxChars})` })
  if (m.charset.min > m.charset.max) ctx.addIssue({ code: 'custom', path: ['charset', 'min'], message: 'greater than charset.max' })
  if (m.encoding.kind === 'ascii-packed' && m.charset.max > 0xff) ctx.addIssue({ code: 'custom', path: ['charset', 'max'], message: 'ascii-packed holds 8-bit characters: at most 255' })
})

export type HeadMap = z.output<typeof headMapSchema>
export type FifoBuffer = z.output<typeof fifoBuffer>
export type SingleBuffer = z.output<typeof singleBuffer>

/** Registers that `chars` characters take in the data area. */
export function registersFor (chars: number, kind: HeadMap['encoding']['kind']): number {
  return kind === 'ascii-packed' ? Math.ceil(chars / 2) : kind === 'ucs2' ? chars : chars * 2
}

/** A map file that cannot be used: every problem names its key (`status[0].register.area: …`). */
export class HeadMapError extends PrinterConfigError {
  readonly problems: string[]
  constructor (source: string, problems: string[]) {
    super(`invalid head map ${source}:\n  ${problems.join('\n  ')}`, { source, problems })
    this.problems = problems
  }
}

/** Validate an already-parsed map. */
export function parseHeadMap (raw: unknown, source = '(inline)'): HeadMap {
  const r = headMapSchema.safeParse(raw)
  if (!r.success) throw new HeadMapError(source, r.error.issues.map(i => `${formatPath(i.path)}: ${issueMessage(i)}`))
  return r.data
}

/** The file a config's `map:` names: a shipped map's name, or a path to a .json / .yaml file. */
export function headMapPath (nameOrPath: string): string {
  return /^[a-z0-9][a-z0-9-]*$/.test(nameOrPath) ? resolve(BUILTIN_MAP_DIR, `${nameOrPath}.json`) : resolve(nameOrPath)
}

const cache = new Map<string, HeadMap>()

/** Read and validate a map file (JSON or YAML; JSON is read by the YAML parser too). Shipped maps are read once. */
export function loadHeadMap (nameOrPath = 'generic'): HeadMap {
  const path = headMapPath(nameOrPath)
  const hit = cache.get(path)
  if (hit !== undefined) return hit
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new HeadMapError(path, [`cannot read the file: ${(err as Error).message}`])
  }
  const ext = extname(path).toLowerCase()
  if (!['.json', '.yaml', '.yml'].includes(ext)) throw new HeadMapError(path, ['expected a .json, .yaml or .yml file'])
  const doc = parseDocument(text, { prettyErrors: true })
  if (doc.errors.length > 0) throw new HeadMapError(path, doc.errors.map(e => `line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`))
  let raw: unknown
  try {
    raw = doc.toJS({ maxAliasCount: 100 })
  } catch (err) {
    throw new HeadMapError(path, [`the file cannot be read: ${(err as Error).message.split('\n')[0]}`])
  }
  const map = parseHeadMap(raw, path)
  if (dirname(path) === BUILTIN_MAP_DIR) cache.set(path, map) // an integrator's file is read afresh at every start
  return map
}
