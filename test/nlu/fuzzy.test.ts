import { describe, expect, it } from 'vitest';
import { editDistance, FuzzyVocabulary, tokenSimilarity } from '../../src/nlu/fuzzy.js';

describe('fuzzy token lookup', () => {
  it('counts edits with adjacent transpositions', () => {
    expect(editDistance('interview', 'intervew', 2)).toBe(1);
    expect(editDistance('documents', 'docuemnts', 2)).toBe(1);
    expect(editDistance('abc', 'xyz', 1)).toBe(2);
  });
  it('scores inflections and typos, not unrelated words', () => {
    expect(tokenSimilarity('документи', 'документів')).toBeGreaterThan(0.8);
    expect(tokenSimilarity('intervew', 'interview')).toBeGreaterThan(0.8);
    expect(tokenSimilarity('interview', 'interpreter')).toBe(0);
    expect(tokenSimilarity('cat', 'car')).toBe(0); // short words only match exactly
  });
  it('finds candidates through the trigram index', () => {
    const v = new FuzzyVocabulary(['interview', 'interpreter', 'documents', 'doctor']);
    expect(v.lookup('intervew')[0]?.word).toBe('interview');
    expect(v.lookup('docter')[0]?.word).toBe('doctor');
    expect(v.lookup('bitcoin')).toEqual([]);
  });
});
