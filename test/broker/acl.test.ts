// The topic ACL table as a pure function: filters within filters, per role.
import t from 'tap'
import { TopicAcl, filterWithin } from '../../broker/acl.ts'

t.test('filterWithin', async t => {
  t.ok(filterWithin('a/b/c', 'a/#'))
  t.ok(filterWithin('a/b/c', 'a/+/c'))
  t.ok(filterWithin('a/+/c', 'a/+/c'))
  t.ok(filterWithin('a/b/#', 'a/#'))
  t.notOk(filterWithin('a/#', 'a/b/#'), 'a wider filter is not within a narrower one')
  t.notOk(filterWithin('a/+/c', 'a/b/c'))
  t.notOk(filterWithin('a/b', 'a/b/c'))
  t.notOk(filterWithin('a/b/c/d', 'a/+/c'))
  t.ok(filterWithin('a', 'a/#'), '# also matches the parent level [MQTT-4.7.1-2]')
})

t.test('roles', async t => {
  const acl = new TopicAcl('s1', 'l1')
  const cam = { username: 'c', role: 'camera' as const, deviceId: 'cam1' }
  const plc = { username: 'p', role: 'plc' as const }
  const ctl = { username: 'x', role: 'controller' as const }
  const hmi = { username: 'h', role: 'hmi' as const }
  t.ok(acl.canPublish(cam, 's1/l1/cam/cam1/result'))
  t.notOk(acl.canPublish(cam, 's1/l1/cam/cam2/result'))
  t.notOk(acl.canPublish(cam, 's1/l1/plc/trigger'))
  t.notOk(acl.canPublish({ ...cam, deviceId: '+' }, 's1/l1/cam/+/result'), 'a wildcard device id grants nothing')
  t.notOk(acl.canPublish({ username: 'c', role: 'camera' }, 's1/l1/cam/cam1/result'), 'a camera without device id grants nothing')
  t.ok(acl.canPublish(plc, 's1/l1/plc/trigger'))
  t.notOk(acl.canPublish(plc, 's1/l1/state'))
  t.ok(acl.canSubscribe(plc, 's1/l1/plc/reject'))
  t.notOk(acl.canSubscribe(plc, 's1/l1/plc/#'))
  t.ok(acl.canPublish(ctl, 's1/l1/state'))
  t.notOk(acl.canPublish(ctl, 's1/l2/state'), 'nobody leaves its own line')
  t.notOk(acl.canSubscribe(ctl, '#'))
  t.notOk(acl.canSubscribe(ctl, '$SYS/#'))
  t.ok(acl.canSubscribe(hmi, 's1/l1/#'))
  t.notOk(acl.canPublish(hmi, 's1/l1/plc/cmd'))
})
