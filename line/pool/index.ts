// The durable code pool: lifecycle table, store, typed errors.
export * from './states.ts'
export * from './errors.ts'
export * from './pool.ts'
export * from './queries.ts'
export * from './files.ts'
