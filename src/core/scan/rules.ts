// What the scanner leaves out by default, and how it recognises secrets, binaries and generated files.

/** Default excludes, in .gitignore syntax; a workspace's own ignore files may re-include them. */
export const DEFAULT_EXCLUDES: readonly string[] = [
  ".git/", ".hg/", ".svn/", ".groundwork/", ".vscode-test/",
  "node_modules/", "bower_components/", "jspm_packages/", "vendor/",
  ".next/", ".nuxt/", ".svelte-kit/",
  "coverage/", ".nyc_output/", "__pycache__/", ".pytest_cache/", ".mypy_cache/", ".ruff_cache/",
  ".tox/", ".venv/", ".eggs/", "*.egg-info/", ".gradle/", ".idea/", ".terraform/",
  "*.min.js", "*.min.css", "*.min.mjs", "*.bundle.js", "*.chunk.js", "*.map",
  "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lockb",
  "Cargo.lock", "poetry.lock", "Pipfile.lock", "uv.lock", "Gemfile.lock", "composer.lock",
  "go.sum", "*.lock",
  "*.pb.go", "*_pb2.py", "*_pb2_grpc.py", "*.g.cs", "*.designer.cs", "*.generated.*",
];

/**
 * Folders builds write to. Excluded at the workspace's root and next to a project's manifest, not
 * elsewhere: Go's `go/build` and `cmd/dist`, a Java package named `build`, `src/target` are source.
 */
export const OUTPUT_FOLDERS: readonly string[] = ["dist/", "build/", "out/", "target/", "obj/"];

/** Files that say "builds of this project write next to me" (npm, TypeScript, Maven, Gradle, sbt, Cargo, CMake, Python, .NET, Composer). */
export const PROJECT_MANIFEST = /^(package\.json|tsconfig(\..+)?\.json|pom\.xml|build\.gradle(\.kts)?|settings\.gradle(\.kts)?|build\.sbt|Cargo\.toml|CMakeLists\.txt|setup\.py|setup\.cfg|pyproject\.toml|composer\.json|.+\.(csproj|fsproj|vbproj|sln))$/;

// Files that commonly hold credentials: never indexed, whatever the ignore files say.
const SECRET_NAME_PATTERNS: readonly RegExp[] = [
  /^\.env(\..*)?$/i, /\.env$/i,
  /\.(pem|key|p8|p12|pfx|jks|keystore|kdbx|ppk|asc|gpg|ovpn|crt|cer|der)$/i,
  /^id_(rsa|dsa|ecdsa|ed25519)(\..*)?$/i,
  /^\.?(netrc|pgpass|npmrc|pypirc|git-credentials|htpasswd|dockercfg)$/i,
  /^credentials$/i, /credentials?\.(json|ya?ml|xml|ini|toml|csv|txt)$/i,
  /^secrets?(\.(json|ya?ml|toml|ini|env|txt|properties|conf|cfg|xml))?$/i, /\.secrets?$/i,
  /^service[-_]?account.*\.json$/i,
  /^\.?terraform\.tfstate(\..*)?$/i, /\.tfvars$/i,
];

export function isSecretFileName(name: string): boolean {
  return SECRET_NAME_PATTERNS.some((pattern) => pattern.test(name));
}

const BINARY_EXTENSIONS = new Set(
  (
    "png jpg jpeg gif bmp ico icns webp tiff tif psd avif heic svgz " +
    "mp3 mp4 m4a wav ogg flac aac mov avi mkv webm wmv " +
    "zip gz tgz bz2 xz zst 7z rar tar jar war ear whl egg deb rpm dmg iso apk ipa " +
    "exe dll so dylib a o obj lib pdb class pyc pyo pyd wasm node bin dat " +
    "ttf otf woff woff2 eot pdf doc docx xls xlsx ppt pptx odt " +
    "sqlite sqlite3 db mdb parquet arrow lance feather npy npz pkl pickle pt pth onnx safetensors h5 ckpt"
  ).split(" "),
);

export function hasBinaryExtension(name: string): boolean {
  const dot = name.lastIndexOf(".");
  return dot >= 0 && BINARY_EXTENSIONS.has(name.slice(dot + 1).toLowerCase());
}

export type ContentVerdict = { ok: true } | { ok: false; reason: string };

/** Decides from the bytes whether a file is worth indexing: binary, minified or generated are not. */
export function classifyContent(bytes: Uint8Array): ContentVerdict {
  const head = bytes.subarray(0, 8192);
  if (head.includes(0)) return { ok: false, reason: "binary content (NUL bytes)" };
  const sample = Buffer.from(bytes.subarray(0, 65536)).toString("utf8");
  const lines = sample.split("\n");
  const longest = lines.reduce((max, line) => Math.max(max, line.length), 0);
  const fullSample = bytes.length <= 65536;
  const average = sample.length / lines.length;
  if (longest > 5000 && (average > 500 || (fullSample && lines.length < 10))) {
    return { ok: false, reason: `minified (a line of ${longest} characters)` };
  }
  const firstLines = lines.slice(0, 5).join("\n");
  if (/@generated\b|\bDO NOT EDIT\b|^\s*(\/\/|#)\s*Code generated .* DO NOT EDIT/m.test(firstLines)) {
    return { ok: false, reason: "generated (marked in its header)" };
  }
  return { ok: true };
}
