// Typed broker errors with stable codes, subclasses of the one shared LineError (line/domain).
import { LineError } from '../line/domain/errors.ts'

/** Base of every broker error. */
export class BrokerError extends LineError {}

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
