import path from 'node:path';
import type { Config } from '../config.js';
import type { AnswerEngine } from '../retrieval/engine.js';
import { loadGeneratedSecret } from '../storage/generated-secret.js';
import { AccountStore } from './account-store.js';
import { AuditLog } from './audit-log.js';
import { InboxState } from './inbox-state.js';
import { KnowledgeEditor } from './knowledge-editor.js';
import type { AdminConsoleOptions } from './plugin.js';
import { SessionStore } from './session-store.js';

/** Where the console keeps its data, under DATA_DIR. */
export const accountsFile = (dataDir: string) => path.join(dataDir, 'staff-accounts.json');

/** The staff console's parts on the embedded storage under DATA_DIR. */
export async function createAdminConsole(
  config: Pick<Config, 'dataDir' | 'knowledgeDir' | 'admin'>,
  engine: AnswerEngine,
  insights: AdminConsoleOptions['insights'],
): Promise<AdminConsoleOptions> {
  const sessionSeconds = config.admin.sessionHours * 3600;
  const [accounts, sessions, audit, inbox, cookieSecret] = await Promise.all([
    AccountStore.open(accountsFile(config.dataDir)),
    SessionStore.open(path.join(config.dataDir, 'staff-sessions.json'), sessionSeconds * 1000),
    AuditLog.open(path.join(config.dataDir, 'audit-log.json')),
    InboxState.open(path.join(config.dataDir, 'inbox.json')),
    config.admin.sessionSecret || loadGeneratedSecret(config.dataDir, 'admin-session-secret'),
  ]);
  return {
    accounts,
    sessions,
    insights,
    inbox,
    cookieSecret,
    sessionSeconds,
    counts: () => ({ entries: engine.entries.size, unanswered: insights.unanswered.length, feedback: insights.feedback.length }),
    knowledge: {
      entries: () => engine.entries.values(),
      editor: new KnowledgeEditor(config.knowledgeDir, engine, audit),
      preview: (draft, text, lang) => engine.withDraft(draft).ask({ text, lang }),
    },
  };
}
