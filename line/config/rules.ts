// Rules between config keys that the panel's set-up tab applies too (docs/setup-mode.md): one definition, so a value
// an engineer types on the panel is held to the same rule as the YAML file.
import type { Bilingual } from '../domain/catalogue.ts'

export interface GeometryIssue { path: Array<string | number>, message: Bilingual }

/**
 * The tracker decides a product `rejectMargin` pitches before the gate (line/tracking/tracker.ts): with no pitch left
 * between print and decision every product would be rejected unseen; and a unit camera at or past the decision
 * point reports after its product was already decided (rejected as unseen).
 */
export function rejectGeometryIssues (plc: { rejectDistance: number, rejectMargin: number }, cameras: ReadonlyArray<{ id: string, role: string, distance: number }>): GeometryIssue[] {
  const out: GeometryIssue[] = []
  const decision = plc.rejectDistance - plc.rejectMargin
  if (decision < 1) {
    out.push({
      path: ['plc', 'rejectMargin'],
      message: {
        ru: `должен быть меньше расстояния до отсекателя plc.rejectDistance (${plc.rejectDistance}): решение по изделию принимается за rejectMargin шагов до отсекателя`,
        en: `must be below plc.rejectDistance (${plc.rejectDistance}): products are decided rejectMargin pitches before the gate`,
      },
    })
    return out
  }
  cameras.forEach((cam, i) => {
    if (cam.role === 'unit' && cam.distance >= decision) {
      out.push({
        path: ['cameras', i, 'distance'],
        message: {
          ru: `камера ${cam.id} (расстояние ${cam.distance}) должна стоять ближе точки решения plc.rejectDistance − plc.rejectMargin (${plc.rejectDistance} − ${plc.rejectMargin} = ${decision}): камера должна увидеть изделие до решения`,
          en: `must be below plc.rejectDistance − plc.rejectMargin (${plc.rejectDistance} − ${plc.rejectMargin} = ${decision}): the camera must see the product before it is decided`,
        },
      })
    }
  })
  return out
}
