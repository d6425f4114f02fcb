// The Verifier of the line: listens to `<site>/<line>/cam/+/result` (and `cam/+/status`) on MQTT, validates every
// payload and emits 'result' / 'invalid' / 'status'. Results carry the trigger seq; matching is the tracker's job.

import { EventEmitter } from 'node:events'
import type { MqttClient } from 'mqtt'
import type { Logger } from 'pino'
import type { z } from 'zod'
import { issueLines } from '../line/domain/validation.ts'
import { CameraPayloadError } from './errors.ts'
import { MAX_PAYLOAD_BYTES, cameraResultSchema, cameraStatusSchema, fastCameraResult } from './payload.ts'
import type { InvalidResult, VerificationResult, Verifier } from './types.ts'

export interface MqttVerifierOptions {
  client: MqttClient
  site: string
  line: string
  /** Controller clock for `receivedAt` (verifiers/ may not import the line's clock: any `{ now() }` will do). */
  clock: { now(): number }
  logger?: Logger
  /** Known camera ids; a result from any other id is invalid. Undefined accepts every id. */
  cameras?: readonly string[]
  /** QoS of the subscription; 1 so that results wait in the broker while the controller reconnects. */
  qos?: 0 | 1
}

const PREVIEW = 256

function issuesOf (err: z.ZodError): string[] {
  return issueLines(err.issues, '(payload)')
}

export class MqttVerifier extends EventEmitter implements Verifier {
  readonly #o: MqttVerifierOptions
  readonly #prefix: string
  readonly #cameras: ReadonlySet<string> | null
  #results = 0
  #invalid = 0
  #started = false
  readonly #onMessage = (topic: string, payload: Buffer): void => {
    try {
      this.#handle(topic, payload)
    } catch (err) {
      // A listener of 'result' threw: that is a bug downstream, not a camera fault; keep serving.
      this.#o.logger?.error({ err, topic }, 'verifier listener failed')
    }
  }

  constructor (options: MqttVerifierOptions) {
    super()
    this.#o = options
    this.#prefix = `${options.site}/${options.line}/cam/`
    this.#cameras = options.cameras === undefined ? null : new Set(options.cameras)
  }

  get topics (): string[] { return [`${this.#prefix}+/result`, `${this.#prefix}+/status`] }

  async start (): Promise<void> {
    if (this.#started) return
    this.#started = true
    this.#o.client.on('message', this.#onMessage)
    const qos = this.#o.qos ?? 1
    await new Promise<void>((resolve, reject) => {
      this.#o.client.subscribe(Object.fromEntries(this.topics.map(t => [t, { qos }])), err => err ? reject(err) : resolve())
    })
  }

  /**
   * Ask the broker for the cameras' retained status again (a SUBSCRIBE that replaces an existing subscription
   * re-sends the retained messages, MQTT 3.1.1 §3.8.4). The line calls it while it believes a camera offline, so a
   * status message lost on the way cannot keep the line held after the camera is back.
   */
  async refreshStatus (): Promise<void> {
    if (!this.#started || !this.#o.client.connected) return
    const qos = this.#o.qos ?? 1
    await new Promise<void>((resolve, reject) => {
      this.#o.client.subscribe(`${this.#prefix}+/status`, { qos }, err => err ? reject(err) : resolve())
    })
  }

  async stop (): Promise<void> {
    if (!this.#started) return
    this.#started = false
    this.#o.client.off('message', this.#onMessage)
    if (this.#o.client.connected) {
      await new Promise<void>(resolve => this.#o.client.unsubscribe(this.topics, () => resolve()))
    }
  }

  stats (): { results: number, invalid: number } {
    return { results: this.#results, invalid: this.#invalid }
  }

  #handle (topic: string, payload: Buffer): void {
    if (!topic.startsWith(this.#prefix)) return
    const rest = topic.slice(this.#prefix.length)
    const slash = rest.indexOf('/')
    if (slash <= 0) return
    const camera = rest.slice(0, slash)
    const kind = rest.slice(slash + 1)
    if (kind === 'result') this.#result(camera, topic, payload)
    else if (kind === 'status') this.#status(camera, topic, payload)
  }

  #invalidPayload (camera: string | null, topic: string, payload: Buffer, message: string, issues?: string[], unknownCamera?: string): void {
    this.#invalid++
    const preview = payload.subarray(0, PREVIEW).toString('utf8')
    const err = new CameraPayloadError(message, issues === undefined ? { camera, topic, payload: preview } : { camera, topic, payload: preview, issues })
    this.#o.logger?.warn({ err }, 'invalid camera payload dropped')
    const inv: InvalidResult = { camera, topic, payload: preview, error: issues === undefined ? message : `${message}: ${issues.join('; ')}` }
    if (unknownCamera !== undefined) inv.unknownCamera = unknownCamera
    this.emit('invalid', inv)
  }

  #parseJson (camera: string, topic: string, payload: Buffer): unknown {
    if (payload.length > MAX_PAYLOAD_BYTES) {
      this.#invalidPayload(camera, topic, payload, `payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD_BYTES}`)
      return undefined
    }
    try {
      return JSON.parse(payload.toString('utf8'))
    } catch (err) {
      this.#invalidPayload(camera, topic, payload, `payload is not JSON (${(err as Error).message})`)
      return undefined
    }
  }

  #result (camera: string, topic: string, payload: Buffer): void {
    if (this.#cameras !== null && !this.#cameras.has(camera)) {
      this.#invalidPayload(null, topic, payload, `result from unknown camera "${camera}"`, undefined, camera)
      return
    }
    const json = this.#parseJson(camera, topic, payload)
    if (json === undefined) return
    // the hand check passes the usual result at a fraction of the schema's cost; the schema decides the rest
    let p = fastCameraResult(json)
    if (p === undefined) {
      const parsed = cameraResultSchema.safeParse(json)
      if (!parsed.success) {
        this.#invalidPayload(camera, topic, payload, 'camera result does not match the schema', issuesOf(parsed.error))
        return
      }
      p = parsed.data
    }
    const r: VerificationResult = { camera, seq: p.seq, ts: p.ts, code: p.code, grade: p.grade, receivedAt: this.#o.clock.now() }
    if (p.params !== undefined) r.params = p.params
    if (p.symbology !== undefined) r.symbology = p.symbology
    this.#results++
    this.emit('result', r)
  }

  #status (camera: string, topic: string, payload: Buffer): void {
    if (payload.length === 0) return // a cleared retained status
    // a camera the config does not name is not a device of this line: it must not grow the device list
    if (this.#cameras !== null && !this.#cameras.has(camera)) {
      this.#invalidPayload(null, topic, payload, `status from unknown camera "${camera}"`, undefined, camera)
      return
    }
    const json = this.#parseJson(camera, topic, payload)
    if (json === undefined) return
    const parsed = cameraStatusSchema.safeParse(json)
    if (!parsed.success) {
      this.#invalidPayload(camera, topic, payload, 'camera status does not match the schema', issuesOf(parsed.error))
      return
    }
    this.emit('status', { camera, online: parsed.data.online })
  }
}
