// Test helpers: a fresh SQLite file per test, removed afterwards.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export function tempDir (t: { teardown(fn: () => void): void }, prefix = 'lc-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.teardown(() => { if (process.env.LC_KEEP_TMP === undefined) rmSync(dir, { recursive: true, force: true }) })
  return dir
}
