// The pre-applied scenario's printing house (sim/scenario/printing-house.ts): the roll carries the shares of faults
// it is asked for, and the end-of-run check finds a pack whose verdict its print does not call for, a code that went
// out on two packs and a controller tally that differs from what the gate received.
import t from 'tap'
import { EventEmitter } from 'node:events'
import type { CodeRow } from '../../line/pool/pool.ts'
import type { Conveyor, Product } from '../../sim/line/conveyor.ts'
import { PrintedRoll } from '../../sim/line/printed-roll.ts'
import { PrintingHouse } from '../../sim/scenario/printing-house.ts'

const GTIN = '04601653030046'
const shares = { duplicate: 0.02, foreign: 0.01, otherGtin: 0.01, unreadable: 0.01, blank: 0.005, seed: 3 }

t.test('the roll carries about the shares asked for; a duplicate repeats a legible code, a smudged code is not legible', async t => {
  const codes = Array.from({ length: 12_000 }, (_, i) => `code-${i}`)
  let other = 0
  const roll = new PrintedRoll(codes, { shares, seed: 3, foreign: () => 'stranger', otherGtin: () => `other-${other++}` })
  for (let i = 0; i < 10_000; i++) roll.trigger()
  const n = (k: string) => roll.kinds.filter(x => x === k).length
  t.ok(n('duplicate') > 150 && n('duplicate') < 250, `duplicates ${n('duplicate')}`)
  for (const k of ['foreign', 'other-gtin', 'unreadable']) t.ok(n(k) > 60 && n(k) < 140, `${k} ${n(k)}`)
  t.ok(n('blank') > 25 && n('blank') < 80, `blanks ${n('blank')}`)
  const seen = new Set<string>()
  const wrong: string[] = []
  roll.packs.forEach((c, i) => {
    const k = roll.kinds[i]
    if (k === 'good') { seen.add(c as string); if (!roll.legible(c as string)) wrong.push(`good pack ${i} not legible`) }
    if (k === 'duplicate' && !seen.has(c as string)) wrong.push(`pack ${i} repeats ${c}, never on a legible pack before`)
    if (k === 'unreadable' && roll.legible(c as string)) wrong.push(`smudged pack ${i} legible`)
  })
  t.same(wrong, [])
})

t.test('the check: every reject with its pack\'s reason, no code on two shipped packs, the tally as the gate saw it', async t => {
  const house = new PrintingHouse({ gtin: GTIN, quantity: 100, rejectDistance: 12, shares })
  const conveyor = new EventEmitter()
  house.watch(conveyor as unknown as Conveyor)
  const rows = new Map<string, Partial<CodeRow>>()
  const byIdentity = (code: string) => rows.get(code) as CodeRow | undefined
  let seq = 0
  const pack = (kind: string, code: string | null, fate: 'shipped' | 'rejected', reason?: string, failSafe?: boolean): void => {
    (house.roll.kinds as string[]).push(kind)
    const p: Product = { seq: ++seq, code, position: 0, ...(reason === undefined ? {} : { reason }), ...(failSafe === undefined ? {} : { failSafe }) }
    conveyor.emit('product', p)
    conveyor.emit(fate, p)
  }
  rows.set('a', { seq: 1, state: 'REPORTED' })
  pack('good', 'a', 'shipped')
  pack('duplicate', 'a', 'rejected', 'DUPLICATE_CODE')
  pack('foreign', 'x', 'rejected', 'FOREIGN_CODE')
  rows.set('b', { seq: 4, state: 'DROPPED' })
  pack('good', 'b', 'rejected', 'LOW_GRADE')
  pack('blank', null, 'rejected', 'UNREADABLE')
  // seq 6: passed as good, its accept too late: the gate's fail-safe pushed it off, the controller wrote it off
  rows.set('c', { seq: 6, state: 'DROPPED', reason: 'PLC_REJECT' })
  pack('good', 'c', 'rejected', undefined, true)
  // seq 7: its reject came after it had gone; the gate had rejected it anyway
  pack('foreign', 'y', 'rejected', undefined, true)
  conveyor.emit('late-reject', 7, 'FOREIGN_CODE')
  const ok = house.check(byIdentity, { DUPLICATE_CODE: 1, FOREIGN_CODE: 2, LOW_GRADE: 1, UNREADABLE: 1 }, { job: 0, other: 0 })
  t.same(ok.violations.filter(v => !v.startsWith('the roll was to carry')), [], 'a clean run')
  t.same(ok.summary.rejectsAtGate, { DUPLICATE_CODE: 1, FOREIGN_CODE: 2, LOW_GRADE: 1, UNREADABLE: 1 })
  t.same(ok.summary.failSafe, { goodPushedOff: 1, rejectLate: 1 })

  pack('other-gtin', 'o', 'rejected', 'FOREIGN_CODE') // should have been WRONG_CODE
  pack('duplicate', 'a', 'shipped') // its first pack was read: a second pack with the code went out
  pack('good', 'd', 'rejected', undefined, true) // pushed off, and the controller never heard of it
  const bad = house.check(byIdentity, { DUPLICATE_CODE: 2, FOREIGN_CODE: 3, LOW_GRADE: 1, UNREADABLE: 1 }, { job: 0, other: 0 })
  t.match(bad.violations.join('\n'), /seq 8 \(other-gtin\) rejected FOREIGN_CODE/)
  t.match(bad.violations.join('\n'), /seq 9 \(duplicate\) shipped/)
  t.match(bad.violations.join('\n'), /went out on two packs \(seq 1 and 9\)/)
  t.match(bad.violations.join('\n'), /1 packs rejected at the gate without a reason/)
  t.match(bad.violations.join('\n'), /DUPLICATE_CODE: the controller counted 2 rejects, the gate received 1/)
})

t.test('a plant run: a pack rejected for a code the register gives to another line is explained; a shipped code must be this pack\'s claim', async t => {
  const run = { promise: new Promise<never>(() => {}), resolve: () => {}, reject: () => {} }
  const house = new PrintingHouse({ gtin: GTIN, quantity: 100, rejectDistance: 12, shares, plant: { index: 0, lines: 2, shared: 0.04, run } })
  const conveyor = new EventEmitter()
  house.watch(conveyor as unknown as Conveyor)
  const rows = new Map<string, Partial<CodeRow>>()
  const register = new Map<string, { line: string, seq: number }>()
  const owner = (code: string) => register.get(code)
  let seq = 0
  const pack = (kind: string, code: string | null, fate: 'shipped' | 'rejected', reason?: string): void => {
    (house.roll.kinds as string[]).push(kind)
    const p: Product = { seq: ++seq, code, position: 0, ...(reason === undefined ? {} : { reason }) }
    conveyor.emit('product', p)
    conveyor.emit(fate, p)
  }
  rows.set('a', { seq: 1, state: 'REPORTED' }); register.set('a', { line: 'L1', seq: 1 })
  pack('good', 'a', 'shipped')
  register.set('b', { line: 'L2', seq: 40 })
  pack('good', 'b', 'rejected', 'DUPLICATE_CODE') // the other line read it first
  rows.set('c', { seq: 3, state: 'REPORTED' }); register.set('c', { line: 'L1', seq: 3 })
  pack('other-line', 'c', 'shipped') // a code of the other line's roll, read here first
  register.set('d', { line: 'L2', seq: 7 })
  pack('other-line', 'd', 'rejected', 'DUPLICATE_CODE')
  const ok = house.check(r => rows.get(r) as CodeRow | undefined, { DUPLICATE_CODE: 2 }, { job: 0, other: 0 }, { line: 'L1', owner })
  t.same(ok.violations.filter(v => !v.startsWith('the roll was to carry')), [], 'a clean plant run')
  t.same(ok.summary.plant, { duplicatesOfOtherLines: 2, otherLineShipped: 1, unchecked: 0 })

  register.set('e', { line: 'L1', seq: 5 })
  pack('good', 'e', 'rejected', 'DUPLICATE_CODE') // this line's own claim: no reason to reject it
  rows.set('f', { seq: 6, state: 'REPORTED' }); register.set('f', { line: 'L2', seq: 9 })
  pack('other-line', 'f', 'shipped') // shipped although the other line had claimed it
  rows.set('g', { seq: 7, state: 'REPORTED' })
  pack('good', 'g', 'shipped') // never claimed in the register
  const bad = house.check(r => rows.get(r) as CodeRow | undefined, { DUPLICATE_CODE: 3 }, { job: 0, other: 0 }, { line: 'L1', owner })
  const text = bad.violations.join('\n')
  t.match(text, /seq 5 \(good\) rejected DUPLICATE_CODE/)
  t.match(text, /seq 6 carries f, which the plant register has claimed by L2 for pack 9/)
  t.match(text, /seq 7 carries g, which the plant register has never seen/)
})
