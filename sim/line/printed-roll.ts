// Packs printed beforehand at a printing house (the pre-applied mode, docs/modes.md): each product enters the line
// already carrying the next code of the roll the printing house printed from the codes file. The conveyor asks it
// at the photocell as it asks a head, and nothing is printed. Faults a real roll has: a blank pack, a code printed
// twice (the printing house repeated a record), a pack from another roll (a code this line never handed over).

import type { ConveyorHead } from './conveyor.ts'

export interface RollFaults {
  /** After these many packs of the roll, one blank pack (no code). */
  blankEvery?: number
  /** After these many packs, the previous code again (printed twice). */
  repeatEvery?: number
  /** After these many packs, a pack carrying `foreign()` instead. */
  foreignEvery?: number
  foreign?: () => string
}

export class PrintedRoll implements ConveyorHead {
  readonly #codes: readonly string[]
  readonly #faults: RollFaults
  #next = 0
  #packs = 0
  /** What went onto packs, in order: the codes (null for a blank), for the test's account. */
  readonly packs: Array<string | null> = []

  constructor (codes: readonly string[], faults: RollFaults = {}) {
    this.#codes = codes
    this.#faults = faults
  }

  trigger (): string | undefined {
    this.#packs++
    const f = this.#faults
    const every = (n: number | undefined): boolean => n !== undefined && n > 0 && this.#packs % n === 0
    let code: string | undefined
    if (every(f.blankEvery)) code = undefined
    else if (every(f.repeatEvery) && this.#next > 0) code = this.#codes[this.#next - 1]
    else if (every(f.foreignEvery) && f.foreign !== undefined) code = f.foreign()
    else code = this.#codes[this.#next++]
    this.packs.push(code ?? null)
    return code
  }

  /** Codes of the roll not yet on a pack. */
  get left (): number { return this.#codes.length - this.#next }
}
