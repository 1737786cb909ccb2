/**
 * Backend-neutral storage. Implementations: Redis (src/store/redis/); an embedded one comes later.
 * Keys are plain strings built by src/store/keys.ts so every backend names things alike.
 */

export interface DeliveryLog {
  /** Records a webhook delivery id; false when it was seen before (a duplicate). */
  claim(forge: string, deliveryId: string): Promise<boolean>;
  /** Forgets a claim, so a delivery whose enqueue failed can be redelivered. */
  release(forge: string, deliveryId: string): Promise<void>;
}

export interface HeadMark {
  sha: string;
  /** ISO time the forge says the PR was updated; orders deliveries that arrive out of order. */
  updatedAt: string;
}

export interface HeadTracker {
  /** Moves the PR's newest head forward; returns false when `mark` is older than the one stored. */
  advance(prKey: string, mark: HeadMark): Promise<boolean>;
  latest(prKey: string): Promise<HeadMark | undefined>;
}

export interface PlanArtifact {
  planFile: Buffer;
  planJson: string;
  /** Masked human-readable plan. */
  planText: string;
  createdAt: string;
  tool: { name: string; version: string };
}

export interface PlanStore {
  put(key: string, artifact: PlanArtifact): Promise<void>;
  get(key: string): Promise<PlanArtifact | undefined>;
}

export interface CommentIds {
  get(prKey: string, kind: string): Promise<string[]>;
  set(prKey: string, kind: string, ids: string[]): Promise<void>;
}

export interface Store {
  deliveries: DeliveryLog;
  heads: HeadTracker;
  plans: PlanStore;
  comments: CommentIds;
  ping(): Promise<void>;
  close(): Promise<void>;
}
