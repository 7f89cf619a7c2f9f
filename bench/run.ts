/** `npm run bench`: every benchmark in bench/, one after another, each printing its figures. */
import { printFleetBench, runFleetBench } from './fleet.js';

const benches: Array<[string, () => Promise<void>]> = [
  ['fleet', async () => printFleetBench(await runFleetBench())],
];

let failed = false;
for (const [name, run] of benches) {
  try {
    await run();
  } catch (error) {
    failed = true;
    process.stderr.write(`bench ${name}: ${(error as Error).message}\n`);
  }
}
process.exitCode = failed ? 1 : 0;
