// Codes files: export for a printing house, import from a file (docs/codes-files.md).
export * from './errors.ts'
export * from './lines.ts'
export * from './check.ts'
export * from './export.ts'
export * from './import.ts'
export * from './service.ts'
