import { describe, expect, it } from 'vitest';
import { inferStyle, sentenceCount, styleOf } from '../../src/eval/style.js';

describe('the style of an eval message', () => {
  it('is romanised when a language normally written in another script comes in Latin letters', () => {
    expect(inferStyle('kifak, bade 2erja3 3a baladi', 'ar')).toBe('romanised');
    expect(inferStyle('mikham bargardam keshvaram', 'fa')).toBe('romanised');
    expect(inferStyle('mujhe wapas jana hai, kya IOM madad karegi', 'ur')).toBe('romanised');
    expect(inferStyle('za ghwaram kor ta lar sham', 'ps')).toBe('romanised');
    expect(inferStyle('iskam da se varna v kashti prez MOM', 'bg')).toBe('romanised');
    expect(inferStyle('hochu vernutsya domoy', 'ru')).toBe('romanised');
    expect(inferStyle('khochu povernutysia dodomu', 'uk')).toBe('romanised');
    // The same letters in a Latin-script language, or without a language, are not romanised.
    expect(inferStyle('Ez dixwazim vegerim welatê xwe', 'ku')).not.toBe('romanised');
    expect(inferStyle('hochu vernutsya domoy')).not.toBe('romanised');
  });

  it('ignores acronyms such as IOM for the script rules', () => {
    expect(inferStyle('IOM همون اداره پناهندگیه؟ یا یک جای دیگه', 'fa')).toBe('clear');
    expect(inferStyle('IOM ka Bulgaria mein kaam kya hai', 'ur')).toBe('romanised');
  });

  it('is code-switched with words in two scripts, or an English word in French, Turkish or Kurmanji', () => {
    expect(inferStyle('عندي case بوكالة اللاجئين ولسا ما طلع الـ decision', 'ar')).toBe('code-switched');
    expect(inferStyle('Клиентът се притеснява дали МОМ ще share-не данните му', 'bg')).toBe('code-switched');
    expect(inferStyle("IOM'un reintegration programı para veriyor mu", 'tr')).toBe('code-switched');
    expect(inferStyle('Qui gère mon case à la Direction ?', 'fr')).toBe('code-switched');
    expect(inferStyle('Case a min red bû, avukat ji ku bibînim?', 'ku')).toBe('code-switched');
    // English words in an English message are just English.
    expect(inferStyle('who handles my case at the directorate', 'en')).toBe('clear');
  });

  it('is long from 26 words or 3 sentences, short up to 4 words, clear otherwise', () => {
    const story = 'I came here two years ago with my wife and our two children, and we lived in the camp in Harmanli until the decision came last month';
    expect(story.split(' ').length).toBeGreaterThan(25);
    expect(inferStyle(story, 'en')).toBe('long');
    expect(inferStyle('My case was refused. My wife is sick. Can we go home together?', 'en')).toBe('long');
    expect(inferStyle('ticket home free?', 'en')).toBe('short');
    expect(inferStyle('билет кто оплачивает??', 'ru')).toBe('short');
    expect(inferStyle('signed up but scared now, cancel?', 'en')).toBe('clear');
  });

  it('counts sentences of two words or more, in Latin and Arabic punctuation', () => {
    expect(sentenceCount('Hello?? anyone there')).toBe(1);
    expect(sentenceCount('پنج سال پیش فرار کردم. حالا اوضاع فرق کرده. کسی کمکم می‌کند؟')).toBe(3);
    expect(sentenceCount('میری بیوی حاملہ ہے۔ کیا وہ سفر کر سکتی ہے؟')).toBe(2);
  });

  it('takes the item’s own style when it has one', () => {
    expect(styleOf({ q: 'ticket home free?', lang: 'en', style: 'voice-transcript' })).toBe('voice-transcript');
    expect(styleOf({ q: 'ticket home free?', lang: 'en' })).toBe('short');
  });
});
