// Paths on every OS, run here through path.win32 and path.posix: Windows' backslashes, drive
// letters and UNC shares, and the case-insensitive file systems of Windows and macOS.
import assert from "node:assert/strict";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { Codebase } from "../../src/core/codebase/codebase";
import { namedFolders, PathSpace } from "../../src/core/codebase/paths";
import { BuiltinEmbedder } from "../../src/core/embed/builtin";
import { isWithin, LINUX_PATHS, MACOS_PATHS, pathKey, relativeInside, samePath, WINDOWS_PATHS } from "../../src/shared/fsPaths";
import { parseCitation } from "../../src/shared/citation";
import { removeTree, tempDir, writeTree } from "../helpers/workspace";

describe("paths as each file system compares them", () => {
  it("Windows: drive letters in either case, backslashes or slashes, UNC shares, other drives", () => {
    assert.equal(relativeInside("C:\\Users\\me\\proj", "c:\\users\\ME\\proj\\src\\App.ts", WINDOWS_PATHS), "src/App.ts");
    assert.equal(relativeInside("C:\\Users\\me\\proj", "C:/Users/me/proj/src/util/a.ts", WINDOWS_PATHS), "src/util/a.ts");
    assert.equal(relativeInside("\\\\server\\share\\proj", "\\\\SERVER\\share\\proj\\lib\\b.py", WINDOWS_PATHS), "lib/b.py");
    assert.equal(relativeInside("C:\\proj", "D:\\proj\\a.ts", WINDOWS_PATHS), undefined, "another drive");
    assert.equal(relativeInside("C:\\proj", "C:\\proj2\\a.ts", WINDOWS_PATHS), undefined, "a sibling sharing the prefix");
    assert.equal(relativeInside("C:\\proj", "C:\\proj\\..\\secrets.txt", WINDOWS_PATHS), undefined);
    assert.equal(relativeInside("C:\\proj", "C:\\proj", WINDOWS_PATHS), undefined, "the folder itself is not a file in it");
    assert.equal(relativeInside("C:\\proj", "C:\\proj\\..file.ts", WINDOWS_PATHS), "..file.ts", "a name starting with two dots is inside");
    assert.ok(isWithin("C:\\proj", "c:\\PROJ", WINDOWS_PATHS));
    assert.ok(isWithin("C:\\proj", "C:\\Proj\\.groundwork\\index", WINDOWS_PATHS));
    assert.ok(samePath("src\\App.ts", "SRC/app.ts", WINDOWS_PATHS));
    assert.equal(pathKey("Src\\A.ts", WINDOWS_PATHS), "src/a.ts");
  });

  it("macOS (case-insensitive by default) and Linux (case-sensitive)", () => {
    assert.equal(relativeInside("/Users/me/Proj", "/users/me/proj/Src/A.swift", MACOS_PATHS), "Src/A.swift");
    assert.equal(relativeInside("/Users/me/Proj", "/users/me/proj/Src/A.swift", LINUX_PATHS), undefined);
    assert.equal(relativeInside("/home/me/proj", "/home/me/proj/src/a.rs", LINUX_PATHS), "src/a.rs");
    assert.equal(relativeInside("/home/me/proj", "/home/me/project/a.rs", MACOS_PATHS), undefined, "a sibling sharing the prefix");
    assert.ok(samePath("src/App.ts", "src/app.ts", MACOS_PATHS));
    assert.ok(!samePath("src/App.ts", "src/app.ts", LINUX_PATHS));
    // A backslash is a character of a Linux or macOS file name, not a separator.
    assert.ok(!samePath("src\\a.ts", "src/a.ts", MACOS_PATHS));
  });

  it("a workspace on Windows: codebase paths from absolute ones and back, folder names in any case", () => {
    const folders = namedFolders([{ name: "App", root: "C:\\work\\app" }, { name: "Lib", root: "c:\\work\\app\\vendor\\lib" }], WINDOWS_PATHS);
    const space = new PathSpace(folders, WINDOWS_PATHS);
    assert.equal(space.fromAbsolute("C:\\Work\\App\\src\\main.ts")?.path, "App/src/main.ts");
    assert.equal(space.fromAbsolute("C:\\work\\app\\vendor\\lib\\x.ts")?.path, "Lib/x.ts", "the deepest folder holds it");
    assert.equal(space.resolve("App\\src\\main.ts")?.absPath, "C:\\work\\app\\src\\main.ts");
    assert.equal(space.resolve("app/src/main.ts")?.folder.name, "App");
    // Agents send absolute paths too.
    assert.equal(space.resolve("c:\\work\\app\\src\\main.ts")?.relPath, "src/main.ts");
    assert.equal(space.resolve("D:\\elsewhere\\main.ts"), undefined);
    assert.equal(space.resolve("App\\..\\..\\boot.ini"), undefined, "no escaping a folder");
    const single = new PathSpace(namedFolders([{ name: "proj", root: "\\\\server\\share\\proj" }], WINDOWS_PATHS), WINDOWS_PATHS);
    assert.equal(single.fromAbsolute("\\\\server\\share\\proj\\a b\\c.py")?.path, "a b/c.py");
    assert.equal(single.resolve("a b\\c.py")?.absPath, "\\\\server\\share\\proj\\a b\\c.py");
    // A citation of a Windows path, as a model may write it, names the same file.
    const cited = parseCitation("src\\main.ts:3-9");
    assert.ok(cited && samePath(cited.path, "src/main.ts", WINDOWS_PATHS));
  });

  it("a workspace on Linux keeps case, and resolves absolute paths inside it", () => {
    const space = new PathSpace(namedFolders([{ name: "proj", root: "/srv/proj" }], LINUX_PATHS), LINUX_PATHS);
    assert.equal(space.resolve("/srv/proj/src/a.go")?.relPath, "src/a.go");
    assert.equal(space.resolve("/srv/other/a.go"), undefined);
    assert.equal(space.fromAbsolute("/SRV/proj/src/a.go"), undefined);
  });
});

describe("a codebase on a case-insensitive file system (real files and index)", () => {
  let root: string;
  let storage: string;
  let codebase: Codebase;

  before(async () => {
    root = tempDir("gw-case-");
    storage = tempDir("gw-case-storage-");
    writeTree(root, { "Src/Ledger.py": "def post_entry(amount):\n    return {'posted': amount}\n", ".env": "TOKEN=x\n" });
    codebase = await Codebase.open({ folders: [{ name: "proj", root }], storageDir: storage, embedder: new BuiltinEmbedder({ dims: 64 }), paths: MACOS_PATHS });
    await codebase.index();
  });

  after(() => {
    codebase.close();
    removeTree(root);
    removeTree(storage);
  });

  it("reads a file and an @ mention named in another case as the indexed file, cited by its own name", async () => {
    const code = await codebase.readCode("src/ledger.PY", 1, 1);
    assert.equal(code.citation, "Src/Ledger.py:1-1");
    assert.match(code.text, /def post_entry/);
    const pinned = await codebase.mention("@SRC/LEDGER.py");
    assert.equal(pinned[0]?.path, "Src/Ledger.py");
    assert.equal(codebase.pathOf(path.join(root.toUpperCase(), "SRC", "LEDGER.PY")), "SRC/LEDGER.PY");
    await assert.rejects(codebase.readCode(".ENV", 1, 1), /not an indexed file/);
  });
});
