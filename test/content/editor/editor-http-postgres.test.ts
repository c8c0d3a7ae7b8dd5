/**
 * The content editor over HTTP (editor-http.test.ts, every test of it) with
 * both server instances on one PostgreSQL schema of their own: staff of all
 * four roles, drafts, publishing, review marks, restore and imports go
 * through the PostgreSQL store, and each instance serves what the other
 * published by polling the database.
 */
// First: sets the store before the suite's module is evaluated.
import './editor-http-use-postgres.js';
import './editor-http.test.js';
