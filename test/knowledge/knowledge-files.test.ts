import { cp } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DirectoryKnowledgeFiles, StoredKnowledgeFiles, type KnowledgeFileChange, type KnowledgeFiles } from '../../src/knowledge/knowledge-files.js';
import { readKnowledgeSources, type KnowledgeSource } from '../../src/knowledge/load.js';
import { KNOWLEDGE_DIR } from '../support/paths.js';
import { useStoreBackends } from '../support/stores.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir();
const postgres = useStoreBackends().find((b) => b.name === 'postgres')!;

/** The shipped knowledge files, in name order (code units, as the database orders its keys). */
async function shippedSources(): Promise<KnowledgeSource[]> {
  return (await readKnowledgeSources(KNOWLEDGE_DIR)).sort((a, b) => (a.file < b.file ? -1 : 1));
}

interface Place {
  readonly files: KnowledgeFiles;
  /** Another reader of the same files, as another process or instance would open them. */
  reader(): Promise<KnowledgeFiles>;
}

const implementations: { name: string; place(): Promise<Place> }[] = [
  {
    name: 'DirectoryKnowledgeFiles (a copy of the knowledge folder)',
    place: async () => {
      const dir = path.join(await tempDir(), 'knowledge');
      await cp(KNOWLEDGE_DIR, dir, { recursive: true });
      return { files: new DirectoryKnowledgeFiles(dir), reader: async () => new DirectoryKnowledgeFiles(dir) };
    },
  },
  {
    name: 'StoredKnowledgeFiles (PostgreSQL, seeded from the knowledge folder)',
    place: async () => {
      const place = await postgres.place();
      const files = new StoredKnowledgeFiles(await place.open());
      await files.seed(await readKnowledgeSources(KNOWLEDGE_DIR));
      return { files, reader: async () => new StoredKnowledgeFiles(await place.open()) };
    },
  },
];

const textOf = async (files: KnowledgeFiles, file: string) => (await files.list()).find((s) => s.file === file)?.text;

describe.each(implementations)('$name', ({ place }) => {
  it('lists every file (entries, flows/…, contacts.yaml, glossary.yaml, out-of-scope.yaml) with its text, in name order', async () => {
    const { files } = await place();
    const shipped = await shippedSources();
    const listed = await files.list();
    expect(listed).toEqual(shipped);
    expect(listed.map((s) => s.file)).toEqual(expect.arrayContaining(['avrr-cost.yaml', 'flows/eligibility.yaml', 'contacts.yaml', 'glossary.yaml', 'out-of-scope.yaml']));
    expect(listed.map((s) => s.file)).toEqual([...listed.map((s) => s.file)].sort());
  });

  it('reads a file by name, and a missing file as the empty text', async () => {
    const { files } = await place();
    const shipped = await shippedSources();
    expect(await files.read('avrr-cost.yaml')).toBe(shipped.find((s) => s.file === 'avrr-cost.yaml')!.text);
    expect(await files.read('flows/eligibility.yaml')).toBe(shipped.find((s) => s.file === 'flows/eligibility.yaml')!.text);
    expect(await files.read('no-such-entry.yaml')).toBe('');
    expect(await files.read('flows/no-such-flow.yaml')).toBe('');
  });

  it('changes nothing and names the file when one change is based on a stale text; writes and deletes all of them otherwise', async () => {
    const { files, reader } = await place();
    const shipped = await shippedSources();
    const shippedText = (file: string) => shipped.find((s) => s.file === file)!.text;
    const changes: KnowledgeFileChange[] = [
      { file: 'avrr-cost.yaml', before: shippedText('avrr-cost.yaml'), after: `${shippedText('avrr-cost.yaml')}# edited\n` },
      { file: 'flows/eligibility.yaml', before: shippedText('flows/eligibility.yaml'), after: `${shippedText('flows/eligibility.yaml')}# edited\n` },
      { file: 'about-iom.yaml', before: shippedText('about-iom.yaml'), after: null },
      { file: 'new-entry.yaml', before: '', after: 'id: new-entry\n' },
    ];

    const staleText = { file: 'avrr-timeline.yaml', before: 'an older text\n', after: 'id: avrr-timeline\n' };
    expect(await files.replace([...changes, staleText])).toEqual(['avrr-timeline.yaml']);
    const existsAlready = { file: 'contacts.yaml', before: '', after: 'written as if new\n' };
    expect(await files.replace([...changes, existsAlready])).toEqual(['contacts.yaml']);
    expect(await files.list()).toEqual(shipped);
    expect(await (await reader()).list()).toEqual(shipped);

    expect(await files.replace(changes)).toEqual([]);
    const other = await reader();
    expect(await other.read('avrr-cost.yaml')).toBe(`${shippedText('avrr-cost.yaml')}# edited\n`);
    expect(await textOf(other, 'flows/eligibility.yaml')).toBe(`${shippedText('flows/eligibility.yaml')}# edited\n`);
    expect(await other.read('about-iom.yaml')).toBe('');
    expect(await textOf(other, 'new-entry.yaml')).toBe('id: new-entry\n');
    expect((await other.list()).map((s) => s.file)).toEqual(
      [...shipped.map((s) => s.file).filter((f) => f !== 'about-iom.yaml'), 'new-entry.yaml'].sort(),
    );

    // The same changes again are now stale, every one of them.
    expect((await files.replace(changes)).sort()).toEqual(changes.map((c) => c.file).sort());
  });
});

describe('DirectoryKnowledgeFiles', () => {
  it('refuses a file name that leads out of the folder, and writes nothing there', async () => {
    const root = await tempDir();
    const dir = path.join(root, 'knowledge');
    await cp(KNOWLEDGE_DIR, dir, { recursive: true });
    const files = new DirectoryKnowledgeFiles(dir);
    for (const file of ['../x.yaml', 'flows/../../x.yaml', path.join(root, 'x.yaml')]) {
      await expect(files.read(file), file).rejects.toThrow(/outside the folder/);
      await expect(files.replace([{ file, before: '', after: 'id: x\n' }]), file).rejects.toThrow(/outside the folder/);
    }
    expect(existsSync(path.join(root, 'x.yaml'))).toBe(false);
    expect(await files.list()).toEqual(await shippedSources());
  });
});

describe('StoredKnowledgeFiles', () => {
  it('seeds an empty store from the folder once, and leaves a store that holds files alone', async () => {
    const place = await postgres.place();
    const files = new StoredKnowledgeFiles(await place.open());
    const shipped = await shippedSources();
    expect(await files.list()).toEqual([]);
    expect(await files.seed(shipped)).toBe(true);
    expect(await files.seed([{ file: 'other.yaml', text: 'id: other\n' }])).toBe(false);
    expect(await new StoredKnowledgeFiles(await place.open()).list()).toEqual(shipped);
  });

  it('leaves exactly one copy when two instances seed the same empty database at once', async () => {
    const place = await postgres.place();
    const shipped = await shippedSources();
    const [a, b] = [new StoredKnowledgeFiles(await place.open()), new StoredKnowledgeFiles(await place.open())];
    const seeded = await Promise.all([a.seed(shipped), b.seed(shipped)]);
    expect(seeded.sort()).toEqual([false, true]);
    expect(await new StoredKnowledgeFiles(await place.open()).list()).toEqual(shipped);
  });

  it('lets exactly one of two instances replace a file when both base it on the same text at once', async () => {
    const place = await postgres.place();
    const [a, b] = [new StoredKnowledgeFiles(await place.open()), new StoredKnowledgeFiles(await place.open())];
    await a.seed(await shippedSources());
    const file = 'avrr-cost.yaml';
    // Several rounds, so that the two writes meet inside the database as well as before it.
    for (let round = 0; round < 10; round++) {
      const before = await a.read(file);
      const texts = [`${before}# a ${round}\n`, `${before}# b ${round}\n`];
      const results = await Promise.all([a.replace([{ file, before, after: texts[0]! }]), b.replace([{ file, before, after: texts[1]! }])]);
      expect(results.filter((r) => r.length === 0), `round ${round}`).toHaveLength(1);
      const loser = results.findIndex((r) => r.length > 0);
      expect(results[loser]).toEqual([file]);
      expect(await b.read(file)).toBe(texts[1 - loser]);
    }
  });
});
