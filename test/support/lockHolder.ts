// A separate process that tries to take an index's writer lock and holds it a while: prints
// "won" or "locked". Used to race processes for a lock (test/unit/lock.spec.ts).
import { IndexLock, IndexLockedError } from "../../src/core/store/lock";

const [dbPath, holdMs] = process.argv.slice(2);
new IndexLock(dbPath)
  .withLock(async () => {
    process.stdout.write("won\n");
    await new Promise((resolve) => setTimeout(resolve, Number(holdMs)));
  })
  .catch((error: unknown) => {
    if (!(error instanceof IndexLockedError)) throw error;
    process.stdout.write("locked\n");
  });
