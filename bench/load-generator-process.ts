// Entry of the load generator's own process (forked by LoadGenerator.start):
// `node load-generator-process.js <rate> [<JSON of the rest of its GeneratorConfig>]`.
import { serveForParent } from './load-generator';

serveForParent(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`load generator: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
