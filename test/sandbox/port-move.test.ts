// The sandbox org's stored connection follows SANDBOX_ORG_PORT when it changes between starts.
import t from 'tap';
import { tempDataDir } from '../helpers/backends.ts';
import { freePort, startServer } from '../helpers/process.ts';
import { connections, stop, waitForLine } from './server-process.ts';

t.test('the demo org reconnects itself when its emulator moved to another port', async (t) => {
  const dataDir = tempDataDir(t);
  const first = await startServer(t, { DATA_DIR: dataDir, SANDBOX_ORG_PORT: String(await freePort()) });
  await waitForLine(first, /demo org connected/);
  await stop(t, first);
  const orgPort = await freePort();
  const second = await startServer(t, { DATA_DIR: dataDir, SANDBOX_ORG_PORT: String(orgPort) });
  await waitForLine(second, /demo org connected/);
  await stop(t, second);
  const [connection] = await connections({ dataDir });
  t.equal(connection?.instance_url, `http://127.0.0.1:${orgPort}`, 'the stored instance URL follows the port');
});
