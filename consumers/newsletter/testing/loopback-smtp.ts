import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface LoopbackSmtp {
  /** smtp://127.0.0.1:<port> */
  readonly url: string;
  /** every message received so far, parsed by mailparser, in arrival order */
  readonly received: ParsedMail[];
  close(): Promise<void>;
}

export interface LoopbackSmtpOptions {
  /** called before a message is accepted; false = refuse it (the sender sees a failure, nothing is kept) */
  readonly beforeAccept?: (mail: ParsedMail, acceptedSoFar: number) => boolean;
}

/** A real SMTP server (the smtp-server package) on 127.0.0.1, no auth, no TLS, keeping what arrives. */
export async function startLoopbackSmtp(options: LoopbackSmtpOptions = {}): Promise<LoopbackSmtp> {
  const received: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream, { keepCidLinks: true })
        .then((mail) => {
          if (options.beforeAccept && !options.beforeAccept(mail, received.length)) {
            callback(new Error('refused by the test'));
            return;
          }
          received.push(mail);
          callback();
        })
        .catch((error: unknown) => callback(error instanceof Error ? error : new Error(String(error))));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
