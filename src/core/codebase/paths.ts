// The codebase's path namespace. A codebase path is folder-relative with forward slashes; in a
// multi-root workspace it starts with the folder's name (`My App/src/a.ts`), so a citation says
// where it comes from. Folder names are made unique and never hold a slash.
import { HOST_PATHS, type PathFlavor, pathKey, relativeInside } from "../../shared/fsPaths";

export interface FolderSpec {
  /** The folder's display name (VS Code's workspace folder name; the CLI uses the folder's base name). */
  name: string;
  /** Absolute path of the folder. */
  root: string;
  /** Where its index lives (default: decided by the Codebase). */
  dbPath?: string;
}

/** A folder as the codebase names it. */
export interface NamedFolder {
  name: string;
  root: string;
  /** What the folder's paths get in front of them: "" alone, "name/" in a multi-root workspace. */
  prefix: string;
}

/** The prefix of each folder: "" for a single folder, else its name, made unique, and "/". */
export function namedFolders<T extends FolderSpec>(specs: readonly T[], flavor: PathFlavor = HOST_PATHS): Array<T & NamedFolder> {
  const path = flavor.path;
  const taken = new Set<string>();
  return specs.map((spec) => {
    const base = spec.name.replace(/[/\\]/g, "-").trim() || path.basename(spec.root) || "folder";
    let name = base;
    for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${base} (${n})`;
    taken.add(name.toLowerCase());
    return { ...spec, name, root: path.resolve(spec.root), prefix: specs.length > 1 ? `${name}/` : "" };
  });
}

export { relativeInside };

export class PathSpace<F extends NamedFolder> {
  constructor(readonly folders: readonly F[], readonly flavor: PathFlavor = HOST_PATHS) {}

  /** The codebase path of an absolute file path, in the deepest folder that holds it. */
  fromAbsolute(absPath: string): { folder: F; relPath: string; path: string } | undefined {
    let best: { folder: F; relPath: string } | undefined;
    for (const folder of this.folders) {
      const relPath = relativeInside(folder.root, absPath, this.flavor);
      if (relPath !== undefined && (!best || folder.root.length > best.folder.root.length)) best = { folder, relPath };
    }
    return best && { ...best, path: best.folder.prefix + best.relPath };
  }

  /**
   * The folder and folder-relative path a codebase path names (or an absolute path inside a
   * folder, as agents often send); undefined for a path outside every folder. Backslashes count as
   * separators, and where the file system ignores case, so does the folder's name.
   */
  resolve(codebasePath: string): { folder: F; relPath: string; absPath: string } | undefined {
    const path = this.flavor.path;
    if (path.isAbsolute(codebasePath)) {
      const found = this.fromAbsolute(codebasePath);
      return found && { folder: found.folder, relPath: found.relPath, absPath: path.join(found.folder.root, ...found.relPath.split("/")) };
    }
    const clean = codebasePath.replace(/\\/g, "/").replace(/^\.\//, "");
    const key = pathKey(clean, this.flavor);
    const folder = this.folders.length === 1 ? this.folders[0] : this.folders.find((f) => key.startsWith(pathKey(f.prefix, this.flavor)));
    if (!folder) return undefined;
    const relPath = path.posix.normalize(clean.slice(folder.prefix.length));
    if (!relPath || relPath === "." || relPath.startsWith("../") || relPath === ".." || path.posix.isAbsolute(relPath)) return undefined;
    return { folder, relPath, absPath: path.join(folder.root, ...relPath.split("/")) };
  }
}
