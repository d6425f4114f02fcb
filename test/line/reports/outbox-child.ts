// Child process for the kill -9 test: runs the outbox on an existing store against the emulator until every report
// is accepted, printing each state change. Not a test file on its own.
import { ProfileRegistry } from '../../../line/codes/index.ts'
import { systemClock } from '../../../line/clock.ts'
import { TrueApiClient } from '../../../line/gismt/index.ts'
import { CodePool } from '../../../line/pool/index.ts'
import { ReportOutbox, TrueApiDocumentSender } from '../../../line/reports/index.ts'
import { TestSigner } from '../../../line/signer/index.ts'
import { openDatabase } from '../../../line/store/open.ts'

const [dbPath, url] = process.argv.slice(2) as [string, string]
const db = openDatabase(dbPath, { synchronous: 'NORMAL' })
const pool = new CodePool(db, { profiles: new ProfileRegistry(), clock: systemClock })
const client = new TrueApiClient({ url, signer: new TestSigner(), clock: systemClock, timeoutMs: 20_000, retries: 1, retryBaseMs: 20 })
const sender = new TrueApiDocumentSender({ client, participantInn: '7700000000' })
const outbox = new ReportOutbox({ pool, clock: systemClock, senders: { aggregation: sender }, retryBaseMs: 100, retryMaxMs: 1000, pollIntervalMs: 50, concurrency: 4, onAccepted: { aggregation: 'REPORTED' } })
outbox.on('report', e => process.stdout.write(`${e.state} ${e.id}\n`))
for (;;) {
  await outbox.tick()
  const s = outbox.summary()
  if (s.READY.reports + s.SENDING.reports + s.SENT.reports + s.OPEN.reports === 0) break
  await new Promise(resolve => setTimeout(resolve, 20))
}
process.stdout.write('DONE\n')
await client.close()
pool.commit.close()
db.close()
