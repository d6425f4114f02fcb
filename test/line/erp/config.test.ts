// The erp config section: off by default, loopback and defaults when on, keys hashed or plain on loopback only.
import t from 'tap'
import { configSchema } from '../../../line/config/schema.ts'
import { hashKey } from '../../../line/erp/index.ts'

const base = { site: 's1', line: 'l1' }
const KEY = 'z'.repeat(40)

t.test('the ERP API is off unless configured; on, it binds loopback on 8090 with the documented defaults', async t => {
  t.equal(configSchema.parse(base).erp, undefined)
  const c = configSchema.parse({ ...base, erp: { clients: [{ id: '1c-main', keyHash: hashKey(KEY) }] } })
  t.match(c.erp, { host: '127.0.0.1', port: 8090, clients: [{ id: '1c-main', requestsPerMinute: 120 }], idempotencyTtl: 7 * 86_400_000, auditTtl: 90 * 86_400_000 })
})

t.test('a client gives exactly one of keyHash and key; a plain key only on a loopback bind; ids are unique', async t => {
  const problems = (erp: unknown): string[] => {
    const r = configSchema.safeParse({ ...base, erp })
    return r.success ? [] : r.error.issues.map(i => `${i.path.join('.')}: ${i.message}`)
  }
  t.same(problems({ clients: [{ id: 'a', key: KEY }] }), [], 'plain key on loopback')
  t.match(problems({ host: '0.0.0.0', clients: [{ id: 'a', key: KEY }] }).join('\n'), /erp\.clients\.0\.key: a plain key is refused/)
  t.same(problems({ host: '0.0.0.0', clients: [{ id: 'a', keyHash: hashKey(KEY) }] }), [], 'a hash anywhere')
  t.match(problems({ clients: [{ id: 'a' }] }).join('\n'), /give exactly one of keyHash or key/)
  t.match(problems({ clients: [{ id: 'a', key: KEY, keyHash: hashKey(KEY) }] }).join('\n'), /give exactly one/)
  t.match(problems({ clients: [{ id: 'a', keyHash: 'md5:abc' }] }).join('\n'), /keyHash: expected "sha256:"/)
  t.match(problems({ clients: [{ id: 'a', key: 'short' }] }).join('\n'), /key: expected 32–256/)
  t.match(problems({ clients: [{ id: 'a', key: KEY }, { id: 'a', keyHash: hashKey(KEY + '1') }] }).join('\n'), /duplicate client id "a"/)
  t.match(problems({ clients: [] }).join('\n'), /erp\.clients/)
})
