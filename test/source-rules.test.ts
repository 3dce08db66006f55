import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Rules about the sources themselves, checked by reading them: each would drift back one
 * innocent-looking line at a time, and nothing else would fail when it did.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

const PACKAGE_SOURCES = readdirSync(path.join(ROOT, 'packages')).flatMap((pkg) => sources(path.join(ROOT, 'packages', pkg, 'src')));

/** Where error codes are defined: errors.ts, *-errors.ts, *-error.ts. */
function isErrorsModule(file: string): boolean {
  return /^(.+-)?errors?\.ts$/.test(path.basename(file));
}

/** Lines matching `pattern` outside comments, as "file:line: text". */
function offending(files: readonly string[], pattern: RegExp): string[] {
  const found: string[] = [];
  for (const file of files) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, '');
        if (/^\s*\*/.test(code)) return;
        if (pattern.test(code)) found.push(`${path.relative(ROOT, file)}:${i + 1}: ${line.trim()}`);
      });
  }
  return found;
}

describe('source rules', () => {
  it('finds the sources it checks', () => {
    expect(PACKAGE_SOURCES.length).to.be.greaterThan(100);
    expect(PACKAGE_SOURCES.filter(isErrorsModule).map((f) => path.basename(f))).to.include.members(['errors.ts', 'http-error.ts']);
  });

  it('writes error codes only in the errors modules; everywhere else goes through their constants', () => {
    const literals = offending(PACKAGE_SOURCES.filter((f) => !isErrorsModule(f)), /['"`]ERR_/);
    expect(literals, 'move the code into the errors module of its folder (errors.ts or *-errors.ts) and use the constant').to.deep.equal([]);
  });

  it('rejects and throws only Errors (with a stack and instanceof), never plain objects or strings', () => {
    const plain = offending(PACKAGE_SOURCES, /\breject\(\s*[{'"`]|\bthrow\s+[{'"`]/);
    expect(plain, 'wrap it in a CodedError subclass').to.deep.equal([]);
  });
});
