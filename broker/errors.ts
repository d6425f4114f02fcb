// Typed broker errors with stable codes. broker/ imports nothing of line/, so it keeps its own small base class
// with the same shape as line/codes LineError (code, message, context, toJSON).

export class BrokerError extends Error {
  readonly code: string
  readonly context: Record<string, unknown>

  constructor (code: string, message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
    this.context = context
  }

  toJSON (): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, ...this.context }
  }
}

/** The embedded broker could not listen (port taken, bad TLS files …). */
export class BrokerStartError extends BrokerError {
  constructor (message: string, context: Record<string, unknown>, options?: { cause?: unknown }) {
    super('LC_ERR_BROKER_START', message, context, options)
  }
}

/** The session store (SQLite) failed: queued QoS 1 messages may not survive a restart. */
export class BrokerPersistenceError extends BrokerError {
  constructor (message: string, context: Record<string, unknown>, options?: { cause?: unknown }) {
    super('LC_ERR_BROKER_PERSISTENCE', message, context, options)
  }
}

/** Connecting to a broker failed or timed out. */
export class MqttConnectError extends BrokerError {
  constructor (message: string, context: Record<string, unknown>, options?: { cause?: unknown }) {
    super('LC_ERR_MQTT_CONNECT', message, context, options)
  }
}
