/** What the person saw on a button they pressed, in the button's language. */
export interface Echo {
  text: string;
  lang: string | undefined;
}

/** How many pressed buttons' labels a tab remembers to show again after a reload. */
const MAX_ECHOES = 100;

/**
 * The labels of buttons this tab pressed, by the message's client id, in sessionStorage: the
 * server keeps only the value a button sends, and a reload should show what the person saw.
 */
export class EchoStore {
  private readonly echoes: Record<string, Echo>;

  constructor(private readonly key: string) {
    let stored = {};
    try {
      stored = JSON.parse(sessionStorage.getItem(key) ?? '{}') ?? {};
    } catch {
      stored = {};
    }
    this.echoes = stored;
  }

  get(id: string): Echo | undefined {
    return this.echoes[id];
  }

  set(id: string, echo: Echo): void {
    this.echoes[id] = echo;
    const ids = Object.keys(this.echoes);
    for (const old of ids.slice(0, Math.max(0, ids.length - MAX_ECHOES))) delete this.echoes[old];
    this.save();
  }

  clear(): void {
    for (const id of Object.keys(this.echoes)) delete this.echoes[id];
    this.save();
  }

  private save(): void {
    try {
      sessionStorage.setItem(this.key, JSON.stringify(this.echoes));
    } catch {
      // Private mode or full: a reload shows the bot's messages only.
    }
  }
}
