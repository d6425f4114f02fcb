// Fault injection for the OMS emulator: what the next matching requests suffer, or a standing outage.

export type FaultKind = 'http500' | 'http503' | 'http429' | 'slow' | 'hang' | 'drop' | 'garbage' | 'truncate'
  /** Codes answers only: one code broken against its profile / one code of an earlier block / codes of another GTIN. */
  | 'corrupt-code' | 'duplicate-code' | 'wrong-gtin'

export interface Fault {
  kind: FaultKind
  /** Only requests whose path starts with this (e.g. "/api/v3/codes"); every request when absent. */
  path?: string
  /** How many requests it hits (default 1). */
  times?: number
  /** For `slow`: wall-clock delay before the answer. */
  delayMs?: number
  /**
   * Whether the OMS acted on the request before the fault hit its answer. Defaults: 5xx / 429 / hang-before
   * reject untouched requests; drop, garbage, truncate and slow hit the answer of a request already acted on —
   * the case that loses a block unless the client recovers it.
   */
  processed?: boolean
}

export type OutageMode = 'drop' | 'http503' | 'hang'

export class FaultPlan {
  readonly #queue: Array<Fault & { left: number }> = []
  outage: OutageMode | null = null
  /** Faults served so far, per kind: tests assert the fault really happened. */
  readonly served: Record<string, number> = {}

  inject (fault: Fault): void {
    this.#queue.push({ ...fault, left: fault.times ?? 1 })
  }

  clear (): void { this.#queue.length = 0; this.outage = null }

  /** The fault for this request, if any; consumes one use of it. */
  take (path: string): Fault | null {
    if (this.outage !== null) { this.served[`outage-${this.outage}`] = (this.served[`outage-${this.outage}`] ?? 0) + 1; return { kind: this.outage === 'http503' ? 'http503' : this.outage, processed: false } }
    const i = this.#queue.findIndex(f => f.path === undefined || path.startsWith(f.path))
    if (i < 0) return null
    const f = this.#queue[i] as Fault & { left: number }
    if (--f.left <= 0) this.#queue.splice(i, 1)
    this.served[f.kind] = (this.served[f.kind] ?? 0) + 1
    return f
  }

  get pending (): number { return this.#queue.length }
}

export function processedByDefault (f: Fault): boolean {
  if (f.processed !== undefined) return f.processed
  return f.kind !== 'http500' && f.kind !== 'http503' && f.kind !== 'http429' && f.kind !== 'hang'
}
