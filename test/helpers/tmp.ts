// Test helpers: a fresh SQLite file per test, removed afterwards.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export function tempDir (t: { teardown(fn: () => void): void }, prefix = 'lc-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.teardown(() => {
    if (process.env.LC_KEEP_TMP !== undefined) return
    rmSync(dir, { recursive: true, force: true })
    // a controller's store remembers its identity beside its folder (line/store/guard.ts): that goes too
    const name = dir.slice(dir.lastIndexOf('/') + 1)
    for (const f of readdirSync(tmpdir())) if (f.startsWith(`.${name}-`) && f.endsWith('.store-id')) rmSync(join(tmpdir(), f), { force: true })
  })
  return dir
}
