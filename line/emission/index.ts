// Emission: the OMS API v3 client, its typed errors, and the replenishment policy that keeps the pool filled.
export * from './api.ts'
export * from './errors.ts'
export * from './token.ts'
export * from './client.ts'
export * from './orders.ts'
export * from './status.ts'
export * from './replenisher.ts'
export * from './wire.ts'
