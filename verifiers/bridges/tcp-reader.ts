// Bridge for fixed-mount readers that do not speak MQTT (Cognex DataMan, Keyence SR-X): connects to the reader's TCP
// result port, parses each configured result string and publishes it as `<site>/<line>/cam/<id>/result`.
// A line that does not parse is counted, logged and reported ('invalid'), never published; the link reconnects.

import { EventEmitter } from 'node:events'
import { connect, type Socket } from 'node:net'
import type { MqttClient } from 'mqtt'
import type { Logger } from 'pino'
import { ReaderFormatError, ReaderLinkError } from '../errors.ts'
import { cameraResultPayload } from '../payload.ts'
import { ResultFormat, type ReaderFormatInput } from './result-format.ts'

export interface TcpReaderBridgeOptions {
  /** Camera id the reader publishes as (`cam/<id>/result`). */
  id: string
  host: string
  port: number
  format?: ReaderFormatInput
  client: MqttClient
  site: string
  line: string
  clock: { now(): number }
  logger?: Logger
  /** Wait between reconnect attempts. */
  reconnectMs?: number
  /** A line longer than this is garbage (a result is a few hundred bytes). */
  maxLineBytes?: number
  qos?: 0 | 1
}

export interface TcpReaderStats { lines: number, published: number, invalid: number, connects: number }

/**
 * Events: 'connected', 'disconnected' (ReaderLinkError), 'result' (the published payload object),
 * 'invalid' (ReaderFormatError).
 */
export class TcpReaderBridge extends EventEmitter {
  readonly #o: TcpReaderBridgeOptions
  readonly #format: ResultFormat
  readonly #topic: string
  readonly #statusTopic: string
  #socket: Socket | null = null
  #buffer = ''
  #timer: NodeJS.Timeout | null = null
  #running = false
  #online = false
  readonly #stats: TcpReaderStats = { lines: 0, published: 0, invalid: 0, connects: 0 }

  constructor (options: TcpReaderBridgeOptions) {
    super()
    this.#o = options
    this.#format = new ResultFormat(options.format ?? {})
    this.#topic = `${options.site}/${options.line}/cam/${options.id}/result`
    this.#statusTopic = `${options.site}/${options.line}/cam/${options.id}/status`
  }

  get online (): boolean { return this.#online }
  stats (): TcpReaderStats { return { ...this.#stats } }

  start (): void {
    if (this.#running) return
    this.#running = true
    this.#connect()
  }

  async stop (): Promise<void> {
    this.#running = false
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    const s = this.#socket
    this.#socket = null
    if (s !== null) { s.removeAllListeners(); s.on('error', () => {}); s.destroy() }
    if (this.#online) { this.#online = false; await this.#status(false) }
  }

  #connect (): void {
    if (!this.#running) return
    const { host, port } = this.#o
    const s = connect({ host, port })
    this.#socket = s
    s.setNoDelay(true)
    s.setEncoding('latin1') // bytes as they are: GS stays 0x1D, garbage stays visible
    s.on('connect', () => {
      this.#stats.connects++
      this.#buffer = ''
      this.#online = true
      this.#o.logger?.info({ reader: this.#o.id, host, port }, 'reader connected')
      void this.#status(true)
      this.emit('connected')
    })
    s.on('data', (chunk: string) => this.#data(chunk))
    s.on('error', err => {
      this.#o.logger?.debug({ reader: this.#o.id, err: err.message }, 'reader link error')
    })
    s.on('close', () => {
      if (this.#socket !== s) return
      this.#socket = null
      if (this.#online) {
        this.#online = false
        void this.#status(false)
        const err = new ReaderLinkError(`lost the reader ${this.#o.id} at ${host}:${port}`, { reader: this.#o.id, host, port })
        this.#o.logger?.warn({ err }, 'reader disconnected')
        this.emit('disconnected', err)
      }
      if (this.#running) this.#timer = setTimeout(() => { this.#timer = null; this.#connect() }, this.#o.reconnectMs ?? 1000)
    })
  }

  #data (chunk: string): void {
    this.#buffer += chunk
    const term = this.#format.format.terminator
    let i: number
    while ((i = this.#buffer.indexOf(term)) >= 0) {
      const line = this.#buffer.slice(0, i)
      this.#buffer = this.#buffer.slice(i + term.length)
      if (line.length > 0) this.#line(line)
    }
    const max = this.#o.maxLineBytes ?? 4096
    if (this.#buffer.length > max) {
      this.#invalid(new ReaderFormatError(`reader sent ${this.#buffer.length} bytes without a terminator`, { reader: this.#o.id, line: this.#buffer.slice(0, 256), format: this.#format.format.template }))
      this.#buffer = ''
    }
  }

  #line (line: string): void {
    this.#stats.lines++
    let r
    try {
      r = this.#format.parse(line, this.#o.id)
    } catch (err) {
      if (err instanceof ReaderFormatError) { this.#invalid(err); return }
      throw err
    }
    const payload: Parameters<typeof cameraResultPayload>[0] = { seq: r.seq, ts: r.ts ?? this.#o.clock.now(), code: r.code, grade: r.grade, params: r.params }
    if (r.symbology !== undefined) payload.symbology = r.symbology
    this.#stats.published++
    this.#o.client.publish(this.#topic, cameraResultPayload(payload), { qos: this.#o.qos ?? 1 }, err => {
      if (err) this.#o.logger?.warn({ err, reader: this.#o.id }, 'reader result not published')
    })
    this.emit('result', payload)
  }

  #invalid (err: ReaderFormatError): void {
    this.#stats.invalid++
    this.#o.logger?.warn({ err }, 'reader result dropped')
    this.emit('invalid', err)
  }

  #status (online: boolean): Promise<void> {
    return new Promise(resolve => {
      this.#o.client.publish(this.#statusTopic, JSON.stringify({ online, ts: this.#o.clock.now() }), { qos: 1, retain: true }, () => resolve())
    })
  }
}
