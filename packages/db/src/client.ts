import { drizzle, type NodePgDatabase, type NodePgQueryResultHKT } from "drizzle-orm/node-postgres";
import type { PgTransaction } from "drizzle-orm/pg-core";
import type { ExtractTablesWithRelations } from "drizzle-orm";
import { randomBytes } from "node:crypto";
import pg from "pg";
import * as schema from "./schema/index.ts";

export type Schema = typeof schema;
export type Database = NodePgDatabase<Schema> & { $client: pg.Pool };
export type Transaction = PgTransaction<NodePgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Either the database or an open transaction: repositories accept both. */
export type Executor = Database | Transaction;

export interface DatabaseHandle {
  db: Database;
  pool: pg.Pool;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** PGlite behind a socket serves one connection at a time. */
  maxConnections?: number;
  applicationName?: string;
  /** Told about connections that broke (logged by the caller); they never crash the process. */
  onConnectionError?: (err: Error) => void;
}

export function connectDatabase(url: string, options: ConnectOptions = {}): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    application_name: options.applicationName ?? "baosong",
  });
  const onError = options.onConnectionError ?? (() => undefined);
  // A client that loses its server (Postgres restart, failover, pg_terminate_backend,
  // idle_in_transaction_session_timeout) emits 'error'; with no listener that kills the
  // process. An idle one is the pool's ('error' on the pool; it drops it). A checked-out one,
  // between two queries of a transaction, emits on itself: its next query fails, the job
  // retries, and the pool discards the client on release (it is no longer queryable).
  pool.on("error", onError);
  pool.on("connect", (client) => client.on("error", onError));
  const db = drizzle(pool, { schema });
  return { db, pool, close: () => pool.end() };
}

/** A connection of the database's pool for the span of `use`: for statements run without drizzle. */
export async function withConnection<T>(db: Database, use: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.$client.connect();
  try {
    return await use(client);
  } finally {
    client.release();
  }
}

/**
 * A statement of plain SQL on the node-postgres client under a drizzle handle: the pool, or
 * the connection an open transaction holds. For hot statements the query builder would cost
 * more CPU than the statement itself.
 */
export function plainQuery(db: Executor, text: string, values: unknown[]): Promise<pg.QueryResult> {
  const handle = db as unknown as { $client?: Pick<pg.Pool, "query">; session?: { client?: Pick<pg.Pool, "query"> } };
  const client = handle.$client ?? handle.session?.client;
  if (!client) throw new Error("the database handle has no node-postgres client");
  return client.query(text, values);
}

const tags = new WeakMap<pg.ClientBase, string>();

/**
 * A named prepared statement: Postgres parses and plans its fixed text once per connection.
 * The name is the connection's own, because the embedded PGlite serves every client in one
 * session, where two clients preparing one name would collide.
 */
export function prepared(client: pg.ClientBase, name: string, text: string, values: unknown[]): pg.QueryConfig {
  let tag = tags.get(client);
  if (!tag) tags.set(client, (tag = randomBytes(6).toString("hex")));
  return { name: `${name}_${tag}`, text, values };
}
