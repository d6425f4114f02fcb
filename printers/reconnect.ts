// The drivers' reconnect loop: one connect attempt after another, with a growing pause between failures, until
// the device answers or the driver is closed. Every caller of connect() during one loop shares the same promise.
import { backoffDelay } from '../line/domain/backoff.ts'

export interface ReconnectOptions {
  /** One attempt: open the link and bring the driver in step with the device. */
  open: () => Promise<void>
  /** What connect() rejects with once the driver is closed. */
  closedError: () => Error
  /** Pause after the first failure; it doubles with every further one … */
  baseMs: number
  /** … up to this. A head that is off for the night is asked every few seconds, not hammered. */
  maxMs: number
  /** Told about each failed attempt (the driver logs and publishes its status). */
  onFailure?: (err: unknown, failures: number, delayMs: number) => void
}

export class ReconnectLoop {
  readonly #o: ReconnectOptions
  #pending: Promise<void> | undefined
  #timer: NodeJS.Timeout | undefined
  #wake: (() => void) | undefined
  #stopped = false

  constructor (options: ReconnectOptions) {
    this.#o = options
  }

  /** A loop is under way (a lost link is already being re-opened). */
  get running (): boolean { return this.#pending !== undefined }

  /** Resolves when an attempt succeeds; rejects with closedError() once stop() is called. */
  run (): Promise<void> {
    if (this.#stopped) return Promise.reject(this.#o.closedError())
    this.#pending ??= this.#loop().finally(() => { this.#pending = undefined })
    return this.#pending
  }

  /** No further attempt; a loop waiting for its next attempt rejects now. */
  stop (): void {
    this.#stopped = true
    clearTimeout(this.#timer)
    this.#wake?.()
  }

  async #loop (): Promise<void> {
    for (let failures = 0; ; ) {
      if (this.#stopped) throw this.#o.closedError()
      try {
        await this.#o.open()
        return
      } catch (err) {
        failures++
        const delay = backoffDelay(failures, { baseMs: this.#o.baseMs, maxMs: this.#o.maxMs })
        this.#o.onFailure?.(err, failures, delay)
        await new Promise<void>(resolve => {
          this.#wake = resolve
          this.#timer = setTimeout(resolve, delay)
        })
        this.#wake = undefined
      }
    }
  }
}

/**
 * The reconnect loop of one printer driver: offline once closed, the pause from the driver's `reconnectMs`
 * (1 s) doubling up to `reconnectMaxMs` (5 × reconnectMs), each failure logged as `what connect failed`.
 */
export function printerReconnect (o: {
  printer: string, open: () => Promise<void>, reconnectMs?: number | undefined, reconnectMaxMs?: number | undefined,
  closedError: () => Error, log: { warn(obj: object, msg: string): void }, what: string,
}): ReconnectLoop {
  const baseMs = o.reconnectMs ?? 1000
  return new ReconnectLoop({
    open: o.open,
    closedError: o.closedError,
    baseMs,
    maxMs: o.reconnectMaxMs ?? 5 * baseMs,
    onFailure: (err, failures, delayMs) => { o.log.warn({ printer: o.printer, err, failures, retryInMs: delayMs }, `${o.what} connect failed`) },
  })
}
