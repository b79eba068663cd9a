import type { FastifyPluginAsync } from 'fastify';
import type { KnowledgeEntry } from '../../knowledge/schema.js';
import type { ConsoleKit } from '../console-kit.js';
import type { InsightsStore } from '../../storage/insights-store.js';
import type { ConsoleHandoff } from '../handoff-console.js';
import { DASHBOARD_PERIODS, dashboardPage, readDashboardInsights, summarize, type DashboardPeriod } from '../dashboard-page.js';

export interface DashboardRoutesOptions {
  kit: ConsoleKit;
  /** The insights' aggregates (counts only; they outlive the retention period). */
  insights: Pick<InsightsStore, 'dailyCounts' | 'entryCounts' | 'feedbackCounts' | 'checkOutcomes'>;
  /** The entries as served, for the top entries' questions. */
  entries: () => Iterable<KnowledgeEntry>;
  /** Live conversations' figures for the same days; absent: handoff is off, no section. */
  handoffFigures?: ConsoleHandoff['figures'];
}

/** The dashboard: conversations, questions, rates and feedback over the last 7, 30 or 90 days. */
const dashboardRoutes: FastifyPluginAsync<DashboardRoutesOptions> = async (app, opts) => {
  const { kit } = opts;
  app.get<{ Querystring: { days: DashboardPeriod } }>(
    '/admin/dashboard',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: { days: { type: 'integer', enum: [...DASHBOARD_PERIODS], default: 30 }, lang: { type: 'string' } },
        },
      },
    },
    async (request, reply) => {
      const period = request.query.days;
      const entries = new Map<string, KnowledgeEntry>();
      for (const entry of opts.entries()) entries.set(entry.id, entry);
      const summary = summarize(await readDashboardInsights(opts.insights), period);
      // The same number of days, ending today in the opening hours' time zone (handoffs are counted by local day).
      const handoff = opts.handoffFigures && (await opts.handoffFigures(period));
      return kit.sendPage(reply, 200, dashboardPage(kit.context(request), summary, period, (id) => entries.get(id), handoff));
    },
  );
};

export default dashboardRoutes;
