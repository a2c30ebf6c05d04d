// LanceDB's native module for x86-64 is built for AVX2 and FMA; on an older CPU it crashes the
// process when it loads. This check runs first, so Groundwork can say so once and go on without
// its index instead.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** The instruction-set extensions LanceDB's x86-64 build needs. */
export const REQUIRED_X64_FLAGS = ["avx2", "fma"] as const;

/** Why this machine can't load LanceDB, or undefined when it can (or when we can't tell, and must believe it can). */
export function lanceUnsupportedReason(arch: string = process.arch, platform: NodeJS.Platform = process.platform): string | undefined {
  if (arch !== "x64") return undefined;
  const flags = cpuFlags(platform);
  if (!flags) return undefined;
  const missing = REQUIRED_X64_FLAGS.filter((flag) => !flags.has(flag));
  if (missing.length === 0) return undefined;
  return `this CPU lacks ${missing.map((flag) => flag.toUpperCase()).join(" and ")}, which Groundwork's index (LanceDB) needs on x86-64`;
}

/**
 * The CPU's feature flags, lower case; undefined when they can't be read. GROUNDWORK_CPUINFO names
 * a file in /proc/cpuinfo's format to read instead (to check the behaviour on a machine without them).
 */
function cpuFlags(platform: NodeJS.Platform): Set<string> | undefined {
  const override = process.env.GROUNDWORK_CPUINFO;
  if (override || platform === "linux") {
    const text = readText(override ?? "/proc/cpuinfo");
    const line = text?.split("\n").find((l) => /^flags\s*:/.test(l));
    return line ? new Set(line.slice(line.indexOf(":") + 1).trim().toLowerCase().split(/\s+/)) : undefined;
  }
  if (platform === "darwin") {
    const read = (name: string): string => (spawnSync("sysctl", ["-n", name], { encoding: "utf8" }).stdout ?? "").toLowerCase();
    const text = `${read("machdep.cpu.features")} ${read("machdep.cpu.leaf7_features")}`.trim();
    return text ? new Set(text.split(/\s+/).map((flag) => flag.replace(/^avx2\.0$/, "avx2"))) : undefined;
  }
  return undefined;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "EACCES") return undefined;
    throw error;
  }
}
