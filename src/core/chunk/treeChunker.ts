// Turns a tree-sitter syntax tree into symbol-level line ranges ("pieces"): one per definition,
// consecutive statements grouped, containers (classes, namespaces, impls) split into members,
// and oversized definitions split at their children or, failing that, into line windows.
import type { Node } from "web-tree-sitter";
import type { LanguageSpec } from "./languages";
import { lineWindows } from "./textChunker";
import type { ChunkerLimits, ChunkKind, Piece } from "./types";

type Label = Omit<Piece, "start" | "end">;

interface Definition {
  /** The definition node itself (inside any wrapper). */
  node: Node;
  kind: ChunkKind;
  name: string;
}

interface Unit {
  start: number;
  end: number;
  node: Node;
  definition?: Definition;
}

/** Containers longer than this are chunked member by member even when they would fit whole. */
const CONTAINER_SPLIT_LINES = 40;
const MAX_DEPTH = 64;
/** Declarations that name several things at once (Go's `type (…)`, `const (…)`, `var (…)`): each is a member. */
const GROUPED_DECLARATIONS = new Set(["type_declaration", "const_declaration", "var_declaration"]);
const CONTAINER_KINDS: ReadonlySet<ChunkKind> = new Set(["class", "interface", "trait", "impl", "module", "namespace", "struct", "enum"]);
const ALWAYS_SPLIT: ReadonlySet<ChunkKind> = new Set(["module", "namespace"]);
const CLASS_LIKE: ReadonlySet<ChunkKind> = new Set(["class", "interface", "trait", "impl", "struct", "enum"]);
const FUNCTION_VALUES = new Set([
  "arrow_function", "function_expression", "function", "generator_function", "class", "class_expression", "closure_expression",
]);
const NAME_TYPES = new Set([
  "identifier", "field_identifier", "type_identifier", "property_identifier", "qualified_identifier",
  "destructor_name", "operator_name", "constant", "scope_resolution", "name", "variable_name", "private_property_identifier",
]);

export function startRow(node: Node): number {
  return node.startPosition.row;
}

/** A node that ends at column 0 ends on the line before (its last newline). */
export function endRow(node: Node): number {
  const { row, column } = node.endPosition;
  return column === 0 && row > node.startPosition.row ? row - 1 : row;
}

export class TreeChunker {
  private readonly prefixChars: number[];

  constructor(
    private readonly spec: LanguageSpec,
    private readonly lines: readonly string[],
    private readonly limits: ChunkerLimits,
  ) {
    this.prefixChars = [0];
    for (const line of lines) this.prefixChars.push(this.prefixChars[this.prefixChars.length - 1] + line.length + 1);
  }

  chunk(root: Node, fileLabel: string): Piece[] {
    const out: Piece[] = [];
    const owner: Label = { symbol: fileLabel, kind: "statements", scope: "", signature: "" };
    this.splitInto(root, 0, this.lines.length - 1, owner, "", 0, out);
    out.sort((a, b) => a.start - b.start || a.end - b.end);
    // A container's lead line can also be its parent's statement line (`x = {`): keep one.
    return out.filter((piece, i) => i === 0 || piece.start !== out[i - 1].start || piece.end !== out[i - 1].end);
  }

  private fits(start: number, end: number): boolean {
    return end - start + 1 <= this.limits.maxLines && this.prefixChars[end + 1] - this.prefixChars[start] <= this.limits.maxChars;
  }

  private hasText(start: number, end: number): boolean {
    for (let row = start; row <= end; row++) if (this.lines[row]?.trim()) return true;
    return false;
  }

  /** Chunks the children of `container`, which spans rows [rangeStart, rangeEnd], into `out`. */
  private splitInto(container: Node, rangeStart: number, rangeEnd: number, owner: Label, scope: string, depth: number, out: Piece[]): void {
    const children = container.namedChildren.filter((child): child is Node => child !== null);
    if (children.length === 0 || depth > MAX_DEPTH) {
      this.windows(rangeStart, rangeEnd, owner, out);
      return;
    }
    const local: Piece[] = [];
    let group: { start: number; end: number } | undefined;
    const flushGroup = (): void => {
      if (group) local.push({ ...group, ...owner });
      group = undefined;
    };
    for (const unit of this.units(children, owner.kind)) {
      if (unit.definition) {
        flushGroup();
        this.emitDefinition(unit, unit.definition, scope, depth, local);
      } else if (this.fits(unit.start, unit.end)) {
        if (group && this.fits(group.start, unit.end)) group.end = Math.max(group.end, unit.end);
        else {
          flushGroup();
          group = { start: unit.start, end: unit.end };
        }
      } else {
        flushGroup();
        this.splitInto(unit.node, unit.start, unit.end, owner, scope, depth + 1, local);
      }
    }
    flushGroup();
    this.attachLeadAndTail(local, rangeStart, rangeEnd, owner);
    out.push(...local);
  }

  /** Lines of the container before its first child (a signature) and after its last (a closing brace). */
  private attachLeadAndTail(local: Piece[], rangeStart: number, rangeEnd: number, owner: Label): void {
    if (local.length === 0) {
      this.windows(rangeStart, rangeEnd, owner, local);
      return;
    }
    const first = local.reduce((a, b) => (b.start < a.start ? b : a));
    if (rangeStart < first.start && this.hasText(rangeStart, first.start - 1)) {
      if (first.symbol === owner.symbol && first.kind === owner.kind && this.fits(rangeStart, first.end)) first.start = rangeStart;
      else this.windows(rangeStart, first.start - 1, owner, local);
    }
    const last = local.reduce((a, b) => (b.end > a.end ? b : a));
    if (rangeEnd > last.end && this.hasText(last.end + 1, rangeEnd)) {
      if (this.fits(last.start, rangeEnd)) last.end = rangeEnd;
      else this.windows(last.end + 1, rangeEnd, owner, local);
    }
  }

  private emitDefinition(unit: Unit, definition: Definition, scope: string, depth: number, out: Piece[]): void {
    // A Go method belongs to its receiver's type (`func (s *Server) Start()`: Server), as other languages' methods to their class.
    const receiver = definition.node.type === "method_declaration" ? typeName(definition.node.childForFieldName("receiver")?.namedChildren[0]?.childForFieldName("type")?.text ?? "") : "";
    if (receiver) scope = scope ? `${scope}.${receiver}` : receiver;
    const label: Label = { symbol: definition.name, kind: definition.kind, scope, signature: this.signature(definition.node) };
    const body = definition.node.childForFieldName("body") ?? definition.node;
    const isContainer = CONTAINER_KINDS.has(definition.kind) && this.hasMemberDefinitions(body, definition.kind);
    const lineCount = unit.end - unit.start + 1;
    const split = !this.fits(unit.start, unit.end) ||
      (isContainer && (lineCount > CONTAINER_SPLIT_LINES || ALWAYS_SPLIT.has(definition.kind)));
    if (!split) {
      const grouped = GROUPED_DECLARATIONS.has(definition.node.type);
      const members = grouped || CONTAINER_KINDS.has(definition.kind) ? this.membersOf(grouped ? definition.node : body, definition, 0) : [];
      out.push({ start: unit.start, end: unit.end, ...label, ...(members.length > 0 ? { members } : {}) });
      return;
    }
    const childScope = scope ? `${scope}.${definition.name}` : definition.name;
    this.splitInto(body, unit.start, unit.end, label, childScope, depth + 1, out);
  }

  /**
   * The definitions inside a container kept whole, at any depth (a nested class's members; an enum's
   * methods, below its constants), or the other names of a grouped declaration (Go's `type (A …; B …)`).
   */
  private membersOf(container: Node, owner: Definition, depth: number): NonNullable<Piece["members"]> {
    const members: NonNullable<Piece["members"]> = [];
    const children = container.namedChildren.filter((child): child is Node => child !== null);
    if (GROUPED_DECLARATIONS.has(container.type)) {
      let comment: Node | undefined; // a doc comment right above a spec is part of it
      for (const spec of children) {
        if (this.spec.attachments.has(spec.type)) {
          comment = comment && endRow(comment) >= startRow(spec) - 1 ? comment : spec;
          continue;
        }
        const name = spec.childForFieldName("name");
        const text = name && cleanName(name.text);
        const start = comment && endRow(comment) >= startRow(spec) - 1 ? startRow(comment) : startRow(spec);
        comment = undefined;
        if (text && !(depth === 0 && text === owner.name)) members.push({ name: text, kind: owner.kind, start, end: endRow(spec) });
      }
      return members;
    }
    if (depth > 4) return members;
    // Every child, also one on the line another ends on (`enum S { A, B; boolean open() {…} }` on one line), which units leave out as a rest.
    const definitions = this.units(children, owner.kind).filter((unit) => unit.definition);
    for (const child of children) {
      const unit = definitions.find((candidate) => candidate.node === child);
      const inner = unit?.definition;
      if (unit && inner) {
        members.push({ name: inner.name, kind: inner.kind, start: unit.start, end: unit.end });
        if (CONTAINER_KINDS.has(inner.kind)) members.push(...this.membersOf(inner.node.childForFieldName("body") ?? inner.node, inner, depth + 1));
      } else if (/body|declaration_list|declarations/.test(child.type)) {
        // A body inside the body: Java's enum_body_declarations, C#'s declaration_list.
        members.push(...this.membersOf(child, owner, depth + 1));
      }
    }
    return members;
  }

  private hasMemberDefinitions(body: Node, kind: ChunkKind): boolean {
    return body.namedChildren.some((child) => {
      const definition = child ? this.definitionOf(child, kind) : undefined;
      return definition !== undefined && definition.kind !== "variable";
    });
  }

  /** Groups children into units; doc comments and decorators join the definition right after them. */
  private units(children: Node[], ownerKind: ChunkKind): Unit[] {
    const units: Unit[] = [];
    let pending: Node[] = [];
    // What starts on the line the unit before ends on (`}  // namespace geo`) is on that unit's last line already.
    const pushRest = (node: Node): void => {
      const start = Math.max(startRow(node), (units[units.length - 1]?.end ?? -1) + 1);
      if (start <= endRow(node)) units.push({ start, end: endRow(node), node });
    };
    const flushPending = (upTo: number): void => {
      for (const node of pending.slice(0, upTo)) pushRest(node);
      pending = [];
    };
    for (const child of children) {
      if (this.spec.attachments.has(child.type)) {
        pending.push(child);
        continue;
      }
      const definition = this.definitionOf(child, ownerKind);
      if (!definition) {
        flushPending(pending.length);
        pushRest(child);
        continue;
      }
      let start = startRow(child);
      let keep = pending.length;
      while (keep > 0 && endRow(pending[keep - 1]) >= start - 1) start = startRow(pending[--keep]);
      flushPending(keep);
      units.push({ start, end: endRow(child), node: child, definition });
    }
    flushPending(pending.length);
    return units;
  }

  private definitionOf(node: Node, ownerKind: ChunkKind): Definition | undefined {
    const kind = this.spec.definitions[node.type];
    if (kind) {
      const adjusted: ChunkKind = kind === "function" && CLASS_LIKE.has(ownerKind) ? "method" : kind;
      return { node, kind: adjusted, name: nameOf(node) };
    }
    if (node.type in this.spec.wrappers) {
      const field = this.spec.wrappers[node.type];
      const inner = field
        ? node.childForFieldName(field)
        : node.namedChildren.find((child) => child && (this.spec.definitions[child.type] || this.spec.variables.has(child.type)));
      if (inner) return this.definitionOf(inner, ownerKind);
      // `export default supported && function httpAdapter(config) {…}`, `module.exports = function parse() {…}`:
      // a named function or class inside the statement names it.
      const named = namedValueIn(node);
      return named && { node: named, kind: named.type.startsWith("class") ? "class" : CLASS_LIKE.has(ownerKind) ? "method" : "function", name: nameOf(named) };
    }
    if (this.spec.variables.has(node.type)) {
      const variable = variableOf(node);
      if (!variable) return undefined;
      if (variable.isFunction) return { node, kind: CLASS_LIKE.has(ownerKind) ? "method" : "function", name: variable.name };
      if (endRow(node) - startRow(node) >= 2) return { node, kind: "variable", name: variable.name };
    }
    return undefined;
  }

  /** The line that declares the definition: its name's, past annotations and attributes above it (`@Override`, `[HttpPost]`, `#[Route]`). */
  private signature(node: Node): string {
    const nameRow = node.childForFieldName("name")?.startPosition.row;
    const row = nameRow !== undefined && nameRow > startRow(node) && nameRow <= endRow(node) ? nameRow : startRow(node);
    const line = (this.lines[row] ?? "").trim().replace(/\s*\{$/, "");
    return line.length > 160 ? line.slice(0, 157) + "..." : line;
  }

  private windows(start: number, end: number, label: Label, out: Piece[]): void {
    out.push(...lineWindows(this.lines, start, end, this.limits, label));
  }
}

function cleanName(text: string): string {
  const name = text.replace(/\s+/g, " ").trim();
  return name.length > 100 ? name.slice(0, 97) + "..." : name;
}

/**
 * A definition's name as code refers to it: the last part of a qualified one (`Admin::UsersController`,
 * `Polygon::area`: the qualifier is the scope's), an impl's type without its generics (`impl<T>
 * fmt::Debug for Widget<T>` implements Widget's methods: `Widget`).
 */
function nameOf(node: Node): string {
  const name = node.childForFieldName("name");
  if (name) return lastPart(cleanName(name.text));
  if (node.type === "impl_item") return typeName(node.childForFieldName("type")?.text ?? "") || "(anonymous)";
  // Ruby's `class << self`: the class's own methods.
  if (node.type === "singleton_class") return "self";
  if (node.type === "type_declaration") {
    const spec = node.namedChildren.find((child) => child?.childForFieldName("name"));
    if (spec) return cleanName(spec.childForFieldName("name")!.text);
  }
  const declared = declaratorName(node);
  if (declared) return lastPart(declared);
  const named = node.namedChildren.find((child) => child && NAME_TYPES.has(child.type));
  return named ? lastPart(cleanName(named.text)) : "(anonymous)";
}

/** `a::b::c` → `c` (`Matrix<T>::transpose` → `transpose`, `Foo::~Foo` → `~Foo`); other names as they are. */
function lastPart(name: string): string {
  const parts = name.split("::");
  const last = parts[parts.length - 1].trim();
  return last || name;
}

/** A type's name without generics, references, lifetimes or path: `&'a mut store::Store<E>` → `Store`, Go's `*List[T]` → `List`. */
function typeName(type: string): string {
  let bare = type;
  for (let previous = ""; previous !== bare; ) [previous, bare] = [bare, bare.replace(/<[^<>]*>|\[[^[\]]*\]/g, "")];
  const identifiers = bare.match(/[A-Za-z_][\w]*/g) ?? [];
  return cleanName(identifiers.filter((word) => !["mut", "dyn", "const"].includes(word)).pop() ?? "");
}

/** C and C++ nest the name inside declarators: `int (*f)(void)`, `Foo::bar()`. */
function declaratorName(node: Node): string | undefined {
  let current: Node | null = node.childForFieldName("declarator");
  for (let depth = 0; current && depth < 12; depth++) {
    if (NAME_TYPES.has(current.type)) return cleanName(current.text);
    // A reference or pointer declarator (`Config& config()`) holds the declarator without a field name.
    current = current.childForFieldName("declarator") ?? current.childForFieldName("name") ??
      current.namedChildren.find((child) => child !== null && NAME_TYPES.has(child.type)) ??
      current.namedChildren.find((child) => child !== null && child.type.endsWith("_declarator")) ?? null;
  }
  return undefined;
}

/**
 * Where a statement's own function can sit: behind operators, parentheses and assignments
 * (`a && function f`, `x = class X`), or as a call's argument (`list.forEach(function visit(item) {…})`,
 * `req.on("response", function handleResponse(res) {…})`: a named callback is the statement's work).
 * Not inside object or array literals, whose members are parts of the statement, not what it is.
 */
const VALUE_PASSING = new Set([
  "binary_expression", "parenthesized_expression", "assignment_expression", "augmented_assignment_expression", "ternary_expression",
  "unary_expression", "await_expression", "as_expression", "satisfies_expression", "non_null_expression", "sequence_expression",
  "call_expression", "new_expression", "arguments", "member_expression",
]);

/**
 * A named function or class that is a statement's value or its call's callback (see VALUE_PASSING), a
 * few levels down, and that is nearly all of it: it starts on the statement's first line and ends on
 * its last or the one before (`p.then(function ok() {…}).catch(function fail() {…})` is neither's).
 */
function namedValueIn(statement: Node): Node | undefined {
  const queue: Array<{ node: Node; depth: number }> = statement.namedChildren.filter((child): child is Node => child !== null).map((node) => ({ node, depth: 0 }));
  while (queue.length > 0) {
    const { node, depth } = queue.shift()!;
    const whole = startRow(node) === startRow(statement) && endRow(node) >= endRow(statement) - 1;
    if (FUNCTION_VALUES.has(node.type) && node.childForFieldName("name") && whole) return node;
    if (depth < 3 && VALUE_PASSING.has(node.type)) for (const child of node.namedChildren) if (child) queue.push({ node: child, depth: depth + 1 });
  }
  return undefined;
}

/** The declared name of a variable-like declaration, and whether its value is a function or class. */
function variableOf(node: Node): { name: string; isFunction: boolean } | undefined {
  const queue: Array<{ node: Node; depth: number }> = [{ node, depth: 0 }];
  while (queue.length > 0) {
    const { node: current, depth } = queue.shift()!;
    const nameNode = current.childForFieldName("name") ?? current.childForFieldName("left") ??
      (current !== node ? undefined : current.childForFieldName("declarator"));
    if (nameNode && NAME_TYPES.has(nameNode.type)) {
      const value = current.childForFieldName("value") ?? current.childForFieldName("right");
      return { name: cleanName(nameNode.text), isFunction: value !== null && value !== undefined && FUNCTION_VALUES.has(value.type) };
    }
    const declared = current !== node ? undefined : declaratorName(current);
    if (declared) return { name: declared, isFunction: false };
    if (depth < 3) for (const child of current.namedChildren) if (child) queue.push({ node: child, depth: depth + 1 });
  }
  return undefined;
}
