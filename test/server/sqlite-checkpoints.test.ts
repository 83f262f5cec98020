// SQLite WAL checkpoints run in a worker thread, off the request path (docs/performance.md
// "SQLite checkpoints"): what a user of the store would observe is a WAL that is copied back and
// stays bounded under writes that never pause, and — if the worker cannot run — checkpoints that
// come back into the commits rather than a WAL that grows forever.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startCheckpointer } from '../../src/server/stores/sqlite-checkpointer.js';
import { SqliteStore } from '../../src/server/stores/sqlite-store.js';

const driver = createRequire(import.meta.url).resolve('better-sqlite3');
const tempDb = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mfa-ckpt-')), 'mfa.db');
const walBytes = (file: string) => (fs.existsSync(`${file}-wal`) ? fs.statSync(`${file}-wal`).size : 0);
const turn = () => new Promise((r) => setImmediate(r));
/** Waits (in event-loop turns, bounded by count, not by time) until `done()` holds. */
async function until(done: () => boolean, what: string, turns = 20_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (done()) return;
    await new Promise((r) => setTimeout(r, 1));
  }
  assert.fail(`never happened: ${what}`);
}

/** A WAL database with the automatic checkpoint off, as the store opens it. */
function openWal(file: string) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)');
  return db;
}

describe('SQLite checkpoints in a worker', () => {
  it('keeps the WAL bounded while writes never pause (without it the WAL only grows)', async () => {
    const file = tempDb();
    const db = openWal(file);
    const insert = db.prepare('INSERT OR REPLACE INTO t (id, v) VALUES (?, randomblob(3000))');
    const ckpt = startCheckpointer({ path: file, driver, intervalMs: 5, restartPages: 64, onFailure: (r) => assert.fail(r) });
    await ckpt.ready;
    try {
      // ~4,000 pages written in commits that follow each other without a gap: 60× restartPages.
      let largest = 0;
      for (let i = 0; i < 4_000; i++) {
        // What SqliteStore does before each write group: the RESTART the worker asked for.
        if (ckpt.takeRestart()) db.pragma('wal_checkpoint(RESTART)');
        db.prepare('BEGIN IMMEDIATE').run();
        insert.run(i % 500);
        db.prepare('COMMIT').run();
        ckpt.noteCommit();
        largest = Math.max(largest, walBytes(file));
        // A moment for the other thread every 20 commits, as requests leave gaps; a bare
        // setImmediate let this loop outrun the worker's 5 ms passes on a busy machine.
        if (i % 20 === 0) await new Promise((r) => setTimeout(r, 1));
      }
      const written = 4_000 * 4_096;
      // Restarted over and over: the file never held more than a fraction of what was written.
      assert.ok(largest < written / 4, `WAL reached ${largest} bytes of ${written} written`);
      // And the rows reach the database file itself (nothing here checkpoints but the worker).
      await until(() => fs.statSync(file).size >= 500 * 3_000, 'the rows copied into the database file');
    } finally {
      await ckpt.close();
      db.close();
    }
  });

  it('reports a worker that cannot run, once', async () => {
    const file = tempDb();
    const db = openWal(file);
    const reasons: string[] = [];
    const ckpt = startCheckpointer({ path: file, driver: path.join(os.tmpdir(), 'no-such-driver.js'), onFailure: (r) => reasons.push(r) });
    await until(() => reasons.length > 0, 'the failure reported');
    await turn();
    assert.equal(reasons.length, 1);
    assert.match(reasons[0], /no-such-driver|Cannot find module/);
    await ckpt.close();
    db.close();
  });

  it('the store: its commits reach the database file through the worker, and close() leaves no WAL behind', async () => {
    const file = tempDb();
    const store = new SqliteStore({ path: file });
    try {
      // 200 events of ~2 kB: ~100 pages, fewer than SQLite's automatic checkpoint would wait for.
      for (let i = 0; i < 200; i++) {
        await store.appendAuditEvent({ id: `e${i}`, at: new Date(0).toISOString(), type: 'factor.verified', sub: `u${i}`, severity: 'info', status: 'success', metadata: { pad: 'x'.repeat(2_000) } });
        await store.flush();
      }
      await until(() => fs.statSync(file).size >= 200 * 2_000, 'the events copied into the database file');
    } finally {
      await store.close();
    }
    assert.equal(fs.existsSync(`${file}-wal`), false, 'the last connection to close removes the WAL');
  });
});

describe('SQLite page cache', () => {
  // SQLite walks the whole page cache at the end of a write transaction once a B-tree split
  // has parked a page under the pending-byte page number, so commit time grows with the cache
  // (docs/performance.md "The commit walks the page cache"). Timing it here would be a wall-clock
  // assert; what keeps the fix is the setting itself, read back from the store's own connection.
  it('the store keeps a small page cache (2 MiB) and reads the rest through the memory map', async () => {
    const store = new SqliteStore({ path: tempDb() });
    try {
      const db = (store as unknown as { db: Database.Database }).db;
      assert.equal(db.pragma('cache_size', { simple: true }), -2048);
      assert.equal(db.pragma('mmap_size', { simple: true }), 1073741824);
    } finally {
      await store.close();
    }
  });
});
