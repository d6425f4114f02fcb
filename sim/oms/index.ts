// The OMS (СУЗ) API v3 emulator: server, state, fault injection.
export * from './server.ts'
export * from './faults.ts'
export * from './state.ts'
export { errorBody } from './handlers.ts'
