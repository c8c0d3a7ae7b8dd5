/**
 * The store contract (contract.ts) on PostgreSQL: a schema of its own per
 * test (lotse_test_<random>, dropped after it), each `open` a separate pool,
 * as a second instance would have. Fails, with how to start it, when the
 * local PostgreSQL server is not running (test/helpers/postgres.ts).
 */
import { createTestSchema } from '../helpers/postgres.js';
import { storeContract } from './contract.js';

storeContract({
  name: 'PostgreSQL',
  async fresh() {
    const t = await createTestSchema();
    return {
      open: (now) => t.store(now),
      async writeRawSession(ref, text) {
        const s = t.store();
        await s.pool.query('INSERT INTO sessions (channel, conversation_id, state, updated_at) VALUES ($1, $2, $3, 0)', [
          ref.channel,
          ref.conversationId,
          text,
        ]);
      },
      async countRows(table) {
        return (await t.store().pool.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`)).rows[0]!.n;
      },
      dispose: () => t.drop(),
    };
  },
});
