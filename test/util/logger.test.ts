import { describe, expect, it } from 'vitest';
import { createLogger, redactPath } from '../../src/util/logger.js';

describe('logger', () => {
  it('never writes a person’s words or channel ids, whoever passes them', () => {
    const lines: string[] = [];
    const log = createLogger('debug', {}, (l) => lines.push(l)).child({ conversation: 'tg_abc' });
    log.info('turn', { text: 'my phone is 0660 1234567', address: '470011923', chatId: 470011923, ip: '203.0.113.7', count: 3 });
    log.error('request failed', { path: '/v3/directline/conversations/AbC-123_x/activities' });
    const all = lines.join('\n');
    for (const s of ['0660 1234567', '470011923', '203.0.113.7', 'tg_abc', 'AbC-123_x']) expect(all).not.toContain(s);
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'turn', count: 3, text: '[redacted]' });
    expect(JSON.parse(lines[1]!).path).toBe('/v3/directline/conversations/:id/activities');
  });

  it('cuts conversation ids out of paths', () => {
    expect(redactPath('/v3/directline/conversations/x1/activities?watermark=3')).toBe('/v3/directline/conversations/:id/activities?watermark=3');
    expect(redactPath('/console/api/handoffs')).toBe('/console/api/handoffs');
  });
});
