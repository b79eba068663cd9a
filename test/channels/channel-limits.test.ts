import { describe, expect, it } from 'vitest';
import { decodeAction } from '../../src/bot/actions.js';
import { isCheckButtonValue } from '../../src/bot/check-dialog.js';
import { entryButtonValues, fixedButtonValues, flowButtonValues, limitProblems, type CheckedKnowledge } from '../../src/channels/common/limits.js';
import { botFrameworkChannel } from '../../src/channels/bot-framework/channel.js';
import { CHANNELS } from '../../src/channels/registry.js';
import { TELEGRAM_LIMITS, telegramChannel } from '../../src/channels/telegram/channel.js';
import { toTelegramMessages } from '../../src/channels/telegram/html.js';
import { loadKnowledgeBase } from '../../src/knowledge/load.js';
import type { Flow } from '../../src/knowledge/flow.js';
import type { KnowledgeEntry } from '../../src/knowledge/schema.js';
import { KNOWLEDGE_DIR } from '../support/paths.js';
import { smallFlow } from '../support/small-flow.js';
import { smallEntry } from '../knowledge/small-knowledge.js';

/** Knowledge as the checks read it, each answer sent as written. */
function checked(entries: readonly KnowledgeEntry[], flows: readonly Flow[] = []): CheckedKnowledge {
  const byId = new Map(entries.map((e) => [e.id, e]));
  return { entries: byId, flows: new Map(flows.map((f) => [f.id, f])), answerText: (id, lang) => byId.get(id)?.languages[lang].answer };
}

describe('channel limits, checked against the knowledge', () => {
  it('finds every button value of the shipped knowledge base and guided checks within Telegram\'s 64 bytes', async () => {
    const kb = await loadKnowledgeBase(KNOWLEDGE_DIR);
    const knowledge: CheckedKnowledge = { entries: kb.entries, flows: kb.flows, answerText: (id, lang) => kb.entries.get(id)?.languages[lang].answer };
    expect(kb.flows.size).toBeGreaterThan(0);
    expect(limitProblems('telegram', TELEGRAM_LIMITS, knowledge)).toEqual([]);
  });

  it('names the entry whose id makes its feedback button longer than Telegram\'s 64-byte callback data', () => {
    const long = `avrr-${'very-long-entry-name-'.repeat(3)}x`;
    const problems = limitProblems('telegram', TELEGRAM_LIMITS, checked([smallEntry('avrr-cost'), smallEntry(long)]));
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.kind === 'button' && p.where === `knowledge entry ${long}`)).toBe(true);
    expect(problems.map((p) => p.detail)).toContain(`button value "fb:down:${long}" is ${`fb:down:${long}`.length} bytes, over 64`);
  });

  it('names a guided check\'s option whose button value is too long, with its step', () => {
    const flow = smallFlow();
    const optionId = 'a'.repeat(60);
    flow.steps.where!.options[0]!.id = optionId;
    const problems = limitProblems('telegram', TELEGRAM_LIMITS, checked([], [flow]));
    expect(problems).toEqual([expect.objectContaining({ kind: 'button', where: `guided check check › step where › option ${optionId}` })]);
  });

  it('warns of an answer longer than a channel that does not split messages takes, in that language only', () => {
    const entry = smallEntry('avrr-cost', (e) => {
      e.languages.ar.answer = 'ا'.repeat(40_001);
    });
    const problems = limitProblems(botFrameworkChannel.name, botFrameworkChannel.limits, checked([entry]));
    expect(problems).toEqual([{ channel: 'bot-framework', kind: 'message', where: 'knowledge entry avrr-cost › ar', detail: '40001 characters, over 40000, and this channel does not split messages' }]);
  });

  it('lets Telegram take an answer over 4,096 characters, as it sends it cut into messages that fit', () => {
    const answer = `${'A long paragraph of an answer. '.repeat(100)}\n\n`.repeat(3);
    const entry = smallEntry('avrr-cost', (e) => {
      e.languages.en.answer = answer;
    });
    expect(answer.length).toBeGreaterThan(TELEGRAM_LIMITS.messageLength!);
    expect(limitProblems('telegram', TELEGRAM_LIMITS, checked([entry]))).toEqual([]);
    expect(toTelegramMessages(answer).every((m) => m.length <= TELEGRAM_LIMITS.messageLength!)).toBe(true);
  });

  it('checks the values the bot really sends: every one is a value Telegram\'s bot accepts back when pressed', () => {
    const values = [...fixedButtonValues(), ...entryButtonValues('avrr-cost'), ...flowButtonValues(smallFlow())].map((b) => b.value);
    const refused = values.filter((value) => !decodeAction(value) && !isCheckButtonValue(value));
    expect(refused).toEqual([]);
    expect(values).toEqual(expect.arrayContaining(['lang:fa', 'entry:avrr-cost', 'fb:up:avrr-cost', 'chk:start:check', 'chk:a:home', 'chk:back']));
  });
});

describe('the channel registry', () => {
  it('lists each channel once by name, each with the limits it is checked against', () => {
    expect(CHANNELS.map((c) => c.name)).toEqual(['webchat', 'telegram', 'bot-framework']);
    expect(telegramChannel.limits).toEqual({ buttonValueBytes: 64, messageLength: 4096, splitsLongMessages: true });
  });
});
