// The alarm book: what the operator must see and acknowledge. One active alarm per (code, source); every raise,
// clear and acknowledge is persisted, logged and announced.

import type { Clock } from '../clock.ts'
import type { AlarmView, Bilingual } from '../control.ts'
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
`]

export interface RaiseInput {
  code: string
  severity: AlarmView['severity']
  source: string
  message: Bilingual
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
        message: { ru: r.message_ru as string, en: r.message_en as string }, raisedAt: r.raised_at as number,
        active: r.cleared_at === null, acknowledged: r.acked_at !== null, acknowledgedBy: (r.acked_by as string | null) ?? null,
      }
      this.#alarms.set(a.id, a)
      if (a.active) this.#active.set(`${a.code}|${a.source}`, a.id)
    }
  }

  /** Raise an alarm, or return the id of the same one still active. */
  raise (input: RaiseInput): number {
    const key = `${input.code}|${input.source}`
    const existing = this.#active.get(key)
    if (existing !== undefined) return existing
    const now = this.#clock.now()
    const id = Number(this.#db.prepare('INSERT INTO alarms (code, severity, source, message_ru, message_en, detail, raised_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(input.code, input.severity, input.source, input.message.ru, input.message.en, input.detail === undefined ? null : JSON.stringify(input.detail), now).lastInsertRowid)
    const a: AlarmView = { id, code: input.code, severity: input.severity, source: input.source, message: input.message, raisedAt: now, active: true, acknowledged: false, acknowledgedBy: null }
    this.#alarms.set(id, a)
    this.#active.set(key, id)
    this.#trim()
    this.#log[input.severity === 'fault' ? 'error' : input.severity === 'warning' ? 'warn' : 'info']({ alarm: a, detail: input.detail }, input.message.en)
    this.emit('alarm', a)
    return id
  }

  /** The condition went away: the alarm stays listed until acknowledged. */
  clear (code: string, source: string): void {
    const key = `${code}|${source}`
    const id = this.#active.get(key)
    if (id === undefined) return
    this.#active.delete(key)
    const a = this.#alarms.get(id)
    if (a !== undefined) a.active = false
    this.#db.prepare('UPDATE alarms SET cleared_at = ? WHERE id = ?').run(this.#clock.now(), id)
    this.#trim()
    if (a !== undefined) this.emit('alarm', a)
  }

  ack (id: number, actor: string): boolean {
    const a = this.#alarms.get(id)
    if (a === undefined || a.acknowledged) return false
    a.acknowledged = true
    a.acknowledgedBy = actor
    this.#db.prepare('UPDATE alarms SET acked_at = ?, acked_by = ? WHERE id = ?').run(this.#clock.now(), actor, id)
    this.#log.info({ alarm: id, actor }, 'alarm acknowledged')
    this.#trim()
    this.emit('alarm', a)
    return true
  }

  isActive (code: string, source: string): boolean { return this.#active.has(`${code}|${source}`) }

  /** Newest first: active or unacknowledged alarms, then the recent history up to the cap. */
  list (): AlarmView[] {
    return [...this.#alarms.values()].sort((a, b) => b.id - a.id)
  }

  #trim (): void {
    if (this.#alarms.size <= this.#keep) return
    for (const [id, a] of this.#alarms) {
      if (!a.active && a.acknowledged) this.#alarms.delete(id)
      if (this.#alarms.size <= this.#keep) break
    }
  }
}
