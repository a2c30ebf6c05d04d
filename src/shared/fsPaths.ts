// Paths as the file system compares them. Windows paths have backslashes, drive letters in either
// case and UNC shares; Windows and macOS (by default) call `Src/A.ts` and `src/a.ts` the same file.
// Everything that decides whether a path is inside a folder, or whether two paths name one file,
// goes through here with a flavour: the host's by default, path.win32 or path.posix in tests.
import * as nodePath from "node:path";

export interface PathFlavor {
  path: typeof nodePath.posix;
  /** Whether the file system calls paths that differ only in case the same. */
  caseInsensitive: boolean;
}

export const HOST_PATHS: PathFlavor = { path: nodePath, caseInsensitive: process.platform === "win32" || process.platform === "darwin" };
export const WINDOWS_PATHS: PathFlavor = { path: nodePath.win32, caseInsensitive: true };
export const MACOS_PATHS: PathFlavor = { path: nodePath.posix, caseInsensitive: true };
export const LINUX_PATHS: PathFlavor = { path: nodePath.posix, caseInsensitive: false };

/** Folder-relative path with forward slashes, or undefined when `absPath` is not strictly inside `root`. */
export function relativeInside(root: string, absPath: string, flavor: PathFlavor = HOST_PATHS): string | undefined {
  const p = flavor.path;
  const base = p.resolve(root);
  const target = p.resolve(base, absPath);
  let relative: string;
  if (flavor.caseInsensitive && p.sep === "/") {
    // path.posix.relative compares case by case; path.win32.relative already ignores case.
    const prefix = base.endsWith("/") ? base : `${base}/`;
    if (!target.toLowerCase().startsWith(prefix.toLowerCase())) return undefined;
    relative = target.slice(prefix.length);
  } else {
    relative = p.relative(base, target);
  }
  if (!relative || relative === ".." || relative.startsWith(`..${p.sep}`) || p.isAbsolute(relative)) return undefined;
  return relative.split(p.sep).join("/");
}

/** Whether `absPath` is `root` itself or inside it. */
export function isWithin(root: string, absPath: string, flavor: PathFlavor = HOST_PATHS): boolean {
  return samePath(flavor.path.resolve(root), flavor.path.resolve(absPath), flavor) || relativeInside(root, absPath, flavor) !== undefined;
}

/** Whether two paths (absolute, or codebase paths with forward slashes) name the same file. */
export function samePath(a: string, b: string, flavor: PathFlavor = HOST_PATHS): boolean {
  return a === b || pathKey(a, flavor) === pathKey(b, flavor);
}

/** What the file system compares a path by: separators as forward slashes, lower case where case does not count. */
export function pathKey(value: string, flavor: PathFlavor = HOST_PATHS): string {
  const slashes = flavor.path.sep === "\\" ? value.replace(/\\/g, "/") : value;
  return flavor.caseInsensitive ? slashes.toLowerCase() : slashes;
}
