// The HTTP channel to upstream APIs: rate limit, deadline, size cap, retries with backoff, typed errors.
export * from './errors.ts'
export * from './rate-limit.ts'
export * from './retry-after.ts'
export * from './channel.ts'
export type { HttpTransport, WireRequest, WireResponse } from './undici.ts'
