/** The trivial Node HTTP server GET figures are compared with: a fixed small JSON body. */
import { createServer } from 'node:http';

const body = JSON.stringify({ id: '00000000-0000-4000-8000-000000000000', name: 'trivial', status: { phase: 'Running' } });
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
