import { startProcess } from './support.js';

/** One way of starting the server, measured from process spawn to the first answer on /readyz. */
export interface StartupFigures {
  readonly command: string;
  readonly medianMs: number;
  readonly runsMs: readonly number[];
}

export interface StartupResult {
  /** `npm start` before it ran the compiled build: tsx transpiling src/main.ts and its imports. */
  readonly tsx: StartupFigures;
  /** `npm start` now: scripts/start.mjs checks the build is current, then runs dist/main.js (engine cache warm). */
  readonly compiled: StartupFigures;
  /** The same with an empty engine cache (CACHE_DIR): validating and training as every start did before the cache. */
  readonly compiledCold: StartupFigures;
  /** compiled ÷ tsx, median of the rounds' ratios. */
  readonly ratio: number;
  /** compiled (cache warm) ÷ compiled with an empty cache, median of the rounds' ratios. */
  readonly cacheRatio: number;
  /** With BENCH_STARTUP_BEFORE (an earlier build's main.js): that build, cache warm, in the same rounds. */
  readonly before?: StartupFigures & {
    /** compiled ÷ before, median of the rounds' ratios. */
    readonly ratio: number;
  };
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/**
 * Start-up to ready in keyword mode, three ways (four with BENCH_STARTUP_BEFORE, the `main.js` of
 * an earlier commit's build: `tsc -p tsconfig.build.json --outDir` elsewhere, with node_modules
 * reachable from there), alternating within each round so the machine's drifting load (2 shared
 * cores) weighs on all alike. One start of the compiled server comes
 * first, unmeasured: it builds dist/ when the sources are newer, as `npm start` does, and fills
 * the engine cache. `emptyCacheDir(round)`: a new, empty CACHE_DIR for the cold start of a round.
 */
export async function startupBench(env: Record<string, string>, rounds: number, progress: (what: string) => void, emptyCacheDir: (round: number) => string): Promise<StartupResult> {
  const beforeBuild = process.env.BENCH_STARTUP_BEFORE;
  const ways = { tsx: 'src/main.ts', compiled: 'scripts/start.mjs', compiledCold: 'scripts/start.mjs', before: beforeBuild ?? '' } as const;
  await (await startProcess(ways.compiled, env)).stop();
  // The build before fills its own cache entries too (the engine's code may differ).
  if (beforeBuild) await (await startProcess(beforeBuild, env)).stop();
  const runs = { tsx: [] as number[], compiled: [] as number[], compiledCold: [] as number[], before: [] as number[] };
  const measured = beforeBuild ? (['before', 'compiled', 'tsx', 'compiledCold'] as const) : (['tsx', 'compiled', 'compiledCold'] as const);
  for (let round = 1; round <= rounds; round++) {
    for (const way of measured) {
      const server = await startProcess(ways[way], way === 'compiledCold' ? { ...env, CACHE_DIR: emptyCacheDir(round) } : env);
      runs[way].push(server.readyMs);
      await server.stop();
    }
    const before = beforeBuild ? `, the build before ${runs.before.at(-1)?.toFixed(0)} ms` : '';
    progress(`start-up round ${round} of ${rounds}: tsx ${runs.tsx.at(-1)?.toFixed(0)} ms, compiled ${runs.compiled.at(-1)?.toFixed(0)} ms, compiled with an empty cache ${runs.compiledCold.at(-1)?.toFixed(0)} ms${before}`);
  }
  const figures = (way: keyof typeof ways, command: string): StartupFigures => ({ command, medianMs: median(runs[way]), runsMs: runs[way] });
  return {
    ...(beforeBuild ? { before: { ...figures('before', `node ${beforeBuild}`), ratio: median(runs.compiled.map((ms, i) => ms / (runs.before[i] ?? ms))) } } : {}),
    tsx: figures('tsx', 'node --import tsx src/main.ts'),
    compiled: figures('compiled', 'node scripts/start.mjs (dist/main.js)'),
    compiledCold: figures('compiledCold', 'node scripts/start.mjs (dist/main.js), empty CACHE_DIR'),
    ratio: median(runs.compiled.map((ms, i) => ms / (runs.tsx[i] ?? ms))),
    cacheRatio: median(runs.compiled.map((ms, i) => ms / (runs.compiledCold[i] ?? ms))),
  };
}
