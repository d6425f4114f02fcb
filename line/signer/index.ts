// Signers chosen by config: the composition root calls createSigner(config.signer).
import { ExternalCommandSigner } from './external-command.ts'
import type { Signer } from './signer.ts'
import { TestSigner } from './test-signer.ts'

export * from './signer.ts'
export { ExternalCommandSigner, type ExternalCommandOptions } from './external-command.ts'
export { TestSigner, verifyDetached, openAttached } from './test-signer.ts'

export type SignerConfig =
  | { kind: 'test', secret: string }
  | { kind: 'external-command', command: string, args: string[], attachedArgs?: string[] | undefined, timeoutMs: number }

export function createSigner (config: SignerConfig): Signer {
  switch (config.kind) {
    case 'test': return new TestSigner(config.secret)
    case 'external-command': return new ExternalCommandSigner({
      command: config.command, args: config.args, timeoutMs: config.timeoutMs,
      ...(config.attachedArgs === undefined ? {} : { attachedArgs: config.attachedArgs }),
    })
  }
}
