// The OMS client's answers are size-capped: a codes answer by what it asked for, any other by the channel's cap.
import t from 'tap'
import { CODE_ANSWER_BYTES, OmsClient, StaticTokenProvider } from '../../../line/emission/index.ts'
import { HttpTooLargeError } from '../../../line/http/index.ts'
import { json, scriptedServer } from '../http/server.ts'

t.test('an endless codes answer is cut at what the quantity asked for; a status flood at the channel cap', async t => {
  const chunk = Buffer.alloc(16 * 1024, 'a')
  const { url, seen } = await scriptedServer(t, (req, res) => {
    if (req.url?.startsWith('/api/v3/codes') === true || req.url?.startsWith('/api/v3/order/status') === true) {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"omsId":"x","blockId":"b","codes":["')
      const pump = (): void => { while (!res.destroyed) if (!res.write(chunk)) { res.once('drain', pump); return } }
      pump()
      return
    }
    json(res, 404, {})
  })
  const client = new OmsClient({ url, omsId: 'oms-1', tokens: new StaticTokenProvider('tok'), attempts: 3, backoffBaseMs: 5, maxResponseBytes: 1024 * 1024 })
  t.teardown(() => client.close())
  const e = await client.getCodes('order-1', '04601653030046', 1_000).catch(e => e)
  t.ok(e instanceof HttpTooLargeError)
  t.equal(e.code, 'LC_ERR_HTTP_TOO_LARGE')
  t.match(e.context, { upstream: 'OMS', method: 'GET', path: '/api/v3/codes', attempt: 1 })
  t.ok(e.context.limitBytes >= 1_000 * CODE_ANSWER_BYTES && e.context.limitBytes < 1_000 * CODE_ANSWER_BYTES + 100 * 1024, `cap ${e.context.limitBytes} bytes for 1,000 codes`)
  const es = await client.orderStatus('order-1').catch(e => e)
  t.ok(es instanceof HttpTooLargeError)
  t.equal(es.context.limitBytes, 1024 * 1024, 'the configured cap for answers without codes')
  t.equal(seen.length, 2, 'neither is retried')
})

t.test('150,000 codes of the longest layout fit under the codes cap', async t => {
  // shoes: 01 GTIN 21 serial(13) GS 91 key(4) GS 92 crypto(88), GS escaped as \u001d in JSON, plus quotes and comma.
  const code = `0104601653030046${'21'}${'Ab"/\\%&'.padEnd(13, 'x')}\u001d91EE07\u001d92${'q"\\'.repeat(29)}z`
  const perCode = Buffer.byteLength(JSON.stringify(code)) + 1
  t.ok(perCode <= CODE_ANSWER_BYTES, `${perCode} bytes per code in JSON ≤ ${CODE_ANSWER_BYTES}`)
})
