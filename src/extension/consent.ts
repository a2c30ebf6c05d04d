// Consent to send an untrusted workspace's code to a model: asked once per session and model
// (where it runs and its name). Consent to one model is not consent to another.

export class ModelConsent {
  private readonly given = new Set<string>();

  /** `ask`: the question put to the user (a modal in VS Code); resolves true when they agree. */
  constructor(private readonly ask: (label: string, where: string) => Promise<boolean>) {}

  /** True when this model may get the code without asking (consent given this session). */
  has(label: string, where: string): boolean {
    return this.given.has(key(label, where));
  }

  /** Asks when this model has no consent yet; remembers a yes for the session, never a no. */
  async request(label: string, where: string): Promise<boolean> {
    if (this.has(label, where)) return true;
    if (!(await this.ask(label, where))) return false;
    this.given.add(key(label, where));
    return true;
  }
}

function key(label: string, where: string): string {
  return `${where}\u0000${label}`;
}
