// Faults from outside the line's devices, and the PLC's inputs and outputs, wired through the line's event bus.
import t from 'tap'
import { outboxAlarm } from '../../../line/reports/errors.ts'
import { emissionAlarms, watchFaults } from '../../../line/app/faults.ts'
import { followProducts } from '../../../line/app/gate.ts'
import { obeyPlc } from '../../../line/app/plc-commands.ts'
import { publishToPlc } from '../../../line/app/plc-publish.ts'
import type { RaiseInput } from '../../../line/alarms/alarms.ts'
import type { Counters } from '../../../line/control.ts'
import { LineBus, relayBroker } from '../../../line/events.ts'
import { silentLogger } from '../../../line/log.ts'
import { TypedEmitter } from '../../../line/events.ts'
import type { PlcEvents } from '../../../line/plc/link.ts'

t.test('broker lost: hold; back: the fault clears; outbox and emission alarms on the operator\'s list', async t => {
  const bus = new LineBus()
  const raised: RaiseInput[] = []
  const cleared: string[] = []
  const faults: string[] = []
  const alarms = { raise: (a: RaiseInput) => { raised.push(a); return raised.length }, clear: (code: string, source: string) => { cleared.push(`${code}:${source}`) } }
  watchFaults({ bus, alarms, fault: (kind, _m, source) => faults.push(`${kind}:${source}`) })
  const client = new TypedEmitter<{ offline: [], connect: [] }>()
  relayBroker(bus, client)
  client.emit('offline')
  client.emit('connect')
  t.same(faults, ['broker:broker'])
  t.same(cleared, ['FAULT_BROKER:broker'])
  bus.emit('outbox:alarm', outboxAlarm({ code: 'LC_ERR_REPORT_REJECTED', params: { report: 'r1', kind: 'utilisation', codes: 3 } }, 'r1', { a: 1 }))
  emissionAlarms(alarms)({ code: 'LC_ERR_EMISSION_ORDER', alarm: { code: 'EMISSION_ORDER_REFUSED', params: { gtin: '04601653030046' } }, severity: 'fault', text: { ru: 'з', en: 'o' }, context: { status: 400 }, at: 0 })
  // severity and text come from the catalogue entry of the code; the API's answer travels as detail
  t.same(raised.map(a => [a.code, a.source, a.detail]), [['LC_ERR_REPORT_REJECTED', 'report r1', { a: 1 }], ['EMISSION_ORDER_REFUSED', 'oms', { status: 400, errorCode: 'LC_ERR_EMISSION_ORDER' }]])
})

t.test('PLC inputs: trigger to the tracker before the gate count; a gate confirmation committed before its ack; commands as actor plc', async t => {
  const bus = new LineBus()
  const plc = new TypedEmitter<PlcEvents>()
  bus.relay('plc', plc, ['trigger', 'gate', 'command'])
  const order: string[] = []
  followProducts({
    bus,
    tracker: { onTrigger: seq => order.push(`tracker ${seq}`) },
    runtime: { onTrigger: seq => order.push(`gate count ${seq}`), onGate: (seq, rejected) => order.push(`gate ${seq} ${rejected}`) },
    pool: { commit: { flush: () => order.push('flush') } } as never,
  })
  obeyPlc({ bus, control: { command: async (cmd, actor) => { order.push(`${cmd} by ${actor}`); return { ok: true, from: 'Idle', to: 'Starting' } } }, log: silentLogger() })
  plc.emit('trigger', { seq: 1 })
  plc.emit('gate', { seq: 1, rejected: false })
  plc.emit('command', 'start')
  t.same(order, ['tracker 1', 'gate count 1', 'gate 1 false', 'flush', 'start by plc'])
})

t.test('to the PLC: state and alarms as they change, counters periodically', async t => {
  const bus = new LineBus()
  const out: string[] = []
  const counters = { triggered: 1 } as Counters
  const stop = publishToPlc({
    bus,
    plc: { publishState: s => out.push(`state ${s.state}`), publishAlarm: a => out.push(`alarm ${a.code}`), publishCounters: c => out.push(`counters ${c.triggered}`) },
    counters: () => counters,
    countersMs: 15,
  })
  bus.emit('machine:change', { state: 'Held', stateNumber: 15, stateRu: '', mode: 'Production', allowed: [], fault: null, since: 0 })
  bus.emit('alarms:alarm', { id: 1, code: 'FAULT_PRINTER', severity: 'fault', message: { ru: '', en: '' }, action: { ru: '', en: '' }, detail: null, source: 'head-1', raisedAt: 0, active: true, acknowledged: false, acknowledgedBy: null })
  await new Promise(resolve => setTimeout(resolve, 40))
  stop()
  t.same(out.slice(0, 3), ['state Held', 'alarm FAULT_PRINTER', 'counters 1'])
  const n = out.length
  await new Promise(resolve => setTimeout(resolve, 40))
  t.equal(out.length, n, 'no counters after stop')
})

t.test('the bus relays only the listed events, and a relay can be undone', async t => {
  const bus = new LineBus()
  const plc = new TypedEmitter<PlcEvents>()
  const undo = bus.relay('plc', plc, ['trigger'])
  const seen: string[] = []
  bus.on('plc:trigger', e => seen.push(`trigger ${e.seq}`))
  bus.on('plc:gate', e => seen.push(`gate ${e.seq}`))
  plc.emit('trigger', { seq: 1 })
  plc.emit('gate', { seq: 1, rejected: false })
  undo()
  plc.emit('trigger', { seq: 2 })
  t.same(seen, ['trigger 1'])
})
