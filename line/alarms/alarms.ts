// The alarm book: what the operator must see and acknowledge. One active alarm per (code, source); every raise,
// clear and acknowledge is persisted, logged and announced. Severity, text and action come from the catalogue
// (line/domain/catalogue.ts); technical detail (an API answer, an exception) is kept apart in `detail`.

import type { Clock } from '../clock.ts'
import type { AlarmView, Bilingual } from '../control.ts'
import { CATALOGUE, textOf, type AlarmCode, type AlarmRef } from '../domain/catalogue.ts'
import { TypedEmitter } from '../events.ts'
import type { Logger } from '../log.ts'
import { migrate, type Db } from '../store/open.ts'

const MIGRATIONS = [`
  CREATE TABLE alarms (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    severity TEXT NOT NULL,
    source TEXT NOT NULL,
    message_ru TEXT NOT NULL,
    message_en TEXT NOT NULL,
    detail TEXT,
    raised_at INTEGER NOT NULL,
    cleared_at INTEGER,
    acked_at INTEGER,
    acked_by TEXT
  );
`, `
  ALTER TABLE alarms ADD COLUMN action_ru TEXT;
  ALTER TABLE alarms ADD COLUMN action_en TEXT;
`]

/** A catalogue code with its parameters, where it comes from, and technical detail kept apart from the text. */
export type RaiseInput = AlarmRef & {
  source: string
  detail?: Record<string, unknown>
}

export interface AlarmEvents {
  /** An alarm raised, cleared or acknowledged (its view after the change). */
  alarm: [AlarmView]
}

export class AlarmBook extends TypedEmitter<AlarmEvents> {
  readonly #db: Db
  readonly #clock: Clock
  readonly #log: Logger
  readonly #alarms = new Map<number, AlarmView>()
  readonly #active = new Map<string, number>()
  readonly #keep: number

  constructor (db: Db, options: { clock: Clock, log: Logger, keep?: number }) {
    super()
    this.#db = db
    this.#clock = options.clock
    this.#log = options.log
    this.#keep = options.keep ?? 200
    migrate(db, 'alarms', MIGRATIONS)
    // Alarms still active or unacknowledged from before a restart stay on the operator's list.
    const rows = db.prepare('SELECT * FROM alarms WHERE cleared_at IS NULL OR acked_at IS NULL ORDER BY id DESC LIMIT ?').all(this.#keep) as Array<Record<string, unknown>>
    for (const r of rows.reverse()) {
      const a: AlarmView = {
        id: r.id as number, code: r.code as string, severity: r.severity as AlarmView['severity'], source: r.source as string,
        message: { ru: r.message_ru as string, en: r.message_en as string },
        action: { ru: (r.action_ru as string | null) ?? '', en: (r.action_en as string | null) ?? '' },
        detail: parseDetail(r.detail), raisedAt: r.raised_at as number,
        active: r.cleared_at === null, acknowledged: r.acked_at !== null, acknowledgedBy: (r.acked_by as string | null) ?? null,
      }
      this.#alarms.set(a.id, a)
      if (a.active) {
        this.#active.set(`${a.code}|${a.source}`, a.id)
        if (a.source !== 'many') this.#sourcesPerCode.set(a.code, (this.#sourcesPerCode.get(a.code) ?? 0) + 1)
      }
    }
  }

  /** Active alarms per code: past this many sources, further ones share one alarm (a flood cannot fill the panel). */
  static readonly MAX_SOURCES_PER_CODE = 50
  readonly #sourcesPerCode = new Map<string, number>()

  /** Raise an alarm, or return the id of the same one still active. */
  raise (input: RaiseInput): number {
    let key = `${input.code}|${input.source}`
    const existing = this.#active.get(key)
    if (existing !== undefined) return existing
    if ((this.#sourcesPerCode.get(input.code) ?? 0) >= AlarmBook.MAX_SOURCES_PER_CODE) {
      // the same alarm for many more sources: one shared entry stands for all of them
      input = { ...input, source: 'many' }
      key = `${input.code}|many`
      const shared = this.#active.get(key)
      if (shared !== undefined) return shared
    } else {
      this.#sourcesPerCode.set(input.code, (this.#sourcesPerCode.get(input.code) ?? 0) + 1)
    }
    const now = this.#clock.now()
    const entry = CATALOGUE[input.code]
    // the type already refuses an unknown code; this is for a caller that got around it (a cast, plain JS)
    if (entry === undefined) throw new RangeError(`alarm code ${String(input.code)} is not in line/domain/catalogue.ts`)
    const message = textOf(input)
    // stored and shown as JSON: an Error or a bigint in it is made readable, an endless API answer is cut
    const stored = input.detail === undefined ? null : safeJson(input.detail)
    const detail = parseDetail(stored)
    const id = this.#stored(() => Number(this.#db.prepare('INSERT INTO alarms (code, severity, source, message_ru, message_en, action_ru, action_en, detail, raised_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(input.code, entry.severity, input.source, message.ru, message.en, entry.action.ru, entry.action.en, stored, now).lastInsertRowid), input.code) ?? this.#unstoredId--
    const a: AlarmView = {
      id, code: input.code, severity: entry.severity, source: input.source, message, action: { ru: entry.action.ru, en: entry.action.en },
      detail, raisedAt: now, active: true, acknowledged: false, acknowledgedBy: null,
    }
    this.#alarms.set(id, a)
    this.#active.set(key, id)
    this.#trim()
    this.#log[entry.severity === 'fault' ? 'error' : entry.severity === 'warning' ? 'warn' : 'info']({ alarm: a }, message.en)
    this.emit('alarm', a)
    return id
  }

  /** The condition went away: the alarm stays listed until acknowledged. */
  clear (code: AlarmCode, source: string): void {
    const key = `${code}|${source}`
    const id = this.#active.get(key)
    if (id === undefined) return
    this.#active.delete(key)
    if (source !== 'many') this.#sourcesPerCode.set(code, Math.max(0, (this.#sourcesPerCode.get(code) ?? 1) - 1))
    const a = this.#alarms.get(id)
    if (a !== undefined) a.active = false
    if (id > 0) this.#stored(() => this.#db.prepare('UPDATE alarms SET cleared_at = ? WHERE id = ?').run(this.#clock.now(), id), code)
    this.#trim()
    if (a !== undefined) this.emit('alarm', a)
  }

  ack (id: number, actor: string): boolean {
    const a = this.#alarms.get(id)
    if (a === undefined || a.acknowledged) return false
    a.acknowledged = true
    a.acknowledgedBy = actor
    if (id > 0) this.#stored(() => this.#db.prepare('UPDATE alarms SET acked_at = ?, acked_by = ? WHERE id = ?').run(this.#clock.now(), actor, id), a.code)
    this.#log.info({ alarm: id, actor }, 'alarm acknowledged')
    this.#trim()
    this.emit('alarm', a)
    return true
  }

  isActive (code: AlarmCode, source: string): boolean { return this.#active.has(`${code}|${source}`) }

  /** Newest first: active or unacknowledged alarms, then the recent history up to the cap. */
  list (): AlarmView[] {
    return [...this.#alarms.values()].sort((a, b) => b.id - a.id)
  }

  /** Alarms not stored (the store refuses writes): shown and logged all the same, with ids below zero. */
  #unstoredId = -1

  /**
   * An alarm must reach the operator even when the store cannot take it — a store fault is itself an alarm: the
   * write is tried, a refusal is logged, and the alarm lives in memory.
   */
  #stored<T> (write: () => T, code: string): T | undefined {
    try {
      return write()
    } catch (err) {
      this.#log.error({ err, code }, 'alarm not stored: the store refuses writes')
      return undefined
    }
  }

  #trim (): void {
    if (this.#alarms.size <= this.#keep) return
    for (const [id, a] of this.#alarms) {
      if (!a.active && a.acknowledged) this.#alarms.delete(id)
      if (this.#alarms.size <= this.#keep) break
    }
  }
}

/** Detail kept per alarm, at most: enough for an API's error answer, not for a whole streamed body. */
const MAX_DETAIL_CHARS = 8_000

/** Detail is for the engineer: whatever it holds (an Error, a bigint, a cycle) it must not stop the alarm. */
function safeJson (detail: Record<string, unknown>): string {
  let json: string
  try {
    json = JSON.stringify(detail, (_k, v: unknown) => v instanceof Error ? { name: v.name, message: v.message, ...(v as unknown as Record<string, unknown>) } : typeof v === 'bigint' ? String(v) : v)
  } catch {
    json = JSON.stringify({ unserialisable: String(detail) })
  }
  return json.length <= MAX_DETAIL_CHARS ? json : JSON.stringify({ truncated: true, excerpt: json.slice(0, MAX_DETAIL_CHARS) })
}

function parseDetail (raw: unknown): Record<string, unknown> | null {
  if (typeof raw !== 'string') return null
  try {
    const v = JSON.parse(raw) as unknown
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : { value: v }
  } catch {
    return { value: raw }
  }
}
