import type { Turn } from '../../turn.js';

/**
 * What a topic does when shown (content/topics.yaml `action`, or none: its answer).
 * `push`: remember where the person was, so that Back returns there.
 */
export type TopicAction = (turn: Turn, topicId: string, push: boolean) => void;
