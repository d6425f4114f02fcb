// Helpers for the generic map's record block (docs/modbus-head.md). The generic map itself is data:
// config/heads/generic.json, read by the driver and the simulator through head-map.ts; the numbers here come from it.
import { loadHeadMap, registersFor } from './head-map.ts'

const GENERIC = loadHeadMap('generic')
if (GENERIC.record.write !== 'block' || GENERIC.encoding.kind !== 'ascii-packed') throw new Error('config/heads/generic.json: expected a block record of ascii-packed text')

/** Characters the generic map's message slot holds at most. */
export const MAX_SLOT_CHARS = GENERIC.record.maxChars
export const MSG_DATA_REGISTERS = registersFor(MAX_SLOT_CHARS, 'ascii-packed')
/** Registers of the longest record block (commit + length + data): within FC 16's limit of 123. */
export const RECORD_BLOCK_LENGTH = 2 + MSG_DATA_REGISTERS

/** Two ASCII characters per register, first character in the high byte; odd lengths pad with 0. */
export function packAscii (text: string, registers: number): number[] {
  const out = new Array<number>(registers).fill(0)
  for (let i = 0; i < text.length && i < registers * 2; i += 2) {
    const hi = text.charCodeAt(i) & 0xff
    const lo = i + 1 < text.length ? text.charCodeAt(i + 1) & 0xff : 0
    out[i >> 1] = (hi << 8) | lo
  }
  return out
}

export function unpackAscii (registers: readonly number[], length: number): string {
  let s = ''
  for (let i = 0; i < length; i++) {
    const r = registers[i >> 1] ?? 0
    s += String.fromCharCode((i & 1) === 0 ? r >> 8 : r & 0xff)
  }
  return s
}

/** The FC 16 payload, written at the commit register (record.seq), that stages and commits one record. */
export function recordBlock (code: string, seq: number): number[] {
  return [seq & 0xffff, code.length, ...packAscii(code, Math.ceil(code.length / 2))]
}
