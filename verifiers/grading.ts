// ISO/IEC 15415-style print quality grading of a decoded DataMatrix from its image: symbol contrast, modulation,
// fixed pattern damage, axial and grid non-uniformity, unused error correction; overall = the lowest.
// An approximation good enough to tell a crisp print from a faded, smeared or blurred one — see docs/verifiers.md
// for what it does not measure (calibrated reflectance, aperture, codeword placement, multiple scans).

import type { Grade } from './types.ts'
import type { GreyImage } from './imaging.ts'

export interface Point { x: number, y: number }
/** Corners of the symbol's outer edge in symbol orientation (the finder L runs left and bottom). */
export interface SymbolPosition { topLeft: Point, topRight: Point, bottomRight: Point, bottomLeft: Point }
/** The decoder's ideal module matrix: one byte per module, < 128 dark. */
export interface ModuleMatrix { data: ArrayLike<number>, width: number, height: number }

export interface GradeReport {
  grade: Grade
  params: {
    symbolContrast: number
    symbolContrastGrade: Grade
    modulationGrade: Grade
    fixedPatternDamageGrade: Grade
    axialNonUniformity: number
    axialNonUniformityGrade: Grade
    gridNonUniformity: number
    gridNonUniformityGrade: Grade
    unusedErrorCorrection: number
    unusedErrorCorrectionGrade: Grade
    decodeGrade: Grade
  }
}

const LETTER: readonly Grade[] = ['F', 'D', 'C', 'B', 'A']
const letter = (n: number): Grade => LETTER[Math.max(0, Math.min(4, n))] as Grade
const at = (thresholds: readonly number[], v: number, higherIsBetter = true): number => {
  // thresholds for A, B, C, D
  for (let i = 0; i < 4; i++) if (higherIsBetter ? v >= (thresholds[i] as number) : v <= (thresholds[i] as number)) return 4 - i
  return 0
}

// Thresholds of ISO/IEC 15415 (as Cognex documents them, domain/devices.md).
const SC_T = [70, 55, 40, 20]
const MOD_T = [0.5, 0.4, 0.3, 0.2]
const UEC_T = [0.62, 0.5, 0.37, 0.25]
const AN_T = [0.06, 0.08, 0.1, 0.12]
const GN_T = [0.38, 0.5, 0.63, 0.75]
/** Share of fixed-pattern modules allowed below a grade level (our simplification of the per-segment rules). */
const FPD_TOLERANCE = [0, 0.1, 0.06, 0.03, 0.01] // index = grade level (1 = D … 4 = A)

/** ECC 200 error-correction codewords per symbol size (ISO/IEC 16022 table 7), keyed `rows x cols`. */
const ECC_CODEWORDS: Record<string, number> = {
  '10x10': 5, '12x12': 7, '14x14': 10, '16x16': 12, '18x18': 14, '20x20': 18, '22x22': 20, '24x24': 24, '26x26': 28,
  '32x32': 36, '36x36': 42, '40x40': 48, '44x44': 56, '48x48': 68, '52x52': 84, '64x64': 112, '72x72': 144, '80x80': 192,
  '88x88': 224, '96x96': 272, '104x104': 336, '120x120': 408, '132x132': 496, '144x144': 620,
  '8x18': 7, '8x32': 11, '12x26': 14, '12x36': 18, '16x36': 24, '16x48': 28,
}

function lerp (a: Point, b: Point, t: number): Point { return { x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t } }
function dist (a: Point, b: Point): number { return Math.hypot(a.x - b.x, a.y - b.y) }

/** Bilinear map from symbol coordinates (u across, v down, 0..1 over the outer edge) to image pixels. */
function mapper (p: SymbolPosition): (u: number, v: number) => Point {
  // zxing reports the last pixel row/column of the symbol, not the edge beyond it: widen by half a pixel each side.
  const c = { x: (p.topLeft.x + p.topRight.x + p.bottomRight.x + p.bottomLeft.x) / 4, y: (p.topLeft.y + p.topRight.y + p.bottomRight.y + p.bottomLeft.y) / 4 }
  const grow = (q: Point): Point => {
    const d = dist(q, c) || 1
    return { x: q.x + (q.x - c.x) / d * 0.7071, y: q.y + (q.y - c.y) / d * 0.7071 }
  }
  const tl = grow(p.topLeft); const tr = grow(p.topRight); const br = grow(p.bottomRight); const bl = grow(p.bottomLeft)
  return (u, v) => lerp(lerp(tl, tr, u), lerp(bl, br, u), v)
}

function sample (img: GreyImage, x: number, y: number): number {
  const w = img.width; const h = img.height
  const x0 = Math.max(0, Math.min(w - 1, Math.floor(x))); const y0 = Math.max(0, Math.min(h - 1, Math.floor(y)))
  const x1 = Math.min(w - 1, x0 + 1); const y1 = Math.min(h - 1, y0 + 1)
  const fx = Math.max(0, Math.min(1, x - x0)); const fy = Math.max(0, Math.min(1, y - y0))
  const d = img.data
  const a = d[y0 * w + x0] as number; const b = d[y0 * w + x1] as number
  const c = d[y1 * w + x0] as number; const e = d[y1 * w + x1] as number
  return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + e * fx) * fy
}

/** Reflectance (0–100 %) of one module: mean over a 3×3 grid spanning half a module, i.e. a 0.5 X aperture. */
function moduleReflectance (img: GreyImage, map: (u: number, v: number) => Point, i: number, j: number, rows: number, cols: number): number {
  let sum = 0
  for (const di of [-0.25, 0, 0.25]) {
    for (const dj of [-0.25, 0, 0.25]) {
      const p = map((j + 0.5 + dj) / cols, (i + 0.5 + di) / rows)
      sum += sample(img, p.x, p.y)
    }
  }
  return sum / 9 / 255 * 100
}

/** Which modules are fixed pattern in an ECC 200 symbol: the finder L (left, bottom) and the clock tracks (top, right). */
function idealFixed (i: number, j: number, rows: number, cols: number): boolean | null {
  if (j === 0 || i === rows - 1) return true
  if (i === 0) return j % 2 === 0
  if (j === cols - 1) return i % 2 === 1
  return null
}

/** Grid non-uniformity along one clock track: largest distance (in modules) of a measured edge from its ideal place. */
function clockTrackDeviation (img: GreyImage, map: (u: number, v: number) => Point, horizontal: boolean, rows: number, cols: number, gt: number): number {
  const n = horizontal ? cols : rows
  const steps = n * 20
  const prof: number[] = []
  for (let s = 0; s <= steps; s++) {
    const t = s / steps
    const p = horizontal ? map(t, 0.5 / rows) : map(1 - 0.5 / cols, t)
    prof.push(sample(img, p.x, p.y) / 255 * 100)
  }
  const crossings: number[] = []
  for (let s = 1; s <= steps; s++) {
    const a = (prof[s - 1] as number) - gt; const b = (prof[s] as number) - gt
    if ((a < 0) !== (b < 0)) crossings.push((s - 1 + a / (a - b)) / steps * n)
  }
  let worst = 0
  for (let k = 1; k < n; k++) {
    let best = 0.75
    for (const c of crossings) best = Math.min(best, Math.abs(c - k))
    worst = Math.max(worst, best)
  }
  return worst
}

/** Share of modules on which two matrices of the same size agree. */
function agreement (a: ModuleMatrix, b: ModuleMatrix): number {
  if (a.width !== b.width || a.height !== b.height) return 0
  let same = 0
  const n = a.width * a.height
  for (let i = 0; i < n; i++) if (((a.data[i] as number) < 128) === ((b.data[i] as number) < 128)) same++
  return same / n
}

/**
 * Grade a decoded symbol. `sampled` is the decoder's module matrix (zxing `symbol`, as seen, errors included),
 * `position` its corners in `image`; `ideal` the matrix re-encoded from the decoded data (imaging.idealMatrix), which
 * is what module errors are counted against. Without an ideal matrix of the same size and encodation (another
 * encoder may pack the same data differently) the sampled one is used and module errors cannot be seen: UEC then
 * reads 100 %. The image should show the whole symbol with at least one module of quiet zone.
 */
export function gradeSymbol (image: GreyImage, position: SymbolPosition, sampled: ModuleMatrix, ideal?: ModuleMatrix | null): GradeReport {
  // A different encodation disagrees on about half of the data modules; real print damage on far fewer.
  const matrix = ideal !== undefined && ideal !== null && agreement(ideal, sampled) >= 0.7 ? ideal : sampled
  const rows = matrix.height; const cols = matrix.width
  const map = mapper(position)

  // 1. Reflectance of every module and of a one-module ring of quiet zone around the symbol.
  const refl = new Float64Array(rows * cols)
  let rmax = 0; let rmin = 100
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const r = moduleReflectance(image, map, i, j, rows, cols)
      refl[i * cols + j] = r
      if (r > rmax) rmax = r
      if (r < rmin) rmin = r
    }
  }
  const quiet: number[] = []
  for (let j = -1; j <= cols; j++) { quiet.push(moduleReflectance(image, map, -1, j, rows, cols), moduleReflectance(image, map, rows, j, rows, cols)) }
  for (let i = 0; i < rows; i++) { quiet.push(moduleReflectance(image, map, i, -1, rows, cols), moduleReflectance(image, map, i, cols, rows, cols)) }
  for (const r of quiet) { if (r > rmax) rmax = r; if (r < rmin) rmin = r }

  // 2. Symbol contrast and the global threshold.
  const sc = rmax - rmin
  const gt = (rmax + rmin) / 2
  const scGrade = at(SC_T, sc)

  // 3. Module grades: modulation 2|R − GT| / SC, and 0 for a module on the wrong side of GT (a module error).
  const moduleGrade = (r: number, dark: boolean): number => {
    if ((r < gt) !== dark || sc <= 0) return 0
    return at(MOD_T, 2 * Math.abs(r - gt) / sc)
  }

  // 4. Data modules grouped into 2×4 blocks as a stand-in for codewords (8 modules each).
  const ecc = ECC_CODEWORDS[`${rows}x${cols}`] ?? Math.max(5, Math.round((rows - 2) * (cols - 2) / 8 * 0.4))
  const blockCols = Math.ceil((cols - 2) / 4)
  const blockWorst = new Map<number, number>()
  const fixedGrades: number[] = []
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const r = refl[i * cols + j] as number
      const fixed = idealFixed(i, j, rows, cols)
      if (fixed !== null) { fixedGrades.push(moduleGrade(r, fixed)); continue }
      const g = moduleGrade(r, (matrix.data[i * cols + j] as number) < 128)
      const b = Math.floor((i - 1) / 2) * blockCols + Math.floor((j - 1) / 4)
      blockWorst.set(b, Math.min(blockWorst.get(b) ?? 4, g))
    }
  }
  for (const r of quiet) fixedGrades.push(moduleGrade(r, false))

  const uecAt = (level: number): number => {
    let e = 0
    for (const g of blockWorst.values()) if (g < level) e++
    return Math.max(0, 1 - 2 * e / ecc)
  }
  // Unused error correction: share of the ECC capacity left after the module errors (grade level 1 threshold).
  const uec = uecAt(1)
  const uecGrade = at(UEC_T, uec)
  // Modulation per ISO/IEC 15415: at each grade level, the codewords below it spend error correction; the symbol
  // gets the best level whose remaining UEC still grades at least as well.
  let modGrade = 0
  for (let level = 4; level >= 1; level--) {
    const u = uecAt(level)
    if (1 - u >= 1) continue
    modGrade = Math.max(modGrade, Math.min(level, at(UEC_T, u)))
  }

  // 5. Fixed pattern damage: the finder L, clock tracks and the quiet zone ring.
  let fpdGrade = 0
  for (let level = 4; level >= 1; level--) {
    const below = fixedGrades.filter(g => g < level).length / fixedGrades.length
    if (below <= (FPD_TOLERANCE[level] as number)) { fpdGrade = level; break }
  }

  // 6. Axial non-uniformity from the module pitch along each axis.
  const xPitch = (dist(position.topLeft, position.topRight) + dist(position.bottomLeft, position.bottomRight)) / 2 / cols
  const yPitch = (dist(position.topLeft, position.bottomLeft) + dist(position.topRight, position.bottomRight)) / 2 / rows
  const an = Math.abs(xPitch - yPitch) / ((xPitch + yPitch) / 2)
  const anGrade = at(AN_T, an, false)

  // 7. Grid non-uniformity: where the clock-track edges really are against the ideal grid.
  const gn = Math.max(clockTrackDeviation(image, map, true, rows, cols, gt), clockTrackDeviation(image, map, false, rows, cols, gt))
  const gnGrade = at(GN_T, gn, false)

  const overall = Math.min(scGrade, modGrade, fpdGrade, anGrade, gnGrade, uecGrade, 4)
  const r3 = (x: number): number => Math.round(x * 1000) / 1000
  return {
    grade: letter(overall),
    params: {
      symbolContrast: r3(sc),
      symbolContrastGrade: letter(scGrade),
      modulationGrade: letter(modGrade),
      fixedPatternDamageGrade: letter(fpdGrade),
      axialNonUniformity: r3(an),
      axialNonUniformityGrade: letter(anGrade),
      gridNonUniformity: r3(gn),
      gridNonUniformityGrade: letter(gnGrade),
      unusedErrorCorrection: r3(uec),
      unusedErrorCorrectionGrade: letter(uecGrade),
      decodeGrade: 'A',
    },
  }
}

/** The grade report of an image that did not decode: everything F (ISO/IEC 15415: decode failure is grade 0). */
export function failedGrade (): { grade: Grade, params: Record<string, Grade | number> } {
  return { grade: 'F', params: { decodeGrade: 'F' } }
}
