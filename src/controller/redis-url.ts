import type { RedisOptions } from 'ioredis';

export class RedisUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisUrlError';
  }
}

/** ioredis options from `redis://[user:password@]host[:port][/db]` (rediss:// for TLS). */
export function redisOptionsFromUrl(text: string): RedisOptions {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RedisUrlError(`the Redis URL is not a URL: ${JSON.stringify(redactRedisUrl(text))}`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new RedisUrlError(`the Redis URL must start with redis:// or rediss://, not ${url.protocol}//`);
  const db = url.pathname.replace(/^\//, '');
  if (db && !/^\d+$/.test(db)) throw new RedisUrlError(`the Redis URL's path must be a database number, not ${JSON.stringify(db)}`);
  return {
    host: url.hostname.replace(/^\[|\]$/g, '') || 'localhost',
    port: url.port ? Number(url.port) : 6379,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: { servername: url.hostname } } : {}),
  };
}

/** The URL without its password, for messages. */
export function redactRedisUrl(text: string): string {
  return text.replace(/\/\/([^/@]*):[^/@]*@/, '//$1:***@');
}
