// zeromq PUB of the line's item, box, report and alarm events in the documented envelope. The only file of the
// feed that owns a PUB socket; sends are queued because a zeromq socket takes one send at a time.
import { Publisher } from 'zeromq'
import type { Clock } from '../clock.ts'
import type { Logger } from '../log.ts'
import { secureServer, type CurveServerOptions } from './curve.ts'
import type { Envelope, EventType } from './messages.ts'
import { redactCodes } from './redact.ts'

export interface PublisherOptions {
  endpoint: string
  line: string
  clock: Clock
  /** First sequence number (the composition root may persist the last one across restarts); default 1. */
  startSeq?: number
  /** Events held while the socket is busy; beyond it the oldest are dropped, which subscribers see as a gap. */
  queueLimit?: number
  log?: Logger
  /** Publish full codes with their crypto tails; by default only their identities (GTIN + serial) go out. */
  fullCodes?: boolean
  /** CURVE: only these subscriber keys may connect, and the feed is encrypted. */
  curve?: CurveServerOptions
}

export class L3Publisher {
  readonly #o: PublisherOptions
  readonly #sock = new Publisher({ sendHighWaterMark: 100_000 })
  #seq: number
  #queue: Envelope[] = []
  #draining: Promise<void> | undefined
  /** True while #drain runs; cleared synchronously when its loop ends, so a publish right after starts a new one. */
  #active = false
  #closed = false
  /** Events dropped because the queue was full. */
  dropped = 0
  endpoint = ''

  constructor (options: PublisherOptions) {
    this.#o = options
    this.#seq = (options.startSeq ?? 1) - 1
  }

  /** Bind; resolves to the actual endpoint (a `:0` / `*` port is replaced by the one chosen). */
  #unsecure: (() => Promise<void>) | null = null

  async bind (): Promise<string> {
    if (this.#o.curve !== undefined) this.#unsecure = await secureServer(this.#sock, this.#o.curve, this.#o.log)
    await this.#sock.bind(this.#o.endpoint)
    this.endpoint = this.#sock.lastEndpoint ?? this.#o.endpoint
    return this.endpoint
  }

  get lastSeq (): number { return this.#seq }

  /** Stamp and queue an event; returns its envelope at once (never blocks the line). */
  publish (type: EventType, data: unknown): Envelope {
    const env: Envelope = { seq: ++this.#seq, ts: this.#o.clock.now(), type, line: this.#o.line, data: this.#o.fullCodes === true ? data : redactCodes(data) }
    if (this.#closed) return env
    this.#queue.push(env)
    const limit = this.#o.queueLimit ?? 100_000
    if (this.#queue.length > limit) { this.#queue.shift(); this.dropped++ }
    if (!this.#active) { this.#active = true; this.#draining = this.#drain() }
    return env
  }

  async #drain (): Promise<void> {
    while (this.#queue.length > 0 && !this.#closed) {
      const env = this.#queue.shift() as Envelope
      try {
        // Topic frame first, so subscribers can filter by event type ("item", "box", …).
        await this.#sock.send([env.type, JSON.stringify(env)])
      } catch (err) {
        this.dropped++
        this.#o.log?.warn({ err, seq: env.seq }, 'L3 event not published')
      }
    }
    this.#active = false
  }

  /** Resolves when everything queued so far was handed to zeromq. */
  async flush (): Promise<void> { while (this.#active) await this.#draining }

  async close (): Promise<void> {
    await this.flush()
    this.#closed = true
    this.#sock.close()
    await this.#unsecure?.()
  }
}
