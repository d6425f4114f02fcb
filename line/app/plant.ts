// The plant-wide duplicate check of pre-applied codes (docs/modes.md), as the line runs it: the register from the
// config, the claims the tracker makes, the retry timer for codes accepted while the register was unreachable, and
// under `plant.whenUnreachable: hold` a hold and a start blocker while it does not answer a pre-applied job.
import type { AlarmBook } from '../alarms/alarms.ts'
import type { Clock } from '../clock.ts'
import type { Bilingual, DeviceView } from '../control.ts'
import type { LineConfig } from '../config/schema.ts'
import type { Logger } from '../log.ts'
import { PlantCheck } from '../plant/check.ts'
import { PendingClaims } from '../plant/pending.ts'
import { PlantRegistry } from '../plant/registry.ts'
import type { FaultKind } from '../state/machine.ts'
import type { Db } from '../store/open.ts'

export interface PlantLink {
  check: PlantCheck
  /** The register's tile on the line view: reachable or not, where it is (no password), codes waiting to be claimed. */
  device: () => DeviceView
  /** Why a pre-applied job may not start or resume now (the register unreachable under `hold`). */
  blockers: (preappliedJob: boolean) => Bilingual[]
  close: () => Promise<void>
}

const LOST: Bilingual = { ru: 'нет связи с реестром кодов завода', en: 'the plant code register is unreachable' }

export function startPlant (o: {
  config: NonNullable<LineConfig['plant']>
  site: string
  line: string
  db: Db
  alarms: AlarmBook
  clock: Clock
  log: Logger
  /** The runtime's fault (late-bound: the runtime is built after the tracker that claims). */
  fault: () => ((kind: FaultKind, message: Bilingual, source: string) => void) | null
}): PlantLink {
  const registry = new PlantRegistry({ url: o.config.url, site: o.site, line: o.line, timeoutMs: o.config.timeoutMs, log: o.log })
  const hold = o.config.whenUnreachable === 'hold'
  const check = new PlantCheck({
    registry, pending: new PendingClaims(o.db), whenUnreachable: o.config.whenUnreachable, alarms: o.alarms, clock: o.clock, log: o.log,
    onLost: lost => { if (lost && hold) o.fault()?.('plant', LOST, 'plant') },
  })
  const timer = setInterval(() => { void check.retry() }, o.config.retryMs)
  timer.unref()
  // asked at once: a register down at start-up is known before the first pack
  void check.probe().then(() => check.retry())
  const address = withoutPassword(o.config.url)
  return {
    check,
    device: () => {
      const pending = check.pendingCount
      const reachable = check.reachable
      return {
        id: 'plant-register', kind: 'plant-register', online: reachable,
        // unreachable under `hold` stops a pre-applied line (a fault); under `local` the line goes on (a warning)
        state: reachable ? (pending > 0 ? 'warning' : 'ok') : hold ? 'fault' : 'warning',
        detail: `${address}${reachable ? '' : ' unreachable'}${pending > 0 ? `, ${pending} codes awaiting the plant check` : ''}`,
        facts: [{ key: 'address', value: address }, ...(pending > 0 || !hold ? [{ key: 'pending' as const, value: pending }] : [])],
        note: null,
      }
    },
    blockers: preapplied => (hold && preapplied && !check.reachable ? [{ ru: `Проверка дублей по заводу: ${LOST.ru}`, en: `Plant-wide duplicate check: ${LOST.en}` }] : []),
    close: async () => { clearInterval(timer); await registry.close() },
  }
}

/** postgres://user:secret@host/db → postgres://user@host/db: what a tile may show. */
function withoutPassword (url: string): string {
  try {
    const u = new URL(url)
    u.password = ''
    return u.toString()
  } catch { return 'postgres://…' }
}
