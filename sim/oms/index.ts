// The OMS (СУЗ) API v3 emulator: server, state, fault injection, client tokens, group table.
export * from './server.ts'
export * from './faults.ts'
export * from './state.ts'
export { ClientTokens, CLIENT_TOKEN_TTL_MS } from './tokens.ts'
export { OMS_GROUPS, omsGroup } from './groups.ts'
export { errorBody } from './handlers.ts'
