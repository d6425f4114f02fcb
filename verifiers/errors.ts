// Typed verifier errors with stable codes (subclasses of the shared LineError).
import { LineError } from '../line/domain/errors.ts'

/** A camera result that is not JSON, or not the DESIGN §6 shape. Counted, logged and alarmed; never thrown out of a handler. */
export class CameraPayloadError extends LineError {
  constructor (message: string, context: { camera: string | null, topic: string, payload: string, issues?: string[] }) {
    super('LC_ERR_CAMERA_PAYLOAD', message, context)
  }
}

/** Rendering a code into an image failed (data bwip-js refuses). */
export class ImageRenderError extends LineError {
  constructor (message: string, context: Record<string, unknown>, options?: { cause?: unknown }) {
    super('LC_ERR_IMAGE_RENDER', message, context, options)
  }
}

/** The decoder could not be loaded (zxing_reader.wasm missing from node_modules). */
export class DecoderLoadError extends LineError {
  constructor (message: string, context: Record<string, unknown>, options?: { cause?: unknown }) {
    super('LC_ERR_DECODER_LOAD', message, context, options)
  }
}

/** A reader's result string does not match the configured format. */
export class ReaderFormatError extends LineError {
  constructor (message: string, context: { reader: string, line: string, format?: string }) {
    super('LC_ERR_READER_FORMAT', message, context)
  }
}

/** The link to a fixed-mount reader's TCP result port is down. */
export class ReaderLinkError extends LineError {
  constructor (message: string, context: Record<string, unknown>, options?: { cause?: unknown }) {
    super('LC_ERR_READER_LINK', message, context, options)
  }
}
