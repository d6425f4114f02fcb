// One PLC contract, every transport: the controller's PlcLink against the simulated PLC's side of the same link
// (sim/line: MqttPlcPort, ModbusPlcPort), both real, on loopback. A transport's test file supplies the rig; the
// cases are the contract of docs/plc-mqtt.md and docs/plc-modbus.md. Timing bounds are generous: a busy CI core.
import type { Test } from 'tap'
import type { AlarmView } from '../../../line/control.ts'
import type { PlcCommand, PlcLink } from '../../../line/plc/link.ts'
import type { StateSnapshot } from '../../../line/state/machine.ts'
import type { PlcPort } from '../../../sim/line/plc-port.ts'

/** What the PLC side saw. */
export interface Seen { states: string[], rejects: number[], accepts: number[], lost: number }

export interface ContractRig {
  /** The controller's link, started. */
  plc: PlcLink
  /** The PLC's side, started (its handlers fill `seen`). */
  device: PlcPort
  seen: Seen
  /** Alarms the controller's AlarmBook raised or changed. */
  alarms: AlarmView[]
  /** Write what the contract forbids from the PLC side; returns how many bad writes were made. */
  garbage(): Promise<number>
  /** The alarm code a bad write raises on this transport. */
  garbageAlarm: string
  /** The controller dies or drops off the link (no goodbye). */
  killController(): Promise<void>
  /** The PLC's link is cut without a goodbye (a cable pulled, a switch rebooted) for about `ms`; it comes back on its own. */
  cutPlcLink(ms: number): Promise<void>
  /** The PLC program stops, its heartbeat too; absent on a transport without a PLC heartbeat. */
  freezePlc?: (frozen: boolean) => void
  isActive(code: string): boolean
}

export type RigFactory = (t: Test) => Promise<ContractRig>

export async function until (cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

export function seenRecorder (): { seen: Seen, handlers: Parameters<PlcPort['start']>[0] } {
  const seen: Seen = { states: [], rejects: [], accepts: [], lost: 0 }
  return {
    seen,
    handlers: {
      state: s => { if (seen.states[seen.states.length - 1] !== s) seen.states.push(s) },
      reject: seq => seen.rejects.push(seq),
      accept: seq => seen.accepts.push(seq),
      lost: () => { seen.lost++ },
    },
  }
}

function snapshot (state: string, stateNumber: number): StateSnapshot {
  return { state, stateNumber, mode: 'Production', fault: null, since: Date.now() } as unknown as StateSnapshot
}

interface Recorded { commands: PlcCommand[], triggers: number[], gates: Array<{ seq: number, rejected: boolean }> }
function record (plc: PlcLink): Recorded {
  const r: Recorded = { commands: [], triggers: [], gates: [] }
  plc.on('command', c => r.commands.push(c))
  plc.on('trigger', x => r.triggers.push(x.seq))
  plc.on('gate', g => r.gates.push({ seq: g.seq, rejected: g.rejected }))
  return r
}

/** `plcHeartbeat`: the transport's contract has a PLC heartbeat the controller watches (Modbus TCP; MQTT has not). */
export function plcContract (t: Test, transport: string, make: RigFactory, options: { plcHeartbeat: boolean }): void {
  t.test(`${transport}: the operator panel's commands reach the line, in order`, async t => {
    const r = await make(t)
    const got = record(r.plc)
    const all: PlcCommand[] = ['reset', 'start', 'hold', 'unhold', 'suspend', 'unsuspend', 'stop', 'abort', 'clear']
    for (const c of all) await r.device.command(c)
    await until(() => got.commands.length === all.length, 'all commands')
    t.same(got.commands, all)
    t.equal(r.plc.stats.commands, all.length)
  })

  t.test(`${transport}: triggers arrive in order with their sequence numbers, none lost at line speed`, async t => {
    const r = await make(t)
    const got = record(r.plc)
    // 300 products in 1.5 s: 12,000/min, eight times a fast line, in bursts of 10
    for (let seq = 1000; seq < 1300; seq++) {
      r.device.trigger(seq, Date.now())
      if (seq % 10 === 9) await new Promise(resolve => setTimeout(resolve, 50))
    }
    await until(() => got.triggers.length >= 300, '300 triggers')
    t.same(got.triggers, Array.from({ length: 300 }, (_, i) => 1000 + i))
    t.equal(r.plc.stats.triggers, 300)
  })

  t.test(`${transport}: gate confirmations carry the sequence number and whether the product was pushed off`, async t => {
    const r = await make(t)
    const got = record(r.plc)
    r.device.gate(7, false)
    r.device.gate(8, true)
    r.device.gate(0x12345678, false)
    await until(() => got.gates.length === 3, 'three gate confirmations')
    t.same(got.gates, [{ seq: 7, rejected: false }, { seq: 8, rejected: true }, { seq: 0x12345678, rejected: false }], '32-bit sequence numbers intact')
    t.equal(r.plc.stats.gates, 3)
  })

  t.test(`${transport}: rejects by sequence number resolve once the PLC side has them, in order`, async t => {
    const r = await make(t)
    const seqs = Array.from({ length: 40 }, (_, i) => 500 + i) // more than any mailbox holds at once
    await Promise.all(seqs.map((seq, i) => r.plc.reject(seq, i % 2 === 0 ? 'UNREADABLE' : 'SOMETHING_ELSE')))
    t.equal(r.plc.stats.rejects, 40, 'every reject confirmed')
    await until(() => r.seen.rejects.length === 40, 'the PLC saw all rejects')
    t.same(r.seen.rejects, seqs)
  })

  t.test(`${transport}: accepts (fail-safe verdicts) reach the PLC`, async t => {
    const r = await make(t)
    for (const seq of [11, 12, 13]) await r.plc.accept(seq)
    await until(() => r.seen.accepts.length === 3, 'three accepts')
    t.same(r.seen.accepts, [11, 12, 13])
    t.equal(r.plc.stats.accepts, 3)
  })

  t.test(`${transport}: the PLC follows the line's PackML state`, async t => {
    const r = await make(t)
    r.plc.publishState(snapshot('Idle', 2))
    await until(() => r.seen.states.includes('Idle'), 'Idle')
    r.plc.publishState(snapshot('Execute', 4))
    await until(() => r.seen.states[r.seen.states.length - 1] === 'Execute', 'Execute')
    t.pass('Idle, then Execute')
  })

  t.test(`${transport}: malformed writes are counted, logged and alarmed; the link goes on`, async t => {
    const r = await make(t)
    const got = record(r.plc)
    const bad = await r.garbage()
    await until(() => r.plc.stats.invalid >= bad, `${bad} invalid writes counted`)
    t.equal(r.plc.stats.invalid, bad, 'each one counted once')
    t.ok(r.alarms.some(a => a.code === r.garbageAlarm && a.active), `${r.garbageAlarm} raised`)
    t.equal(r.alarms.filter(a => a.code === r.garbageAlarm).length, 1, 'one alarm while the condition lasts')
    r.device.trigger(77, Date.now())
    await until(() => got.triggers.includes(77), 'a good trigger after the bad ones')
    t.same(got.triggers, [77], 'nothing bad became an event')
  })

  t.test(`${transport}: the controller gone, the PLC knows it (it stops the infeed and rejects everything)`, async t => {
    const r = await make(t)
    r.plc.publishState(snapshot('Execute', 4))
    await until(() => r.seen.states.includes('Execute'), 'Execute first')
    await r.killController()
    await until(() => r.seen.lost > 0 || r.seen.states[r.seen.states.length - 1] === 'Offline', 'the PLC side noticed', 15_000)
    t.pass('lost or Offline')
  })

  t.test(`${transport}: the PLC's link drops mid-shift and comes back: gate confirmations arrive once each, triggers in order and never twice`, async t => {
    const r = await make(t)
    const got = record(r.plc)
    r.plc.publishState(snapshot('Execute', 4))
    for (let s = 1; s <= 20; s++) r.device.trigger(s, Date.now())
    await until(() => got.triggers.length === 20, 'twenty triggers')
    const lostBefore = r.seen.lost
    await r.cutPlcLink(1500)
    // the products already past the camera reach the gate while the link is down
    for (let s = 1; s <= 20; s++) r.device.gate(s, s % 5 === 0)
    // triggers while the link is down: a PLC without its controller rejects those products itself (docs), so a
    // transport may drop them; it must never deliver one twice or out of order
    for (let s = 21; s <= 30; s++) r.device.trigger(s, Date.now())
    await until(() => r.seen.lost > lostBefore, 'the PLC side knew its link was gone', 15_000)
    if (options.plcHeartbeat) await until(() => r.isActive('PLC_LOST'), 'PLC_LOST on the controller', 15_000)
    await until(() => got.gates.length >= 20, 'the gate confirmations made while the link was down', 15_000)
    for (let s = 31; s <= 40; s++) r.device.trigger(s, Date.now())
    await until(() => got.triggers.includes(40), 'triggers once the link is back', 15_000)
    await new Promise(resolve => setTimeout(resolve, 300)) // room for a stray repeat to show up
    t.same(got.gates, Array.from({ length: 20 }, (_, i) => ({ seq: i + 1, rejected: (i + 1) % 5 === 0 })), 'every gate confirmation once, in order')
    const after = got.triggers.slice(20)
    t.same(after, [...new Set(after)].sort((a, b) => a - b), 'no trigger twice, none out of order')
    for (let s = 31; s <= 40; s++) t.ok(after.includes(s), `trigger ${s} after the link came back`)
    t.ok(after.every(s => s > 20), 'nothing from before the cut delivered again')
    if (options.plcHeartbeat) await until(() => !r.isActive('PLC_LOST'), 'PLC_LOST cleared', 15_000)
  })

  const noHeartbeat = options.plcHeartbeat ? false : `${transport} has no PLC heartbeat in its contract`
  t.test(`${transport}: the PLC's heartbeat stops: PLC_LOST, and it clears when the heartbeat is back`, { skip: noHeartbeat }, async t => {
    const r = await make(t)
    if (r.freezePlc === undefined || r.plc.alive === undefined) throw new Error('a transport with a PLC heartbeat needs freezePlc and alive()')
    await until(() => r.plc.alive?.() === true, 'the heartbeat seen')
    r.freezePlc(true)
    await until(() => r.isActive('PLC_LOST'), 'PLC_LOST', 15_000)
    t.equal(r.plc.alive(), false)
    t.match(r.alarms.find(a => a.code === 'PLC_LOST'), { severity: 'fault', source: 'plc', message: { en: /^PLC link lost: no heartbeat for/, ru: /^Нет связи с ПЛК/ } })
    r.freezePlc(false)
    await until(() => !r.isActive('PLC_LOST'), 'PLC_LOST cleared', 15_000)
    t.equal(r.plc.alive(), true)
  })
}
