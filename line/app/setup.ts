// Set-up mode on the line's events (docs/setup-mode.md): the panel's line parameters go to the tracker when
// production starts (never in the middle of a run), and Resetting's drain empties the heads of test prints.
import type { LineBus } from '../events.ts'
import type { Logger } from '../log.ts'
import type { LineRuntime } from '../runtime.ts'
import type { LineParameters } from '../setup/parameters.ts'
import type { SetupService } from '../setup/setup.ts'

export function followSetup (o: { bus: LineBus, runtime: Pick<LineRuntime, 'applyRejectRules'>, parameters: LineParameters, setup: Pick<SetupService, 'headsEmptied'>, log: Logger }): void {
  o.bus.on('machine:change', s => {
    if (s.state === 'Starting') {
      // the runtime heard this first and queued Starting's work; no product is tracked before that work is done
      const rules = o.parameters.effective()
      o.runtime.applyRejectRules(rules)
      o.parameters.applied(rules)
      o.log.info({ rules }, 'reject rules for this run')
    } else if (s.state === 'Resetting') {
      o.setup.headsEmptied()
    }
  })
}
