/**
 * Rows of the handoff and staff tables as the interfaces return them, shared
 * by the SQLite and the PostgreSQL stores: both hold the same columns with the
 * same meaning (the migrations mirror each other), so one mapping serves both.
 */
import type { AuditEntry, Handoff, HandoffMessage, HandoffStatus } from './handoffs.js';
import type { Role, Staff } from './staff.js';

/** A row as the driver returns it: column name to value. */
export type Row = Record<string, unknown>;
const opt = <T>(v: unknown): T | undefined => (v === null || v === undefined ? undefined : (v as T));

/** A handoffs row as the Handoffs interface returns it (NULL columns as absent fields). */
export function toHandoff(r: Row): Handoff {
  return {
    id: r.id as string,
    ref: { channel: r.channel as string, conversationId: r.conversation_id as string },
    address: opt(r.address),
    lang: r.lang as string,
    reason: r.reason as string,
    topic: opt(r.topic),
    priority: r.priority as number,
    status: r.status as HandoffStatus,
    caseworkerId: opt(r.caseworker_id),
    createdAt: r.created_at as number,
    takenAt: opt(r.taken_at),
    closedAt: opt(r.closed_at),
    outcome: opt(r.outcome),
    outcomeService: opt(r.outcome_service),
    outcomeNote: opt(r.outcome_note),
    offHours: r.off_hours === 1,
    waitingNoticeAt: opt(r.waiting_notice_at),
    unreachableNoticeAt: opt(r.unreachable_notice_at),
    lastPosition: opt(r.last_position),
    positionToldAt: opt(r.position_told_at),
    ackedAt: opt(r.acked_at),
    seenSeq: opt(r.seen_seq),
    transcriptPurged: r.transcript_purged === 1,
    firstReplyAt: opt(r.first_reply_at),
    rating: opt(r.rating),
  };
}
/** A handoff_messages row. */
export function toMessage(r: Row): HandoffMessage {
  return {
    seq: r.seq as number,
    handoffId: r.handoff_id as string,
    author: r.author as HandoffMessage['author'],
    staffId: opt(r.staff_id),
    kind: r.kind as HandoffMessage['kind'],
    text: r.text as string,
    topic: opt(r.topic),
    at: r.at as number,
    deliveredAt: opt(r.delivered_at),
    undeliverableAt: opt(r.undeliverable_at),
    source: opt(r.source),
  };
}
/** An audit row. */
export function toAudit(r: Row): AuditEntry {
  return { staffId: opt(r.staff_id), handoffId: opt(r.handoff_id), action: r.action as string, at: r.at as number };
}
/** A staff row (languages and topics are JSON lists). */
export function toStaff(r: Row): Staff {
  return {
    id: r.id as string,
    email: r.email as string,
    name: r.name as string,
    role: r.role as Role,
    passwordHash: r.password_hash as string,
    languages: JSON.parse(r.languages as string) as string[],
    topics: JSON.parse(r.topics as string) as string[],
    active: r.active === 1,
    mustChangePassword: r.must_change_password === 1,
    createdAt: r.created_at as number,
  };
}
