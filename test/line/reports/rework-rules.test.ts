// The rework rules of the group table and the DISAGGREGATION_DOCUMENT body (TA §4.1.2.3).
import t from 'tap'
import { disaggregationDocument } from '../../../line/gismt/documents.ts'
import { disaggregationOf, GROUP_RULES, sampleReasonsOf } from '../../../line/domain/groups.ts'

t.test('DISAGGREGATION_DOCUMENT: participant_inn and products_list[].uitu, aggregates as 00+SSCC, in order', async t => {
  t.same(disaggregationDocument('7700000000', ['046000000000000017', '00046000000000000024']), {
    participant_inn: '7700000000', products_list: [{ uitu: '00046000000000000017' }, { uitu: '00046000000000000024' }],
  })
  t.throws(() => disaggregationDocument('77', ['046000000000000017']), { code: 'LC_ERR_TRUE_API_DOCUMENT' }, 'an INN of 10 or 12 digits')
  t.throws(() => disaggregationDocument('7700000000', []), { code: 'LC_ERR_TRUE_API_DOCUMENT' }, 'at least one aggregate')
  t.throws(() => disaggregationDocument('7700000000', ['046000000000000017', '00046000000000000017']), { code: 'LC_ERR_TRUE_API_DOCUMENT' }, 'no aggregate twice')
})

t.test('the group table says which groups disaggregate through the True API and which sample reasons they take', async t => {
  for (const g of ['milk', 'water', 'softdrinks', 'beer', 'nabeer', 'lp', 'shoes']) t.equal(disaggregationOf(g)?.documentType, 'DISAGGREGATION_DOCUMENT', `${g}: TA §4.1.2.3 lists it`)
  t.equal(disaggregationOf('tobacco-pack'), null, 'tobacco: not in TA §4.1.2.3, and the OMS has no disaggregation')
  t.equal(disaggregationOf('pharma'), null)
  t.same(sampleReasonsOf('milk'), ['QA_SAMPLES'], 'milk: DEFECT and QA_SAMPLES only (Table 244 note 1)')
  t.same(sampleReasonsOf('water'), ['QA_SAMPLES', 'PRODUCT_TESTING', 'DEMO_SAMPLES'])
  t.same(sampleReasonsOf('softdrinks'), [], 'no OMS dropout for softdrinks (§4.4.9 note 1): no samples')
  for (const r of GROUP_RULES) {
    for (const reason of sampleReasonsOf(r.group)) t.ok(r.dropout?.reasons.includes(reason), `${r.group}: ${reason} is one of its dropout reasons`)
  }
})
