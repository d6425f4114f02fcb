// Refuses MQTT packets larger than a limit before the broker buffers them: reads each packet's fixed header as the
// bytes pass (MQTT 3.1.1 §2.2.3 "Remaining Length", a variable-length integer of at most 4 bytes) and closes the
// connection as soon as a header announces more than the limit. aedes has no such option, and without it a client
// can make the broker hold a 256 MB packet in memory.

import type { Duplex } from 'node:stream'

export interface PacketLimitOptions {
  maxPacketBytes: number
  /** Called once when a connection is closed for an oversized or malformed header. */
  onRefused?: (why: { reason: 'too-large' | 'malformed', announced?: number }) => void
}

/** Parses fixed headers out of a byte stream; `feed` returns a refusal or null. Exported for tests. */
export class FixedHeaderScanner {
  #phase: 'type' | 'length' | 'body' = 'type'
  #length = 0
  #multiplier = 1
  #lengthBytes = 0
  #remaining = 0
  readonly #max: number

  constructor (maxPacketBytes: number) { this.#max = maxPacketBytes }

  feed (chunk: Buffer): { reason: 'too-large' | 'malformed', announced?: number } | null {
    let i = 0
    while (i < chunk.length) {
      if (this.#phase === 'body') {
        const take = Math.min(this.#remaining, chunk.length - i)
        i += take
        this.#remaining -= take
        if (this.#remaining === 0) this.#phase = 'type'
        continue
      }
      const byte = chunk[i++] as number
      if (this.#phase === 'type') {
        this.#phase = 'length'
        this.#length = 0
        this.#multiplier = 1
        this.#lengthBytes = 0
        continue
      }
      this.#length += (byte & 0x7f) * this.#multiplier
      this.#multiplier *= 128
      this.#lengthBytes++
      if ((byte & 0x80) !== 0) {
        // [MQTT-2.2.3] the remaining length takes at most four bytes
        if (this.#lengthBytes >= 4) return { reason: 'malformed' }
        continue
      }
      if (this.#length > this.#max) return { reason: 'too-large', announced: this.#length }
      this.#remaining = this.#length
      this.#phase = this.#remaining === 0 ? 'type' : 'body'
    }
    return null
  }
}

/**
 * Watches what the broker reads from `stream` and destroys the stream when a packet is too large. A 'data' listener
 * beside aedes' 'readable' one sees every chunk aedes reads, in the same call, so at most one chunk of an oversized
 * packet ever reaches the broker's parser.
 */
export function limitPacketSize<S extends Duplex> (stream: S, options: PacketLimitOptions): S {
  const scanner = new FixedHeaderScanner(options.maxPacketBytes)
  const onData = (chunk: Buffer | string): void => {
    const refused = scanner.feed(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
    if (refused === null) return
    stream.off('data', onData)
    options.onRefused?.(refused)
    stream.destroy()
  }
  stream.on('data', onData)
  return stream
}
