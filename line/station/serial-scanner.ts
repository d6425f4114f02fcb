// A scanner on a serial port (RS-232, or a USB scanner in virtual COM mode) or behind a serial-to-Ethernet server:
// it sends each read as `[prefix][AIM id]<data>[suffix]` in ASCII, the suffix being CR, LF or CR LF (Honeywell
// Xenon/Granit user guide, "Data Editing — Prefix/Suffix Overview": interface plug-and-play codes program a CR/LF
// suffix; Intermec ScanPlus 1800 installation manual §4 "Data transmission settings RS-232": postamble CR+LF by
// default, CR or LF selectable). GS inside a GS1 code is sent as the byte 0x1D. This module frames the byte stream
// into reads, refuses what cannot be a read (overlong, binary, no terminator in time), and reopens the port when it
// goes away. It decides nothing: each read goes to the station service.

import type { Duplex } from 'node:stream'
import { streamFor, type TransportConfig } from '../../printers/transport.ts'
import type { AlarmBook } from '../alarms/alarms.ts'
import { TypedEmitter } from '../events.ts'
import type { Logger } from '../log.ts'

export interface SerialScannerOptions {
  id: string
  transport: TransportConfig
  terminator: 'cr' | 'lf' | 'crlf' | 'any'
  maxLength: number
  partialTimeoutMs: number
  reconnectMs: number
  alarms: Pick<AlarmBook, 'raise' | 'clear'>
  log: Logger
}

export interface SerialScannerEvents {
  /** One read, terminator taken off, as the scanner sent it (GS kept). */
  read: [string]
  /** Bytes refused before they could become a read: why, and a printable preview. */
  refused: [{ reason: 'overlong' | 'binary' | 'partial', preview: string }]
  online: [boolean]
}

const CR = 0x0d
const LF = 0x0a

export class SerialScanner extends TypedEmitter<SerialScannerEvents> {
  readonly id: string
  readonly #o: SerialScannerOptions
  #stream: Duplex | null = null
  #closed = false
  #timer: NodeJS.Timeout | null = null
  #partialTimer: NodeJS.Timeout | null = null
  /** The read being received; null while discarding the rest of a refused line up to its terminator. */
  #buf: number[] | null = []
  #discarding: 'overlong' | 'binary' | null = null
  #lastWasCr = false

  constructor (options: SerialScannerOptions) {
    super()
    this.id = options.id
    this.#o = options
  }

  get online (): boolean { return this.#stream !== null }

  /** Open the port; a port that does not open is retried every reconnectMs (the alarm says so meanwhile). */
  start (): void {
    this.#closed = false
    void this.#open()
  }

  async #open (): Promise<void> {
    if (this.#closed) return
    try {
      const stream = await streamFor(this.#o.transport, 2000)()
      if (this.#closed) { stream.destroy(); return }
      this.#stream = stream
      this.#reset()
      stream.on('data', (chunk: Buffer) => { this.#bytes(chunk) })
      stream.once('close', () => { this.#lost(new Error('port closed')) })
      stream.on('error', err => { this.#lost(err) })
      this.#o.alarms.clear('SCANNER_OFFLINE', this.id)
      this.#o.log.info({ scanner: this.id }, 'scanner port open')
      this.emit('online', true)
    } catch (err) {
      this.#lost(err)
    }
  }

  #lost (err: unknown): void {
    const had = this.#stream
    this.#stream = null
    if (had !== null) { had.removeAllListeners('data'); had.destroy(); this.emit('online', false) }
    if (this.#closed || this.#timer !== null) return
    this.#o.log.warn({ err, scanner: this.id }, 'scanner port not open; retrying')
    this.#o.alarms.raise({ code: 'SCANNER_OFFLINE', source: this.id, params: { scanner: this.id }, detail: { error: (err as Error).message } })
    this.#timer = setTimeout(() => { this.#timer = null; void this.#open() }, this.#o.reconnectMs)
  }

  #reset (): void {
    this.#buf = []
    this.#discarding = null
    this.#lastWasCr = false
    if (this.#partialTimer !== null) { clearTimeout(this.#partialTimer); this.#partialTimer = null }
  }

  #isEnd (b: number): boolean {
    const t = this.#o.terminator
    if (t === 'cr') return b === CR
    if (t === 'lf' || t === 'crlf') return b === LF
    return b === CR || b === LF
  }

  #bytes (chunk: Buffer): void {
    for (const b of chunk) {
      // CR LF is one terminator: the LF after a CR that ended a read ends nothing
      if (b === LF && this.#lastWasCr && this.#o.terminator === 'any') { this.#lastWasCr = false; continue }
      this.#lastWasCr = b === CR
      if (this.#isEnd(b)) { this.#end(); continue }
      if (b === CR && this.#o.terminator === 'crlf') continue // the CR of CR LF
      if (this.#discarding !== null) continue
      const buf = this.#buf ?? (this.#buf = [])
      // printable ASCII and GS only: anything else is line noise, a wrong baud rate or parity, or not a scanner
      if (!(b === 0x1d || (b >= 0x20 && b <= 0x7e))) { this.#refuse('binary'); continue }
      if (buf.length >= this.#o.maxLength) { this.#refuse('overlong'); continue }
      buf.push(b)
      this.#armPartial()
    }
  }

  #armPartial (): void {
    if (this.#partialTimer !== null) return
    this.#partialTimer = setTimeout(() => {
      this.#partialTimer = null
      if ((this.#buf?.length ?? 0) > 0 || this.#discarding !== null) {
        const reason = this.#discarding ?? 'partial'
        this.#emitRefused(reason)
        this.#reset()
      }
    }, this.#o.partialTimeoutMs)
  }

  #refuse (reason: 'overlong' | 'binary'): void {
    this.#discarding = reason
    this.#armPartial()
  }

  #end (): void {
    const buf = this.#buf ?? []
    if (this.#discarding !== null) {
      this.#emitRefused(this.#discarding)
    } else if (buf.length > 0) {
      const text = Buffer.from(buf).toString('latin1')
      this.#reset()
      this.#o.alarms.clear('SCANNER_INPUT', this.id)
      this.emit('read', text)
      return
    }
    this.#reset()
  }

  #emitRefused (reason: 'overlong' | 'binary' | 'partial'): void {
    const preview = Buffer.from((this.#buf ?? []).slice(0, 60)).toString('latin1').replace(/[^\x20-\x7e]/g, '·')
    this.#o.log.warn({ scanner: this.id, reason, preview }, 'scanner input refused')
    this.#o.alarms.raise({ code: 'SCANNER_INPUT', source: this.id, params: { scanner: this.id, reason: REFUSAL_TEXT[reason] }, detail: { preview } })
    this.emit('refused', { reason, preview })
  }

  async close (): Promise<void> {
    this.#closed = true
    if (this.#timer !== null) { clearTimeout(this.#timer); this.#timer = null }
    if (this.#partialTimer !== null) { clearTimeout(this.#partialTimer); this.#partialTimer = null }
    const s = this.#stream
    this.#stream = null
    if (s !== null) {
      s.removeAllListeners('close')
      await new Promise<void>(resolve => { s.once('close', () => resolve()); s.destroy(); setTimeout(resolve, 500).unref() })
    }
  }
}

const REFUSAL_TEXT = {
  overlong: { ru: 'строка длиннее допустимой', en: 'line too long' },
  binary: { ru: 'двоичные или управляющие символы', en: 'binary or control characters' },
  partial: { ru: 'строка без окончания (CR/LF)', en: 'line without its terminator (CR/LF)' },
} as const
