// The cameras as the line sees them: which results reach the tracker, whether each camera is online (a unit
// camera offline holds the line and blocks a start), its status re-read while offline, and its panel tile.

import type { Bilingual, DeviceView } from '../control.ts'
import type { LineBus } from '../events.ts'
import type { Logger } from '../log.ts'
import type { AlarmBook } from '../alarms/alarms.ts'
import type { FaultKind } from '../state/machine.ts'
import type { Tracker } from '../tracking/tracker.ts'
import type { VerificationResult } from '../../verifiers/types.ts'

export interface CameraSpec { id: string, role: 'unit' | 'box' | 'pallet' }

export interface CamerasOptions {
  bus: LineBus
  cameras: readonly CameraSpec[]
  tracker: Pick<Tracker, 'onResult'>
  /** Where the results of box and pallet cameras go (line/aggregation/label-check.ts). */
  labels?: { onResult(r: VerificationResult, level: 'box' | 'pallet'): Promise<unknown> }
  alarms: Pick<AlarmBook, 'raise' | 'clear'>
  /** Holds the line (the runtime's fault). */
  fault: (kind: FaultKind, message: Bilingual, source: string) => void
  /** Re-read the cameras' retained status (re-subscribe). */
  refreshStatus: () => Promise<void>
  log: Logger
  /** While a unit camera is believed offline, its status is re-read this often. */
  refreshMs: number
}

export class Cameras {
  readonly #o: CamerasOptions
  readonly #online = new Map<string, boolean>()
  readonly #unit: ReadonlySet<string>
  readonly #labelLevel: ReadonlyMap<string, 'box' | 'pallet'>
  #timer: NodeJS.Timeout | null = null

  constructor (options: CamerasOptions) {
    this.#o = options
    this.#unit = new Set(options.cameras.filter(c => c.role === 'unit').map(c => c.id))
    this.#labelLevel = new Map(options.cameras.flatMap(c => c.role === 'unit' ? [] : [[c.id, c.role] as const]))
    const { bus, alarms } = options
    bus.on('camera:result', r => {
      if (this.#unit.has(r.camera)) { this.#o.tracker.onResult(r); return }
      const level = this.#labelLevel.get(r.camera)
      if (level === undefined) return
      if (this.#o.labels === undefined) { this.#o.log.warn({ camera: r.camera }, 'a label camera result, but no label check is wired'); return }
      this.#o.labels.onResult(r, level).catch(err => this.#o.log.error({ err, camera: r.camera }, 'label check failed'))
    })
    bus.on('camera:invalid', e => {
      // a camera the config does not name: one alarm for all of them (made-up ids must not fill the panel)
      if (e.unknownCamera !== undefined) alarms.raise({ code: 'CAMERA_UNKNOWN', source: 'camera', params: { camera: e.unknownCamera }, detail: { topic: e.topic, error: e.error } })
      else alarms.raise({ code: 'CAMERA_PAYLOAD', source: e.camera ?? 'camera', params: { camera: e.camera ?? '?' }, detail: { error: e.error } })
    })
    bus.on('camera:status', s => {
      this.#online.set(s.camera, s.online)
      if (!s.online && this.#unit.has(s.camera)) this.#o.fault('camera', { ru: `Камера ${s.camera} не в сети`, en: `camera ${s.camera} offline` }, s.camera)
      else if (s.online) alarms.clear('FAULT_CAMERA', s.camera)
    })
  }

  /** Re-read the status while a unit camera is believed offline: a status message lost on the way must not keep the line held. */
  start (): void {
    this.#timer ??= setInterval(() => {
      if (this.#unitOffline().length > 0) this.#o.refreshStatus().catch(err => this.#o.log.warn({ err }, 'camera status refresh failed'))
    }, this.#o.refreshMs)
  }

  stop (): void {
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
  }

  /** Why the line may not run: unit cameras known to be offline. */
  blockers (): Bilingual[] {
    return this.#unitOffline().map(id => ({ ru: `камера ${id} не в сети`, en: `camera ${id} offline` }))
  }

  views (): DeviceView[] {
    return this.#o.cameras.map((c): DeviceView => {
      const on = this.#online.get(c.id) ?? false
      return { id: c.id, kind: 'camera', online: on, state: on ? 'ok' : 'offline', detail: c.role, facts: [{ key: 'role', value: c.role }], note: null }
    })
  }

  #unitOffline (): string[] {
    return this.#o.cameras.filter(c => c.role === 'unit' && this.#online.get(c.id) === false).map(c => c.id)
  }
}
