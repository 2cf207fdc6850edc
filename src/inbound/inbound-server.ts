import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTwilioWebhookHandler, type TwilioWebhookOptions } from './twilio-webhook.js';

export interface InboundServerOptions extends TwilioWebhookOptions {
  /** Interface to listen on. 127.0.0.1 keeps the server off the network. */
  host: string;
  /** TCP port; 0 picks a free one. */
  port: number;
}

export interface InboundServer {
  /** The local URL of the webhook path, such as `http://127.0.0.1:8787/twilio/inbound`. */
  url: string;
  close(): Promise<void>;
}

/** Starts the Twilio inbound webhook and resolves once it listens. */
export async function startInboundServer(options: InboundServerOptions): Promise<InboundServer> {
  const server = createServer(createTwilioWebhookHandler(options));
  await listen(server, options.host, options.port);

  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  options.logger.log('info', 'inbound.started', { host: options.host, port, path: options.path });

  return {
    url: `http://${host}:${port}${options.path}`,
    close: async () => {
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      });
      options.logger.log('info', 'inbound.stopped', { port });
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
