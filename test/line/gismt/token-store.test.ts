// Tokens kept in the line's store: a restarted controller goes on with a token still valid (a new sign-in for an
// OMS connection would void the one before, OMS guide §9.1.2), signs in again once it is near its end, and never
// takes up a token the server refused. Real True API emulator, real SQLite file.
import t from 'tap'
import { join } from 'node:path'
import { ManualClock } from '../../../line/clock.ts'
import { TokenStore, TrueApiClient } from '../../../line/gismt/index.ts'
import { TestSigner } from '../../../line/signer/index.ts'
import { openDatabase } from '../../../line/store/open.ts'
import { startTrueApiEmulator } from '../../../sim/gismt/server.ts'
import { tempDir } from '../../helpers/tmp.ts'

t.test('a token outlives the process; one near its end or refused is not taken up again', async t => {
  const clock = new ManualClock()
  const emu = await startTrueApiEmulator({ clock })
  t.teardown(() => emu.close())
  const file = join(tempDir(t), 'line.db')
  const run = (): { client: TrueApiClient, close: () => Promise<void> } => {
    const db = openDatabase(file, { synchronous: 'NORMAL' })
    const client = new TrueApiClient({ url: emu.url, signer: new TestSigner(), clock, retries: 0, tokenRefreshBeforeMs: 1_800_000, tokenStore: new TokenStore(db) })
    return { client, close: async () => { await client.close(); db.close() } }
  }

  const a = run()
  const own = await a.client.auth.getToken()
  const oms = await a.client.omsTokenProvider('conn-1').getToken()
  t.equal(emu.receipts.signIns, 2, 'the line\'s own token and the OMS connection\'s')
  await a.close()

  clock.advance(3_600_000)
  const b = run()
  t.equal(await b.client.auth.getToken(), own, 'after a restart: the same token')
  t.equal(await b.client.omsTokenProvider('conn-1').getToken(), oms)
  t.equal(emu.receipts.signIns, 2, 'no sign-in: the OMS connection\'s token was not voided')
  // the OMS refused it (a newer sign-in elsewhere): dropped from the store too
  b.client.omsTokenProvider('conn-1').invalidate()
  await b.close()

  const c = run()
  const fresh = await c.client.omsTokenProvider('conn-1').getToken()
  t.not(fresh, oms, 'a refused token is never taken up again')
  t.equal(emu.receipts.signIns, 3)
  await c.close()

  // 9.6 h after the first sign-in the own token is within its refresh margin (30 min of 10 h)
  clock.advance(8.6 * 3_600_000)
  const d = run()
  t.not(await d.client.auth.getToken(), own, 'near its end: signed in afresh')
  t.equal(emu.receipts.signIns, 4)
  await d.close()
})
