// Structured JSON logs (pino). One root logger made by the composition root; modules get children.
// Lines are rate-limited per message: a flood of bad input (9,700 garbage PLC triggers a second) must not become a
// flood of log lines that fills the disk; what was held back is counted on the next line of the same message.
import { pino, type DestinationStream, type Logger } from 'pino'
import { systemClock, type Clock } from './clock.ts'

export type { Logger }

export interface LogRateLimit {
  /** Lines of one message (level + text) per window; default 20. */
  perWindow: number
  windowMs: number
}

/** Counts lines per message and window; `take` says whether a line may be written and how many were held back. */
export class LogRateLimiter {
  readonly #o: LogRateLimit
  readonly #keys = new Map<string, { windowAt: number, lines: number, held: number }>()
  readonly #maxKeys: number

  constructor (o: LogRateLimit = { perWindow: 20, windowMs: 1000 }, maxKeys = 1000) {
    this.#o = o
    this.#maxKeys = maxKeys
  }

  take (key: string, now: number): { write: boolean, held: number } {
    let k = this.#keys.get(key)
    if (k === undefined) {
      k = { windowAt: now, lines: 0, held: 0 }
      this.#keys.set(key, k)
      while (this.#keys.size > this.#maxKeys) this.#keys.delete(this.#keys.keys().next().value as string)
    }
    if (now - k.windowAt >= this.#o.windowMs) { k.windowAt = now; k.lines = 0 }
    if (k.lines >= this.#o.perWindow) { k.held++; return { write: false, held: 0 } }
    k.lines++
    const held = k.held
    k.held = 0
    return { write: true, held }
  }
}

export function createLogger (options: { level?: string, name?: string, rateLimit?: LogRateLimit | false, clock?: Clock, destination?: DestinationStream } = {}): Logger {
  const limiter = options.rateLimit === false ? null : new LogRateLimiter(options.rateLimit)
  const clock = options.clock ?? systemClock
  const opts: pino.LoggerOptions = {
    level: options.level ?? 'info',
    name: options.name ?? 'line',
    base: { pid: process.pid },
    ...(limiter === null ? {} : {
      hooks: {
        logMethod (args: unknown[], method: (...a: unknown[]) => void, level: number) {
          const msg = args.find(a => typeof a === 'string') as string | undefined
          const r = limiter.take(`${level}|${msg ?? ''}`, clock.now())
          if (!r.write) return
          if (r.held > 0 && typeof args[0] === 'object' && args[0] !== null) args[0] = { ...(args[0] as object), heldBack: r.held }
          else if (r.held > 0) args = [{ heldBack: r.held }, ...args]
          method.apply(this, args)
        },
      },
    }),
  }
  return options.destination === undefined ? pino(opts) : pino(opts, options.destination)
}

/** A logger that drops everything: tests and benchmarks that do not look at logs. */
export function silentLogger (): Logger {
  return pino({ level: 'silent' })
}
