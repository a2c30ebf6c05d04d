// Requests the webview sends that expect a reply (mention suggestions) carry an increasing id; only
// the reply to the latest request is shown, so a slow answer to an older query never overwrites a
// newer one.
export class LatestReply {
  private latest = 0;

  /** The id of a new request; replies to every earlier one are stale from now on. */
  next(): number {
    return ++this.latest;
  }

  /** Whether a reply is to the latest request. */
  isLatest(id: number): boolean {
    return id === this.latest;
  }

  /** Every request so far is stale (e.g. the mention being typed is gone). */
  forget(): void {
    this.latest++;
  }
}
