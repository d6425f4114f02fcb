// Test helper: the TypeScript files under a folder, for tests that read the source (catalogue codes, imports, SQL).
import { readdirSync } from 'node:fs'
import { join } from 'node:path'

export function sourceFiles (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const p = join(dir, e.name)
    if (e.isDirectory()) return sourceFiles(p)
    return e.isFile() && e.name.endsWith('.ts') ? [p] : []
  })
}
