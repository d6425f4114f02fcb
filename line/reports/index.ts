// The report outbox and its senders.
export * from './schema.ts'
export * from './states.ts'
export * from './sender.ts'
export * from './errors.ts'
export * from './outbox.ts'
export { TrueApiDocumentSender, type TrueApiSenderOptions } from './true-api-sender.ts'
