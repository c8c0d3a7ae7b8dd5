/** Imported before editor-http.test.ts (a side effect, on purpose): its instances then run on PostgreSQL. */
import { editorHttpStore } from './editor-http-store.js';

editorHttpStore.postgres = true;
