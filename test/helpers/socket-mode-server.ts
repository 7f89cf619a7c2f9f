/**
 * A Socket Mode server standing in for Slack's (https://api.slack.com/apis/socket-mode), on loopback with `ws`:
 * the Slack simulator's apps.connections.open hands out this server's URL; a connecting client gets `hello`, then
 * envelopes ({envelope_id, type, payload, accepts_response_payload}); it answers each with an ack
 * ({envelope_id, payload}) on the same socket. Slack pings every few seconds; so does this server.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { waitFor } from './wait.js';

export interface Ack {
  envelope_id: string;
  payload?: Record<string, unknown>;
}

export class SocketModeServer {
  readonly acks: Ack[] = [];
  /** Every text frame a client sent that was not an ack (there should be none). */
  readonly strays: string[] = [];
  /** Query strings of the connections made, to check the client used the URL it was given. */
  readonly connections: string[] = [];
  private readonly sockets = new Set<WebSocket>();
  private server?: WebSocketServer;
  private pinger?: NodeJS.Timeout;
  private readonly ticket = randomBytes(8).toString('hex');

  async start(): Promise<this> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    server.on('connection', (socket, req) => {
      this.connections.push(req.url ?? '');
      if (!req.url?.includes(`ticket=${this.ticket}`)) return socket.close(1008, 'invalid ticket');
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('message', (data, isBinary) => this.received(data.toString(), isBinary));
      socket.send(
        JSON.stringify({
          type: 'hello',
          num_connections: this.sockets.size,
          debug_info: { host: 'test-socket-mode', approximate_connection_time: 18060 },
          connection_info: { app_id: 'ASANDBOX' },
        }),
      );
    });
    this.pinger = setInterval(() => {
      for (const socket of this.sockets) socket.ping(Buffer.from(`ping ${Date.now()}`));
    }, 5000);
    this.server = server;
    return this;
  }

  get url(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `ws://127.0.0.1:${port}/link/?ticket=${this.ticket}&app_id=ASANDBOX`;
  }

  get connected(): number {
    return this.sockets.size;
  }

  /** Sends an envelope to every connected client (normally one); returns its envelope id. */
  send(type: string, payload: unknown, extra: Record<string, unknown> = {}): string {
    const envelopeId = `${randomBytes(4).toString('hex')}-${randomBytes(2).toString('hex')}`;
    this.sendRaw(
      JSON.stringify({
        envelope_id: envelopeId,
        type,
        payload,
        accepts_response_payload: type !== 'events_api',
        ...extra,
      }),
    );
    return envelopeId;
  }

  sendRaw(frame: string | Buffer): void {
    if (this.sockets.size === 0) throw new Error('no Socket Mode client is connected');
    for (const socket of this.sockets) socket.send(frame);
  }

  /** The client's ack of an envelope, waiting for it. */
  ackOf(envelopeId: string, timeoutMs = 5000): Promise<Ack> {
    return waitFor(() => this.acks.find((a) => a.envelope_id === envelopeId), {
      timeoutMs,
      what: `the ack of envelope ${envelopeId}`,
    });
  }

  /** Ends every connection as Slack does before a server restarts: the client is expected to reconnect. */
  disconnectAll(): void {
    for (const socket of this.sockets)
      socket.send(JSON.stringify({ type: 'disconnect', reason: 'refresh_requested' }));
  }

  async stop(): Promise<void> {
    clearInterval(this.pinger);
    for (const socket of this.sockets) socket.terminate();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private received(text: string, isBinary: boolean): void {
    try {
      const message = JSON.parse(text) as Ack;
      if (!isBinary && typeof message.envelope_id === 'string') {
        this.acks.push(message);
        return;
      }
    } catch {
      // not JSON: a stray
    }
    this.strays.push(text);
  }
}
