// The marking-code vocabulary shared by every part of the controller: profiles, parsing, SSCC, the error base.
export * from './errors.ts'
export * from './gs1.ts'
export * from './profiles.ts'
export * from './code.ts'
export * from './sscc.ts'
