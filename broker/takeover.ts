// A device that connects again while the broker still holds its old connection (a half-open TCP link after a
// reboot or a network blip) takes its own client id over [MQTT-3.1.4-2]. aedes closes the old connection after
// accepting the new one, and the old connection's will then (a) goes out after the new connection may already have
// published its state — a retained "online" could be overwritten by the stale "offline" — and (b) is deleted from
// the session store by client id once published, which deletes the *new* connection's will stored a moment
// before (aedes/lib/client.js close → delWill): after a broker crash nobody would learn that the device was gone.
// So the broker publishes the old will itself, before the new connection is accepted, and takes it off the old
// connection so that closing it neither publishes nor deletes anything. test/broker/takeover.test.ts.

import type { Aedes, Client } from 'aedes'

interface WillPacket { topic: string, payload: Buffer, qos: 0 | 1 | 2, retain: boolean }

/** Publish the will of `live` (the connection being taken over) now, if `allowed` to, and detach it. */
export function publishWillOfTakenOver (aedes: Aedes, live: Client, allowed: (topic: string) => boolean, done: () => void): void {
  const holder = live as unknown as { will: WillPacket | null, _will: WillPacket | null }
  const will = holder.will
  holder.will = null
  holder._will = null
  if (will === null || will === undefined || !allowed(will.topic)) { done(); return }
  aedes.publish({ cmd: 'publish', topic: will.topic, payload: will.payload, qos: will.qos, retain: will.retain, dup: false }, () => done())
}
