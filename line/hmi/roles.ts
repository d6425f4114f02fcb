// Who may do what on the panel: one table from role to actions, checked by the server on every request.

export const ROLES = ['operator', 'engineer', 'admin'] as const
export type Role = typeof ROLES[number]

/** Every action the panel can ask for. PackML commands are `cmd:<command>`. */
export const ACTIONS = [
  'cmd:start', 'cmd:stop', 'cmd:hold', 'cmd:unhold', 'cmd:reset', 'cmd:complete',
  'cmd:abort', 'cmd:clear', 'cmd:suspend', 'cmd:unsuspend',
  'alarm:ack', 'box:close', 'mode:set', 'unit:remove', 'label:reprint', 'box:scrap', 'job:start',
  'report:view', 'audit:view', 'users:manage',
] as const
export type Action = typeof ACTIONS[number]

const OPERATOR: readonly Action[] = [
  'cmd:start', 'cmd:stop', 'cmd:hold', 'cmd:unhold', 'cmd:reset', 'alarm:ack', 'box:close', 'report:view',
]
// Engineers also do what ends or reshapes production and what touches codes already on units.
const ENGINEER: readonly Action[] = [
  ...OPERATOR, 'cmd:complete', 'cmd:abort', 'cmd:clear', 'cmd:suspend', 'cmd:unsuspend',
  'mode:set', 'unit:remove', 'label:reprint', 'box:scrap', 'job:start', 'audit:view',
]
const ADMIN: readonly Action[] = [...ENGINEER, 'users:manage']

export const PERMISSIONS: Readonly<Record<Role, ReadonlySet<Action>>> = {
  operator: new Set(OPERATOR),
  engineer: new Set(ENGINEER),
  admin: new Set(ADMIN),
}

export function can (role: Role, action: Action): boolean {
  return PERMISSIONS[role].has(action)
}

export function isRole (s: string): s is Role {
  return (ROLES as readonly string[]).includes(s)
}
