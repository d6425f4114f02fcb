// Gate reconciliation: a good unit goes into its box only after the PLC passed it at the gate; what the PLC
// pushed off becomes DEFECT; a gate confirmation for a product decided otherwise raises the operator's alarm.
import t from 'tap'
import { GateReconciler, type GateOptions } from '../../../line/runtime/gate.ts'

function setup (options: { gateConfirmation?: boolean, verdicts?: Record<number, 'good' | 'reject' | undefined>, stored?: Record<number, { id: number, state: 'PRINTED' | 'VERIFIED' }>, writtenOff?: Record<number, number> } = {}) {
  const boxed: number[] = []
  const defects: Array<{ ids: number[], reason: string }> = []
  const announced: number[][] = []
  const alarms: Array<{ code: string, source: string }> = []
  let writtenOff = 0
  const verdicts = options.verdicts ?? {}
  const o: GateOptions = {
    tracker: { knows: seq => seq in verdicts, verdict: seq => verdicts[seq] },
    aggregator: {
      addUnit: async id => { boxed.push(id) },
      unboxedBySeq: seq => options.stored?.[seq],
      writtenOffBySeq: seq => options.writtenOff?.[seq],
    },
    pool: { markDefect: async (ids, reason) => { defects.push({ ids: [...ids], reason }); return ids.length } },
    alarms: { raise: a => { alarms.push({ code: a.code, source: a.source }); return alarms.length } },
    rejectDistance: 5,
    gateConfirmation: options.gateConfirmation ?? true,
    jobId: () => 1,
    onDefect: ids => announced.push(ids),
    onWrittenOff: () => { writtenOff++ },
    onStoreFault: err => { throw err },
  }
  return { gate: new GateReconciler(o), boxed, defects, announced, alarms, writtenOff: () => writtenOff }
}

const settle = (): Promise<void> => new Promise(resolve => setImmediate(resolve))

t.test('a good unit waits for the gate: passed → boxed, pushed off → DEFECT PLC_REJECT', async t => {
  const s = setup()
  s.gate.onGood({ id: 11, seq: 1 })
  s.gate.onGood({ id: 12, seq: 2 })
  t.same(s.boxed, [], 'nothing boxed before the gate')
  t.equal(s.gate.waiting, 2)
  s.gate.onGate(1, false)
  s.gate.onGate(2, true)
  await settle()
  t.same(s.boxed, [11], 'the passed unit is boxed')
  t.same(s.defects, [{ ids: [12], reason: 'PLC_REJECT' }], 'the pushed-off one is DEFECT')
  t.same(s.announced, [[12]], 'and announced for the dropout report')
  t.equal(s.gate.waiting, 0)
})

t.test('a gate confirmation before the verdict is committed is kept for it', async t => {
  const s = setup({ verdicts: { 3: 'good' } })
  s.gate.onGate(3, false)
  t.same(s.boxed, [], 'held until the verdict')
  s.gate.onGood({ id: 13, seq: 3 })
  await settle()
  t.same(s.boxed, [13])
  t.same(s.alarms, [])
})

t.test('rejected in the controller, passed by the PLC: REJECT_MISSED; left before its verdict: SHIPPED_UNVERIFIED', async t => {
  const s = setup({ verdicts: { 4: 'reject', 5: undefined } })
  s.gate.onGate(4, false)
  s.gate.onGate(5, false)
  t.same(s.alarms.map(a => a.code), ['REJECT_MISSED', 'SHIPPED_UNVERIFIED'])
  s.gate.onGate(4, true)
  t.equal(s.alarms.length, 2, 'a reject the PLC executed is no alarm')
})

t.test('products from before a restart: the store says which code they carry', async t => {
  const s = setup({ stored: { 20: { id: 120, state: 'VERIFIED' }, 21: { id: 121, state: 'VERIFIED' }, 22: { id: 122, state: 'PRINTED' } } })
  s.gate.onGate(20, false)
  s.gate.onGate(21, true)
  s.gate.onGate(22, false)
  s.gate.onGate(23, false)
  await settle()
  t.same(s.boxed, [120], 'verified and passed: boxed')
  t.same(s.defects, [{ ids: [121], reason: 'PLC_REJECT' }, { ids: [122], reason: 'UNCERTAIN' }], 'pushed off: PLC_REJECT; printed without a verdict: UNCERTAIN')
  t.equal(s.writtenOff(), 1, 'counters are derived again after the write-off')
  t.same(s.alarms.map(a => a.code), ['SHIPPED_UNVERIFIED'], 'the unverified product that left is reported to the operator')
})

t.test('without gate confirmations the trigger count stands in: rejectDistance pitches back is past the gate', async t => {
  const s = setup({ gateConfirmation: false })
  s.gate.onTrigger(10)
  s.gate.onGood({ id: 31, seq: 4 })
  s.gate.onGood({ id: 32, seq: 6 })
  await settle()
  t.same(s.boxed, [31], 'seq 4 ≤ 10 − 5 is past the gate at once')
  s.gate.onTrigger(11)
  await settle()
  t.same(s.boxed, [31, 32], 'seq 6 after the next trigger')
  s.gate.onGood({ id: 33, seq: 11 })
  s.gate.releasePastGate(Number.MAX_SAFE_INTEGER)
  await settle()
  t.same(s.boxed, [31, 32, 33], 'the line stopped: everything left is past the gate')
})

t.test('the PLC numbers again from 1: units waiting under the old numbers keep their place until their gates come', async t => {
  const s = setup()
  s.gate.onGood({ id: 594, seq: 594 })
  s.gate.onGood({ id: 595, seq: 595 })
  s.gate.onGood({ id: 900, seq: 900 })
  s.gate.renumbered()
  t.equal(s.gate.waiting, 3, 'still waiting')
  s.gate.onGate(900, false) // the old numbering's last product reaches the gate after the restart
  await settle()
  t.same(s.boxed, [900], 'its gate finds it by the old number')
  // the new numbering reaches 594: a new product with the number of a unit whose confirmation was lost
  s.gate.onTrigger(1)
  s.gate.onGood({ id: 1495, seq: 594 })
  s.gate.onGate(594, false)
  await settle()
  t.same(s.boxed, [900, 1495], 'the new product\'s gate is the new product\'s')
  t.equal(s.gate.waiting, 2, 'the old units 594 and 595 are still waiting, not replaced')
  for (let seq = 2; seq <= 10; seq++) s.gate.onTrigger(seq) // twice the distance to the gate since the restart
  await settle()
  t.same(s.boxed.slice(2).sort(), [594, 595], 'then their confirmations count as lost: they passed, as at a stop')
  t.same(s.alarms.map(a => a.code), ['GATE_UNCONFIRMED'], 'and the operator is told')
  t.equal(s.gate.waiting, 0)
})

t.test('a stop after a restart of the numbering releases the units of the old numbering too', async t => {
  const s = setup()
  s.gate.onGood({ id: 7, seq: 700 })
  s.gate.renumbered()
  s.gate.onGood({ id: 8, seq: 1 })
  s.gate.releasePastGate(Number.MAX_SAFE_INTEGER)
  await settle()
  t.same(s.boxed.sort(), [7, 8])
  t.equal(s.gate.waiting, 0)
})

t.test('a product that passed although its code was written off at a restart: SHIPPED_UNVERIFIED', async t => {
  const s = setup({ writtenOff: { 30: 130, 31: 131 } })
  s.gate.onGate(30, false) // the PLC let it through (an accept it held from before the restart)
  s.gate.onGate(31, true) // pushed off: nothing to say
  s.gate.onGate(32, false) // no code of this job at that number: nothing to say
  await settle()
  t.same(s.alarms, [{ code: 'SHIPPED_UNVERIFIED', source: 'plc seq 30' }], 'the operator is told to take it off the line')
  t.same(s.boxed, [])
  t.same(s.defects, [])
})
