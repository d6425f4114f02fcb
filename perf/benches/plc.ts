// The PLC over Modbus TCP (docs/plc-modbus.md): the controller's ModbusPlc server and the simulated PLC's client
// (sim/line/plc-modbus.ts, a 10 ms cycle as an S7 MB_CLIENT typically runs) on loopback. A decision is the whole
// round trip the line depends on: the PLC writes a trigger, the controller decides at once (a reject), the PLC reads
// the verdict. `modbus_decision_p99_ms` at 1,200 units/min; `modbus_max_units_per_min` is the highest rate of the
// ladder at which every trigger arrived in order and every verdict came back within 8 pitches (a product decided
// later than that would pass a reject gate 12 pitches after the printer with a margin of 4 pitches).

import { pino } from 'pino'
import { AlarmBook } from '../../line/alarms/alarms.ts'
import { systemClock } from '../../line/clock.ts'
import { ModbusPlc } from '../../line/plc/modbus-plc.ts'
import { openDatabase } from '../../line/store/open.ts'
import { ModbusPlcPort } from '../../sim/line/plc-modbus.ts'
import { type Bench, nowMs, round, summarize } from '../lib.ts'

const CYCLE_MS = 10
const LADDER = [1200, 2400, 4800, 9600, 19_200, 38_400]

interface Rig { plc: ModbusPlc, device: ModbusPlcPort, close: () => Promise<void>, onVerdict: (fn: (seq: number) => void) => void }

async function rig (): Promise<Rig> {
  const db = openDatabase(':memory:', { synchronous: 'NORMAL' })
  const log = pino({ level: 'silent' })
  const alarms = new AlarmBook(db, { clock: systemClock, log })
  const plc = new ModbusPlc({ host: '127.0.0.1', port: 0, unitId: 255, heartbeatMs: 100, timeoutMs: 2000, log, alarms })
  await plc.start()
  // the controller's decision: a reject for every product, at once
  plc.on('trigger', t => { plc.reject(t.seq, 'NO_RESULT').catch(() => {}) })
  const device = new ModbusPlcPort({ host: '127.0.0.1', port: plc.port, cycleMs: CYCLE_MS, timeoutMs: 2000 })
  let verdict: (seq: number) => void = () => {}
  await device.start({ state: () => {}, accept: () => {}, reject: seq => verdict(seq), lost: () => {} })
  const until = Date.now() + 10_000
  while (!device.connected && Date.now() < until) await new Promise(resolve => setTimeout(resolve, 10))
  if (!device.connected) throw new Error('the simulated PLC did not synchronise with the controller')
  return {
    plc, device,
    onVerdict: fn => { verdict = fn },
    close: async () => { await device.stop(); await plc.close(); db.close() },
  }
}

/** `n` products at `perMinute`; per product the time from its trigger write to its verdict at the PLC. */
async function run (r: Rig, perMinute: number, n: number, firstSeq: number): Promise<{ latencies: number[], missing: number, outOfOrder: number }> {
  const sentAt = new Map<number, number>()
  const latencies: number[] = []
  let lastTrigger = firstSeq - 1
  let outOfOrder = 0
  const onTrigger = (t: { seq: number }): void => { if (t.seq !== lastTrigger + 1) outOfOrder++; lastTrigger = t.seq }
  r.plc.on('trigger', onTrigger)
  r.onVerdict(seq => {
    const at = sentAt.get(seq)
    if (at === undefined) return
    sentAt.delete(seq)
    latencies.push(nowMs() - at)
  })
  const pitch = 60_000 / perMinute
  const start = nowMs()
  for (let i = 0; i < n; i++) {
    const due = start + i * pitch
    const wait = due - nowMs()
    if (wait > 1) await new Promise(resolve => setTimeout(resolve, wait))
    const seq = firstSeq + i
    sentAt.set(seq, nowMs())
    r.device.trigger(seq)
  }
  const until = nowMs() + 3000
  while (sentAt.size > 0 && nowMs() < until) await new Promise(resolve => setTimeout(resolve, 10))
  r.plc.off('trigger', onTrigger)
  return { latencies, missing: sentAt.size, outOfOrder }
}

const bench: Bench = {
  description: 'PLC over Modbus TCP: trigger → verdict round trip at 1,200 units/min, and the highest rate with no missed product',
  async run ({ quick }) {
    const r = await rig()
    try {
      const n = quick ? 200 : 600
      const base = await run(r, 1200, n, 1)
      const s = summarize(base.latencies)
      let seq = n + 1
      let max = 0
      const ladder: Record<string, number> = {}
      for (const perMinute of LADDER) {
        const count = Math.round(perMinute / 60 * (quick ? 2 : 5))
        const step = await run(r, perMinute, count, seq)
        seq += count
        const p99 = summarize(step.latencies).p99
        const ok = step.missing === 0 && step.outOfOrder === 0 && p99 <= 8 * 60_000 / perMinute
        ladder[`modbus_p99_ms_at_${perMinute}`] = round(p99, 2)
        if (!ok) break
        max = perMinute
      }
      return {
        modbus_decision_p50_ms: round(s.p50, 2),
        modbus_decision_p99_ms: round(s.p99, 2),
        modbus_decision_max_ms: round(s.max, 2),
        modbus_missing_at_1200: base.missing,
        modbus_max_units_per_min: max,
        plc_cycle_ms: CYCLE_MS,
        ...ladder,
      }
    } finally {
      await r.close()
    }
  },
}
export default bench
