// A simulated line camera: for each trigger it "looks" at the printed code — rendering, degrading, decoding and
// grading an image (image mode) or drawing a code-level result (fast mode) — and publishes `cam/<id>/result`.
// Faults on demand: offline, late results with jitter, duplicates, results for codes never printed.

import type { MqttClient } from 'mqtt'
import type { Logger } from 'pino'
import { connectMqtt, waitConnected } from '../../broker/index.ts'
import { AI82 } from '../../line/codes/index.ts'
import { failedGrade, gradeSymbol } from '../../verifiers/grading.ts'
import { decodeImage, idealMatrix, loadDecoder, renderGrey, type GreyImage } from '../../verifiers/imaging.ts'
import { cameraResultPayload } from '../../verifiers/payload.ts'
import { ssccLabelElements } from '../../printers/zpl-label/zpl.ts'
import type { Grade } from '../../verifiers/types.ts'
import { prng } from '../codes/factory.ts'
import { degrade, toPng, type Defects } from './degrade.ts'
import { cameraScenarioSchema, type CameraFaults, type CameraScenario, type CameraScenarioInput } from './scenario.ts'

export interface SimCameraOptions {
  id: string
  site: string
  line: string
  client: MqttClient
  clock: { now(): number }
  scenario?: CameraScenarioInput
  seed?: number
  qos?: 0 | 1
  logger?: Logger
}

/** What the camera concluded for one trigger (also what it published, unless offline). */
export interface Shot {
  seq: number
  ts: number
  code: string | null
  grade: Grade
  params: Record<string, Grade | number>
  symbology?: string
  defects?: Defects
  /** The result carries a code that was never printed (fault). */
  ghost: boolean
  published: boolean
}

export interface SimCameraStats { shots: number, published: number, noRead: number, ghosts: number, duplicates: number, late: number }

/** Connect a camera to the broker with its own login and a retained "offline" will. */
export async function connectCamera (o: { url: string, username: string, password: string, site: string, line: string, id: string }): Promise<MqttClient> {
  const client = connectMqtt({
    url: o.url,
    username: o.username,
    password: o.password,
    clientId: `cam-${o.id}-${process.pid}`,
    will: { topic: `${o.site}/${o.line}/cam/${o.id}/status`, payload: Buffer.from('{"online":false}'), qos: 1, retain: true },
  })
  await waitConnected(client)
  return client
}

export class SimCamera {
  readonly id: string
  readonly #o: SimCameraOptions
  #scenario: CameraScenario
  readonly #rand: () => number
  readonly #topic: string
  readonly #statusTopic: string
  readonly #timers = new Set<NodeJS.Timeout>()
  #lastImage: GreyImage | null = null
  readonly #stats: SimCameraStats = { shots: 0, published: 0, noRead: 0, ghosts: 0, duplicates: 0, late: 0 }
  #stopped = false

  constructor (options: SimCameraOptions) {
    this.id = options.id
    this.#o = options
    this.#scenario = cameraScenarioSchema.parse(options.scenario ?? {})
    this.#rand = prng(options.seed ?? 1)
    this.#topic = `${options.site}/${options.line}/cam/${options.id}/result`
    this.#statusTopic = `${options.site}/${options.line}/cam/${options.id}/status`
  }

  get scenario (): CameraScenario { return this.#scenario }

  async start (): Promise<void> {
    if (this.#scenario.mode === 'image') await loadDecoder()
    // a real camera announces itself after every (re)connect: the broker published its "offline" will when the
    // link dropped, and that retained status would otherwise stand
    this.#o.client.on('connect', this.#onReconnect)
    await this.#publishStatus(!this.#scenario.faults.offline)
  }

  readonly #onReconnect = (): void => {
    if (!this.#stopped) void this.#publishStatus(!this.#scenario.faults.offline)
  }

  /** Change faults on the fly (the scenario runner and the HMI demo do this). */
  async setFaults (faults: Partial<CameraFaults>): Promise<void> {
    const wasOffline = this.#scenario.faults.offline
    this.#scenario = cameraScenarioSchema.parse({ ...this.#scenario, faults: { ...this.#scenario.faults, ...faults } })
    if (this.#scenario.faults.offline !== wasOffline) await this.#publishStatus(!this.#scenario.faults.offline)
  }

  setScenario (scenario: CameraScenarioInput): void {
    this.#scenario = cameraScenarioSchema.parse(scenario)
  }

  stats (): SimCameraStats { return { ...this.#stats } }

  /** The last image the camera saw (image mode), as PNG, for the HMI. */
  async lastImagePng (): Promise<Buffer | null> {
    return this.#lastImage === null ? null : toPng(this.#lastImage)
  }

  /**
   * The item with trigger `seq` passes the camera carrying `printed` (null: nothing printed, e.g. a skipped unit).
   * Resolves once the result is computed; publishing may follow later when results are late.
   */
  async trigger (seq: number, printed: string | null, ts = this.#o.clock.now()): Promise<Shot> {
    this.#stats.shots++
    const s = this.#scenario
    const shot = s.mode === 'image' ? await this.#imageShot(seq, ts, printed) : this.#fastShot(seq, ts, printed)
    if (shot.code !== null && this.#rand() < s.faults.ghostRate) {
      shot.code = this.#ghost(shot.code)
      shot.ghost = true
      this.#stats.ghosts++
    }
    if (shot.code === null) this.#stats.noRead++
    if (s.faults.offline || this.#stopped) return shot
    shot.published = true
    const payload: Parameters<typeof cameraResultPayload>[0] = { seq: shot.seq, ts: shot.ts, code: shot.code, grade: shot.grade, params: shot.params }
    if (shot.symbology !== undefined) payload.symbology = shot.symbology
    const json = cameraResultPayload(payload)
    const copies = this.#rand() < s.faults.duplicateRate ? 2 : 1
    if (copies === 2) this.#stats.duplicates++
    const late = s.faults.lateMs
    if (late === undefined) {
      for (let i = 0; i < copies; i++) this.#publish(json)
    } else {
      this.#stats.late++
      const delay = late[0] + this.#rand() * Math.max(0, late[1] - late[0])
      const timer = setTimeout(() => {
        this.#timers.delete(timer)
        for (let i = 0; i < copies; i++) this.#publish(json)
      }, delay)
      this.#timers.add(timer)
    }
    return shot
  }

  /**
   * A box or pallet label passes a label camera (role box/pallet): it reads the label's DataMatrix — the SSCC and,
   * with a GTIN, the contents' GTIN and count — as the label printer printed it (printers/zpl-label/zpl.ts).
   * Faults: `miss` reads nothing (no label, torn, skewed); `misread` returns another box's SSCC (a label swapped
   * between boxes); `count` says another count than printed (a label made for other contents). The scenario's
   * noReadRate applies too.
   */
  async readLabel (seq: number, label: { sscc: string, gtin?: string, count: number }, fault: { miss?: boolean, misread?: string, count?: number } = {}): Promise<Shot> {
    if (fault.miss === true) return await this.trigger(seq, null)
    const read = { ...label, ...(fault.misread === undefined ? {} : { sscc: fault.misread }), ...(fault.count === undefined ? {} : { count: fault.count }) }
    return await this.trigger(seq, ssccLabelElements(read))
  }

  /** Stop publishing; pending late results are dropped (as when a camera loses power). */
  stop (): void {
    this.#stopped = true
    this.#o.client.off('connect', this.#onReconnect)
    for (const t of this.#timers) clearTimeout(t)
    this.#timers.clear()
  }

  #publish (json: string): void {
    this.#stats.published++
    this.#o.client.publish(this.#topic, json, { qos: this.#o.qos ?? 1 }, err => {
      if (err) this.#o.logger?.warn({ err, camera: this.id }, 'camera result not published')
    })
  }

  #publishStatus (online: boolean): Promise<void> {
    return new Promise(resolve => {
      this.#o.client.publish(this.#statusTopic, JSON.stringify({ online, ts: this.#o.clock.now() }), { qos: 1, retain: true }, () => resolve())
    })
  }

  #fastShot (seq: number, ts: number, printed: string | null): Shot {
    const s = this.#scenario
    if (printed === null || this.#rand() < s.noReadRate) {
      const f = failedGrade()
      return { seq, ts, code: null, grade: f.grade, params: f.params, ghost: false, published: false }
    }
    const grade: Grade = this.#rand() < s.lowGradeRate ? 'D' : 'A'
    return { seq, ts, code: printed, grade, params: { decodeGrade: 'A', overall: grade === 'A' ? 4 : 1 }, symbology: s.gs1 ? ']d2' : ']d1', ghost: false, published: false }
  }

  #drawDefects (): Defects {
    const d: Defects = {}
    const spec = this.#scenario.defects
    for (const k of ['blur', 'noise', 'contrast', 'smear', 'occlusion', 'rotation'] as const) {
      const x = spec[k]
      if (x !== undefined && this.#rand() < x.p) d[k] = x.min + this.#rand() * (x.max - x.min)
    }
    return d
  }

  async #imageShot (seq: number, ts: number, printed: string | null): Promise<Shot> {
    const s = this.#scenario
    if (printed === null) {
      const f = failedGrade()
      return { seq, ts, code: null, grade: f.grade, params: f.params, ghost: false, published: false }
    }
    const defects = this.#drawDefects()
    const img = await degrade(renderGrey(printed, { moduleSize: s.moduleSize, gs1: s.gs1 }), defects, this.#rand)
    this.#lastImage = img
    const dec = await decodeImage(img)
    if (dec === null) {
      const f = failedGrade()
      return { seq, ts, code: null, grade: f.grade, params: f.params, defects, ghost: false, published: false }
    }
    const report = gradeSymbol(img, dec.result.position, dec.result.symbol, idealMatrix(dec.text, s.gs1))
    return { seq, ts, code: dec.text, grade: report.grade, params: { ...report.params }, symbology: dec.symbology, defects, ghost: false, published: false }
  }

  /** A code that looks like `code` but was never printed: one serial character changed. */
  #ghost (code: string): string {
    const i = code.startsWith('01') && code.length > 18 ? 18 : Math.floor(code.length / 2)
    const c = code[i] as string
    const k = (AI82.indexOf(c) + 1 + Math.floor(this.#rand() * (AI82.length - 1))) % AI82.length
    return code.slice(0, i) + AI82[k] + code.slice(i + 1)
  }
}
