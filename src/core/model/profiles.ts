// Model profiles: a named base model or LoRA adapter on an OpenAI-compatible server (OpenAI,
// Azure OpenAI, vLLM, Ollama, llama.cpp server, LM Studio). Settings and the CLI's --models file
// hold an array of them; validation turns a bad entry into a message that names the field.

import { FIM_PRESETS, type FimPreset } from "../prompt/fim";

export { FIM_PRESETS, type FimPreset } from "../prompt/fim";

export type ProfileKind = "base" | "lora";


export interface ModelProfile {
  id: string;
  label: string;
  /** The OpenAI-compatible endpoint, up to and including `/v1`. */
  baseURL: string;
  /** The model name the server knows (for a LoRA adapter on vLLM: the adapter's name). */
  model: string;
  kind: ProfileKind;
  /** For a LoRA adapter: the base model it was trained on (shown in compare and the audit). */
  baseModel?: string;
  /** For vLLM: load the adapter from this path through /v1/load_lora_adapter on first use. */
  adapterPath?: string;
  contextWindow: number;
  maxOutputTokens: number;
  temperature: number;
  fim: FimPreset;
  stop: string[];
  /** Extra request headers (e.g. Azure's api-version routing); never the API key. */
  headers: Record<string, string>;
}

/** A local Ollama: works on a fresh machine once `ollama pull qwen2.5-coder:7b` has run. */
export const DEFAULT_PROFILE: ModelProfile = {
  id: "ollama-qwen2.5-coder",
  label: "Qwen2.5-Coder 7B (Ollama, local)",
  baseURL: "http://localhost:11434/v1",
  model: "qwen2.5-coder:7b",
  kind: "base",
  contextWindow: 32768,
  maxOutputTokens: 1024,
  temperature: 0.2,
  fim: "qwen2.5-coder",
  stop: [],
  headers: {},
};

export class ProfileError extends Error {}

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
/** Headers a profile may not set: the key goes only through SecretStorage or the environment. */
const RESERVED_HEADERS = new Set(["authorization", "api-key", "x-api-key", "cookie", "host", "content-length"]);

/** Validates one profile from settings or a JSON file; missing optional fields get defaults. */
export function parseProfile(raw: unknown, where = "profile"): ModelProfile {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw new ProfileError(`${where} must be an object`);
  const value = raw as Record<string, unknown>;
  const text = (field: string, fallback?: string): string => {
    const v = value[field] ?? fallback;
    if (typeof v !== "string" || !v.trim()) throw new ProfileError(`${where}.${field} must be a non-empty string`);
    return v.trim();
  };
  const number = (field: string, fallback: number, min: number, max: number): number => {
    const v = value[field] ?? fallback;
    if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) throw new ProfileError(`${where}.${field} must be a number from ${min} to ${max}`);
    return v;
  };
  const id = text("id");
  const baseURL = text("baseURL").replace(/\/+$/, "");
  let url: URL;
  try {
    url = new URL(baseURL);
  } catch {
    throw new ProfileError(`${where}.baseURL is not a URL: ${baseURL}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new ProfileError(`${where}.baseURL must be http(s): ${baseURL}`);
  if (url.username || url.password) throw new ProfileError(`${where}.baseURL must not carry credentials; use Groundwork: Set API Key`);
  const kind = value.kind ?? "base";
  if (kind !== "base" && kind !== "lora") throw new ProfileError(`${where}.kind must be "base" or "lora"`);
  const model = text("model");
  const fim = value.fim ?? "native-suffix";
  if (!FIM_PRESETS.includes(fim as FimPreset)) throw new ProfileError(`${where}.fim must be one of ${FIM_PRESETS.join(", ")}`);
  const stop = value.stop ?? [];
  if (!Array.isArray(stop) || !stop.every((s) => typeof s === "string")) throw new ProfileError(`${where}.stop must be an array of strings`);
  const headers = value.headers ?? {};
  if (typeof headers !== "object" || headers === null || Array.isArray(headers)) throw new ProfileError(`${where}.headers must be an object`);
  for (const [name, v] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name) || typeof v !== "string") throw new ProfileError(`${where}.headers.${name} is not a valid header`);
    if (RESERVED_HEADERS.has(name.toLowerCase())) throw new ProfileError(`${where}.headers.${name} is not allowed: keys go in SecretStorage (Groundwork: Set API Key)`);
  }
  const optional = (field: string): string | undefined => (value[field] === undefined ? undefined : text(field));
  return {
    id,
    label: typeof value.label === "string" && value.label.trim() ? value.label.trim() : id,
    baseURL,
    model,
    // OpenAI fine-tunes are adapters over a base model whatever the entry says.
    kind: model.startsWith("ft:") ? "lora" : kind,
    baseModel: optional("baseModel") ?? (model.startsWith("ft:") ? model.split(":")[1] : undefined),
    adapterPath: optional("adapterPath"),
    contextWindow: number("contextWindow", DEFAULT_PROFILE.contextWindow, 512, 10_000_000),
    maxOutputTokens: number("maxOutputTokens", DEFAULT_PROFILE.maxOutputTokens, 1, 1_000_000),
    temperature: number("temperature", DEFAULT_PROFILE.temperature, 0, 2),
    fim: fim as FimPreset,
    stop: stop as string[],
    headers: headers as Record<string, string>,
  };
}

/** Validates a list of profiles; ids must be unique. */
export function parseProfiles(raw: unknown): ModelProfile[] {
  if (!Array.isArray(raw)) throw new ProfileError("model profiles must be an array");
  const profiles = raw.map((entry, i) => parseProfile(entry, `models[${i}]`));
  const seen = new Set<string>();
  for (const profile of profiles) {
    if (seen.has(profile.id)) throw new ProfileError(`model profile id "${profile.id}" is used twice`);
    seen.add(profile.id);
  }
  return profiles;
}

/** The profile with this id, the first one when no id is given, or the default when the list is empty. */
export function selectProfile(profiles: readonly ModelProfile[], id: string | undefined): ModelProfile {
  if (id) {
    const found = profiles.find((p) => p.id === id);
    if (!found) throw new ProfileError(`No model profile "${id}"; known: ${profiles.map((p) => p.id).join(", ") || "none"}`);
    return found;
  }
  return profiles[0] ?? DEFAULT_PROFILE;
}
