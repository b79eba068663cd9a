import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV_VARIABLES, loadConfig } from '../src/config.js';
import { ERROR_CODES, RahnamaError } from '../src/errors.js';
import { ROOT } from './support/paths.js';

describe('configuration from the environment', () => {
  it('runs on documented defaults when nothing is set', () => {
    const config = loadConfig({}, '/srv/rahnama');
    expect(config.port).toBe(3000);
    expect(config.dataDir).toBe('/srv/rahnama/data');
    expect(config.maxQuestionLength).toBe(1000);
    expect(config.embeddings).toMatchObject({ enabled: true, modelId: 'Xenova/multilingual-e5-small', dtype: 'q8', download: true });
  });

  it('converts values and keeps them frozen', () => {
    const config = loadConfig({ PORT: '8080', EMBEDDINGS: 'false', ANSWER_THRESHOLD: '0.6', CONTACT_VERIFIED: 'true' });
    expect(config).toMatchObject({ port: 8080, answerThreshold: 0.6, embeddings: { enabled: false }, contactOverrides: { verified: true } });
    expect(Object.isFrozen(config.embeddings)).toBe(true);
  });

  it('stops with the name of every bad variable and why', () => {
    const error = (() => {
      try {
        loadConfig({ PORT: 'eighty', EMBEDDING_DTYPE: 'fp8' });
      } catch (e) {
        return e;
      }
    })() as RahnamaError;
    expect(error).toBeInstanceOf(RahnamaError);
    expect(error.code).toBe('RAHNAMA_CONFIG_INVALID');
    expect(error.message).toMatch(/PORT="eighty"/);
    expect(error.message).toMatch(/EMBEDDING_DTYPE="fp8"/);
  });

  it('is documented in the README, every variable with its default', async () => {
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    for (const [name, spec] of Object.entries(ENV_VARIABLES)) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${name}\``));
      expect(row, name).toBeDefined();
      if (spec.default !== '' && spec.default !== undefined) expect(row, name).toContain(String(spec.default));
    }
  });
});

describe('error codes', () => {
  it('are each documented in the README with their HTTP status', async () => {
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    for (const [code, spec] of Object.entries(ERROR_CODES)) {
      expect(readme, code).toMatch(new RegExp(`\\| \`${code}\` \\| ${spec.status} \\|`));
    }
  });
});
