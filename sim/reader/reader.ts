// A fixed-mount code reader (Cognex DataMan / Keyence SR-X style) for tests of the TCP bridge: a TCP result port that
// sends one configured result string per trigger to every connected client, with faults on demand.

import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { ResultFormat, type ReaderFormatInput } from '../../verifiers/bridges/result-format.ts'
import type { Grade } from '../../verifiers/types.ts'

export interface SimReaderOptions {
  host?: string
  /** 0 picks a free port. */
  port?: number
  format?: ReaderFormatInput
}

export class SimReader {
  readonly #o: SimReaderOptions
  readonly format: ResultFormat
  readonly #server: Server
  readonly #clients = new Set<Socket>()
  port = 0

  constructor (options: SimReaderOptions = {}) {
    this.#o = options
    this.format = new ResultFormat(options.format ?? {})
    this.#server = createServer(s => {
      this.#clients.add(s)
      s.on('error', () => {})
      s.on('close', () => this.#clients.delete(s))
    })
  }

  get clients (): number { return this.#clients.size }

  async start (): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject)
      this.#server.listen(this.#o.port ?? 0, this.#o.host ?? '127.0.0.1', () => { this.#server.off('error', reject); resolve() })
    })
    this.port = (this.#server.address() as AddressInfo).port
  }

  /** One trigger's result; `split` sends it in two TCP writes, as a busy reader sometimes does. */
  trigger (r: { seq: number, code: string | null, grade: Grade, params?: Record<string, Grade>, symbology?: string }, split = false): void {
    this.send(this.format.render(r), split)
  }

  /** Raw bytes (garbage, partial lines). */
  send (text: string, split = false): void {
    for (const c of this.#clients) {
      if (split && text.length > 2) {
        const mid = Math.floor(text.length / 2)
        c.write(text.slice(0, mid), 'latin1')
        setImmediate(() => c.write(text.slice(mid), 'latin1'))
      } else {
        c.write(text, 'latin1')
      }
    }
  }

  /** Drop every connection (reader power cycle, cable pulled). */
  dropClients (): void {
    for (const c of this.#clients) c.destroy()
    this.#clients.clear()
  }

  async stop (): Promise<void> {
    this.dropClients()
    await new Promise<void>(resolve => this.#server.close(() => resolve()))
  }
}
