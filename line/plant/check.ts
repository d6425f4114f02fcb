// The plant-wide duplicate check as the tracker sees it (docs/modes.md): each pre-applied code read on a pack is
// claimed in the plant register; the answer is `ok`, `duplicate` (another line had it first) or `unchecked` (the
// register did not answer and the line holds: `plant.whenUnreachable: hold`). With `local`, an unanswered claim is
// accepted on the line's own check, kept in the store, and claimed again once the register answers; a code another
// line had first is then an alarm naming it, for the operator to find the pack.
import type { AlarmBook } from '../alarms/alarms.ts'
import type { Clock } from '../clock.ts'
import type { Logger } from '../log.ts'
import type { PendingClaims } from './pending.ts'
import type { Claim, ClaimAnswer } from './registry.ts'

export type PlantVerdict = 'ok' | 'duplicate' | 'unchecked'
export type WhenUnreachable = 'hold' | 'local'

export interface PlantCheckOptions {
  registry: { claim(c: Claim): Promise<ClaimAnswer>, ping(): Promise<void> }
  pending: PendingClaims
  whenUnreachable: WhenUnreachable
  alarms: AlarmBook
  clock: Clock
  log: Logger
  /** Called when the register is lost under `hold` (the runtime holds the line) and when it answers again. */
  onLost?: (lost: boolean) => void
  /** Pending claims sent per retry. */
  batch?: number
}

export class PlantCheck {
  readonly #o: PlantCheckOptions
  #lost = false
  #retrying: Promise<void> | null = null
  readonly stats = { claims: 0, duplicates: 0, unchecked: 0, acceptedLocally: 0, reconciled: 0, foundLate: 0 }

  constructor (options: PlantCheckOptions) {
    this.#o = options
    // the register was unreachable when the controller stopped: so it stays until it answers
    this.#lost = options.alarms.isActive('PLANT_UNREACHABLE', 'plant')
  }

  get reachable (): boolean { return !this.#lost }
  get pendingCount (): number { return this.#o.pending.size }

  async claim (c: Claim): Promise<PlantVerdict> {
    this.stats.claims++
    let answer: ClaimAnswer
    try {
      answer = await this.#o.registry.claim(c)
    } catch (err) {
      this.#unreachable(err)
      if (this.#o.whenUnreachable === 'hold') { this.stats.unchecked++; return 'unchecked' }
      // checked on the line's own store only (the tracker did that before asking): kept for the register
      this.#o.pending.add(c, this.#o.clock.now())
      this.stats.acceptedLocally++
      return 'ok'
    }
    this.#reachable()
    if (answer.first) return 'ok'
    this.stats.duplicates++
    this.#o.log.warn({ identity: c.identity, seq: c.seq, site: answer.site, line: answer.line }, 'pre-applied code seen on another line first: duplicate')
    return 'duplicate'
  }

  /** Claim the codes accepted while the register was unreachable; run on a timer. */
  retry (): Promise<void> {
    this.#retrying ??= this.#retry().finally(() => { this.#retrying = null })
    return this.#retrying
  }

  async #retry (): Promise<void> {
    for (;;) {
      const list = this.#o.pending.oldest(this.#o.batch ?? 500)
      if (list.length === 0) {
        if (this.#lost && this.#o.whenUnreachable === 'hold') await this.probe()
        return
      }
      let answers: ClaimAnswer[]
      try {
        answers = await Promise.all(list.map(c => this.#o.registry.claim(c)))
      } catch (err) {
        this.#unreachable(err)
        return
      }
      this.#reachable()
      list.forEach((c, i) => {
        const a = answers[i] as ClaimAnswer
        if (!a.first) {
          this.stats.foundLate++
          this.#o.alarms.raise({ code: 'PLANT_DUPLICATE_FOUND', source: 'plant', params: { code: c.identity, other: `${a.site}/${a.line}` }, detail: { identity: c.identity, seq: c.seq, jobId: c.jobId, otherSite: a.site, otherLine: a.line, otherAt: a.at } })
        }
        this.#o.pending.drop(c.identity)
        this.stats.reconciled++
      })
    }
  }

  /** Whether the register answers now (at start-up, and under `hold`, where nothing is pending to claim). */
  async probe (): Promise<void> {
    try { await this.#o.registry.ping(); this.#reachable() } catch (err) { this.#unreachable(err) }
  }

  #unreachable (err: unknown): void {
    if (this.#lost) return
    this.#lost = true
    this.#o.log.error({ err }, 'plant register unreachable')
    const policy = this.#o.whenUnreachable === 'hold' ? { ru: 'линия на удержании', en: 'the line holds' } : { ru: 'проверка по базе линии', en: "checked on the line's own store" }
    this.#o.alarms.raise({ code: 'PLANT_UNREACHABLE', source: 'plant', params: { policy }, detail: { error: String(err), whenUnreachable: this.#o.whenUnreachable } })
    this.#o.onLost?.(true)
  }

  #reachable (): void {
    if (!this.#lost) return
    this.#lost = false
    this.#o.log.info('plant register reachable again')
    this.#o.alarms.clear('PLANT_UNREACHABLE', 'plant')
    this.#o.onLost?.(false)
  }
}
