// The simulator hub for the browser tests, in a process of its own: a 50,000-frame burst keeps the
// simulator's event loop busy for seconds, and in the test runner's process it would also hold back the
// runner's own work (commands such as typing, results), which the tests would then measure as the page's.
// Started by web-test-runner.config.mjs with fork(); sends { control, main } once listening on 127.0.0.1;
// stops when the runner disconnects (also when it dies).
import { startHub } from '../../simulator/control.mjs';

const hub = await startHub({ host: '127.0.0.1', port: 0, controlPort: 0, rate: 0 });
process.send({ control: hub.controlUrl, main: hub.main.url });
process.on('disconnect', async () => {
  await hub.close();
  process.exit(0);
});
