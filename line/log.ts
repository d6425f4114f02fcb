// Structured JSON logs (pino). One root logger made by the composition root; modules get children.
import { pino, type Logger } from 'pino'

export type { Logger }

export function createLogger (options: { level?: string, name?: string } = {}): Logger {
  return pino({ level: options.level ?? 'info', name: options.name ?? 'line', base: { pid: process.pid } })
}

/** A logger that drops everything: tests and benchmarks that do not look at logs. */
export function silentLogger (): Logger {
  return pino({ level: 'silent' })
}
