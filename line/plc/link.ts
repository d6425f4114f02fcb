// The PLC link: what the line needs from its PLC, whatever the transport (DESIGN §6): MQTT (mqtt-plc.ts,
// docs/plc-mqtt.md) or Modbus TCP (modbus-plc.ts, docs/plc-modbus.md), chosen in the composition root from
// `plc.transport`.

import type { AlarmView, Counters } from '../control.ts'
import type { TypedEmitter } from '../events.ts'
import type { StateSnapshot } from '../state/machine.ts'
import type { PlcRejectPort } from '../tracking/tracker.ts'

/** A PLC command, as the operator's buttons at the line send it. */
export type PlcCommand = 'start' | 'stop' | 'hold' | 'unhold' | 'suspend' | 'unsuspend' | 'reset' | 'abort' | 'clear'

/** A product at the print station: the PLC's shift-register sequence number. */
export interface PlcTrigger { seq: number, ts?: number | undefined }

/** The PLC's account of a product at the reject station: pushed off, or passed on to packing. */
export interface PlcGate { seq: number, rejected: boolean }

export interface PlcEvents {
  command: [PlcCommand]
  trigger: [PlcTrigger]
  gate: [PlcGate]
}

export interface PlcStats { commands: number, triggers: number, rejects: number, accepts: number, gates: number, invalid: number }

/**
 * Inputs arrive as events, in the PLC's order; a link delivers nothing before start() (a link that receives
 * earlier, e.g. a durable MQTT session's queue, holds it until then). Outputs: rejects are confirmed (resolve
 * once the PLC side has them), state is kept (retained), counters and alarms are best effort.
 */
export interface PlcLink extends TypedEmitter<PlcEvents>, PlcRejectPort {
  readonly stats: Readonly<PlcStats>
  start(): Promise<void>
  /** A product verified good (fail-safe verdicts, `plc.failSafe`): best effort, a lost one costs a good product. */
  accept(seq: number): Promise<void>
  publishState(s: StateSnapshot): void
  publishCounters(c: Counters): void
  publishAlarm(a: AlarmView): void
  /** A link with a heartbeat of its own (Modbus TCP): whether the PLC's is seen. Absent: the link cannot tell. */
  alive?(): boolean
}
