// The register map of docs/plc-modbus.md as a PLC programmer would copy it from the document's tables: the PLC's
// side of the contract, written from the document and not imported from line/, so the simulated PLC checks the
// document as much as the controller's code (a test that shared the constants would pass with a wrong document).

/** Input registers (FC04), read in one request of IR_COUNT registers from address 0. */
export const IR_COUNT = 100
export const IR_VERSION = 0
export const IR_EPOCH = 1
export const IR_HEARTBEAT = 2
export const IR_EVENT_ACK = 3
export const IR_VERDICT_COUNT = 4
export const IR_STATE = 5
export const IR_VERDICTS = 16
export const VERDICT_SLOTS = 16
export const VERDICT_WORDS = 4

/** Holding registers (FC16): [heartbeat, verdict ack, epoch] at 0, the event mailbox from 16. */
export const HR_HEADER = 0
export const HR_EVENTS = 16
export const EVENT_SLOTS = 64
export const EVENT_WORDS = 5
/** FC16 writes at most 123 registers (Modbus Application Protocol Specification V1.1b3 §6.12): 24 records. */
export const MAX_RECORDS_PER_WRITE = 24

export const KIND_TRIGGER = 1
export const KIND_GATE = 2
export const KIND_COMMAND = 3

export const COMMANDS: Readonly<Record<string, number>> = { start: 1, stop: 2, hold: 3, unhold: 4, suspend: 5, unsuspend: 6, reset: 7, abort: 8, clear: 9 }

/** PackML state numbers (the STATE register). */
export const STATES: readonly string[] = [
  'Stopped', 'Resetting', 'Idle', 'Starting', 'Execute', 'Completing', 'Complete', 'Aborting', 'Aborted',
  'Stopping', 'Clearing', 'Suspending', 'Suspended', 'Unsuspending', 'Holding', 'Held', 'Unholding',
]

/** Exception 04 to an event write: written under an old epoch, re-read EPOCH and EVENT_ACK. */
export const EXCEPTION_RESYNC = 4
