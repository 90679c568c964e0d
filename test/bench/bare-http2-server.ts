// The ceiling for bench:gc: a bare node:http2 server (what grpc-js serves on) answering every POST
// with an empty gRPC reply, holding `live` small strings (a catalog-sized heap), with the service's
// old-generation growth setting applied the same way (gc-tuning.ts). Prints its port when listening.
import http2 from 'node:http2';
import { applyGcGrowing } from '../../service/gc-tuning.js';

const live = Number(process.argv[2] ?? 0);
applyGcGrowing(Number(process.argv[3] ?? 0));
const keep = Array.from({ length: live }, (_, i) => `name ${i} x`);
const reply = Buffer.from([0, 0, 0, 0, 0]);
const server = http2.createServer();
server.on('stream', (stream) => {
  stream.on('data', () => {});
  stream.on('end', () => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(reply);
  });
});
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  console.log(`listening ${typeof addr === 'object' && addr ? addr.port : 0} (${keep.length} live strings)`);
});
