// The broker module: embedded aedes with auth, ACL and durable sessions, or a connection to an external broker.
export * from './errors.ts'
export * from './acl.ts'
export * from './auth.ts'
export * from './persistence.ts'
export * from './embedded.ts'
export * from './connect.ts'
export * from './config.ts'
