// Box and pallet label checks (docs/verifiers.md "Box and pallet cameras"): a camera or fixed reader after the label
// printer reads each closed container's label; the read must carry the SSCC the controller printed and, where the
// label or the camera says how much is inside, the count the store holds. A mismatch marks the container in the
// store (persisted first) and raises a fault alarm naming the SSCC and the reason, for the operator to take the
// box off and act (reprint under the same SSCC, which asks for a new read, or scrap).

import type { AlarmBook } from '../alarms/alarms.ts'
import type { Bilingual } from '../domain/catalogue.ts'
import { GS } from '../domain/gs1.ts'
import type { Logger } from '../log.ts'
import type { VerificationResult } from '../../verifiers/types.ts'
import type { Aggregator, ClosedContainer } from './aggregator.ts'

export type LabelCheckReason = 'NO_READ' | 'NOT_A_LABEL' | 'SSCC_MISMATCH' | 'COUNT_MISMATCH' | 'CONTENTS_MISMATCH' | 'GTIN_MISMATCH'

/** What the operator reads for each reason (the alarm's `{reason}`). */
export const LABEL_CHECK_REASONS: Readonly<Record<LabelCheckReason, Bilingual>> = {
  NO_READ: { ru: 'этикетка не прочитана', en: 'label not read' },
  NOT_A_LABEL: { ru: 'прочитан не SSCC (не этикетка короба/паллеты)', en: 'what was read is no SSCC (not a box/pallet label)' },
  SSCC_MISMATCH: { ru: 'на этикетке другой SSCC', en: 'the label carries another SSCC' },
  COUNT_MISMATCH: { ru: 'количество на этикетке не совпадает с содержимым', en: 'the count on the label differs from the contents' },
  CONTENTS_MISMATCH: { ru: 'камера насчитала другое количество', en: 'the camera counted a different quantity' },
  GTIN_MISMATCH: { ru: 'GTIN на этикетке не от задания', en: "the label's GTIN is not the job's" },
}

export interface ContainerLabel { sscc: string, gtin?: string, count?: number }

/**
 * The GS1 element strings of a box/pallet label as a reader sends them: `00`+18 digits (GS1-128, the SSCC), or the
 * label's DataMatrix `00<sscc>02<gtin>37<count>` (printers/zpl-label/zpl.ts); with or without a symbology
 * identifier (`]C1`, `]d2`), a leading FNC1 as GS, GS after a variable-length field, or in brackets (HRI).
 * Null when it is not such a label.
 */
export function parseContainerLabel (text: string): ContainerLabel | null {
  let s = text.trim().replace(/^\][A-Za-z][0-9A-Za-z]/, '')
  if (s.startsWith(GS)) s = s.slice(1)
  // HRI: (00)123…(02)…(37)12
  if (s.startsWith('(')) s = s.replace(/\((\d{2,4})\)/g, (_m, ai: string) => `${GS}${ai}`).slice(1).replace(/\s+/g, '')
  const out: Partial<ContainerLabel> = {}
  let p = 0
  while (p < s.length) {
    if (s[p] === GS) { p++; continue }
    const ai = s.slice(p, p + 2)
    if (ai === '00') {
      const v = s.slice(p + 2, p + 20)
      if (!/^\d{18}$/.test(v)) return null
      out.sscc = v; p += 20
    } else if (ai === '02') {
      const v = s.slice(p + 2, p + 16)
      if (!/^\d{14}$/.test(v)) return null
      out.gtin = v; p += 16
    } else if (ai === '37') {
      const end = s.indexOf(GS, p + 2)
      const v = s.slice(p + 2, end === -1 ? s.length : end)
      if (!/^\d{1,8}$/.test(v)) return null
      out.count = Number(v); p += 2 + v.length
    } else {
      return null // an element a container label does not carry
    }
  }
  return out.sscc === undefined ? null : out as ContainerLabel
}

export interface LabelCheckOptions {
  aggregator: Pick<Aggregator, 'on' | 'labelFacts' | 'setLabelCheck' | 'pendingLabelChecks'>
  /** Which levels have a camera reading their labels. */
  levels: ReadonlySet<'box' | 'pallet'>
  /** Whether labels are printed at all (a label printer with SSCC layout): without one there is nothing to read. */
  labelsPrinted: boolean
  gtinOf: (jobId: number) => string | null
  alarms: Pick<AlarmBook, 'raise' | 'clear'>
  log: Logger
}

export interface LabelCheckOutcome { sscc: string | null, level: 'box' | 'pallet', ok: boolean, reason?: LabelCheckReason, read: string | null }

/** How long a read waits for the close of a container whose label is printed (the close is one commit away). */
const CLOSE_WAIT_MS = 5000

const LEVEL_TEXT = { box: { ru: 'короба', en: 'Box' }, pallet: { ru: 'паллеты', en: 'Pallet' } } as const

export class LabelCheck {
  readonly #o: LabelCheckOptions
  /** One check at a time: results of one camera are decided in arrival order, each against the next container. */
  #chain: Promise<unknown> = Promise.resolve()
  /**
   * Labels printed whose container's close is not committed yet (a line box is labelled, then closed): a read that
   * comes that early waits for the close instead of finding nothing to check.
   */
  readonly #printed = new Map<string, { level: 'box' | 'pallet', promise: Promise<void>, resolve: () => void }>()
  readonly #expecting = new Set<Promise<void>>()

  constructor (options: LabelCheckOptions) {
    this.#o = options
    if (!options.labelsPrinted) return
    options.aggregator.on('closed', c => { this.#expect(c) })
    options.aggregator.on('labelled', l => {
      // a station box's label is scanned by the operator to close it: checked there
      if (l.origin === 'station' || !this.#o.levels.has(l.level)) return
      const f = this.#o.aggregator.labelFacts(l.sscc)
      if (f === null) {
        let resolve = (): void => {}
        const promise = new Promise<void>(r => { resolve = r })
        this.#printed.set(l.sscc, { level: l.level, promise, resolve })
      } else if (f.check === 'failed' || f.check === null) {
        // a reprint (same SSCC) of a container whose check failed, or whose first label never printed: read it now
        this.#queue(() => this.#o.aggregator.setLabelCheck(l.sscc, 'pending'))
      }
    })
  }

  #expect (c: ClosedContainer): void {
    // only a container whose label came out is awaited at the reader: one whose print failed (LABEL_FAILED) is not,
    // or every later read would be compared with the container before its own; its reprint makes it expected
    if (c.origin === 'station' || !this.#o.levels.has(c.level) || !this.#printed.has(c.sscc)) return
    // persisted at once, not behind the queue: a read already waiting in the queue waits for exactly this
    const waiting = this.#printed.get(c.sscc)
    const p = this.#o.aggregator.setLabelCheck(c.sscc, 'pending').then(() => {
      this.#printed.delete(c.sscc)
      waiting?.resolve()
    }, err => { this.#o.log.error({ err, sscc: c.sscc }, 'label check expectation not persisted') })
    this.#expecting.add(p)
    void p.finally(() => this.#expecting.delete(p))
  }

  /** The container a read of `level` is for: the oldest waiting one, or one whose close is being committed. */
  async #next (level: 'box' | 'pallet'): Promise<string | null> {
    const first = this.#o.aggregator.pendingLabelChecks(level)[0]
    if (first !== undefined) return first
    const closing = [...this.#printed.values()].find(p => p.level === level)
    if (closing === undefined) return null
    await Promise.race([closing.promise, new Promise(resolve => setTimeout(resolve, CLOSE_WAIT_MS).unref())])
    return this.#o.aggregator.pendingLabelChecks(level)[0] ?? null
  }

  #queue<T> (fn: () => Promise<T>): Promise<T> {
    const p = this.#chain.then(fn, fn)
    this.#chain = p.catch(err => { this.#o.log.error({ err }, 'label check failed to persist') })
    return p
  }

  /** A result of a box or pallet camera. Containers pass the reader in closing order: the result is the oldest pending one's. */
  onResult (r: VerificationResult, level: 'box' | 'pallet'): Promise<LabelCheckOutcome> {
    return this.#queue(async () => {
      const sscc = await this.#next(level)
      const label = r.code === null ? null : parseContainerLabel(r.code)
      if (sscc === null) {
        // nothing expected: a second read of a label already checked, or a container not closed by this controller
        this.#o.log.warn({ camera: r.camera, code: r.code, level }, 'label read with no container waiting for its check: ignored')
        return { sscc: null, level, ok: false, read: r.code }
      }
      const facts = this.#o.aggregator.labelFacts(sscc)
      const reason = this.#judge(r, label, sscc, facts)
      if (reason === undefined) {
        await this.#o.aggregator.setLabelCheck(sscc, 'ok')
        this.#o.alarms.clear('LABEL_CHECK_FAILED', `label:${sscc}`)
        this.#o.log.info({ sscc, level, camera: r.camera }, 'label checked')
        return { sscc, level, ok: true, read: r.code }
      }
      await this.#o.aggregator.setLabelCheck(sscc, 'failed', reason)
      const detail = { camera: r.camera, read: r.code, expected: { sscc, count: facts?.count ?? null }, label }
      this.#o.log.warn({ sscc, level, reason, ...detail }, 'label check failed')
      this.#o.alarms.raise({ code: 'LABEL_CHECK_FAILED', source: `label:${sscc}`, params: { level: LEVEL_TEXT[level], sscc, reason: LABEL_CHECK_REASONS[reason] }, detail })
      return { sscc, level, ok: false, reason, read: r.code }
    })
  }

  #judge (r: VerificationResult, label: ContainerLabel | null, sscc: string, facts: ReturnType<Aggregator['labelFacts']>): LabelCheckReason | undefined {
    if (r.code === null) return 'NO_READ'
    if (label === null) return 'NOT_A_LABEL'
    if (label.sscc !== sscc) return 'SSCC_MISMATCH'
    if (facts !== null && label.count !== undefined && label.count !== facts.count) return 'COUNT_MISMATCH'
    // a vision system or check weigher in front of the reader may say how many units it saw
    const seen = r.params?.count
    if (facts !== null && typeof seen === 'number' && seen !== facts.count) return 'CONTENTS_MISMATCH'
    const gtin = facts === null ? null : this.#o.gtinOf(facts.jobId)
    if (label.gtin !== undefined && gtin !== null && label.gtin !== gtin) return 'GTIN_MISMATCH'
    return undefined
  }

  /** Resolves when every check queued so far is decided and persisted. */
  async settled (): Promise<void> {
    await Promise.all([...this.#expecting])
    await this.#chain
  }
}
