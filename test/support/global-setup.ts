import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildWidget } from '../../src/channels/webchat/widget-build.js';
import { ROOT } from './paths.js';
import { startPostgresCluster } from './postgres.js';

/** The built widget every test serves: built once before the test files run in parallel. */
export const WIDGET_DIR = path.join(ROOT, 'dist/widget');

/**
 * Once per run, before the test files: builds the widget and starts the PostgreSQL cluster the
 * storage tests share (each takes fresh databases on it, see `usePostgresDatabase`).
 */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [widget, cluster] = await Promise.allSettled([buildWidget(WIDGET_DIR), startPostgresCluster()]);
  // A cluster that started must not outlive a failed setup.
  if (widget.status === 'rejected') {
    if (cluster.status === 'fulfilled') await cluster.value.destroy();
    throw widget.reason;
  }
  if (cluster.status === 'rejected') throw cluster.reason;
  project.provide('postgresUrl', cluster.value.url());
  return () => cluster.value.destroy();
}
