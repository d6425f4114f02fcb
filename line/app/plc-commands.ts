// The PLC's buttons (start, stop, hold, …) drive the line like the operator's, audited as actor 'plc'.

import type { LineControl } from '../control.ts'
import type { LineBus } from '../events.ts'
import type { Logger } from '../log.ts'

export function obeyPlc (o: { bus: LineBus, control: Pick<LineControl, 'command'>, log: Logger }): void {
  o.bus.on('plc:command', cmd => { o.control.command(cmd, 'plc').catch(err => o.log.error({ err }, 'plc command failed')) })
}
