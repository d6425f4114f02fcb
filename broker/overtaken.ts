// aedes delivers a message to a subscriber only if its broker counter is above the highest it has delivered to that
// subscriber (`client.duplicates`, per broker id: aedes/lib/client.js `dedupe`). Counters are taken when a message is
// published, but messages are handed on in the order their pipelines finish: a QoS 1 message for a durable session
// first waits for the session store (broker/persistence.ts journals it before PUBACK), a QoS 0 message does not. A
// QoS 0 message published a moment later by another client therefore overtakes it, and the QoS 1 message was then
// dropped as a "duplicate" — silently, with its PUBACK already sent to the publisher. That lost PLC gate
// confirmations under a flood of other PLC traffic, and a camera's retained "online" overtaken by a trigger
// (test/broker/ordering.test.ts reproduces both). What the dedupe is for stays: one client subscribed twice to the
// same topic (overlapping filters, a re-subscription) gets each message once. So each client gets a record that
// never holds a counter (aedes' check always passes), and its deliveries go through a check of its own: the exact
// message (broker id and counter) seen recently is dropped, an older counter is not.

type Deliver = (packet: { brokerId?: string | null, brokerCounter?: number, qos?: number }, cb: () => void) => void

const NEVER_SEEN: Record<string, number> = new Proxy({}, {
  get: () => undefined,
  set: () => true,
})

/** Messages remembered per client: repeats through overlapping subscriptions arrive within a few deliveries. */
const REMEMBERED = 4096

/** Let `client` receive messages overtaken by later ones (see above). Call before its subscriptions exist. */
export function deliverOvertaken (client: object): void {
  const c = client as { duplicates: Record<string, number>, deliverQoS: Deliver, deliver0: Deliver }
  c.duplicates = NEVER_SEEN
  const seen = new Set<string>()
  const once = (deliver: Deliver): Deliver => (packet, cb) => {
    if (packet.brokerId !== undefined && packet.brokerId !== null && packet.brokerId !== '') {
      const key = `${packet.brokerId}:${packet.brokerCounter}`
      if (seen.has(key)) { setImmediate(cb); return }
      seen.add(key)
      if (seen.size > REMEMBERED) seen.delete(seen.values().next().value as string)
    }
    deliver(packet, cb)
  }
  const qos0 = c.deliver0
  const qos1 = c.deliverQoS
  c.deliver0 = once(qos0)
  const qos1Once = once(qos1)
  // aedes' deliverQoS hands a QoS 0 packet to this.deliver0 (checked there): it must not be counted twice
  c.deliverQoS = (packet, cb) => { if (packet.qos === 0) qos1(packet, cb); else qos1Once(packet, cb) }
}
