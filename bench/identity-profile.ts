/**
 * The 1M part of the identity suite alone, for iterating on the build: one engine run and,
 * with `--union-find`, one union-find run and the partition check. Prints the times and the
 * slowest statements and writes nothing to results.json.
 *
 *   npx tsx bench/identity-profile.ts [--links 1000000] [--union-find]
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seconds } from './format.js';
import { runIdentityBench } from './identity-bench.js';
import { statementLine } from './identity-suite.js';

const DEFAULT_LINKS = 1_000_000;

function parseLinks(argv: string[]): number {
  const index = argv.indexOf('--links');
  if (index < 0) return DEFAULT_LINKS;
  const links = Number(argv[index + 1]);
  if (!Number.isInteger(links) || links < 1) {
    throw new Error(`invalid --links value ${argv[index + 1] ?? '(missing)'}: use a whole number of links, such as 1000000`);
  }
  return links;
}

const argv = process.argv.slice(2);
const result = await runIdentityBench({
  links: parseLinks(argv),
  databasePath: join(tmpdir(), `sluice-identity-profile-${process.pid}.duckdb`),
  engineRepetitions: 1,
  unionFindRepetitions: argv.includes('--union-find') ? 1 : 0,
  log: (message) => process.stdout.write(`${message}\n`),
});

const { engine, build, unionFind, partition } = result;
process.stdout.write(
  `build: ${seconds(engine.wallSeconds)} (CPU ${seconds(engine.cpuSeconds)}), ` +
    `${build.identifiers} identifiers, ${build.profiles} profiles, ${build.componentPasses} passes\n`,
);
if (unionFind !== undefined && partition !== undefined) {
  process.stdout.write(
    `union-find: ${seconds(unionFind.wallSeconds)} (CPU ${seconds(unionFind.cpuSeconds)}); ` +
      `CPU ratio ${(engine.cpuSeconds / unionFind.cpuSeconds).toFixed(2)}; ` +
      `${partition.differingIdentifiers} identifiers in a different component\n`,
  );
}
process.stdout.write('Slowest statements:\n');
for (const timing of result.slowestStatements) process.stdout.write(`${statementLine(timing)}\n`);
