// The operator panel (HMI): server factory, roles and the pieces tests and the composition root use.
export { createHmiServer, type HmiConfig, type HmiServer } from './server.ts'
export { bootstrapFromEnv, type BootstrapOptions } from './auth.ts'
export { ROLES, ACTIONS, PERMISSIONS, can, type Role, type Action } from './roles.ts'
export { HmiStore } from './store.ts'
export * from './errors.ts'
