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
  /** `npm start` now: scripts/start.mjs checks the build is current, then runs dist/main.js. */
  readonly compiled: StartupFigures;
  /** compiled ÷ tsx, median of the rounds' ratios. */
  readonly ratio: number;
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/**
 * Start-up to ready in keyword mode, both ways, alternating within each round so the machine's
 * drifting load (2 shared cores) weighs on both alike. One start of the compiled server comes
 * first, unmeasured: it builds dist/ when the sources are newer, as `npm start` does.
 */
export async function startupBench(env: Record<string, string>, rounds: number, progress: (what: string) => void): Promise<StartupResult> {
  const ways = { tsx: 'src/main.ts', compiled: 'scripts/start.mjs' } as const;
  await (await startProcess(ways.compiled, env)).stop();
  const runs = { tsx: [] as number[], compiled: [] as number[] };
  for (let round = 1; round <= rounds; round++) {
    for (const way of ['tsx', 'compiled'] as const) {
      const server = await startProcess(ways[way], env);
      runs[way].push(server.readyMs);
      await server.stop();
    }
    progress(`start-up round ${round} of ${rounds}: tsx ${runs.tsx.at(-1)?.toFixed(0)} ms, compiled ${runs.compiled.at(-1)?.toFixed(0)} ms`);
  }
  const figures = (way: keyof typeof ways, command: string): StartupFigures => ({ command, medianMs: median(runs[way]), runsMs: runs[way] });
  return {
    tsx: figures('tsx', 'node --import tsx src/main.ts'),
    compiled: figures('compiled', 'node scripts/start.mjs (dist/main.js)'),
    ratio: median(runs.compiled.map((ms, i) => ms / (runs.tsx[i] ?? ms))),
  };
}
