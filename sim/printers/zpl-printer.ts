// A simulated ZPL label printer on TCP 9100 or a pty: parses what it receives, answers ~HS, runs out of paper,
// and renders every printed label's barcodes to PNG (bwip-js) for tests and the HMI.
import { EventEmitter } from 'node:events'
import type { Duplex } from 'node:stream'
import { StringDecoder } from 'node:string_decoder'
import bwipjs from 'bwip-js'
import { GS } from '../../line/codes/index.ts'
import { formatHostStatus } from '../../printers/zpl-label/host-status.ts'
import { DeviceListener } from './listener.ts'
import { type ZplBarcode, type ZplLabel, ZplParser } from './zpl-parse.ts'

export interface ZplPrinterSimOptions {
  /** Labels on the roll; Infinity never runs out. */
  labels?: number
}

export type ZplMisbehaviour =
  | { mode: 'silent' } // never answer ~HS
  | { mode: 'garbage' } // answer ~HS with noise
  | { mode: 'disconnect-mid-label' } // drop the connection when the next format starts

export interface PrintedLabel extends ZplLabel { index: number }

export class ZplPrinterSim extends EventEmitter {
  labelsLeft: number
  paperOut = false
  headOpen = false
  paused = false
  overTemperature = false
  /** Received formats waiting to print (paused, paper out, head open). */
  readonly queue: ZplLabel[] = []
  readonly printed: PrintedLabel[] = []
  statusRequests = 0
  misbehaviour: ZplMisbehaviour | undefined
  readonly #link = new DeviceListener(stream => { this.handle(stream) })

  constructor (o: ZplPrinterSimOptions = {}) {
    super()
    this.labelsLeft = o.labels ?? Infinity
  }

  /** Media out / head open / over-temperature: the printer goes silent on ~HS (domain note, ZPL manual ~HS). */
  get silent (): boolean { return this.paperOut || this.headOpen || this.overTemperature || this.misbehaviour?.mode === 'silent' }

  setPaperOut (on: boolean, reload = Infinity): void { this.paperOut = on; if (!on) this.labelsLeft = reload; this.#flush() }
  setHeadOpen (on: boolean): void { this.headOpen = on; this.#flush() }
  setPaused (on: boolean): void { this.paused = on; this.#flush() }

  get #canPrint (): boolean { return !this.paperOut && !this.headOpen && !this.paused && !this.overTemperature }

  #flush (): void {
    while (this.queue.length > 0 && this.#canPrint) {
      // In applicator mode (^MMA) a label waits for the applicator's start-print signal: trigger() below.
      if ((this.queue[0] as ZplLabel).printMode === 'A') break
      if (!this.#printOne()) break
    }
  }

  /** Print the front label; false when the roll is found empty (the printer finds out when it feeds the label). */
  #printOne (): PrintedLabel | null {
    if (this.labelsLeft <= 0) { this.paperOut = true; return null }
    const label = this.queue.shift() as ZplLabel
    const p = { ...label, index: this.printed.length }
    this.printed.push(p)
    this.emit('printed', p)
    this.labelsLeft--
    return p
  }

  /**
   * The applicator's start-print signal (the product at the applicator, from the same photocell as the PLC's
   * trigger): the waiting applicator-mode label is printed and applied. Returns the code on it (its Data Matrix),
   * or undefined when no label was waiting or the printer cannot print — the product then goes on unlabelled.
   */
  trigger (): string | undefined {
    const front = this.queue[0]
    if (front?.printMode !== 'A' || !this.#canPrint) return undefined
    const p = this.#printOne()
    this.#flush()
    return p?.barcodes.find(b => b.type === 'datamatrix')?.data
  }

  #answer (stream: Duplex): void {
    this.statusRequests++
    if (this.silent) return
    if (this.misbehaviour?.mode === 'garbage') { stream.write('\x15?garbage\x00\xff'); return }
    stream.write(formatHostStatus({
      paperOut: this.paperOut, paused: this.paused, formatsInBuffer: this.queue.length, bufferFull: false,
      underTemperature: false, overTemperature: this.overTemperature, headUp: this.headOpen, ribbonOut: false,
      labelsRemaining: this.queue.length,
    }))
  }

  handle (stream: Duplex): void {
    this.#link.track(stream)
    stream.on('error', () => {})
    const parser = new ZplParser()
    const utf8 = new StringDecoder('utf8') // ^CI28: field data is UTF-8, possibly split across chunks
    stream.on('data', (d: Buffer) => {
      const text = utf8.write(d)
      if (this.misbehaviour?.mode === 'disconnect-mid-label' && text.includes('^XA')) {
        this.misbehaviour = undefined
        stream.destroy() // the partial format is discarded, as a printer does when the link drops mid-format
        return
      }
      for (const ev of parser.push(text)) {
        if (ev.kind === 'tilde') {
          if (ev.command === 'HS') this.#answer(stream)
          else if (ev.command === 'JA') this.queue.length = 0
        } else {
          this.queue.push(ev.label)
          this.#flush()
        }
      }
    })
  }

  /** PNG of one barcode of a printed label (quiet zone and white background so decoders read it). */
  async png (label: ZplLabel, barcode = 0): Promise<Buffer> {
    const b = label.barcodes[barcode]
    if (b === undefined) throw new Error('label has no such barcode')
    return await renderBarcode(b)
  }

  /** ZPL over TCP (port 9100 on a real printer); port 0 picks a free one. Resolves with the port. */
  async listenTcp (port = 0, host = '127.0.0.1'): Promise<number> { return await this.#link.listenTcp(port, host) }

  /** ZPL over a serial device (one end of a socat pty pair in tests). */
  async openSerial (path: string, baudRate = 9600): Promise<void> { await this.#link.openSerial(path, baudRate) }

  /** Cut every open connection (cable pulled); the TCP server keeps listening. */
  dropConnections (): void { this.#link.dropConnections() }

  async close (): Promise<void> { await this.#link.close() }
}

export async function renderBarcode (b: ZplBarcode): Promise<Buffer> {
  const common = { scale: 4, backgroundcolor: 'FFFFFF', paddingwidth: 12, paddingheight: 12 }
  if (b.type === 'gs1-128') return await bwipjs.toBuffer({ ...common, bcid: 'gs1-128', text: `(00)${b.data.slice(2)}`, height: 12, includetext: true })
  // parsefnc: ^FNC1 first makes it a GS1 DataMatrix; inner separators are FNC1 too.
  const text = (b.gs1 ? '^FNC1' : '') + b.data.split(GS).join('^FNC1')
  return await bwipjs.toBuffer({ ...common, bcid: 'datamatrix', text, parsefnc: true })
}
