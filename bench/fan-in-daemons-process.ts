// Entry of the fan-in bench's daemons process (forked by FanInDaemons.start):
// `node fan-in-daemons-process.js <events/s of each daemon, comma-separated>`.
import { serveDaemons } from './fan-in-daemons';

serveDaemons(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`fan-in daemons: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
