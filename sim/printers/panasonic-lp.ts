// A simulated Panasonic laser marker (LP-GS series) in LP-400/V compatible command mode, per "Laser Marker Serial
// Communication Command Guide, LP-400/V compatible mode", ME-LP-GS-SR-COMP-3 (stored copy
// manualshive.com/en/manual/panasonic/lp-gs-series/3637167), over TCP or RS-232C (one end of a pty pair). Written
// from the manual, not from the driver: it reads its own frames. The selected file marks a 2D code whose characters
// come from SIN commands ("Characters specified by SIN command", string No. 00 by default): the trigger is ready only
// when every SIN string of the file has its data; each trigger() (the product sensor) marks them and uses them up;
// with MST on, the end of each marking is reported (MST A 0000, or MST A Exxx when the marking fails).
// Alarm codes are the simulator's own choice among the manual's E001–E999.
import { EventEmitter } from 'node:events'
import type { Duplex } from 'node:stream'
import { DeviceListener } from './listener.ts'

export interface LpSimOptions {
  /** Check sum on every frame (the marker's RS-232C setting). */
  checksum?: boolean
  /** The SIN string numbers set in the selected file (their data is joined in this order). */
  stringNos?: number[]
}

/** How the next requests are (mis)answered. */
export type LpMisbehaviour =
  | { mode: 'nak', code: string } // a negative answer with this code, nothing applied
  | { mode: 'silent' } // no answer, nothing applied
  | { mode: 'lose-answer' } // applied, answer lost
  | { mode: 'garbage' } // a frame that is no answer, nothing applied
  | { mode: 'noise' } // bytes without an end code, nothing applied
  | { mode: 'disconnect' } // the connection closes
  | { mode: 'delay', ms: number }

export interface LpSimMark { code: string, n: number }

function sum (text: string): string {
  let s = 0
  for (const ch of text) s = (s + ch.charCodeAt(0)) % 256
  return s.toString(16).toUpperCase().padStart(2, '0')
}

export class LpMarkerSim extends EventEmitter {
  shutterOpen = true
  /** 0 off, 1 preparing, 2 completed. */
  pumping: 0 | 1 | 2 = 2
  /** An alarm (E001–E999) until resetAlarm(). */
  alarm: string | undefined
  /** Command reception permission ON (MKM S 0): the trigger is not ready. */
  receptionOn = false
  mstEnabled = false
  readonly checksum: boolean
  readonly stringNos: number[]
  readonly sin = new Map<number, string>()
  readonly marked: LpSimMark[] = []
  readonly aborted: Array<{ code: string, error: string }> = []
  missed = 0
  frames: string[] = []
  #failNext: string | undefined
  #misbehave: { how: LpMisbehaviour, left: number, command: string | undefined } | undefined
  readonly #streams = new Set<Duplex>()
  readonly #link = new DeviceListener(stream => { this.handle(stream) })

  constructor (o: LpSimOptions = {}) {
    super()
    this.checksum = o.checksum ?? false
    this.stringNos = o.stringNos ?? [0]
  }

  /** What physically came out (the contract's printedCodes()). */
  get printed (): LpSimMark[] { return this.marked }

  get triggerReady (): boolean {
    return this.shutterOpen && this.pumping === 2 && this.alarm === undefined && !this.receptionOn && this.stringNos.every(n => this.sin.has(n))
  }

  /** Misanswer the next `count` requests (only those of `command`, when given). */
  misbehave (how: LpMisbehaviour, count = Infinity, command?: string): void { this.#misbehave = { how, left: count, command } }
  behave (): void { this.#misbehave = undefined }
  /** The next marking stops with this alarm (a partial mark), reported as MST A <alarm>. */
  failNextMarking (alarm = 'E400'): void { this.#failNext = alarm }
  resetAlarm (): void { this.alarm = undefined }
  /** Closing the shutter resets the SIN data (manual p. 73). */
  setShutter (open: boolean): void { this.shutterOpen = open; if (!open) this.sin.clear() }

  /** The product sensor: mark the SIN data if the trigger is ready. Returns the code marked, or undefined. */
  trigger (): string | undefined {
    if (!this.triggerReady) { this.missed++; return undefined }
    const code = this.stringNos.map(n => this.sin.get(n) ?? '').join('')
    this.sin.clear()
    const fail = this.#failNext
    this.#failNext = undefined
    if (fail !== undefined) {
      this.alarm = fail
      this.aborted.push({ code, error: fail })
      this.#announce(fail)
      return undefined
    }
    const m = { code, n: this.marked.length + 1 }
    this.marked.push(m)
    this.emit('marked', m)
    this.#announce('0000')
    return code
  }

  #frame (body: string): string { return `${body}${this.checksum ? sum(body) : ''}\r` }

  #announce (status: string): void {
    if (!this.mstEnabled) return
    for (const s of this.#streams) if (!s.destroyed) s.write(Buffer.from(this.#frame(`\x02MSTA${status}`), 'latin1'))
  }

  /** Answer one frame (without its end code): the answer body without check sum and end code, or undefined. */
  answer (frame: string): string | undefined {
    this.frames.push(frame)
    const nak = (code: string): string => `\x15${code}`
    const ack = '\x0600'
    if (!frame.startsWith('\x02')) return nak('01')
    let body = frame
    if (this.checksum) {
      body = frame.slice(0, -2)
      if (sum(body) !== frame.slice(-2)) return nak('05')
    }
    const cmd = body.slice(1, 4)
    const sub = body.slice(4, 5)
    const data = body.slice(5)
    if (sub !== 'S' && sub !== 'R') return nak('08')
    switch (cmd) {
      case 'MST':
        if (sub === 'R') return data === '' ? `\x02MSTA${this.mstEnabled ? 1 : 0}` : nak('06')
        if (data !== '0' && data !== '1') return nak('09')
        this.mstEnabled = data === '1'
        return ack
      case 'STS': {
        if (sub !== 'R') return nak('08')
        if (data !== '') return nak('06')
        const reception = this.shutterOpen && !this.receptionOn ? 1 : 0
        return `\x02STSA${this.alarm !== undefined ? 1 : 0}${this.pumping}${reception}${this.triggerReady ? 1 : 0}0`
      }
      case 'MKM':
        if (sub === 'R') return `\x02MKMA${this.shutterOpen && !this.receptionOn ? 1 : 0}`
        if (data !== '0' && data !== '1') return nak('09')
        if (!this.shutterOpen) return nak('03')
        this.receptionOn = data === '0'
        if (this.receptionOn) this.sin.clear()
        return ack
      case 'SIN': {
        if (sub !== 'S') return nak('08')
        const no = /^(\d\d)/.exec(data)
        if (no === null) return nak('09')
        const n = Number(no[1])
        const chars = data.slice(2)
        if (!this.shutterOpen || this.receptionOn || !this.stringNos.includes(n) || this.sin.has(n)) return nak('11')
        if (this.alarm !== undefined) return nak('10')
        if (chars.length > 99 || /[^\x20-\x7e\x1d]/.test(chars)) return nak('09')
        this.sin.set(n, chars)
        return ack
      }
      default: return nak('04')
    }
  }

  /** Serve one connection (TCP socket, serial port, in-memory stream). */
  handle (stream: Duplex): void {
    this.#link.track(stream)
    this.#streams.add(stream)
    stream.once('close', () => this.#streams.delete(stream))
    let buf = ''
    let chain = Promise.resolve()
    stream.on('data', (d: Buffer) => {
      buf += d.toString('latin1')
      for (let i = buf.indexOf('\r'); i >= 0; i = buf.indexOf('\r')) {
        const frame = buf.slice(0, i).replace(/^\n/, '')
        buf = buf.slice(i + 1)
        chain = chain.then(async () => { await this.#serve(stream, frame) })
      }
    })
    stream.on('error', () => {})
  }

  async #serve (stream: Duplex, frame: string): Promise<void> {
    const m = this.#misbehave
    if (m !== undefined && (m.command === undefined || frame.slice(1, 4) === m.command)) {
      if (--m.left <= 0) this.#misbehave = undefined
      switch (m.how.mode) {
        case 'nak': this.frames.push(frame); stream.write(Buffer.from(this.#frame(`\x15${m.how.code}`), 'latin1')); return
        case 'silent': return
        case 'garbage': stream.write('\x06?#\x7fXQ\r'); return
        case 'noise': stream.write(Buffer.alloc(3000, 0x55)); return
        case 'disconnect': stream.destroy(); return
        case 'delay': await new Promise(resolve => setTimeout(resolve, (m.how as { ms: number }).ms)); break
        case 'lose-answer': this.answer(frame); return
      }
    }
    const a = this.answer(frame)
    if (a !== undefined && !stream.destroyed) stream.write(Buffer.from(this.#frame(a), 'latin1'))
  }

  async listenTcp (port = 0, host = '127.0.0.1'): Promise<number> { return await this.#link.listenTcp(port, host) }
  async openSerial (path: string, baudRate = 9600): Promise<void> { await this.#link.openSerial(path, baudRate) }
  dropConnections (): void { this.#link.dropConnections() }
  async close (): Promise<void> { await this.#link.close() }
}
