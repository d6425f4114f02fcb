// A code as scanned or pasted, turned into the code itself (line/codes/scanned.ts): the one set of rules behind the
// codes files, the Find tab, the panel's remove and reprint, and rework scans.
import t from 'tap'
import { GS, normalizeScanned } from '../../line/codes/index.ts'

const RAW = `0104601653030046215Zm7Q+${GS}93dGVz`

t.test('GS written as text by other programs becomes the byte, in any case', async t => {
  for (const gs of ['\\u001d', '\\u001D', '\\x1d', '\\x1D', '<GS>', '<gs>', '{GS}', '⟨GS⟩']) {
    t.equal(normalizeScanned(`0104601653030046215Zm7Q+${gs}93dGVz`), RAW, gs)
  }
  t.equal(normalizeScanned(RAW), RAW, 'a raw code comes back as it was')
})

t.test('what a scanner puts in front of a code goes, and the blanks around it', async t => {
  for (const prefix of [']d2', ']Q3', GS, '\u00e8', `]d2${GS}`, `]d2\u00e8`]) t.equal(normalizeScanned(`${prefix}${RAW}`), RAW, JSON.stringify(prefix))
  t.equal(normalizeScanned(`  ${RAW}\r\n`), RAW)
  t.equal(normalizeScanned(`]d2${RAW.replace(GS, '<GS>')}  `), RAW, 'a prefix and a stand-in together')
})

t.test('anything else is left as it is: brackets (HRI) stay, digits stay', async t => {
  t.equal(normalizeScanned('(01)04601653030046(21)5Zm7Q+(93)dGVz'), '(01)04601653030046(21)5Zm7Q+(93)dGVz')
  t.equal(normalizeScanned('046016530300461234567890'), '046016530300461234567890')
  t.equal(normalizeScanned(''), '')
})
