// `npm run codes -- <command>`: codes files from the command line, on the line's store (docs/codes-files.md).
//   export --gtin G --count N --out FILE [--id ID] [--crlf]     hand N codes over to a printing house
//   import --gtin G --group GROUP [--expires yyyy-MM-dd] [--manifest M.json] [--printed] FILE
//   resume                                                      write the files of exports a crash interrupted
//   list                                                        recent exports
// The store comes from --config line.yaml or --store line.db. The running controller holds its store exclusively:
// then use the panel's API (same operations) or stop the line first.

import { readFileSync } from 'node:fs'
import { userInfo } from 'node:os'
import { parseArgs } from 'node:util'
import { systemClock } from '../clock.ts'
import { ProfileRegistry } from '../codes/profiles.ts'
import { loadConfig } from '../config/load.ts'
import { LineError } from '../domain/errors.ts'
import { CodePool } from '../pool/pool.ts'
import { openDatabase } from '../store/open.ts'
import { CodeFiles } from './service.ts'

const USAGE = `usage: npm run codes -- (export|import|resume|list) [options] (--config line.yaml | --store line.db)
  export --gtin G --count N --out FILE [--id EXPORT_ID] [--crlf]
  import --gtin G --group GROUP [--expires yyyy-MM-dd] [--manifest FILE.manifest.json] [--printed] FILE
         (--printed: the codes are already on packs, a printing house's file: handed over, never printed here)
  resume
  list`

async function main (argv: string[]): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' }, store: { type: 'string' }, gtin: { type: 'string' }, group: { type: 'string' }, count: { type: 'string' },
      out: { type: 'string' }, id: { type: 'string' }, crlf: { type: 'boolean' }, expires: { type: 'string' }, manifest: { type: 'string' },
      by: { type: 'string' }, printed: { type: 'boolean' }, help: { type: 'boolean' },
    },
  })
  const [command, file] = positionals
  if (v.help === true || command === undefined) { console.log(USAGE); return command === undefined ? 2 : 0 }
  const profiles = new ProfileRegistry()
  let storePath = v.store
  let minRemainingMs = 0
  if (v.config !== undefined) {
    const config = loadConfig(v.config)
    for (const [group, ais] of Object.entries(config.profiles)) profiles.withOptionalAis(group, ais)
    storePath ??= config.store.path
    minRemainingMs = config.pool.minRemainingValidity
  }
  if (storePath === undefined) { console.error(USAGE); return 2 }
  const actor = `cli:${v.by ?? userInfo().username}`
  const db = openDatabase(storePath, { exclusive: true })
  const pool = new CodePool(db, { profiles, clock: systemClock, minRemainingMs })
  const files = new CodeFiles({ pool, profiles, clock: systemClock, exportDir: `${storePath}.exports` })
  try {
    let out: unknown
    switch (command) {
      case 'export': {
        const count = Number(v.count)
        if (v.gtin === undefined || v.out === undefined || !Number.isInteger(count)) { console.error(USAGE); return 2 }
        out = await files.exportCodes({ gtin: v.gtin, count, out: v.out, ...(v.id === undefined ? {} : { exportId: v.id }), lineEnd: v.crlf === true ? 'crlf' : 'lf' }, actor, {
          afterCommit: rec => { console.error(`export ${rec.exportId}: ${rec.count} codes handed over, writing ${rec.path}`) },
        })
        break
      }
      case 'import': {
        if (v.gtin === undefined || v.group === undefined || file === undefined) { console.error(USAGE); return 2 }
        const m = v.manifest === undefined ? undefined : JSON.parse(readFileSync(v.manifest, 'utf8')) as { count?: number, sha256?: string, gtin?: string }
        if (m?.gtin !== undefined && m.gtin !== v.gtin) { console.error(`the manifest is for GTIN ${m.gtin}, not ${v.gtin}`); return 1 }
        out = await files.importFile({
          path: file, gtin: v.gtin, group: v.group,
          ...(v.expires === undefined ? {} : { expiresAt: Date.parse(`${v.expires}T23:59:59.999Z`) }),
          ...(v.printed === true ? { printed: true } : {}),
          ...(m === undefined ? {} : { expect: { ...(m.count === undefined ? {} : { count: m.count }), ...(m.sha256 === undefined ? {} : { sha256: m.sha256 }) } }),
        }, actor)
        break
      }
      case 'resume': out = await files.resume(actor); break
      case 'list': out = files.exports(100); break
      default: console.error(USAGE); return 2
    }
    console.log(JSON.stringify(out, null, 2))
    return 0
  } finally {
    pool.commit.close()
    db.close()
  }
}

main(process.argv.slice(2)).then(code => { process.exitCode = code }, (err: unknown) => {
  if (err instanceof LineError) {
    const busy = err.code === 'LC_ERR_STORE' && /in use by another process/.test(err.message)
    console.error(JSON.stringify({ error: err.toJSON() }, null, 2))
    if (busy) console.error('the line controller is running on this store: use the panel (POST /api/codes/…) or stop the line first')
  } else console.error(err)
  process.exitCode = 1
})
