// Packs printed beforehand at a printing house (the pre-applied mode, docs/modes.md): each product enters the line
// already carrying the next code of the roll the printing house printed from the codes file. The conveyor asks it
// at the photocell as it asks a head, and nothing is printed. Faults a real roll has: a blank pack, a code printed
// twice (the printing house repeated a record), a pack from another roll (a code this line never handed over), a
// pack of another product (a code handed over for another GTIN), a smudged print no camera can read, and — where one
// print run is split over the rolls of several lines — a code printed on another line's roll as well.

import { prng } from '../codes/factory.ts'
import type { ConveyorHead } from './conveyor.ts'

/** What went onto one pack, for the account of a test or a scenario. */
export type PackKind = 'good' | 'blank' | 'duplicate' | 'foreign' | 'other-gtin' | 'unreadable' | 'other-line'

export interface RollFaults {
  /** After these many packs of the roll, one blank pack (no code). */
  blankEvery?: number
  /** After these many packs, the previous code again (printed twice). */
  repeatEvery?: number
  /** After these many packs, a pack carrying `foreign()` instead. */
  foreignEvery?: number
  foreign?: () => string
  /**
   * Shares of the packs (0–1 each, drawn pack by pack from `seed`): `duplicate` repeats a code already on an
   * earlier legible pack (any of them), `foreign` carries `foreign()`, `otherGtin` the next of `otherGtin()` (a code
   * handed over for another product), `unreadable` the roll's next code smudged beyond reading, `blank` nothing.
   */
  shares?: { duplicate?: number, foreign?: number, otherGtin?: number, unreadable?: number, blank?: number, otherLine?: number }
  seed?: number
  /** The next code of another product's roll; undefined when there is none left (the pack is then a good one). */
  otherGtin?: () => string | undefined
  /** A code of another line's roll of the same print run (share `otherLine`); undefined: the pack is a good one. */
  otherLine?: () => string | undefined
}

export class PrintedRoll implements ConveyorHead {
  readonly #codes: readonly string[]
  readonly #faults: RollFaults
  readonly #rand: () => number
  #next = 0
  #packs = 0
  /** Codes printed legibly so far: what a duplicate repeats. */
  readonly #legible: string[] = []
  readonly #smudged = new Set<string>()
  /** What went onto packs, in order: the codes (null for a blank), for the test's account. */
  readonly packs: Array<string | null> = []
  /** What each of those packs is, in the same order. */
  readonly kinds: PackKind[] = []

  constructor (codes: readonly string[], faults: RollFaults = {}) {
    this.#codes = codes
    this.#faults = faults
    this.#rand = prng(faults.seed ?? 1)
  }

  trigger (): string | undefined {
    this.#packs++
    const [code, kind] = this.#pack()
    if (kind === 'unreadable' && code !== undefined) this.#smudged.add(code)
    if (kind === 'good' && code !== undefined) this.#legible.push(code)
    this.packs.push(code ?? null)
    this.kinds.push(kind)
    return code
  }

  #pack (): [string | undefined, PackKind] {
    const f = this.#faults
    const every = (n: number | undefined): boolean => n !== undefined && n > 0 && this.#packs % n === 0
    if (every(f.blankEvery)) return [undefined, 'blank']
    if (every(f.repeatEvery) && this.#legible.length > 0) return [this.#legible[this.#legible.length - 1], 'duplicate']
    if (every(f.foreignEvery) && f.foreign !== undefined) return [f.foreign(), 'foreign']
    const s = f.shares
    if (s !== undefined) {
      let r = this.#rand()
      const draw = (share: number | undefined): boolean => { const hit = r < (share ?? 0); r -= share ?? 0; return hit }
      if (draw(s.duplicate) && this.#legible.length > 0) return [this.#legible[Math.floor(this.#rand() * this.#legible.length)], 'duplicate']
      if (draw(s.foreign) && f.foreign !== undefined) return [f.foreign(), 'foreign']
      if (draw(s.otherGtin)) { const other = f.otherGtin?.(); if (other !== undefined) return [other, 'other-gtin'] }
      if (draw(s.otherLine)) { const other = f.otherLine?.(); if (other !== undefined) return [other, 'other-line'] }
      if (draw(s.blank)) return [undefined, 'blank']
      if (draw(s.unreadable) && this.#next < this.#codes.length) return [this.#codes[this.#next++], 'unreadable']
    }
    const code = this.#codes[this.#next]
    if (code === undefined) return [undefined, 'blank'] // the roll ran out: the packs come unprinted
    this.#next++
    return [code, 'good']
  }

  /** Whether a camera can read `code` on its pack (a smudged print cannot be read). */
  legible (code: string): boolean { return !this.#smudged.has(code) }

  /** Codes of the roll not yet on a pack. */
  get left (): number { return this.#codes.length - this.#next }
}
