/**
 * Where the console's browser files are. They are plain JavaScript and CSS kept in the source tree, which tsc does
 * not copy: from `src/web/console/` (tsx) or `dist/web/console/` (the compiled build) alike, walk up to the
 * package root and take `src/web/console/static` there.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const STATIC = join('src', 'web', 'console', 'static');

/** The static folder, or undefined when this installation does not ship it (e.g. an image with dist/ only). */
export function consoleAssetsDir(from: string = import.meta.url): string | undefined {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, STATIC, 'index.html')))
      return join(dir, STATIC);
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Microsoft's Adaptive Cards renderer for browsers (its UMD build: a classic script that defines the global
 * `AdaptiveCards`, with nothing to fetch), as installed by `npm ci`; undefined when it is not installed.
 */
export function adaptiveCardsScript(from: string = import.meta.url): string | undefined {
  try {
    return createRequire(from).resolve('adaptivecards/dist/adaptivecards.min.js');
  } catch {
    return undefined;
  }
}
