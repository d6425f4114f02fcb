// Which catalogue alarm a line fault raises: one explicit code per fault kind, never a code built from the kind.
import type { AlarmCode } from '../domain/catalogue.ts'
import type { FaultKind } from '../state/machine.ts'

export const FAULT_ALARMS = {
  printer: 'FAULT_PRINTER',
  'label-printer': 'FAULT_LABEL_PRINTER',
  camera: 'FAULT_CAMERA',
  'pool-low': 'FAULT_POOL_LOW',
  rejects: 'FAULT_REJECTS',
  'reject-rate': 'FAULT_REJECT_RATE',
  broker: 'FAULT_BROKER',
  store: 'FAULT_STORE',
  config: 'FAULT_CONFIG',
  plant: 'FAULT_PLANT',
} as const satisfies Record<FaultKind, AlarmCode>
