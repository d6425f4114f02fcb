// The printing house of a pre-applied scenario (docs/modes.md, docs/scenarios.md): it gets the job's codes in a
// codes file exported at the line (HANDED_OVER), and another product's codes the same way, and prints the roll the
// packs come with — with the shares of duplicates, foreign codes, codes of the other product, smudged prints and
// blanks the scenario asks for. It watches every pack at the reject gate, and at the end says whether each reject
// had the reason its pack calls for and whether any code went out on two packs.
//
// Several lines of one plant (`plant:` in the scenario): the first line orders the whole print run and exports it;
// the printing house prints one roll per line from it, each line's slice, and `shared` of each roll's packs carry a
// code of another line's slice as well (a press that printed a record twice, on two rolls). The other lines import
// the same file as already printed. Which line reads such a code first is a race: the plant register decides, and the
// pack on the other line must be rejected DUPLICATE_CODE.

import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ProfileRegistry, withCheckDigit } from '../../line/codes/index.ts'
import type { CodeRow } from '../../line/pool/pool.ts'
import { CodeFactory, prng } from '../codes/factory.ts'
import type { Conveyor, Product } from '../line/conveyor.ts'
import { PrintedRoll, type PackKind } from '../line/printed-roll.ts'
import type { ControllerProcess } from './controller.ts'

/** The other product whose codes the printing house also holds (same group, water). */
export const OTHER_GTIN = withCheckDigit('0460165303011')

export interface RollShares { duplicate: number, foreign: number, otherGtin: number, unreadable: number, blank: number, seed: number }

/** The print run of a plant's lines: the first line's export file and its codes, once it has exported them. */
export interface PrintRun {
  promise: Promise<{ path: string, codes: string[] }>
  resolve(run: { path: string, codes: string[] }): void
  reject(err: Error): void
}

export function printRun (): PrintRun {
  let resolve!: PrintRun['resolve']
  let reject!: PrintRun['reject']
  const promise = new Promise<{ path: string, codes: string[] }>((res, rej) => { resolve = res; reject = rej })
  promise.catch(() => {}) // a line that never waits for it must not leave an unhandled rejection
  return { promise, resolve, reject }
}

/** This line's place in a plant run. */
export interface PlantLine {
  /** 0 for the line that orders and exports the print run. */
  index: number
  lines: number
  /** Share of this roll's packs that carry a code of another line's slice. */
  shared: number
  run: PrintRun
}

/** Who claimed a code in the plant register: the line and the pack number. */
export type RegisterOwner = (code: string) => { line: string, seq: number } | undefined

/** The reason a reject of each kind of pack must carry (the camera's own: a low grade on a good pack). */
const EXPECTED: Record<PackKind, string | null> = {
  good: 'LOW_GRADE',
  duplicate: 'DUPLICATE_CODE',
  foreign: 'FOREIGN_CODE',
  'other-gtin': 'WRONG_CODE',
  unreadable: 'UNREADABLE',
  blank: 'UNREADABLE',
  // a code of another line's roll: good if this line read it first (then only the camera's grade rejects it),
  // DUPLICATE_CODE if another line had claimed it (checked against the register, below)
  'other-line': 'LOW_GRADE',
}

interface PackRecord { seq: number, kind: PackKind, code: string | null, fate?: 'shipped' | 'rejected', reason?: string, failSafe?: boolean, lateReject?: boolean }

export interface PreappliedSummary {
  packs: number
  /** Packs of each kind the roll put on the line. */
  injected: Record<PackKind, number>
  /** Rejects by the reason the PLC received with each (plc/reject). */
  rejectsAtGate: Record<string, number>
  /** Packs decided NO_RESULT (the camera's result too late): whatever their kind, the one reason the roll cannot foresee. */
  noResult: number
  /**
   * Packs the gate rejected on its own (fail-safe: no accept in time): those the controller had passed as good (their
   * code PLC_REJECT in the store), and those whose reject came after the pack (its reason counted as the gate's).
   */
  failSafe: { goodPushedOff: number, rejectLate: number }
  /** Duplicates shipped because the first pack with their code was never read (NO_RESULT): the code was still free. */
  duplicatesShippedAfterNoResult: number
  /** Codes exported to the printing house: the job's, and the other product's. */
  handedOver: { job: number, other: number }
  /** A plant run: packs rejected DUPLICATE_CODE because another line claimed their code first, and packs of another line's slice shipped here. */
  plant?: { duplicatesOfOtherLines: number, otherLineShipped: number, unchecked: number }
}

export class PrintingHouse {
  readonly roll: PrintedRoll
  /** Codes the roll is printed with: the job's quantity, the smudged ones, the packs in flight at the end, a margin. */
  readonly rollSize: number
  readonly #codes: string[] = []
  readonly #other: string[] = []
  #otherNext = 0
  readonly #packs = new Map<number, PackRecord>()
  readonly #gtin: string
  readonly #shares: RollShares
  readonly #quantity: number
  /** The roll's seed: the scenario's, another one per line of a plant run. */
  readonly #seed: number
  readonly #plant: PlantLine | undefined
  /** A plant run: the other lines' slices of the print run. */
  readonly #otherLines: string[] = []

  constructor (options: { gtin: string, quantity: number, shares: RollShares, rejectDistance: number, plant?: PlantLine }) {
    const { gtin, quantity, shares, plant } = options
    this.#gtin = gtin
    this.#shares = shares
    this.#quantity = quantity
    this.#plant = plant
    this.rollSize = Math.ceil(quantity * (1 + 2 * shares.unreadable)) + 2 * options.rejectDistance + 50
    const profile = new ProfileRegistry().get('water')
    const seed = this.#seed = shares.seed + (plant?.index ?? 0) * 7919
    // another roll's codes: well-formed codes of the job's GTIN that this line never had
    const stranger = new CodeFactory(seed + 1000)
    const pick = prng(seed + 3000)
    this.roll = new PrintedRoll(this.#codes, {
      shares: { ...shares, otherLine: plant?.shared ?? 0 }, seed,
      foreign: () => stranger.next(profile, gtin).raw,
      otherGtin: () => this.#other[this.#otherNext++],
      // each code of another line's slice at most once on this roll (a repeat here would be this roll's duplicate)
      otherLine: () => {
        if (this.#otherLines.length === 0) return undefined
        const i = Math.floor(pick() * this.#otherLines.length)
        const code = this.#otherLines[i]
        this.#otherLines[i] = this.#otherLines[this.#otherLines.length - 1] as string
        this.#otherLines.pop()
        return code
      },
    })
  }

  /** Codes of the print run: this line's roll, or every line's in a plant run. */
  get printRunSize (): number { return this.rollSize * (this.#plant?.lines ?? 1) }

  /**
   * The codes files, as the engineer makes them at the panel: the other product's codes imported from a file and
   * handed over, then the job's codes handed over; the roll is printed from what the export files say.
   */
  async receive (ctl: ControllerProcess, dir: string): Promise<void> {
    const otherCount = Math.ceil(this.#quantity * this.#shares.otherGtin * 2) + 20
    const file = join(dir, 'other-product.txt')
    writeFileSync(file, new CodeFactory(this.#seed + 2000).raw(new ProfileRegistry().get('water'), OTHER_GTIN, otherCount).join('\n') + '\n')
    const imported = await ctl.codes({ what: 'import', path: file, gtin: OTHER_GTIN, group: 'water' })
    if (imported?.ok !== true) throw new Error(`the other product's codes file was refused: ${imported?.reason?.en ?? 'no answer'}`)
    this.#other.push(...(await this.#export(ctl, OTHER_GTIN, otherCount, 'PH-OTHER')).codes)
    const plant = this.#plant
    if (plant === undefined) {
      this.#codes.push(...(await this.#export(ctl, this.#gtin, this.rollSize, 'PH-JOB')).codes)
      return
    }
    let run: { path: string, codes: string[] }
    if (plant.index === 0) {
      run = await this.#export(ctl, this.#gtin, this.printRunSize, 'PH-RUN')
      plant.run.resolve(run)
    } else {
      // the same file on this line, as the codes already on the packs: handed over at once (docs/codes-files.md)
      run = await plant.run.promise
      const r = await ctl.codes({ what: 'import', path: run.path, gtin: this.#gtin, group: 'water', printed: true })
      if (r?.ok !== true) throw new Error(`the print run's file was refused on line ${plant.index + 1}: ${r?.reason?.en ?? 'no answer'}`)
      if (r.imported !== run.codes.length) throw new Error(`the print run's file: ${r.imported} codes imported, ${run.codes.length} in it`)
    }
    const from = plant.index * this.rollSize
    this.#codes.push(...run.codes.slice(from, from + this.rollSize))
    this.#otherLines.push(...run.codes.slice(0, from), ...run.codes.slice(from + this.rollSize))
  }

  async #export (ctl: ControllerProcess, gtin: string, count: number, exportId: string): Promise<{ path: string, codes: string[] }> {
    const r = await ctl.codes({ what: 'export', gtin, count, exportId })
    if (r?.ok !== true || r.path === undefined) throw new Error(`export ${exportId} refused: ${r?.reason?.en ?? 'no answer'}`)
    const codes = readFileSync(r.path, 'utf8').split('\n').filter(l => l !== '')
    if (codes.length !== count) throw new Error(`export ${exportId}: ${codes.length} codes in the file, ${count} asked for`)
    return { path: r.path, codes }
  }

  /** Follow every pack from the photocell (what the roll put on it) to the reject gate (its fate and reason). */
  watch (conveyor: Conveyor): void {
    conveyor.on('product', (p: Product) => { this.#packs.set(p.seq, { seq: p.seq, kind: this.roll.kinds[this.roll.kinds.length - 1] ?? 'blank', code: p.code }) })
    conveyor.on('shipped', (p: Product) => { const r = this.#packs.get(p.seq); if (r !== undefined) r.fate = 'shipped' })
    conveyor.on('rejected', (p: Product) => {
      const r = this.#packs.get(p.seq)
      if (r === undefined) return
      r.fate = 'rejected'
      if (p.reason !== undefined) r.reason = p.reason
      if (p.failSafe === true) r.failSafe = true
    })
    // the controller's reject came after the pack had gone: the gate had rejected it anyway (fail-safe)
    conveyor.on('late-reject', (seq: number, reason: string | undefined) => {
      const r = this.#packs.get(seq)
      if (r === undefined || r.fate !== 'rejected' || r.reason !== undefined || reason === undefined) return
      r.reason = reason
      r.lateReject = true
    })
  }

  /**
   * The pre-applied invariants. `byIdentity`: the store's row of a code; `rejectsByReason`: the controller's tally.
   * Every pack left the line; every accepted pack's code was verified on that pack and on no other; every reject
   * came with the reason its pack calls for (or NO_RESULT, which the roll cannot foresee); the controller counted
   * by reason what the gate received.
   */
  check (byIdentity: (code: string) => CodeRow | undefined, rejectsByReason: Record<string, number>, exported: { job: number, other: number }, plant?: { line: string, owner: RegisterOwner, uncheckedAllowed?: boolean }): { violations: string[], summary: PreappliedSummary } {
    const violations: string[] = []
    const injected: Record<PackKind, number> = { good: 0, duplicate: 0, foreign: 0, 'other-gtin': 0, unreadable: 0, blank: 0, 'other-line': 0 }
    const plantCount = { duplicatesOfOtherLines: 0, otherLineShipped: 0, unchecked: 0 }
    /** Claimed in the plant register by another line: this line had to reject the pack as a duplicate. */
    const otherLineFirst = (code: string | null): boolean => {
      if (plant === undefined || code === null) return false
      const o = plant.owner(code)
      return o !== undefined && o.line !== plant.line
    }
    const atGate: Record<string, number> = {}
    const first = new Map<string, PackRecord>()
    const shipped = new Map<string, number>()
    const bad: string[] = []
    let stillOn = 0
    let unexplained = 0
    let excused = 0
    const failSafe = { goodPushedOff: 0, rejectLate: 0 }
    const packs = [...this.#packs.values()].sort((a, b) => a.seq - b.seq)
    for (const p of packs) {
      injected[p.kind]++
      const earlier = p.code === null ? undefined : first.get(p.code)
      if (p.code !== null && earlier === undefined) first.set(p.code, p)
      if (p.fate === undefined) { stillOn++; continue }
      if (p.fate === 'rejected') {
        if (p.reason === undefined) {
          // pushed off by the gate's fail-safe after a good verdict: the controller learned it from the gate (PLC_REJECT)
          const row = p.code === null ? undefined : byIdentity(p.code)
          if (p.failSafe === true && row !== undefined && row.seq === p.seq && row.reason === 'PLC_REJECT') failSafe.goodPushedOff++
          else unexplained++
          continue
        }
        if (p.lateReject === true) failSafe.rejectLate++
        atGate[p.reason] = (atGate[p.reason] ?? 0) + 1
        const ofOtherLine = p.reason === 'DUPLICATE_CODE' && (p.kind === 'good' || p.kind === 'other-line') && otherLineFirst(p.code)
        // the register did not answer (a register-down fault): rejected unchecked, its code left free
        const unchecked = p.reason === 'UNCHECKED' && plant?.uncheckedAllowed === true
        if (ofOtherLine) plantCount.duplicatesOfOtherLines++
        else if (unchecked) plantCount.unchecked++
        else if (p.reason !== 'NO_RESULT' && p.reason !== EXPECTED[p.kind]) bad.push(`seq ${p.seq} (${p.kind}) rejected ${p.reason}`)
        // a code this pack claimed (the store gave it this pack's number) was written off with it
        const row = p.code === null ? undefined : byIdentity(p.code)
        if (row !== undefined && row.seq === p.seq && !['DEFECT', 'DROPPED'].includes(row.state)) violations.push(`the rejected pack seq ${p.seq} left its code ${row.state}`)
        continue
      }
      // shipped: a good pack, or a duplicate whose first pack was never read (its code was still handed over)
      const code = p.code as string
      if (p.kind === 'duplicate' && (earlier?.reason === 'NO_RESULT' || earlier?.reason === 'UNCHECKED') && !shipped.has(code)) excused++
      else if (p.kind === 'other-line' && plant !== undefined) plantCount.otherLineShipped++
      else if (p.kind !== 'good') bad.push(`seq ${p.seq} (${p.kind}) shipped`)
      if (p.code === null) continue
      if (plant !== undefined) {
        // the register must say that this line, and this pack, claimed the code
        const o = plant.owner(code)
        if (o === undefined || o.line !== plant.line || o.seq !== p.seq) violations.push(`the shipped pack seq ${p.seq} carries ${code.slice(0, 31)}, which the plant register has ${o === undefined ? 'never seen' : `claimed by ${o.line} for pack ${o.seq}`}`)
      }
      if (shipped.has(code)) violations.push(`code ${code.slice(0, 31)} went out on two packs (seq ${shipped.get(code)} and ${p.seq})`)
      shipped.set(code, p.seq)
      const row = byIdentity(code)
      if (row === undefined || row.seq !== p.seq || !['VERIFIED', 'AGGREGATED', 'REPORTED'].includes(row.state)) {
        violations.push(`the shipped pack seq ${p.seq} carries ${code.slice(0, 31)}, which the store has ${row === undefined ? 'never seen' : `${row.state} on seq ${row.seq}`}`)
      }
    }
    if (stillOn > 0) violations.push(`${stillOn} packs never reached the reject gate`)
    if (unexplained > 0) violations.push(`${unexplained} packs rejected at the gate without a reason from the controller`)
    if (bad.length > 0) violations.push(`${bad.length} packs got a verdict their print does not call for: ${bad.slice(0, 5).join(', ')}`)
    const reasons = new Set([...Object.keys(atGate), ...Object.keys(rejectsByReason)])
    for (const r of reasons) if ((atGate[r] ?? 0) !== (rejectsByReason[r] ?? 0)) violations.push(`${r}: the controller counted ${rejectsByReason[r] ?? 0} rejects, the gate received ${atGate[r] ?? 0}`)
    // faults the scenario asked for really went onto packs
    const asked: Array<[keyof RollShares, PackKind]> = [['duplicate', 'duplicate'], ['foreign', 'foreign'], ['otherGtin', 'other-gtin'], ['unreadable', 'unreadable'], ['blank', 'blank']]
    for (const [share, kind] of asked) if (this.#shares[share] > 0 && injected[kind] === 0) violations.push(`the roll was to carry ${kind} packs and carried none`)
    if ((this.#plant?.shared ?? 0) > 0 && injected['other-line'] === 0) violations.push('the roll was to carry codes of another line\'s roll and carried none')
    return {
      violations,
      summary: { packs: packs.length, injected, rejectsAtGate: atGate, noResult: atGate.NO_RESULT ?? 0, failSafe, duplicatesShippedAfterNoResult: excused, handedOver: exported, ...(plant === undefined ? {} : { plant: plantCount }) },
    }
  }

  /** Codes exported: the job's and the other product's (0 before `receive`). */
  get handedOver (): { job: number, other: number } { return { job: this.#codes.length, other: this.#other.length } }
}
