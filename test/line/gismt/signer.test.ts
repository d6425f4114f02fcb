import t from 'tap'
import { ExternalCommandSigner, SignerError, TestSigner, createSigner, openAttached, verifyDetached } from '../../../line/signer/index.ts'

const data = Buffer.from('{"participantId":"7700000000"}')

t.test('test signer: detached verifies, attached carries the data, a wrong secret or data fails', async t => {
  const s = new TestSigner('k1')
  const det = await s.sign(data, { detached: true })
  t.ok(verifyDetached('k1', data, det))
  t.notOk(verifyDetached('k2', data, det), 'wrong secret')
  t.notOk(verifyDetached('k1', Buffer.from('other'), det), 'other data')
  t.notOk(verifyDetached('k1', data, 'bm90IGEgc2ln'), 'garbage')
  const att = await s.sign(data, { detached: false })
  t.same(openAttached('k1', att), data)
  t.equal(openAttached('k2', att), undefined)
  t.notOk(verifyDetached('k1', data, att), 'an attached signature is not a detached one')
  t.equal(createSigner({ kind: 'test', secret: 'x' }).kind, 'test')
})

t.test('external command: data on stdin, base64 on stdout, mode in the environment and arguments', async t => {
  const s = new ExternalCommandSigner({ command: 'sh', args: ['-c', 'base64 | tr -d "\\n"'], timeoutMs: 5000 })
  const sig = await s.sign(data, { detached: true })
  t.same(Buffer.from(sig, 'base64'), data)
  const mode = new ExternalCommandSigner({ command: 'sh', args: ['-c', 'printf "%s/%s" "$LC_SIGN_MODE" "$0" | base64', '{mode}'], timeoutMs: 5000 })
  t.equal(Buffer.from(await mode.sign(data, { detached: false }), 'base64').toString(), 'attached/attached')
  t.equal(Buffer.from(await mode.sign(data, { detached: true }), 'base64').toString(), 'detached/detached')
})

t.test('external command: {in} and {out} temp files, PEM armour stripped', async t => {
  const s = createSigner({
    kind: 'external-command', command: 'sh', timeoutMs: 5000,
    args: ['-c', '{ echo "-----BEGIN PKCS7-----"; base64 "$0"; echo "-----END PKCS7-----"; } > "$1"', '{in}', '{out}'],
  })
  t.same(Buffer.from(await s.sign(data, { detached: true }), 'base64'), data)
})

t.test('external command failures are typed SignerErrors with context', async t => {
  const fail = new ExternalCommandSigner({ command: 'sh', args: ['-c', 'cat >/dev/null; echo "container not found" >&2; exit 3'], timeoutMs: 5000 })
  const e1 = await fail.sign(data, { detached: true }).catch(e => e)
  t.ok(e1 instanceof SignerError)
  t.equal(e1.code, 'LC_ERR_SIGNER')
  t.equal(e1.context.exitCode, 3)
  t.match(e1.context.stderr, /container not found/)

  const garbage = new ExternalCommandSigner({ command: 'sh', args: ['-c', 'echo "this is not base64!"'], timeoutMs: 5000 })
  const e2 = await garbage.sign(data, { detached: true }).catch(e => e)
  t.equal(e2.code, 'LC_ERR_SIGNER')
  t.match(e2.message, /no base64/)

  const hang = new ExternalCommandSigner({ command: 'sh', args: ['-c', 'sleep 30'], timeoutMs: 200 })
  const e3 = await hang.sign(data, { detached: true }).catch(e => e)
  t.equal(e3.code, 'LC_ERR_SIGNER')
  t.equal(e3.context.timeoutMs, 200)

  const missing = new ExternalCommandSigner({ command: '/nonexistent/cryptcp', args: [], timeoutMs: 5000 })
  const e4 = await missing.sign(data, { detached: true }).catch(e => e)
  t.equal(e4.code, 'LC_ERR_SIGNER')
})
