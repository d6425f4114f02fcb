// PreappliedMode's completion (docs/modes.md): the job is done when the store says it took its quantity of codes;
// the store's count is asked only once the line's claims since the job started could have reached it.
import t from 'tap'
import { PreappliedMode } from '../../../line/modes/preapplied.ts'

t.test('exhausted: the store decides, and is asked only when the claims since setJob could reach the quantity', async t => {
  let store = 10 // the job's codes already claimed when it is attached (a restart)
  let asked = 0
  let claims = 500 // the tracker's tally since the process started, other jobs included
  const mode = new PreappliedMode({ claimed: () => { asked++; return store }, claims: () => claims })
  mode.setJob({ id: 1, gtin: '04601653030046', budget: 90, quantity: 100 })
  asked = 0
  t.notOk(mode.exhausted())
  claims += 80
  store += 75 // some claims not committed yet
  t.notOk(mode.exhausted())
  t.equal(asked, 0, 'below the quantity by the claims alone: the store is not asked')
  claims += 10
  t.notOk(mode.exhausted(), 'the claims could reach the quantity; the store has 85 of 100')
  t.equal(asked, 1)
  store += 15
  t.ok(mode.exhausted(), 'the store has the quantity')
  mode.setJob(null)
  t.notOk(mode.exhausted())
})

t.test('without the claims tally the store is asked every time', async t => {
  let asked = 0
  const mode = new PreappliedMode({ claimed: () => { asked++; return 3 } })
  mode.setJob({ id: 1, gtin: '04601653030046', budget: 2 })
  t.notOk(mode.exhausted(), 'the quantity is the budget and the codes claimed at setJob: 3 of 5')
  t.equal(asked, 2)
})
