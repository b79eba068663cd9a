import type { Config } from '../config.js';
import { DirectoryKnowledgeFiles, type KnowledgeFiles } from '../knowledge/knowledge-files.js';
import type { AnswerEngine } from '../retrieval/engine.js';
import { loadGeneratedSecret } from '../storage/generated-secret.js';
import type { Store } from '../storage/store.js';
import { AccountStore } from './account-store.js';
import { AuditLog } from './audit-log.js';
import { InboxState } from './inbox-state.js';
import { KnowledgeEditor } from './knowledge-editor.js';
import type { AdminConsoleOptions } from './plugin.js';
import { SessionStore } from './session-store.js';

/** The staff console's parts on the given store. */
export async function createAdminConsole(
  config: Pick<Config, 'dataDir' | 'knowledgeDir' | 'admin'>,
  engine: AnswerEngine,
  insights: AdminConsoleOptions['insights'],
  store: Store,
  /** Where publishing writes, and how the other instances hear of it; default: KNOWLEDGE_DIR, one instance. */
  knowledge: { files: KnowledgeFiles; announce?: (files: readonly string[]) => Promise<void> } = { files: new DirectoryKnowledgeFiles(config.knowledgeDir) },
): Promise<AdminConsoleOptions> {
  const sessionSeconds = config.admin.sessionHours * 3600;
  const cookieSecret = config.admin.sessionSecret || (await loadGeneratedSecret(store, config.dataDir, 'admin-session-secret'));
  const accounts = new AccountStore(store);
  const sessions = new SessionStore(store, sessionSeconds * 1000);
  const audit = new AuditLog(store);
  const inbox = new InboxState(store);
  return {
    accounts,
    sessions,
    insights,
    inbox,
    cookieSecret,
    sessionSeconds,
    counts: async () => ({ entries: engine.entries.size, unanswered: (await insights.unanswered()).length, feedback: (await insights.feedback()).length }),
    knowledge: {
      entries: () => engine.entries.values(),
      editor: new KnowledgeEditor(knowledge.files, engine, audit, knowledge.announce),
      preview: (draft, text, lang) => engine.withDraft(draft).ask({ text, lang }),
    },
  };
}
