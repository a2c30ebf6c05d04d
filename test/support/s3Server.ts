// A real S3-compatible server for tests (s3rver, from npm) on 127.0.0.1, with one bucket. It has no
// conditional writes: LanceDB's commits work against it, but concurrent writers would not be safe.
import { rmSync } from "node:fs";

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require("s3rver") as new (options: Record<string, unknown>) => S3rverInstance;

export const S3_KEY = "S3RVER";
export const S3_SECRET = "S3RVER";

export class TestS3Server {
  private server: S3rverInstance | undefined;
  port = 0;

  constructor(private readonly directory: string, readonly bucket = "team") {}

  async start(port = this.port): Promise<void> {
    this.server = new S3rver({ port, address: "127.0.0.1", silent: true, directory: this.directory, configureBuckets: [{ name: this.bucket }] });
    this.port = (await this.server.run()).port;
  }

  async stop(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
  }

  /** The environment a CLI run reads its credentials and endpoint from. */
  env(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
    return { ...process.env, AWS_ACCESS_KEY_ID: S3_KEY, AWS_SECRET_ACCESS_KEY: S3_SECRET, AWS_REGION: "us-east-1", AWS_ENDPOINT_URL: `http://127.0.0.1:${this.port}`, ...overrides };
  }

  remove(): void {
    rmSync(this.directory, { recursive: true, force: true });
  }
}
