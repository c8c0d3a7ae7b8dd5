/**
 * Which store editor-http.test.ts runs its two instances on: the SQLite file by default;
 * editor-http-postgres.test.ts imports editor-http-use-postgres.ts first, which sets `postgres`.
 */
export const editorHttpStore = { postgres: false };
