// A simulated Videojet/Zipher machine speaking the Zipher Text Communications Protocol (revision 1.28, Videojet;
// stored copy pdfcoffee.com/zipher-text-coms-protocol-pdf-free.html, per-command responses as quoted in
// github.com/VolkovVik/Videojet6330App) over TCP or RS232 (one end of a pty pair). Written from the document, not
// from the driver: it parses its own command lines. Serialization mode: SHO sets the header, SID adds a record with
// its index, each trigger() (the product sensor's print-go) prints the oldest record, SLR gives the last index
// printed. Fault codes and texts are the simulator's own (the document leaves them to each machine).
import { EventEmitter } from 'node:events'
import type { Duplex } from 'node:stream'
import { DeviceListener } from './listener.ts'

export interface ZtcpSimOptions {
  /** Records the serialization buffer holds (SMR / SGM). */
  maxRecords?: number
  /** Total count at power-on. */
  totalCount?: number
  /** Prints left on the ribbon; Infinity never runs out. */
  ribbonPrints?: number
  ribbonLowAt?: number
  /** The job selected at power-on ('' = none). */
  job?: string
}

/** How the next commands are (mis)answered. */
export type ZtcpMisbehaviour =
  | { mode: 'err' } // the failure response to every command, nothing applied
  | { mode: 'silent' } // no answer, nothing applied
  | { mode: 'lose-answer' } // applied, answer lost
  | { mode: 'garbage' } // a line that is no answer, nothing applied
  | { mode: 'noise' } // bytes without a line end, nothing applied
  | { mode: 'disconnect' } // the connection closes
  | { mode: 'delay', ms: number }

export type ZtcpFault = 'ribbon-out' | 'printhead' | 'label-out'

const FAULT_LIST: Record<ZtcpFault, { code: string, text: string }> = {
  'ribbon-out': { code: '1001', text: 'Ribbon Out' },
  printhead: { code: '1002', text: 'Printhead Disconnected' },
  'label-out': { code: '1003', text: 'Label Media Out' },
}

export interface ZtcpSimPrint { index: number, code: string, total: number }

export class ZtcpPrinterSim extends EventEmitter {
  /** 0 shut down, 1 starting up, 2 shutting down, 3 running, 4 offline. */
  overall = 3
  job: string
  header: string[] = []
  records: Array<{ index: number, data: string[] }> = []
  lastPrinted = 0
  maxRecords: number
  totalCount: number
  batchCount = 0
  ribbonPrints: number
  readonly ribbonLowAt: number
  readonly faults = new Set<ZtcpFault>()
  readonly printed: ZtcpSimPrint[] = []
  missed = 0
  commands: string[] = []
  asyncEnabled = true
  #misbehave: { how: ZtcpMisbehaviour, left: number } | undefined
  readonly #link = new DeviceListener(stream => { this.handle(stream) })

  constructor (o: ZtcpSimOptions = {}) {
    super()
    this.maxRecords = o.maxRecords ?? 256
    this.totalCount = o.totalCount ?? 0
    this.ribbonPrints = o.ribbonPrints ?? Infinity
    this.ribbonLowAt = o.ribbonLowAt ?? 0
    this.job = o.job ?? 'MARKING'
  }

  misbehave (how: ZtcpMisbehaviour, count = Infinity): void { this.#misbehave = { how, left: count } }
  behave (): void { this.#misbehave = undefined }
  setFault (f: ZtcpFault, on = true): void { if (on) this.faults.add(f); else this.faults.delete(f) }

  /** Print-go: print the oldest record if the machine is running without faults. Returns the code, or undefined. */
  trigger (): string | undefined {
    const r = this.records[0]
    if (this.overall !== 3 || this.faults.size > 0 || r === undefined) { this.missed++; return undefined }
    this.records.shift()
    this.lastPrinted = r.index
    this.totalCount++
    this.batchCount++
    this.ribbonPrints--
    if (this.ribbonPrints <= 0) this.faults.add('ribbon-out')
    const p = { index: r.index, code: r.data[0] ?? '', total: this.totalCount }
    this.printed.push(p)
    this.emit('printed', p)
    return p.code
  }

  #warnings (): Array<{ code: string, text: string }> {
    return this.ribbonPrints <= this.ribbonLowAt && !this.faults.has('ribbon-out') ? [{ code: '2001', text: 'Ribbon Low' }] : []
  }

  #errorState (): number { return this.faults.size > 0 ? 2 : this.#warnings().length > 0 ? 1 : 0 }

  /** Answer one command line (without its CR); undefined = no answer. */
  answer (line: string): string | undefined {
    this.commands.push(line)
    const parts = line.split('|')
    const mne = parts[0] ?? ''
    // Parameters: every field after the mnemonic, each ended by '|' (so the last split element is empty).
    if (parts.length > 1 && parts[parts.length - 1] !== '') return 'ERR'
    const p = parts.slice(1, -1)
    const list = (tag: string, xs: Array<{ code: string, text: string }>): string => `${tag}|${xs.length}|${xs.map(x => `${x.code}|1|${x.text}|`).join('')}`
    switch (mne) {
      case 'GST': return p.length === 0 ? `STS|${this.overall}|${this.#errorState()}|${this.job}|${this.batchCount}|${this.totalCount}|` : 'ERR'
      case 'GFT': return list('FLT', [...this.faults].map(f => FAULT_LIST[f]))
      case 'GWN': return list('WRN', this.#warnings())
      case 'CAF': if (this.ribbonPrints > 0) this.faults.delete('ribbon-out'); return 'ACK'
      case 'CAW': return 'ACK'
      case 'DAN': this.asyncEnabled = false; return 'ACK'
      case 'SST': {
        const s = Number(p[0])
        if (p.length !== 1 || !((s === 3 && this.overall === 4) || (s === 4 && this.overall === 3))) return 'ERR'
        this.overall = s
        return 'ACK'
      }
      case 'SEL': if (p.length < 1 || p[0] === '') return 'ERR'; this.job = p[0] as string; this.records = []; return 'ACK'
      case 'SHO': if (p.length < 1) return 'ERR'; this.header = p; return 'ACK'
      case 'SID': {
        const index = p[0]
        if (index === undefined || !/^\d+$/.test(index) || this.job === '' || this.header.length === 0) return 'ERR'
        if (p.length - 1 !== this.header.length) return 'ERR'
        if (this.records.length >= this.maxRecords) return 'ERR'
        this.records.push({ index: Number(index), data: p.slice(1) })
        return 'ACK'
      }
      case 'SRC': return `SRC|${this.records.length}|`
      case 'SCB': this.records = []; return 'ACK'
      case 'SLR': return `SLR|${this.lastPrinted}|`
      case 'SNI': return `SNI|${this.records[0]?.index ?? this.lastPrinted + 1}|`
      case 'SGM': return `SGM|${this.maxRecords}|`
      case 'SMR': { const n = Number(p[0]); if (!Number.isInteger(n) || n < 1) return 'ERR'; this.maxRecords = n; return 'ACK' }
      case 'SFS': return `SFS|${Math.max(0, 65536 - this.records.reduce((a, r) => a + r.data.join('').length, 0))}|`
      default: return 'ERR'
    }
  }

  /** Serve one connection (TCP socket, serial port, in-memory stream). */
  handle (stream: Duplex): void {
    this.#link.track(stream)
    let buf = ''
    let chain = Promise.resolve()
    stream.on('data', (d: Buffer) => {
      buf += d.toString('latin1')
      for (let i = buf.indexOf('\r'); i >= 0; i = buf.indexOf('\r')) {
        const line = buf.slice(0, i).replace(/^\n/, '')
        buf = buf.slice(i + 1)
        chain = chain.then(async () => { await this.#serve(stream, line) })
      }
    })
    stream.on('error', () => {})
  }

  async #serve (stream: Duplex, line: string): Promise<void> {
    const m = this.#misbehave
    if (m !== undefined) {
      if (--m.left <= 0) this.#misbehave = undefined
      switch (m.how.mode) {
        case 'err': stream.write('ERR\r'); return
        case 'silent': return
        case 'garbage': stream.write('\x15?#\x7fXQ\r'); return
        case 'noise': stream.write(Buffer.alloc(5000, 0x55)); return
        case 'disconnect': stream.destroy(); return
        case 'delay': await new Promise(resolve => setTimeout(resolve, (m.how as { ms: number }).ms)); break
        case 'lose-answer': this.answer(line); return
      }
    }
    const a = this.answer(line)
    if (a !== undefined && !stream.destroyed) stream.write(Buffer.from(`${a}\r`, 'latin1'))
  }

  async listenTcp (port = 0, host = '127.0.0.1'): Promise<number> { return await this.#link.listenTcp(port, host) }
  async openSerial (path: string, baudRate = 9600): Promise<void> { await this.#link.openSerial(path, baudRate) }
  dropConnections (): void { this.#link.dropConnections() }
  async close (): Promise<void> { await this.#link.close() }
}
