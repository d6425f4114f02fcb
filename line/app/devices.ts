// Which printer does what (from its configured role), and the panel tiles and start blockers of the links the
// runtime does not own: the broker, the PLC, the cameras.

import type { Bilingual, DeviceView } from '../control.ts'
import type { LineConfig } from '../config/schema.ts'
import type { PlcLink } from '../plc/link.ts'
import type { Printer } from '../../printers/types.ts'

/** The role a printer's config gives it; a print head has none to give: it always prints units. */
export function printerRole (c: PrinterConfig): 'unit' | 'box' | 'pallet' {
  return c.driver === 'zpl-label' ? c.role : 'unit'
}

/** Unit printers put codes on products; the first box or pallet printer prints the SSCC labels. */
export function printersByRole (configs: readonly PrinterConfig[], printers: readonly Printer[]): { unit: Printer[], label: Printer | undefined } {
  const role = (i: number): 'unit' | 'box' | 'pallet' | undefined => { const c = configs[i]; return c === undefined ? undefined : printerRole(c) }
  return {
    unit: printers.filter((_, i) => role(i) === 'unit'),
    label: printers.find((_, i) => role(i) === 'box' || role(i) === 'pallet'),
  }
}

type PrinterConfig = LineConfig['printers'][number]

/** A print-and-apply unit label printer: its labels are the marks of the `label` mode. */
function isApplicator (c: PrinterConfig): boolean {
  return c.driver === 'zpl-label' && c.role === 'unit' && c.applicator
}

/**
 * The unit printers per marking mode (docs/modes.md): label applicators mark in `label`, every other unit printer
 * (heads, markers, labels applied by hand) in `direct`. `modes` lists the modes the line is equipped for, its own
 * first (heads when it has any).
 */
export function printersByMode (configs: readonly PrinterConfig[], printers: readonly Printer[]): { direct: Printer[], label: Printer[] } {
  const unit = (i: number): boolean => { const c = configs[i]; return c !== undefined && printerRole(c) === 'unit' }
  return {
    direct: printers.filter((_, i) => unit(i) && !isApplicator(configs[i] as PrinterConfig)),
    label: printers.filter((_, i) => unit(i) && isApplicator(configs[i] as PrinterConfig)),
  }
}

/**
 * The modes the line is equipped for, its own first: heads → `direct`, print-and-apply units → `label`, and a unit
 * camera → `preapplied` (codes printed elsewhere, read and checked here; only for the jobs that ask for it).
 */
export function lineModes (configs: readonly PrinterConfig[], cameras: ReadonlyArray<{ role: string }> = []): Array<'direct' | 'label' | 'preapplied'> {
  const direct = configs.some(c => printerRole(c) === 'unit' && !isApplicator(c))
  const label = configs.some(isApplicator)
  const reads = cameras.some(c => c.role === 'unit')
  return [...(direct || !label ? ['direct' as const] : []), ...(label ? ['label' as const] : []), ...(reads ? ['preapplied' as const] : [])]
}

export interface LinkViewsOptions {
  broker: { connected: () => boolean, detail: string }
  plc: Pick<PlcLink, 'stats' | 'alive'>
  cameras: { views(): DeviceView[], blockers(): Bilingual[] }
}

export function linkViews (o: LinkViewsOptions): { devices: () => DeviceView[], blockers: () => Bilingual[] } {
  return {
    devices: () => {
      const connected = o.broker.connected()
      const st = o.plc.stats
      const plc = { id: 'plc', kind: 'plc', detail: `triggers ${st.triggers}, rejects ${st.rejects}`, facts: [{ key: 'triggers', value: st.triggers }, { key: 'rejects', value: st.rejects }], note: null } as const
      return [
        { id: 'broker', kind: 'broker', online: connected, state: connected ? 'ok' : 'fault', detail: o.broker.detail, facts: [{ key: 'address', value: o.broker.detail }], note: null },
        ...o.cameras.views(),
        o.plc.alive === undefined
          ? { ...plc, facts: [...plc.facts], online: st.triggers + st.commands > 0, state: 'ok' }
          : { ...plc, facts: [...plc.facts], online: o.plc.alive(), state: o.plc.alive() ? 'ok' : 'fault' },
      ]
    },
    blockers: () => [
      ...(o.broker.connected() ? [] : [{ ru: 'нет связи с брокером MQTT', en: 'MQTT broker not connected' }]),
      ...o.cameras.blockers(),
      ...(o.plc.alive === undefined || o.plc.alive() ? [] : [{ ru: 'нет связи с ПЛК (нет сигнала жизни)', en: 'PLC link lost (no heartbeat)' }]),
    ],
  }
}
