// One poll of a head, read through its map: the registers of the poll blocks → what the driver needs to know.
import type { PrinterFault, PrinterWarning } from '../types.ts'
import { counterValue } from './codec.ts'
import type { Area, Condition, HeadMap, RegisterRef } from './head-map.ts'

/** The registers one poll read, by area and address. */
export class RegisterImage {
  readonly #values = new Map<string, number>()
  set (area: Area, start: number, values: readonly number[]): void {
    values.forEach((v, i) => this.#values.set(`${area}:${start + i}`, v & 0xffff))
  }

  get (r: RegisterRef, offset = 0): number { return this.#values.get(`${r.area}:${r.address + offset}`) ?? 0 }
}

export interface Snapshot {
  online: boolean
  conditions: Set<Condition>
  /** Operator text of code-table statuses that say something (not plain "ready"). */
  notes: string[]
  error: number
  errorText: string | undefined
  counter: number
  /** undefined: the head has no missed-print counter. */
  missed: number | undefined
  /** fifo heads only. */
  fill: number | undefined
  lastSeq: number | undefined
  slotChars: number
}

const hex = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`

export function snapshot (map: HeadMap, img: RegisterImage): Snapshot {
  const conditions = new Set<Condition>()
  const notes: string[] = []
  for (const s of map.status) {
    const v = img.get(s.register)
    if (s.kind === 'bits') {
      for (const [bit, c] of Object.entries(s.bits)) if ((v & (1 << Number(bit))) !== 0) conditions.add(c)
    } else {
      const e = s.codes.get(v)
      if (e === undefined) {
        conditions.add(s.unknown)
        if (s.unknown !== 'none' && s.unknown !== 'ready') notes.push(`${hex(v)}: неизвестный код состояния / unknown status code`)
      } else {
        conditions.add(e.condition)
        if (e.condition !== 'ready' && e.condition !== 'printing' && e.condition !== 'none') notes.push(`${hex(v)}: ${e.ru} / ${e.en}`)
      }
    }
  }
  const error = map.errors !== undefined ? img.get(map.errors.register) : 0
  const e = map.errors?.codes.get(error)
  const words = [img.get(map.counter.register), img.get(map.counter.register, 1)]
  return {
    online: map.online === undefined || img.get(map.online.register) === map.online.value,
    conditions,
    notes,
    error,
    errorText: error === 0 ? undefined : `E${error}: ${e !== undefined ? `${e.ru} / ${e.en}` : 'неизвестная ошибка / unknown error'}`,
    counter: counterValue(words, map.counter),
    missed: map.missed !== undefined ? img.get(map.missed.register) : undefined,
    fill: map.buffer.kind === 'fifo' ? img.get(map.buffer.fill) : undefined,
    lastSeq: map.buffer.kind === 'fifo' ? img.get(map.buffer.lastSeq) : undefined,
    slotChars: 'fixed' in map.slotChars ? map.slotChars.fixed : Math.min(img.get(map.slotChars.register), map.record.maxChars),
  }
}

/** The driver's status model from a snapshot's conditions (docs/modbus-head.md, "Status"). */
export function statusOf (s: Snapshot): { faults: PrinterFault[], warnings: PrinterWarning[], detail: string | undefined } {
  const f: PrinterFault[] = []
  const w: PrinterWarning[] = []
  const c = s.conditions
  if (c.has('ink-out')) f.push('ink-out')
  if (c.has('head-error')) f.push('head-error')
  if (c.has('cover-open')) f.push('head-open')
  if (c.has('fault') && f.length === 0) f.push('head-error')
  if (c.has('not-ready') && f.length === 0) f.push('paused')
  if (!s.online) f.push('head-error')
  if (c.has('ink-low')) w.push('ink-low')
  if (c.has('buffer-empty')) w.push('buffer-empty')
  const parts = [s.errorText, ...s.notes].filter((x): x is string => x !== undefined)
  return { faults: f, warnings: w, detail: parts.length > 0 ? parts.join('; ') : undefined }
}
