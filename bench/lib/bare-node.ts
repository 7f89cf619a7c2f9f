/**
 * The floor under bench/burst.ts: a plain Node HTTP server that reads each request's body and answers a short JSON
 * ack — no signature check, no parsing, no Redis. What any Node process pays on this machine for the same
 * connections. Run as a child process: env PORT.
 */
import { createServer } from 'node:http';

const ACK = JSON.stringify({ response_type: 'ephemeral', text: 'Run r-0000000000 queued.' });

const server = createServer((req, res) => {
  req.resume();
  req.once('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(ACK);
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
