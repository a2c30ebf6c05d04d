// The extension's indexing process (dist/indexer.js): see indexProcess.ts.
import { serveIndexJob } from "./indexProcess";

serveIndexJob();
