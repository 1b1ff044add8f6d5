import { readFileSync } from 'node:fs';
import { Redis, type RedisOptions } from 'ioredis';
import { lineMember, type OperationRef } from './operation-ref.js';

/** Redis did not answer (down, restarting, unreachable); nothing was changed by the failed call. */
export class QueueUnavailableError extends Error {
  constructor(
    readonly operation: string,
    override readonly cause: unknown,
  ) {
    super(`the operation queue (Redis) is unavailable, could not ${operation}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'QueueUnavailableError';
  }
}

export type StartDecision = 'run' | 'resume' | 'done' | 'not-holder' | 'unknown';
export type TurnRecordState = 'waiting' | 'granted' | 'started' | 'done';

export interface TurnHolder {
  uid: string;
  name: string;
  creationTimestamp: string;
}

export interface TurnRecord {
  state: TurnRecordState | undefined;
  holder: { uid: string; name: string } | undefined;
  outcome: string | undefined;
}

/** Where the Lua lives: src/controller/lua, beside this file's source (it is compiled to dist/src/controller). */
const LUA_DIR = new URL('../../../src/controller/lua/', import.meta.url);
const lua = (name: string): string => readFileSync(new URL(`${name}.lua`, LUA_DIR), 'utf8');

interface TurnCommands {
  slipwayAddOperation(op: string, line: string, uid: string, name: string, cluster: string, created: string, member: string, resume: string): Promise<number>;
  slipwayGrantTurn(line: string, turn: string, opPrefix: string): Promise<string[]>;
  slipwayStartOperation(op: string, turn: string, uid: string, now: string): Promise<StartDecision>;
  slipwayFinishOperation(op: string, line: string, turn: string, uid: string, outcome: string, now: string, ttlSeconds: string): Promise<number>;
  slipwayDescribeTurn(op: string, turn: string, opPrefix: string): Promise<[string, string, string, string]>;
  slipwayForgetOperation(op: string, line: string, turn: string, uid: string): Promise<'forgotten' | 'started' | 'unknown'>;
}

const COMMANDS: [keyof TurnCommands, string, number][] = [
  ['slipwayAddOperation', 'add-operation', 2],
  ['slipwayGrantTurn', 'grant-turn', 2],
  ['slipwayStartOperation', 'start-operation', 2],
  ['slipwayFinishOperation', 'finish-operation', 3],
  ['slipwayDescribeTurn', 'describe-turn', 2],
  ['slipwayForgetOperation', 'forget-operation', 3],
];

/** A reply from Redis itself (e.g. a script error) is a bug to report as is; anything else means Redis is out of reach. */
function isReplyError(err: unknown): boolean {
  return err instanceof Error && err.name === 'ReplyError';
}

/**
 * The per-cluster lines and turns in Redis; each state change is one Lua script, so concurrent
 * controllers and workers never see or make a half-done change.
 */
export class TurnStore {
  private readonly redis: Redis & TurnCommands;
  private readonly prefix: string;

  /** `failFast`: commands fail at once while Redis is away (for the controller); otherwise they wait for it (for workers). */
  constructor(connection: RedisOptions, queueName: string, opts: { failFast: boolean; keyPrefix?: string }) {
    this.redis = new Redis({
      ...connection,
      lazyConnect: true,
      ...(opts.failFast ? { enableOfflineQueue: false, maxRetriesPerRequest: 0 } : { maxRetriesPerRequest: null }),
    }) as Redis & TurnCommands;
    // ioredis reports a lost connection as an event too; the failed commands carry it to callers.
    this.redis.on('error', () => undefined);
    for (const [command, file, numberOfKeys] of COMMANDS) this.redis.defineCommand(command, { numberOfKeys, lua: lua(file) });
    this.prefix = `${opts.keyPrefix ?? 'slipway'}:${queueName}`;
  }

  async connect(): Promise<void> {
    await this.call('connect to Redis', () => this.redis.connect());
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  add(ref: OperationRef): Promise<boolean> {
    return this.call(`queue ${ref.name}`, async () =>
      (await this.redis.slipwayAddOperation(this.opKey(ref.uid), this.lineKey(ref.cluster), ref.uid, ref.name, ref.cluster, ref.creationTimestamp, lineMember(ref), ref.startedBefore ? '1' : '0')) === 1,
    );
  }

  /** The cluster's turn holder, granting the turn to the head of the line if nobody holds it. */
  grant(cluster: string): Promise<TurnHolder | undefined> {
    return this.call(`grant the turn of cluster ${cluster}`, async () => {
      const [uid, name, creationTimestamp] = await this.redis.slipwayGrantTurn(this.lineKey(cluster), this.turnKey(cluster), this.opKey(''));
      return uid ? { uid, name: name ?? '', creationTimestamp: creationTimestamp ?? '' } : undefined;
    });
  }

  start(ref: OperationRef, now: Date): Promise<StartDecision> {
    return this.call(`start ${ref.name}`, () => this.redis.slipwayStartOperation(this.opKey(ref.uid), this.turnKey(ref.cluster), ref.uid, now.toISOString()));
  }

  finish(ref: OperationRef, outcome: unknown, now: Date, keepSeconds: number): Promise<boolean> {
    return this.call(`finish ${ref.name}`, async () =>
      (await this.redis.slipwayFinishOperation(this.opKey(ref.uid), this.lineKey(ref.cluster), this.turnKey(ref.cluster), ref.uid, JSON.stringify(outcome ?? null), now.toISOString(), String(keepSeconds))) === 1,
    );
  }

  describe(ref: Pick<OperationRef, 'uid' | 'cluster' | 'name'>): Promise<TurnRecord> {
    return this.call(`read the turn of ${ref.name}`, async () => {
      const [state, holderUid, holderName, outcome] = await this.redis.slipwayDescribeTurn(this.opKey(ref.uid), this.turnKey(ref.cluster), this.opKey(''));
      return {
        state: (state || undefined) as TurnRecordState | undefined,
        holder: holderUid ? { uid: holderUid, name: holderName } : undefined,
        outcome: outcome || undefined,
      };
    });
  }

  forget(ref: OperationRef): Promise<'forgotten' | 'started' | 'unknown'> {
    return this.call(`forget ${ref.name}`, () => this.redis.slipwayForgetOperation(this.opKey(ref.uid), this.lineKey(ref.cluster), this.turnKey(ref.cluster), ref.uid));
  }

  private opKey(uid: string): string {
    return `${this.prefix}:op:${uid}`;
  }

  private lineKey(cluster: string): string {
    return `${this.prefix}:cluster:${cluster}:line`;
  }

  private turnKey(cluster: string): string {
    return `${this.prefix}:cluster:${cluster}:turn`;
  }

  private async call<T>(what: string, command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (err) {
      if (isReplyError(err)) throw err;
      throw new QueueUnavailableError(what, err);
    }
  }
}
