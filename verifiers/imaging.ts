// Images of marking codes, shared by the camera simulator and any image-based verifier: render a code as a GS1
// DataMatrix (bwip-js) and decode a greyscale image (zxing-wasm, loaded from node_modules: no network at run time).

import bwipjs from 'bwip-js'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { prepareZXingModule, readBarcodes, type ReadResult } from 'zxing-wasm/reader'
import { GS } from '../line/domain/gs1.ts'
import { DecoderLoadError, ImageRenderError } from './errors.ts'

/** An 8-bit greyscale image, one byte per pixel, 255 = white. */
export interface GreyImage {
  data: Uint8Array
  width: number
  height: number
}

export interface RenderOptions {
  /** Pixels per module (default 6, what a line camera typically sees). */
  moduleSize?: number
  /** Quiet zone in modules on each side (ISO/IEC 16022 asks for at least 1; default 2). */
  quietZone?: number
  /** false for codes that are not GS1 (tobacco packs): no leading FNC1, read back as ]d1. */
  gs1?: boolean
}

export interface RenderedCode {
  png: Buffer
}

/**
 * Render `raw` (GS between fields, no FNC1) as a DataMatrix PNG on white with a quiet zone. FNC1 is encoded with
 * bwip-js `parsefnc`: a leading FNC1 makes it a GS1 DataMatrix, and each GS becomes FNC1 as GS1 requires.
 * (`^` is outside the marking-code character set, so it cannot collide with data.)
 */
export async function renderCode (raw: string, options: RenderOptions = {}): Promise<RenderedCode> {
  const module = options.moduleSize ?? 6
  const quiet = options.quietZone ?? 2
  const gs1 = options.gs1 ?? true
  if (raw.includes('^')) throw new ImageRenderError('a marking code cannot contain "^"', { raw })
  const text = bwipText(raw, gs1)
  try {
    // bwip-js draws a DataMatrix module 2 units wide: scale = pixels per module / 2. Transparent by default: set white.
    const png = await bwipjs.toBuffer({
      bcid: 'datamatrix',
      text,
      parsefnc: true,
      scale: module / 2,
      padding: quiet * module / (module / 2),
      backgroundcolor: 'FFFFFF',
    })
    return { png }
  } catch (err) {
    throw new ImageRenderError(`bwip-js cannot render the code: ${(err as Error).message ?? String(err)}`, { raw }, { cause: err })
  }
}

/** bwip-js input for `raw`: FNC1 first for GS1, and FNC1 for every GS. */
function bwipText (raw: string, gs1: boolean): string {
  return gs1 ? '^FNC1' + raw.split(GS).join('^FNC1') : raw
}

/**
 * The ideal module matrix of `raw` as bwip-js encodes it (< 128 dark), for grading against what the camera saw.
 * Null when bwip-js refuses the data.
 */
export function idealMatrix (raw: string, gs1 = true): { data: Uint8Array, width: number, height: number } | null {
  try {
    const sym = bwipjs.raw({ bcid: 'datamatrix', text: bwipText(raw, gs1), parsefnc: true })[0] as { pixs?: number[], pixx?: number, pixy?: number } | undefined
    if (sym?.pixs === undefined || sym.pixx === undefined || sym.pixy === undefined) return null
    const data = new Uint8Array(sym.pixs.length)
    for (let i = 0; i < data.length; i++) data[i] = sym.pixs[i] === 1 ? 0 : 255
    return { data, width: sym.pixx, height: sym.pixy }
  } catch {
    return null
  }
}

/**
 * Render `raw` straight into a greyscale raster (no PNG round trip): the bwip-js module matrix drawn at
 * `moduleSize` px per module on white with a quiet zone. What the camera simulator uses per item.
 */
export function renderGrey (raw: string, options: RenderOptions = {}): GreyImage {
  const m = idealMatrix(raw, options.gs1 ?? true)
  if (m === null) throw new ImageRenderError('bwip-js cannot encode the code', { raw })
  const px = Math.max(1, Math.round(options.moduleSize ?? 6))
  const q = (options.quietZone ?? 2) * px
  const width = m.width * px + 2 * q
  const height = m.height * px + 2 * q
  const data = new Uint8Array(width * height).fill(255)
  for (let i = 0; i < m.height; i++) {
    for (let j = 0; j < m.width; j++) {
      if ((m.data[i * m.width + j] as number) >= 128) continue
      for (let y = 0; y < px; y++) {
        const row = (q + i * px + y) * width + q + j * px
        data.fill(0, row, row + px)
      }
    }
  }
  return { data, width, height }
}

let loading: Promise<void> | null = null

/** Load zxing_reader.wasm from node_modules once per process (idempotent). */
export function loadDecoder (): Promise<void> {
  loading ??= (async () => {
    const require = createRequire(import.meta.url)
    let path = ''
    try {
      path = require.resolve('zxing-wasm/reader/zxing_reader.wasm')
      const bin = await readFile(path)
      const wasmBinary = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer
      await prepareZXingModule({ overrides: { wasmBinary }, fireImmediately: true })
    } catch (err) {
      loading = null
      throw new DecoderLoadError('cannot load the DataMatrix decoder (zxing_reader.wasm)', { path }, { cause: err })
    }
  })()
  return loading
}

export interface Decoded {
  /** Raw data, GS between fields, without the symbology identifier. */
  text: string
  /** ISO/IEC 15424 identifier: ]d2 for a GS1 DataMatrix, ]d1 for plain ECC 200. */
  symbology: string
  result: ReadResult
}

/** Decode the first DataMatrix in a greyscale image, or null. */
export async function decodeImage (img: GreyImage): Promise<Decoded | null> {
  await loadDecoder()
  const n = img.width * img.height
  const rgba = new Uint8ClampedArray(n * 4)
  const d = img.data
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    const v = d[i] as number
    rgba[j] = v; rgba[j + 1] = v; rgba[j + 2] = v; rgba[j + 3] = 255
  }
  const results = await readBarcodes({ data: rgba, width: img.width, height: img.height, colorSpace: 'srgb' } as unknown as Parameters<typeof readBarcodes>[0], {
    formats: ['DataMatrix'],
    // Plain gives the raw data with GS; the default (HRI) would give "(01)…".
    textMode: 'Plain',
    tryHarder: true,
    tryRotate: true,
    maxNumberOfSymbols: 1,
  })
  const r = results.find(x => x.isValid)
  if (r === undefined) return null
  return { text: r.text, symbology: r.symbologyIdentifier, result: r }
}
