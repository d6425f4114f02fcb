// The broker section: no built-in controller password, a required one with an external broker, a packet size limit.
import t from 'tap'
import { embeddedOptions } from '../../broker/index.ts'
import { ConfigError, parseConfig } from '../../line/config/load.ts'

t.test('with the embedded broker an unset controller password is a random one, never a built-in word', async t => {
  const a = parseConfig('site: s\nline: l\n')
  const b = parseConfig('site: s\nline: l\n')
  t.not(a.broker.password, 'controller')
  t.ok(a.broker.password.length >= 20)
  t.not(a.broker.password, b.broker.password, 'each start makes its own')
  const users = embeddedOptions(a.broker, 's', 'l').users
  t.same(users.filter(u => u.role === 'controller').map(u => u.password), [a.broker.password])
})

t.test('an external broker without the controller password is refused, naming the key', async t => {
  let err: unknown = null
  try { parseConfig('site: s\nline: l\nbroker: { url: "mqtt://10.0.0.5:1883" }\n') } catch (e) { err = e }
  t.ok(err instanceof ConfigError)
  t.match((err as Error).message, /broker\.password: required with an external broker/)
  t.equal(parseConfig('site: s\nline: l\nbroker: { url: "mqtt://10.0.0.5:1883", password: p }\n').broker.password, 'p')
})

t.test('the controller\'s client id is reserved for its login; the packet limit reaches the broker', async t => {
  const c = parseConfig('site: s\nline: l\nbroker: { maxPacketBytes: 65536 }\n')
  const o = embeddedOptions(c.broker, 's', 'l')
  t.same(o.reservedClientIds, { 'controller-s-l': 'controller' })
  t.equal(o.maxPacketBytes, 65536)
  t.throws(() => parseConfig('site: s\nline: l\nbroker: { maxPacketBytes: 10 }\n'), /broker\.maxPacketBytes/)
})
