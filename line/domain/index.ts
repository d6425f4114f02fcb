// The shared vocabulary of the line: code formats, grades, reject/defect reasons, the error and alarm catalogue.
// It imports nothing outside this folder; it is the only part of line/ that printers/, verifiers/ and broker/ import.
export * from './catalogue.ts'
export * from './errors.ts'
export * from './gs1.ts'
export * from './groups.ts'
export * from './grades.ts'
export * from './reasons.ts'
export * from './test-print.ts'
