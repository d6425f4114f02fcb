// The PLC/MQTT contract (DESIGN §6, docs/plc-mqtt.md): topic names and payload schemas, in one place.
import { z } from 'zod'

export function lineTopics (site: string, line: string) {
  const base = `${site}/${line}`
  return {
    base,
    cmd: `${base}/plc/cmd`,
    trigger: `${base}/plc/trigger`,
    reject: `${base}/plc/reject`,
    accept: `${base}/plc/accept`,
    gate: `${base}/plc/gate`,
    state: `${base}/state`,
    counters: `${base}/counters`,
    alarms: `${base}/alarms`,
    camResults: `${base}/cam/+/result`,
    camResult: (id: string) => `${base}/cam/${id}/result`,
  }
}

export const plcCommandSchema = z.strictObject({
  cmd: z.enum(['start', 'stop', 'hold', 'unhold', 'suspend', 'unsuspend', 'reset', 'abort', 'clear']),
})

export const plcTriggerSchema = z.strictObject({
  seq: z.int().min(0),
  ts: z.number().optional(),
})

/** The PLC's account of a product at the reject station: pushed off, or passed on to packing. */
export const plcGateSchema = z.strictObject({
  seq: z.int().min(0),
  rejected: z.boolean(),
})

/** A product verified good (fail-safe verdicts): the PLC passes it at the gate; without one it rejects it. */
export const plcAcceptSchema = z.strictObject({
  seq: z.int().min(0),
})

export const plcRejectSchema = z.strictObject({
  seq: z.int().min(0),
  reason: z.string(),
})
