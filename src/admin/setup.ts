import type { Config } from '../config.js';
import { CounsellorPresence } from '../handoff/counsellor-presence.js';
import type { HandoffDesk } from '../handoff/handoff-desk.js';
import { handoffFigures, lastLocalDays } from '../handoff/handoff-figures.js';
import type { Lang } from '../languages.js';
import { DirectoryKnowledgeFiles, type KnowledgeFiles } from '../knowledge/knowledge-files.js';
import type { LoadedEngine } from '../retrieval/load-engine.js';
import { loadGeneratedSecret } from '../storage/generated-secret.js';
import type { Store } from '../storage/store.js';
import { AccountStore } from './account-store.js';
import { AuditLog } from './audit-log.js';
import { readQuestion } from './inbox.js';
import { InboxState } from './inbox-state.js';
import { KnowledgeEditor } from './knowledge-editor.js';
import { PendingImports } from './pending-imports.js';
import type { AdminConsoleOptions } from './plugin.js';
import { SessionStore } from './session-store.js';

/** The staff console's parts on the given store. */
export async function createAdminConsole(
  config: Pick<Config, 'dataDir' | 'knowledgeDir' | 'admin'>,
  /** The knowledge in service (what the console lists, and where publishing puts edits) and the engine (for previews). */
  { knowledge, engine }: LoadedEngine,
  insights: AdminConsoleOptions['insights'],
  store: Store,
  /** Where publishing writes, and how the other instances hear of it; default: KNOWLEDGE_DIR, one instance. */
  publishing: { files: KnowledgeFiles; announce?: (files: readonly string[]) => Promise<void> } = { files: new DirectoryKnowledgeFiles(config.knowledgeDir) },
  /**
   * Live conversations: the desk the channels use (`HandoffDesk.fromConfig` on the same store),
   * whose `onEnded` listeners tell the person when a counsellor ends one. Absent: no queue.
   */
  live: { handoff?: HandoffDesk } = {},
): Promise<AdminConsoleOptions> {
  const sessionSeconds = config.admin.sessionHours * 3600;
  const cookieSecret = config.admin.sessionSecret || (await loadGeneratedSecret(store, config.dataDir, 'admin-session-secret'));
  const accounts = new AccountStore(store);
  const sessions = new SessionStore(store, sessionSeconds * 1000);
  const audit = new AuditLog(store);
  const inbox = new InboxState(store);
  /** How long a clean spreadsheet dry run can be applied. */
  const pendingImports = new PendingImports(store, 30 * 60_000);
  const desk = live.handoff;
  const handoff = desk && {
    desk,
    presence: new CounsellorPresence(store),
    broadcast: store.broadcast,
    figures: (days: number) => handoffFigures(store, lastLocalDays(days, desk.timeZone)),
    answerOf: (entryId: string, lang: Lang) => engine.answerEntry(entryId, lang)?.answer,
  };
  return {
    ...(handoff ? { handoff } : {}),
    accounts,
    sessions,
    insights,
    inbox,
    pendingImports,
    cookieSecret,
    sessionSeconds,
    counts: async () => ({ entries: knowledge.entries.size, unanswered: (await insights.unanswered()).length, feedback: (await insights.feedback()).length }),
    knowledge: {
      entries: () => knowledge.entries.values(),
      editor: new KnowledgeEditor(publishing.files, knowledge, audit, publishing.announce),
      preview: (draft, text, lang) => engine.withDraft(draft).ask({ text, lang }),
      explain: (text, lang) => readQuestion(engine, text, lang),
    },
  };
}
