// The PLC/Modbus TCP register map (docs/plc-modbus.md), in one place: addresses, record layouts, codes and the
// 16-bit wrapping arithmetic of the two mailboxes. The controller is the Modbus server, the PLC the client.
// Addresses are PDU addresses (0-based, Modbus Application Protocol Specification V1.1b3 §4.4).
import { z } from 'zod'
import type { PlcCommand } from './link.ts'

export const MAP_VERSION = 1

/** Input registers (FC04), controller → PLC. One FC04 read of `IR.SIZE` registers takes them all (≤ 125, §6.4). */
export const IR = {
  VERSION: 0,
  EPOCH: 1,
  HEARTBEAT: 2,
  EVENT_ACK: 3,
  VERDICT_COUNT: 4,
  STATE: 5,
  MODE: 6,
  FAULTS: 7,
  WARNINGS: 8,
  HEARTBEAT_MS: 9,
  TIMEOUT_MS: 10,
  INVALID: 11,
  LAST_ALARM: 12, // 32-bit: 12 high word, 13 low word
  VERDICTS: 16,
  COUNTERS: 80,
  SIZE: 100,
} as const

/** Holding registers (FC03 read, FC06/FC16 write), PLC → controller. */
export const HR = {
  HEARTBEAT: 0,
  VERDICT_ACK: 1,
  EPOCH: 2,
  HEADER_SIZE: 3,
  EVENTS: 16,
} as const

/** The verdict mailbox: 16 records of 4 registers [number, seq high, seq low, code]; slot = number mod 16. */
export const VERDICT_SLOTS = 16
export const VERDICT_WORDS = 4
/** The event mailbox: 64 records of 5 registers [number, kind, seq high, seq low, arg]; slot = number mod 64. */
export const EVENT_SLOTS = 64
export const EVENT_WORDS = 5
export const HR_SIZE = HR.EVENTS + EVENT_SLOTS * EVENT_WORDS

/** Counters in IR.COUNTERS.., 32-bit each, high word first, in this order. */
export const COUNTER_ORDER = ['triggered', 'printed', 'verified', 'rejected', 'boxes', 'pallets', 'reported', 'dropped'] as const

export const EVENT_KIND = { trigger: 1, gate: 2, command: 3 } as const

export const COMMAND_CODES: Readonly<Record<PlcCommand, number>> = {
  start: 1, stop: 2, hold: 3, unhold: 4, suspend: 5, unsuspend: 6, reset: 7, abort: 8, clear: 9,
}
const COMMAND_BY_CODE = new Map(Object.entries(COMMAND_CODES).map(([k, v]) => [v, k as PlcCommand]))

/** Verdict codes: 0 accept (fail-safe verdicts), the reject reasons of docs/plc-mqtt.md, 99 any other reason. */
export const VERDICT_CODES: Readonly<Record<string, number>> = {
  ACCEPT: 0, UNREADABLE: 1, WRONG_CODE: 2, LOW_GRADE: 3, NO_RESULT: 4, NO_PRINT: 5, STORE_ERROR: 6,
}
export const VERDICT_OTHER = 99

export const MODE_CODES: Readonly<Record<string, number>> = { Production: 1, Maintenance: 2, Manual: 3 }

/** Modbus exception codes the server answers with (Modbus Application Protocol Specification V1.1b3 §7). */
export const EXCEPTION = { ILLEGAL_ADDRESS: 0x02, ILLEGAL_VALUE: 0x03, DEVICE_FAILURE: 0x04 } as const

/** a − b on the 16-bit wrapping counters: positive when a is ahead of b (by less than half the range). */
export function diff16 (a: number, b: number): number {
  const d = (a - b) & 0xffff
  return d >= 0x8000 ? d - 0x10000 : d
}

export const hi = (v: number): number => Math.floor(v / 0x10000) & 0xffff
export const lo = (v: number): number => v & 0xffff
export const u32 = (h: number, l: number): number => h * 0x10000 + l

const word = z.int().min(0).max(0xffff)

/** One event record as the PLC wrote it, decoded: the zod schema is the edge check (docs/plc-modbus.md). */
export const eventRecordSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal(EVENT_KIND.trigger), number: word, seq: z.int().min(0), arg: z.literal(0, 'a trigger record has arg 0') }),
  z.strictObject({ kind: z.literal(EVENT_KIND.gate), number: word, seq: z.int().min(0), arg: z.union([z.literal(0), z.literal(1)], 'a gate record has arg 0 (passed) or 1 (rejected)') }),
  z.strictObject({ kind: z.literal(EVENT_KIND.command), number: word, seq: z.literal(0, 'a command record has seq 0'), arg: z.int().refine(a => COMMAND_BY_CODE.has(a), 'command code 1–9') }),
], { error: iss => iss.code === 'invalid_union' ? 'kind must be 1 (trigger), 2 (gate) or 3 (command)' : undefined })

export type EventRecord = z.infer<typeof eventRecordSchema>

export function commandOf (code: number): PlcCommand | undefined { return COMMAND_BY_CODE.get(code) }

export function decodeEvent (words: readonly number[]): { number: number, kind: number, seq: number, arg: number } {
  const [number = 0, kind = 0, seqHi = 0, seqLo = 0, arg = 0] = words
  return { number, kind, seq: u32(seqHi, seqLo), arg }
}
