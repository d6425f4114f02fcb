// The line parameters engineers set on the panel's set-up tab (docs/setup-mode.md): reject distance and margin, rejects
// in a row, rejects per 100. Owner of the table `line_parameters`: a value there overrides the config's until it is
// reset, survives a restart, and is checked by the config schema's own rules (config/rules.ts) before it is stored.
import type { z } from 'zod'
import { PARAMETER_KEYS, type Bilingual, type ParameterChange, type ParameterChangeRow, type ParameterKey, type ParameterView } from '../control.ts'
import { rejectGeometryIssues } from '../config/rules.ts'
import { plcSchema } from '../config/sections/devices.ts'
import { migrate, type Db } from '../store/open.ts'
import type { RejectRules } from '../tracking/tracker.ts'

const MIGRATIONS = [
  `CREATE TABLE line_parameters (
     key TEXT PRIMARY KEY,
     value INTEGER,
     changed_at INTEGER NOT NULL,
     changed_by TEXT NOT NULL
   );`,
]

export { PARAMETER_KEYS }
export type { ParameterChange, ParameterKey, ParameterView }

export type ChangeOutcome =
  | { ok: true, changes: ParameterChangeRow[] }
  | { ok: false, fields: Record<string, Bilingual> }

/** The config keys' own schemas (line/config/sections/devices.ts): the same bounds as the YAML file. */
const FIELD: Record<ParameterKey, z.ZodType> = {
  rejectDistance: plcSchema.shape.rejectDistance,
  rejectMargin: plcSchema.shape.rejectMargin,
  maxConsecutiveRejects: plcSchema.shape.maxConsecutiveRejects,
  maxRejectsPer100: plcSchema.shape.maxRejectsPer100,
}

/** A zod issue of a number's bounds, in both languages. */
function issueText (issue: z.core.$ZodIssue): Bilingual {
  if (issue.code === 'too_small') return { ru: `не меньше ${String(issue.minimum)}`, en: `at least ${String(issue.minimum)}` }
  if (issue.code === 'too_big') return { ru: `не больше ${String(issue.maximum)}`, en: `at most ${String(issue.maximum)}` }
  return { ru: 'ожидается целое число', en: 'a whole number expected' }
}

type Row = { key: string, value: number | null, changed_at: number, changed_by: string }

export class LineParameters {
  readonly #db: Db
  readonly #config: RejectRules
  readonly #cameras: ReadonlyArray<{ id: string, role: string, distance: number }>
  #applied: RejectRules

  /** `config`: the YAML file's values; `cameras`: for the camera distance rule. */
  constructor (o: { db: Db, config: RejectRules, cameras: ReadonlyArray<{ id: string, role: string, distance: number }> }) {
    this.#db = o.db
    this.#config = { ...o.config }
    this.#cameras = o.cameras
    migrate(o.db, 'line-parameters', MIGRATIONS)
    this.#applied = this.effective()
  }

  #rows (): Map<ParameterKey, Row> {
    const rows = this.#db.prepare('SELECT key, value, changed_at, changed_by FROM line_parameters').all() as Row[]
    return new Map(rows.filter(r => (PARAMETER_KEYS as readonly string[]).includes(r.key)).map(r => [r.key as ParameterKey, r]))
  }

  /** The values for the next start: the panel's where set, the config's otherwise. */
  effective (): RejectRules {
    const out: RejectRules = { ...this.#config }
    for (const [key, r] of this.#rows()) (out as Record<ParameterKey, number | null>)[key] = r.value
    return out
  }

  /** The tracker took these values (production started): the panel stops showing them as pending. */
  applied (rules: RejectRules): void { this.#applied = { ...rules } }

  view (): ParameterView[] {
    const rows = this.#rows()
    const eff = this.effective()
    return PARAMETER_KEYS.map(key => {
      const r = rows.get(key)
      return { key, value: eff[key], source: r === undefined ? 'config' : 'panel', configValue: this.#config[key], changedAt: r?.changed_at ?? null, changedBy: r?.changed_by ?? null, applied: this.#applied[key] }
    })
  }

  /** Check a change against the config's rules; nothing is stored. */
  check (change: ParameterChange): { ok: true, next: RejectRules } | { ok: false, fields: Record<string, Bilingual> } {
    const fields: Record<string, Bilingual> = {}
    const next: RejectRules = { ...this.effective() }
    for (const key of change.reset) (next as Record<ParameterKey, number | null>)[key] = this.#config[key]
    for (const key of PARAMETER_KEYS) {
      if (!(key in change.values)) continue
      const v = change.values[key]
      if (v === null && key !== 'maxRejectsPer100') { fields[key] = { ru: 'обязательное значение', en: 'required' }; continue }
      if (v !== null && v !== undefined) {
        const r = FIELD[key].safeParse(v)
        if (!r.success) { fields[key] = issueText(r.error.issues[0] as z.core.$ZodIssue); continue }
      }
      (next as Record<ParameterKey, number | null>)[key] = v ?? null
    }
    if (Object.keys(fields).length === 0) {
      for (const issue of rejectGeometryIssues(next, this.#cameras)) {
        // the margin's rule is about this pair; a camera's is about the decision point the pair sets
        const key = issue.path[0] === 'cameras' ? ('rejectDistance' in change.values ? 'rejectDistance' : 'rejectMargin') : 'rejectMargin'
        fields[key] ??= issue.message
      }
    }
    return Object.keys(fields).length > 0 ? { ok: false, fields } : { ok: true, next }
  }

  /** Store a change that passed `check`; returns what changed (old → new), for the audit trail. */
  change (change: ParameterChange, actor: string, at: number): ChangeOutcome {
    const checked = this.check(change)
    if (!checked.ok) return checked
    const before = this.effective()
    const rows = this.#rows()
    const changes: ParameterChangeRow[] = []
    const put = this.#db.prepare('INSERT INTO line_parameters (key, value, changed_at, changed_by) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, changed_at = excluded.changed_at, changed_by = excluded.changed_by')
    const drop = this.#db.prepare('DELETE FROM line_parameters WHERE key = ?')
    this.#db.transaction(() => {
      for (const key of change.reset) {
        if (!rows.has(key)) continue
        drop.run(key)
        changes.push({ key, from: before[key], to: this.#config[key], source: 'config' })
      }
      for (const key of PARAMETER_KEYS) {
        if (!(key in change.values) || change.reset.includes(key)) continue
        const to = change.values[key] ?? null
        // the value in force already: nothing to store (a form saved as it is does not turn config values into panel ones)
        if (to === before[key]) continue
        put.run(key, to, at, actor)
        changes.push({ key, from: before[key], to, source: 'panel' })
      }
    })()
    return { ok: true, changes }
  }
}
