// What every driver is given by the composition root: a clock and a logger (pino-compatible), nothing global.

export interface PrinterClock { now(): number }

/** The subset of a pino logger the drivers use. */
export interface PrinterLogger {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  debug(obj: object, msg?: string): void
}

export interface DriverOptions {
  clock?: PrinterClock
  logger?: PrinterLogger
}

const noop = (): void => {}
export const silentPrinterLogger: PrinterLogger = { info: noop, warn: noop, debug: noop }
export const wallClock: PrinterClock = { now: () => Date.now() }
