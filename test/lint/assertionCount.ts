import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

/** A function or method with a body longer than the limit, and how many `assert(` calls its body makes. */
export interface FunctionAsserts {
  file: string;
  name: string;
  line: number;
  statements: number;
  asserts: number;
}

type Declaration = ts.FunctionDeclaration | ts.MethodDeclaration | ts.ConstructorDeclaration;

function isDeclaration(node: ts.Node): node is Declaration {
  return ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isConstructorDeclaration(node);
}

function declarationName(node: Declaration, source: ts.SourceFile): string {
  const own = ts.isConstructorDeclaration(node) ? "constructor" : (node.name?.getText(source) ?? "(anonymous)");
  const owner = node.parent && ts.isClassLike(node.parent) ? node.parent.name?.getText(source) : undefined;
  return owner ? `${owner}.${own}` : own;
}

/** `assert(...)` calls in `body`, not counting those inside nested function or method declarations. */
function countAsserts(body: ts.Node): number {
  let count = 0;
  const visit = (node: ts.Node): void => {
    if (isDeclaration(node)) return;
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "assert") count++;
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(body, visit);
  return count;
}

/** Every function/method declaration in `text` whose body has more than `minStatements` statements. */
export function scanAssertions(file: string, text: string, minStatements: number): FunctionAsserts[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: FunctionAsserts[] = [];
  const visit = (node: ts.Node): void => {
    if (isDeclaration(node) && node.body && node.body.statements.length > minStatements) {
      found.push({
        file,
        name: declarationName(node, source),
        line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1,
        statements: node.body.statements.length,
        asserts: countAsserts(node.body),
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The .ts files directly inside `dir` (not .d.ts), sorted, with paths relative to `root`. */
export function sourcesIn(root: string, dir: string): string[] {
  return readdirSync(join(root, dir))
    .filter((name) => name.endsWith(".ts") && !name.endsWith(".d.ts"))
    .sort()
    .map((name) => relative(root, join(root, dir, name)));
}

export function scanFile(root: string, file: string, minStatements: number): FunctionAsserts[] {
  return scanAssertions(file, readFileSync(join(root, file), "utf8"), minStatements);
}
