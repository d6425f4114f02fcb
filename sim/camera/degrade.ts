// Print and imaging defects for the camera simulator: blur, noise, low contrast, smear, occlusion and rotation,
// applied with sharp (geometry, blur, smear) and in JS on the raw pixels (contrast, noise, occlusion).

import sharp from 'sharp'
import type { GreyImage } from '../../verifiers/imaging.ts'

export interface Defects {
  /** Gaussian blur sigma in pixels (a module is 6 px by default). */
  blur?: number
  /** Gaussian noise, standard deviation in grey levels. */
  noise?: number
  /** 0..1: share of the white–black range left (0.3 = faded print). */
  contrast?: number
  /** Horizontal smear (ink dragged by the conveyor), kernel length in pixels. */
  smear?: number
  /** 0..1: share of the symbol width covered by a light stripe (scratch, label fold, glare). */
  occlusion?: number
  /** Rotation in degrees. */
  rotation?: number
}

/**
 * Apply `defects` to a rendered image (PNG, or a greyscale raster from imaging.renderGrey); `rand` makes noise and
 * the occlusion position deterministic. sharp runs only when a geometric or optical defect needs it.
 */
export async function degrade (input: Buffer | GreyImage, defects: Defects, rand: () => number): Promise<GreyImage> {
  const rotate = defects.rotation !== undefined && defects.rotation % 360 !== 0
  const blur = defects.blur !== undefined && defects.blur >= 0.3
  const smear = defects.smear !== undefined && defects.smear >= 2
  let out: Uint8Array
  let w: number
  let h: number
  if (!Buffer.isBuffer(input) && !rotate && !blur && !smear) {
    out = Uint8Array.from(input.data)
    w = input.width; h = input.height
  } else {
    let s = Buffer.isBuffer(input)
      ? sharp(input).greyscale()
      : sharp(Buffer.from(input.data.buffer, input.data.byteOffset, input.data.byteLength), { raw: { width: input.width, height: input.height, channels: 1 } })
    if (rotate) s = s.rotate(defects.rotation as number, { background: '#ffffff' })
    if (blur) s = s.blur(defects.blur as number)
    if (smear) {
      const k = Math.max(3, Math.round(defects.smear as number) | 1)
      // sharp wants a kernel at least 3×3: only the middle row is non-zero, so the smear stays horizontal.
      const kernel = new Array<number>(k * 3).fill(0).fill(1, k, 2 * k)
      s = s.convolve({ width: k, height: 3, kernel })
    }
    const { data, info } = await s.raw().toBuffer({ resolveWithObject: true })
    // greyscale() may still carry alpha from the PNG: keep the first channel only.
    const ch = info.channels
    w = info.width; h = info.height
    out = new Uint8Array(w * h)
    for (let i = 0, j = 0; i < out.length; i++, j += ch) out[i] = data[j] as number
  }

  if (defects.occlusion !== undefined && defects.occlusion > 0) {
    // A light stripe through the middle third, at a random horizontal position.
    const sw = Math.max(1, Math.round(w * 0.6 * defects.occlusion))
    const x0 = Math.floor(w * 0.2 + rand() * Math.max(1, w * 0.6 - sw))
    for (let y = Math.floor(h * 0.2); y < Math.floor(h * 0.8); y++) out.fill(235, y * w + x0, y * w + x0 + sw)
  }
  if (defects.contrast !== undefined && defects.contrast < 1) {
    const c = Math.max(0, defects.contrast)
    // Fading lifts the blacks towards the paper white.
    const lut = new Uint8Array(256)
    for (let v = 0; v < 256; v++) lut[v] = Math.round(255 - (255 - v) * c)
    for (let i = 0; i < out.length; i++) out[i] = lut[out[i] as number] as number
  }
  if (defects.noise !== undefined && defects.noise > 0) {
    const sd = defects.noise
    for (let i = 0; i < out.length; i++) {
      // Box–Muller
      const g = Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand())
      out[i] = Math.max(0, Math.min(255, Math.round((out[i] as number) + g * sd)))
    }
  }
  return { data: out, width: w, height: h }
}

/** A PNG of a greyscale image (what the HMI shows as the last camera image). */
export function toPng (img: GreyImage): Promise<Buffer> {
  return sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), { raw: { width: img.width, height: img.height, channels: 1 } }).png().toBuffer()
}
