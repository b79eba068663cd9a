import {
  BotAdapter,
  TurnContext,
  type Activity,
  type ConversationReference,
  type ResourceResponse,
} from 'botbuilder';
import type { ConversationLog } from './conversations.js';

export const WEBCHAT_CHANNEL_ID = 'webchat';
const BOT = { id: 'rahnama', name: 'Rahnama', role: 'bot' };

/**
 * The bot's Markdown with HTML escaped. botframework-webchat renders the HTML inside Markdown,
 * so an `<img src=…>` that reached an answer would load from anywhere and could track its
 * readers. Every `<` that could open a tag, a comment or an autolink becomes `&lt;`, which
 * Markdown shows as `<`; other text (`a < b`) is left as it is.
 */
export const escapeHtmlInMarkdown = (markdown: string): string => markdown.replace(/<(?=[A-Za-z/!?])/g, '&lt;');

/**
 * The botbuilder adapter of the self-hosted web chat: incoming activities run through the bot,
 * and what the bot sends is appended to the conversation, where polling and the WebSocket
 * stream pick it up.
 */
export class WebChatAdapter extends BotAdapter {
  constructor(private readonly conversations: ConversationLog) {
    super();
  }

  /** Runs one turn for an activity a client posted (already stored in the conversation). */
  async processActivity(activity: Activity, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    await this.runMiddleware(new TurnContext(this, activity), logic);
  }

  async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const conversationId = context.activity.conversation.id;
    const responses: ResourceResponse[] = [];
    // One after another: the conversation keeps the bot's replies in the order it sent them.
    for (const activity of activities) responses.push(await this.send(context, conversationId, activity));
    return responses;
  }

  private async send(context: TurnContext, conversationId: string, activity: Partial<Activity>): Promise<ResourceResponse> {
    {
      if (activity.type === 'delay') return { id: '' };
      const outgoing = {
        ...activity,
        ...(activity.type === 'message' && typeof activity.text === 'string' ? { text: escapeHtmlInMarkdown(activity.text), textFormat: 'markdown' } : {}),
        channelId: WEBCHAT_CHANNEL_ID,
        conversation: { id: conversationId },
        from: BOT,
        recipient: context.activity.from,
        timestamp: new Date(),
        replyToId: context.activity.id,
      } as Activity;
      // "Typing" matters only while it is true: listeners get it, the history does not.
      if (activity.type === 'typing') {
        // Best effort: ShowTypingMiddleware sends it from a timer, where a failure (the database
        // gone) would be an unhandled rejection that ends the process.
        await this.conversations.broadcast(conversationId, outgoing).catch(() => undefined);
        return { id: '' };
      }
      return { id: await this.conversations.append(conversationId, outgoing) };
    }
  }

  async updateActivity(): Promise<void> {
    throw new Error('the web chat does not edit sent messages');
  }

  async deleteActivity(): Promise<void> {
    throw new Error('the web chat does not delete sent messages');
  }

  async continueConversation(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const activity = TurnContext.applyConversationReference({ type: 'event', name: 'continueConversation' }, reference, true);
    await this.runMiddleware(new TurnContext(this, activity), logic);
  }
}
