// One Modbus connection to a head: a fresh modbus-serial client per connect, one request in flight, a timeout on each.
import type { ModbusRTU as Client } from 'modbus-serial/ModbusRTU.js'
import modbusSerial from 'modbus-serial'
import type { TransportConfig } from '../transport.ts'
import { ModbusExceptionError, ModbusTimeoutError, PrinterLinkError, PrinterOfflineError } from '../errors.ts'

// The package is CommonJS (`module.exports = ModbusRTU`); its typings describe an ES default export.
const ModbusRTU = modbusSerial as unknown as new () => Client

/** Opens a modbus-serial client over TCP or RTU: the driver never knows which. */
export type ModbusConnector = (client: Client) => Promise<void>

export function modbusTcp (host: string, port: number, timeoutMs: number): ModbusConnector {
  return async client => { await client.connectTCP(host, { port, timeout: timeoutMs }) }
}

export function modbusRtu (o: { path: string, baudRate: number, dataBits?: 7 | 8, parity?: 'none' | 'even' | 'odd', stopBits?: 1 | 2 }): ModbusConnector {
  return async client => { await client.connectRTUBuffered(o.path, { baudRate: o.baudRate, dataBits: o.dataBits ?? 8, parity: o.parity ?? 'none', stopBits: o.stopBits ?? 1 }) }
}

export function modbusConnectorFor (transport: TransportConfig, timeoutMs: number): ModbusConnector {
  return transport.kind === 'tcp' ? modbusTcp(transport.host, transport.port, timeoutMs) : modbusRtu(transport)
}

/**
 * modbus-serial does not queue: two requests on one connection mix their answers. Every request goes through
 * `request()`, which chains them; a timeout or a broken frame closes the client for good (a late answer would
 * otherwise be taken for the next request's), and the owner opens a new link.
 */
export class ModbusLink {
  #client: Client | undefined
  #chain: Promise<unknown> = Promise.resolve()
  #dead = false
  onLost: ((err: Error) => void) | undefined

  constructor (readonly printer: string, readonly unitId: number, readonly timeoutMs: number) {}

  get alive (): boolean { return !this.#dead && this.#client !== undefined }

  async open (connector: ModbusConnector): Promise<void> {
    const client = new ModbusRTU()
    client.setID(this.unitId)
    client.setTimeout(this.timeoutMs)
    // A socket error or close is reported as a lost link, never thrown at the process.
    client.on('error', (err: unknown) => { this.#lose(err instanceof Error ? err : new Error(String(err))) })
    client.on('close', () => { this.#lose(new PrinterLinkError('connection closed', { printer: this.printer })) })
    try {
      await withTimeout(connector(client), this.timeoutMs * 2, () => new PrinterLinkError('connect timed out', { printer: this.printer }))
    } catch (err) {
      destroy(client)
      throw err instanceof PrinterLinkError ? err : new PrinterLinkError('connect failed', { printer: this.printer }, { cause: err })
    }
    this.#client = client
  }

  /** Run one request after every earlier one has settled. */
  async request<T> (name: string, fn: (client: Client) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const client = this.#client
      if (this.#dead || client === undefined) throw new PrinterOfflineError({ printer: this.printer, operation: name })
      try {
        // modbus-serial has its own timeout; ours also covers a client that never calls back.
        return await withTimeout(fn(client), this.timeoutMs + 50, () => new ModbusTimeoutError({ printer: this.printer, request: name, timeoutMs: this.timeoutMs }))
      } catch (err) {
        const e = classify(err, this.printer, name, this.timeoutMs)
        if (!(e instanceof ModbusExceptionError)) this.#lose(e)
        throw e
      }
    }
    const p = this.#chain.then(run, run)
    this.#chain = p.catch(() => undefined)
    return await p
  }

  close (): void {
    this.#dead = true
    const c = this.#client
    this.#client = undefined
    if (c !== undefined) destroy(c)
  }

  #lose (err: Error): void {
    if (this.#dead) return
    this.close()
    this.onLost?.(err)
  }
}

function destroy (client: Client): void {
  const emitter = client as unknown as import('node:events').EventEmitter
  emitter.removeAllListeners('error')
  emitter.removeAllListeners('close')
  client.on('error', () => {}) // a late socket error after close must not become an unhandled 'error'
  // TCP ports implement destroy(); the buffered RTU port does not, so close() as well or the serial fd stays open.
  try { client.destroy(() => {}) } catch { /* already gone */ }
  try { client.close(() => {}) } catch { /* already closed */ }
}

function classify (err: unknown, printer: string, request: string, timeoutMs: number): Error {
  if (err instanceof ModbusTimeoutError || err instanceof PrinterOfflineError || err instanceof PrinterLinkError) return err
  const e = err as { modbusCode?: unknown, errno?: unknown, name?: unknown, message?: unknown }
  if (typeof e?.modbusCode === 'number') return new ModbusExceptionError({ printer, request, modbusCode: e.modbusCode })
  if (e?.errno === 'ETIMEDOUT' || e?.name === 'TransactionTimedOutError') return new ModbusTimeoutError({ printer, request, timeoutMs })
  return new PrinterLinkError(`bad answer to ${request}: ${String(e?.message ?? err)}`, { printer, request }, { cause: err })
}

async function withTimeout<T> (p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([p, new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(onTimeout()), ms) })])
  } finally {
    clearTimeout(timer)
  }
}
