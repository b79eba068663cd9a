import { loadConfig } from '../config.js';
import { downloadModel, hasLocalModel } from '../retrieval/embedder.js';

/** `npm run model:fetch`: downloads the configured embedding model into MODELS_DIR. */
const config = loadConfig();
const e = config.embeddings;
const options = { modelId: e.modelId, modelsDir: config.modelsDir, dtype: e.dtype, queryPrefix: e.queryPrefix, passagePrefix: e.passagePrefix };
if (await hasLocalModel(options)) {
  console.log(`${e.modelId} (${e.dtype}) is already in ${config.modelsDir}`);
} else {
  let last = -1;
  try {
    await downloadModel({ ...options, remoteHost: e.remoteHost }, (p) => {
      if (p.status !== 'progress_total' || !p.total) return;
      const pct = Math.floor((100 * (p.loaded ?? 0)) / p.total);
      if (pct !== last) process.stderr.write(`\r${e.modelId}: ${(last = pct)}%`);
    });
    console.log(`\n${e.modelId} (${e.dtype}) downloaded into ${config.modelsDir}`);
  } catch (error) {
    console.error(`\nrahnama: ${(error as Error).message}`);
    process.exit(1);
  }
}
