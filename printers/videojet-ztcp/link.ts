// One ZTCP connection (printers/request-link.ts): a command line out, its answer line in, one command at a time, a
// timeout on each. A timeout or a line that is not an answer closes the link for good; the driver opens a new one.
// A failure answer (ERR) is a definite answer: the link stays.
import { PrinterLinkError, PrinterRefusedError } from '../errors.ts'
import { RequestLink } from '../request-link.ts'
import { encodeCommand, LineReader, parseReply, type Reply, ZtcpSyntaxError } from './codec.ts'

export class ZtcpLink extends RequestLink<string> {
  readonly #reader = new LineReader()

  /**
   * Send one command and wait for its answer. Resolves with the parsed answer, `ERR` included when `allowErr`;
   * otherwise an `ERR` rejects with PrinterRefusedError.
   */
  async request (mnemonic: string, params: readonly string[] = [], o: { allowErr?: boolean } = {}): Promise<Reply> {
    return await this.serial(mnemonic, async exchange => {
      const line = await exchange(encodeCommand(mnemonic, params), {})
      let reply: Reply
      try {
        reply = parseReply(line)
      } catch (err) {
        throw this.fail(mnemonic, err)
      }
      if (reply.kind === 'err' && o.allowErr !== true) throw new PrinterRefusedError({ printer: this.printer, request: mnemonic, answer: 'ERR' })
      return reply
    })
  }

  protected onData (d: Buffer): void {
    let lines: string[]
    try {
      lines = this.#reader.push(d)
    } catch (err) {
      this.lose(new PrinterLinkError(`line noise: ${(err as Error).message}`, { printer: this.printer }, { cause: err }))
      return
    }
    for (const line of lines) {
      if (line === '') continue // a blank line (a stray CR) answers nothing
      const w = this.take()
      if (w === undefined) {
        // Nothing was asked: an asynchronous notification the driver did not enable, or noise. Either way the
        // stream can no longer be trusted to pair answers with commands.
        this.lose(new PrinterLinkError(`unsolicited line: ${new ZtcpSyntaxError(JSON.stringify(line.slice(0, 60))).message}`, { printer: this.printer }))
        return
      }
      w.resolve(line)
    }
  }
}
