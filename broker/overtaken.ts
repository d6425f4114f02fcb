// aedes delivers a message to a subscriber only if its broker counter is above the highest that subscriber has
// been given (`client.duplicates`, per broker id: aedes/lib/client.js `dedupe`). Counters are taken when a message
// is published, but messages are handed on in the order their pipelines finish: a QoS 1 message for a durable
// session first waits for the session store (broker/persistence.ts journals it before PUBACK), a QoS 0 message
// does not. A QoS 0 message published a moment later by another client therefore overtakes it, and the QoS 1
// message is then dropped as a "duplicate" — silently, with its PUBACK already sent to the publisher. That lost
// PLC gate confirmations under a flood of other PLC traffic and a camera's retained "online" overtaken by a
// trigger (test/broker/ordering.test.ts reproduces it). The dedupe only guards against one client receiving the same
// message twice through overlapping subscriptions of its own; QoS 1 is at-least-once and every consumer of the
// line tolerates a repeat (by sequence number), so a repeat is the lesser harm: each client gets a record that
// never holds a counter, and nothing is dropped.

const NEVER_SEEN: Record<string, number> = new Proxy({}, {
  get: () => undefined,
  set: () => true,
})

/** Let `client` receive messages overtaken by later ones (see above). Call before its subscriptions are restored. */
export function deliverOvertaken (client: object): void {
  (client as { duplicates: Record<string, number> }).duplicates = NEVER_SEEN
}
