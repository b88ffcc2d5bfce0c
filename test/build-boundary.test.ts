import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));
const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>;
};

/** The files `npm run build` compiles into dist/, as tsc itself lists them from tsconfig.build.json. */
function buildFiles(): string[] {
  const tsc = resolve(root, 'node_modules/typescript/bin/tsc');
  const out = execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--listFilesOnly'], {
    cwd: root,
    encoding: 'utf8',
  });
  return out
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.includes('/node_modules/'))
    .map((file) => relative(root, file.trim()));
}

// static `import … from`, `export … from`, bare `import '…'` and dynamic `import('…')`
const importRx =
  /^(?:import|export)\s[^;'"]*?\bfrom\s*['"]([^'"]+)['"]|^import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;
const specifiers = (file: string): string[] =>
  [...readFileSync(resolve(root, file), 'utf8').matchAll(importRx)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');

const packageOf = (spec: string) =>
  spec
    .split('/')
    .slice(0, spec.startsWith('@') ? 2 : 1)
    .join('/');
const isTestSupport = (file: string) =>
  /(^|\/)testing\//.test(file) || /\.(test|itest|contract)\.ts$/.test(file) || /-test-kit\.ts$/.test(file);

describe('the production build (tsconfig.build.json)', () => {
  const files = buildFiles();

  it('compiles production code only: no testing/ folder, test kit or test file', () => {
    expect(files.length).toBeGreaterThan(200);
    expect(files.filter(isTestSupport)).toEqual([]);
  });

  it('imports no test support and no devDependency (vitest, fast-check, tsx …)', () => {
    const bad: string[] = [];
    for (const file of files) {
      for (const spec of specifiers(file)) {
        if (spec.startsWith('.')) {
          const target = relative(root, resolve(root, dirname(file), spec));
          if (isTestSupport(target.replace(/\.js$/, '.ts'))) bad.push(`${file} → ${spec}`);
        } else if (packageOf(spec) in pkg.devDependencies) {
          bad.push(`${file} → ${spec}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });
});
