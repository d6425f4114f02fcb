// The project's generic Modbus register map for a TIJ/CIJ print head (docs/modbus-head.md), shared by driver and simulator.

/** Input registers (FC 04), read by the host in one block every poll. */
export const IR = {
  COMMS: 0, // 0x31 online, 0x30 offline (as on the Hitachi UX map)
  STATUS: 1, // STATUS_BITS below
  BUFFER_FILL: 2, // records committed and not yet printed
  BUFFER_CAPACITY: 3, // records the head can hold
  COUNTER_HI: 4, // 32-bit print-done counter, high word first; wraps 0xFFFFFFFF → 0
  COUNTER_LO: 5,
  ERROR_CODE: 6, // HEAD_ERRORS below, 0 = none
  LAST_SEQ: 7, // sequence number of the last record committed (0–65535, wraps)
  SLOT_CHARS: 8, // characters one message slot holds (≤ MAX_SLOT_CHARS)
  INK_LEVEL: 9, // percent
  MISSED: 10, // print-go signals that printed nothing (empty buffer, fault), 16-bit, wraps
} as const
export const IR_BLOCK_LENGTH = 11
export const COMMS_ONLINE = 0x31

export const STATUS_BITS = {
  READY: 1 << 0,
  PRINTING: 1 << 1,
  FAULT: 1 << 2,
  INK_LOW: 1 << 3,
  INK_OUT: 1 << 4,
  BUFFER_FULL: 1 << 5,
  BUFFER_EMPTY: 1 << 6,
  HEAD_ERROR: 1 << 7,
  COVER_OPEN: 1 << 8,
} as const

export const HEAD_ERRORS: Record<number, { ru: string, en: string }> = {
  1: { ru: 'нет чернил', en: 'ink out' },
  2: { ru: 'ошибка печатающей головки', en: 'print head error' },
  3: { ru: 'открыта крышка головки', en: 'head cover open' },
  4: { ru: 'продукт пришёл при пустом буфере', en: 'print-go with an empty buffer' },
}

/** Holding registers (FC 03 / 06 / 16). */
export const HR = {
  COMMAND: 0, // write COMMANDS.*; reads back 0
  /**
   * Record block, written by one FC 16 starting at COMMIT: the commit register (sequence number), the length, then
   * only as many ASCII-packed data registers as the record needs. The head stages the whole write, then commits.
   * Writing seq = last + 1 (mod 65536) appends the record; writing seq = last again is acknowledged and ignored.
   */
  COMMIT: 99,
  MSG_LENGTH: 100,
  MSG_DATA: 101,
} as const
export const MAX_SLOT_CHARS = 150
export const MSG_DATA_REGISTERS = MAX_SLOT_CHARS / 2
export const HR_COMMIT = HR.COMMIT
/** Registers of the longest record block (commit + length + data): within FC 16's limit of 123. */
export const RECORD_BLOCK_LENGTH = 2 + MSG_DATA_REGISTERS

export const COMMANDS = {
  CLEAR_BUFFER: 1,
  RESET_FAULTS: 2,
} as const

/** Modbus exception codes the head uses (Modbus Application Protocol v1.1b3 §7). */
export const EXCEPTIONS = {
  ILLEGAL_FUNCTION: 0x01,
  ILLEGAL_ADDRESS: 0x02,
  ILLEGAL_VALUE: 0x03,
  DEVICE_FAILURE: 0x04,
  BUSY: 0x06, // buffer full: the record was not committed
} as const

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

/** The FC 16 payload, written at HR.COMMIT, that stages and commits one record. */
export function recordBlock (code: string, seq: number): number[] {
  return [seq & 0xffff, code.length, ...packAscii(code, Math.ceil(code.length / 2))]
}
