/**
 * Defect 14 (issue 8): `npm ci` on a fresh clone must print no install-script warnings. npm 11 warns about every
 * package with an install script that `allowScripts` in package.json does not decide, so each one is decided there.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface LockEntry {
  hasInstallScript?: boolean;
}

describe('install scripts', () => {
  it('every package with an install script is decided in allowScripts', () => {
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
      packages: Record<string, LockEntry>;
    };
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
      allowScripts?: Record<string, boolean>;
    };
    const withScripts = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && entry.hasInstallScript)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
    const undecided = withScripts.filter((name) => !(name in (pkg.allowScripts ?? {})));
    expect(undecided).toEqual([]);
  });
});
