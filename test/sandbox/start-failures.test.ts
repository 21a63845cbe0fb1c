// Sandbox starts that cannot go on say why in one line: a damaged state file, a taken port.
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import t from 'tap';
import { sandboxOrgStateFile } from '../../service/src/sandbox.ts';
import { tempDataDir } from '../helpers/backends.ts';
import { startServer } from '../helpers/process.ts';
import { waitForLine } from './server-process.ts';

t.test('a corrupt state file stops the start with a message naming it', async (t) => {
  const dataDir = tempDataDir(t);
  const stateFile = sandboxOrgStateFile(dataDir);
  const first = await startServer(t, { DATA_DIR: dataDir });
  await waitForLine(first, /Slotwise is listening/);
  t.ok(existsSync(stateFile), 'the state file is written before the service listens');
  // Killed outright: the file written at seeding is already whole.
  first.child.kill('SIGKILL');
  await first.exited;
  writeFileSync(stateFile, '{"version": 1, "records": ');
  const second = await startServer(t, { DATA_DIR: dataDir });
  t.equal(await second.exited, 1, 'exits with an error');
  t.match(second.output(), `slotwise: the sandbox org's state file ${stateFile} is not valid JSON`);
  t.match(second.output(), /Move it aside/);
  t.notMatch(second.output(), /\n\s+at /, 'no stack trace');
});

t.test('a taken SANDBOX_ORG_PORT stops the start with a message naming the variable', async (t) => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  const taken = (blocker.address() as { port: number }).port;
  const server = await startServer(t, { DATA_DIR: tempDataDir(t), SANDBOX_ORG_PORT: String(taken) });
  t.equal(await server.exited, 1);
  t.match(server.output(), `slotwise: SANDBOX_ORG_PORT ${taken} is already in use`);
});
