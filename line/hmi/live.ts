// Pushes line snapshots to connected panels over WebSocket at most once per interval, however often the line changes.
import type { WebSocket } from 'ws'
import type { LineControl } from '../control.ts'
import type { Logger } from '../log.ts'

interface Client { socket: WebSocket, token: string }

export class LiveUpdates {
  readonly #control: LineControl
  readonly #interval: number
  readonly #log: Logger
  /** Returns false when the client's session is gone: it is disconnected. */
  readonly #valid: (token: string) => boolean
  readonly #clients = new Set<Client>()
  #timer: NodeJS.Timeout | null = null
  #keepalive: NodeJS.Timeout | null = null
  #lastSent = 0
  #closed = false
  readonly #onSnapshot = (): void => this.#schedule()
  /** Pushes sent (for tests and the bench: it shows the throttle holds). */
  pushes = 0

  constructor (o: { control: LineControl, intervalMs: number, log: Logger, valid: (token: string) => boolean }) {
    this.#control = o.control
    this.#interval = o.intervalMs
    this.#log = o.log
    this.#valid = o.valid
    this.#control.on('snapshot', this.#onSnapshot)
    // A quiet line still gets a push now and then: the panel sees it is connected and expired sessions are closed.
    this.#keepalive = setInterval(() => this.#schedule(), Math.max(5_000, this.#interval))
    this.#keepalive.unref()
  }

  get clients (): number { return this.#clients.size }

  add (socket: WebSocket, token: string): void {
    const c = { socket, token }
    this.#clients.add(c)
    socket.on('close', () => this.#clients.delete(c))
    socket.on('error', err => { this.#log.debug({ err }, 'panel socket error'); this.#clients.delete(c) })
    // Messages from the panel are not expected; commands go over HTTP where they are checked and audited.
    socket.on('message', () => {})
    this.#send(c, this.#frame())
  }

  #frame (): string {
    return JSON.stringify({ type: 'snapshot', data: this.#control.snapshot() })
  }

  #send (c: Client, frame: string): void {
    if (!this.#valid(c.token)) {
      // 4401: the panel shows the login screen.
      c.socket.close(4401, 'session expired')
      this.#clients.delete(c)
      return
    }
    if (c.socket.readyState === c.socket.OPEN) c.socket.send(frame)
  }

  #schedule (): void {
    if (this.#timer !== null || this.#closed) return
    const wait = Math.max(0, this.#lastSent + this.#interval - performance.now())
    this.#timer = setTimeout(() => this.#flush(), wait)
  }

  #flush (): void {
    this.#timer = null
    this.#lastSent = performance.now()
    if (this.#clients.size === 0) return
    let frame: string
    try {
      frame = this.#frame()
    } catch (err) {
      this.#log.error({ err }, 'cannot take a line snapshot for the panel')
      return
    }
    this.pushes++
    for (const c of [...this.#clients]) this.#send(c, frame)
  }

  close (): void {
    this.#closed = true
    this.#control.off('snapshot', this.#onSnapshot)
    if (this.#timer !== null) clearTimeout(this.#timer)
    if (this.#keepalive !== null) clearInterval(this.#keepalive)
    for (const c of this.#clients) c.socket.close(1001, 'server closing')
    this.#clients.clear()
  }
}
