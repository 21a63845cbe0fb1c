import { createServer, type Server } from 'node:http';

/** A plain-HTTP listener that serves nothing: every request is sent to the same path over HTTPS. */
export function startRedirectServer(host: string, port: number, publicUrl: URL): Promise<Server> {
  const server = createServer((request, response) => {
    const location = new URL(request.url ?? '/', publicUrl);
    location.protocol = 'https:';
    location.host = publicUrl.host;
    response.writeHead(301, { location: location.toString(), 'content-length': '0', connection: 'close' }).end();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
