// Incremental ZPL II parser for the simulator: formats (^XA…^XZ) with their barcodes and texts, and tilde commands.
import { GS } from '../../line/codes/index.ts'

export interface ZplBarcode {
  type: 'datamatrix' | 'gs1-128'
  /** Decoded content: GS between fields, no leading FNC1 (GS1-128: digits without brackets). */
  data: string
  /** A leading FNC1 was encoded: the symbol reads back as `]d2` / `]C1`. */
  gs1: boolean
  /** The ^FD text as sent. */
  raw: string
}

export interface ZplLabel {
  barcodes: ZplBarcode[]
  texts: string[]
  zpl: string
  /** ^MM print mode (ZPL II Programming Guide, ^MM): `A` applicator — the label waits for the start-print signal. */
  printMode?: string
}

export type ZplEvent = { kind: 'label', label: ZplLabel } | { kind: 'tilde', command: string }

const NO_PARAMS = new Set(['XA', 'XZ', 'HS', 'JA', 'FS'])

/** Decode ^FH hex escapes (`<indicator>XX`), which ZPL applies before barcode escapes. */
export function decodeFh (data: string, indicator: string): string {
  let out = ''
  for (let i = 0; i < data.length; i++) {
    if (data[i] === indicator && /^[0-9A-Fa-f]{2}$/.test(data.slice(i + 1, i + 3))) {
      out += String.fromCharCode(parseInt(data.slice(i + 1, i + 3), 16))
      i += 2
    } else out += data[i]
  }
  return out
}

/** ^BX escape sequences: `<g>1` FNC1 (GS inside, GS1 marker when first), `<g><g>` a literal escape character. */
export function decodeDataMatrix (data: string, escape: string | undefined): { data: string, gs1: boolean } {
  if (escape === undefined || escape === '') return { data, gs1: false }
  let out = ''
  let gs1 = false
  for (let i = 0; i < data.length; i++) {
    const c = data[i] as string
    if (c !== escape) { out += c; continue }
    const n = data[i + 1]
    if (n === escape) { out += escape; i++ } else if (n === '1') {
      if (i === 0) gs1 = true; else out += GS
      i++
    } else out += c
  }
  return { data: out, gs1 }
}

export class ZplParser {
  #buf = ''
  #format: string | undefined
  #label: ZplLabel | undefined
  #pending: { type: 'datamatrix' | 'gs1-128', escape?: string } | undefined
  #fh: string | undefined
  #fd: string | undefined

  /** Feed bytes; returns completed labels and tilde commands, in order. */
  push (chunk: string): ZplEvent[] {
    this.#buf += chunk
    const out: ZplEvent[] = []
    let i = this.#next(0)
    while (i >= 0 && i + 3 <= this.#buf.length) {
      const prefix = this.#buf[i] as string
      const code = this.#buf.slice(i + 1, i + 3).toUpperCase()
      let end: number
      let params: string
      if (NO_PARAMS.has(code)) { end = i + 3; params = '' } else {
        const j = this.#next(i + 1)
        if (j < 0) break // parameters may still be arriving
        end = j
        params = this.#buf.slice(i + 3, j)
      }
      const text = this.#buf.slice(i, end)
      if (prefix === '~') out.push({ kind: 'tilde', command: code })
      else this.#caret(code, params, text, out)
      i = this.#next(end)
      if (i < 0) { this.#buf = ''; break }
      this.#buf = this.#buf.slice(i)
      i = 0
    }
    if (this.#buf.length > 1 << 20) this.#buf = '' // a runaway stream without commands
    return out
  }

  #next (from: number): number {
    for (let k = from; k < this.#buf.length; k++) { const c = this.#buf[k]; if (c === '^' || c === '~') return k }
    return -1
  }

  #caret (code: string, params: string, text: string, out: ZplEvent[]): void {
    if (code === 'XA') { this.#format = text; this.#label = { barcodes: [], texts: [], zpl: '' }; return }
    if (this.#label === undefined || this.#format === undefined) return // outside a format: ignored, as a printer does
    this.#format += text
    switch (code) {
      case 'XZ': {
        this.#label.zpl = this.#format
        out.push({ kind: 'label', label: this.#label })
        this.#label = undefined
        this.#format = undefined
        return
      }
      case 'MM': { const mode = params.split(',')[0]?.trim().toUpperCase(); if (mode !== undefined && mode !== '') this.#label.printMode = mode; return }
      case 'BX': this.#pending = { type: 'datamatrix', escape: params.split(',')[6] ?? '~' }; return
      case 'BC': this.#pending = { type: 'gs1-128' }; return
      case 'FH': this.#fh = params.length > 0 ? params[0] : '_'; return
      case 'FD': this.#fd = params; return
      case 'FS': {
        let d = this.#fd ?? ''
        if (this.#fh !== undefined) d = decodeFh(d, this.#fh)
        const p = this.#pending
        if (p?.type === 'datamatrix') {
          const { data, gs1 } = decodeDataMatrix(d, p.escape)
          this.#label.barcodes.push({ type: 'datamatrix', data, gs1, raw: this.#fd ?? '' })
        } else if (p?.type === 'gs1-128') {
          this.#label.barcodes.push({ type: 'gs1-128', data: d.replace(/[()]/g, ''), gs1: true, raw: this.#fd ?? '' })
        } else if (this.#fd !== undefined) this.#label.texts.push(d)
        this.#pending = undefined
        this.#fh = undefined
        this.#fd = undefined
      }
    }
  }
}
