// Marking codes: profiles, parsing, SSCC. The GS1 primitives and the error base come from the shared vocabulary (line/domain).
export * from './errors.ts'
export * from '../domain/gs1.ts'
export * from './profiles.ts'
export * from './code.ts'
export * from './sscc.ts'
export * from './scanned.ts'
