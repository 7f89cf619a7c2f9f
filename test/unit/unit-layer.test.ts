/**
 * The unit layer stays fast and needs nothing running: no test under test/unit (nor any test file or helper it
 * imports) starts a bot (test/helpers/bot.ts), reaches Redis (ioredis, test/helpers/redis.ts), spawns the bot
 * (test/helpers/process.ts) or opens HTTP connections. Modules of src/ may name ioredis for their types; what is
 * checked is what the tests themselves import.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { moduleGraph, pathTo, REPO_ROOT, specifiers } from './helpers/module-graph.js';

const FORBIDDEN_HELPERS = ['test/helpers/bot.ts', 'test/helpers/redis.ts', 'test/helpers/process.ts'];
const FORBIDDEN_PACKAGES =
  /^(ioredis|undici|node:(http|https|net|child_process)|(http|https|net|child_process))$/;

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? testFiles(path) : path.endsWith('.test.ts') ? [path] : [];
  });
}

const UNIT = testFiles(join(REPO_ROOT, 'test/unit'));

describe('the unit layer', () => {
  it('has tests', () => {
    expect(UNIT.length).toBeGreaterThan(10);
  });

  for (const file of UNIT) {
    const name = relative(REPO_ROOT, file);
    it(`${name} starts no bot and imports no Redis or HTTP client`, () => {
      const graph = moduleGraph(file);
      const helpers = FORBIDDEN_HELPERS.filter((h) => graph.files.has(h)).map((h) => pathTo(graph, h));
      expect(helpers).toEqual([]);
      const testSide = [...graph.files].filter((f) => f.startsWith('test/'));
      const offenders = testSide.flatMap((f) =>
        specifiers(join(REPO_ROOT, f))
          .filter((spec) => FORBIDDEN_PACKAGES.test(spec))
          .map((spec) => `${f} imports ${spec}`),
      );
      expect(offenders).toEqual([]);
    });
  }
});
