// node-nlp ships no types; the benchmark only uses NlpManager through its own interface.
declare module 'node-nlp';
