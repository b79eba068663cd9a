/**
 * The part of node-nlp (NLP.js 4, a devDependency: the baseline of `npm run eval -- --compare
 * nlpjs` and `npm run bench -- --only nlpjs`) that Rahnama uses. The package ships no types.
 */
declare module 'node-nlp' {
  export interface NlpManagerSettings {
    /** Locales trained and guessed among. */
    languages?: string[];
    /** Score under which `process` answers intent `None`. Default 0.5. */
    threshold?: number;
    autoSave?: boolean;
    autoLoad?: boolean;
    calculateSentiment?: boolean;
    nlu?: { log?: boolean; useNoneFeature?: boolean };
  }

  export interface NlpClassification {
    intent: string;
    score: number;
  }

  export interface NlpProcessResult {
    locale?: string;
    utterance: string;
    /** The best intent, or `None` when its score is under the threshold (`score` is then 1). */
    intent: string;
    score: number;
    /** Every intent, best first. */
    classifications: NlpClassification[];
  }

  export class NlpManager {
    constructor(settings?: NlpManagerSettings);
    addDocument(locale: string, utterance: string, intent: string): void;
    train(): Promise<unknown>;
    process(locale: string | undefined, utterance: string): Promise<NlpProcessResult>;
    guessLanguage(text: string): string | undefined;
  }
}
