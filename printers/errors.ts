// The printer drivers' typed error catalogue: a stable LC_ERR_* code to branch on, context an engineer can act on.
import { LineError } from '../line/domain/errors.ts'

/** Base of every printer error; `printer` is the configured printer id. */
export class PrinterError extends LineError {}

/** A Modbus request got no answer within the configured timeout (the link is then rebuilt). */
export class ModbusTimeoutError extends PrinterError {
  constructor (context: { printer: string, request: string, timeoutMs: number }) {
    super('LC_ERR_MODBUS_TIMEOUT', `Modbus ${context.request} to printer ${context.printer}: no answer in ${context.timeoutMs} ms`, context)
  }
}

/** The head answered with a Modbus exception code (illegal address, busy, device failure …). */
export class ModbusExceptionError extends PrinterError {
  readonly modbusCode: number
  constructor (context: { printer: string, request: string, modbusCode: number }) {
    super('LC_ERR_MODBUS_EXCEPTION', `Modbus ${context.request} to printer ${context.printer}: exception ${context.modbusCode}`, context)
    this.modbusCode = context.modbusCode
  }
}

/** The link broke or carried something that is not a valid answer (bad CRC, wrong length, garbage). */
export class PrinterLinkError extends PrinterError {
  constructor (message: string, context: { printer: string, request?: string }, options?: { cause?: unknown }) {
    super('LC_ERR_PRINTER_LINK', `printer ${context.printer}: ${message}`, context, options)
  }
}

/** The printer is not connected (or was closed): nothing was sent. */
export class PrinterOfflineError extends PrinterError {
  constructor (context: { printer: string, operation: string }) {
    super('LC_ERR_PRINTER_OFFLINE', `printer ${context.printer} is not connected (${context.operation})`, context)
  }
}

/** A record longer than the head's message slot: refused before a byte was written. */
export class DataTooLongError extends PrinterError {
  constructor (context: { printer: string, id: number, length: number, max: number }) {
    super('LC_ERR_PRINT_DATA_TOO_LONG', `printer ${context.printer}: code ${context.id} is ${context.length} characters, the message slot holds ${context.max}`, context)
  }
}

/** The head refused a record because its buffer is full (the line loaded more than `room()`). */
/** The code has a character the head's map does not accept (and no substitution for it): refused before any write. */
export class PrintDataCharsetError extends PrinterError {
  constructor (context: { printer: string, id: number, position: number, charCode: number }) {
    super('LC_ERR_PRINT_DATA_CHARSET', `printer ${context.printer}: code ${context.id} has character 0x${context.charCode.toString(16).padStart(2, '0')} at position ${context.position}, which the head's map does not accept`, context)
  }
}

export class BufferFullError extends PrinterError {
  constructor (context: { printer: string, id: number, bufferLevel: number }) {
    super('LC_ERR_PRINTER_BUFFER_FULL', `printer ${context.printer}: buffer full, code ${context.id} not accepted`, context)
  }
}

/** The device reported something the driver cannot reconcile (counter ran past the loaded records, buffer lost …). */
export class PrinterStateError extends PrinterError {
  constructor (message: string, context: Record<string, unknown> & { printer: string }) {
    super('LC_ERR_PRINTER_STATE', `printer ${context.printer}: ${message}`, context)
  }
}

/** A label printer did not answer `~HS`: media out, ribbon out, head open or over-temperature (Zebra ZPL manual, ~HS). */
export class ZplStatusTimeoutError extends PrinterError {
  constructor (context: { printer: string, timeoutMs: number }) {
    super('LC_ERR_ZPL_STATUS_TIMEOUT', `label printer ${context.printer} did not answer ~HS in ${context.timeoutMs} ms`, context)
  }
}

/** A label printer reported a fault while labels were pending; the label was not confirmed. */
export class LabelNotConfirmedError extends PrinterError {
  constructor (message: string, context: Record<string, unknown> & { printer: string }) {
    super('LC_ERR_LABEL_NOT_CONFIRMED', `label printer ${context.printer}: ${message}`, context)
  }
}

/** The printer configuration cannot be used (unknown driver, missing template …). */
export class PrinterConfigError extends PrinterError {
  constructor (message: string, context: Record<string, unknown> = {}) {
    super('LC_ERR_PRINTER_CONFIG', message, context)
  }
}

/**
 * A load() that failed after it started writing. Every item of that call is now the driver's: the ones accepted
 * are in the head, the rest are held back, and `clear()` accounts for each (printed, unprinted or uncertain).
 */
export class LoadInterruptedError extends PrinterError {
  constructor (context: { printer: string, accepted: number, notSent: number, uncertain: number }, cause: unknown) {
    super('LC_ERR_PRINTER_LOAD_INTERRUPTED', `printer ${context.printer}: load interrupted after ${context.accepted} records (${(cause as Error)?.message ?? String(cause)})`, context, { cause })
  }
}

/** A command to a printer got no answer within the configured timeout (text and framed vendor protocols; the link is then rebuilt). */
export class PrinterTimeoutError extends PrinterError {
  constructor (context: { printer: string, request: string, timeoutMs: number }) {
    super('LC_ERR_PRINTER_TIMEOUT', `printer ${context.printer}: no answer to ${context.request} in ${context.timeoutMs} ms`, context)
  }
}

/** The printer answered a command with its protocol's failure answer (NAK, ERR): the command was not carried out. */
export class PrinterRefusedError extends PrinterError {
  constructor (context: { printer: string, request: string, answer: string }) {
    super('LC_ERR_PRINTER_REFUSED', `printer ${context.printer}: ${context.request} refused (${context.answer})`, context)
  }
}
