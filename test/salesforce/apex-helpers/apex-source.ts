/**
 * Apex source read with @apexdevtools/apex-parser: syntax errors, and simple scans of the parse tree for the
 * package's security rules (complementing PMD): sharing declared on every class, SOQL WITH USER_MODE, DML
 * and dynamic queries only in AccessLevel.USER_MODE.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ApexErrorListener,
  ApexParserBaseListener,
  ApexParserFactory,
  ApexParseTreeWalker,
  ClassBodyDeclarationContext,
  ClassDeclarationContext,
  type CompilationUnitContext,
  DeleteStatementContext,
  DotExpressionContext,
  InsertStatementContext,
  MergeStatementContext,
  MethodCallContext,
  type ModifierContext,
  QueryContext,
  SoqlLiteralContext,
  SoslLiteralContext,
  TypeDeclarationContext,
  UndeleteStatementContext,
  UpdateStatementContext,
  UpsertStatementContext,
  type ApexParserRuleContext,
} from '@apexdevtools/apex-parser';

export interface Finding {
  file: string;
  line: number;
  column: number;
  message: string;
}

export interface ApexFile {
  file: string; // relative to the root it was read from
  source: string;
  tree: CompilationUnitContext;
  syntaxErrors: Finding[];
}

export function formatFinding(f: Finding): string {
  return `${f.file}:${f.line}:${f.column} ${f.message}`;
}

/** Every .cls under dir, sorted. */
export function listClasses(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.cls'))
    .map((f) => path.join(dir, f))
    .sort();
}

class CollectingListener extends ApexErrorListener {
  readonly errors: { line: number; column: number; message: string }[] = [];
  apexSyntaxError(line: number, column: number, message: string): void {
    this.errors.push({ line, column, message });
  }
}

export function parseApexFile(file: string, root: string): ApexFile {
  const source = readFileSync(file, 'utf8');
  const listener = new CollectingListener();
  // One listener on lexer and parser: lexer errors (bad escapes) are only reported to the lexer's listeners.
  const { parser } = ApexParserFactory.createLexerAndParser(source, listener);
  const tree = parser.compilationUnit();
  const rel = path.relative(root, file);
  return {
    file: rel,
    source,
    tree,
    syntaxErrors: listener.errors.map((e) => ({ file: rel, line: e.line, column: e.column, message: e.message })),
  };
}

function at(file: ApexFile, ctx: ApexParserRuleContext, message: string): Finding {
  return { file: file.file, line: ctx.start.line, column: ctx.start.column, message };
}

function compact(ctx: ApexParserRuleContext | null | undefined): string {
  return (ctx?.getText() ?? '').toLowerCase();
}

/** Whether the file's top-level type is annotated @IsTest. */
export function isTestClass(file: ApexFile): boolean {
  return (file.tree.typeDeclaration()?.modifier_list() ?? []).some((m) => compact(m).startsWith('@istest'));
}

function modifiersOf(ctx: ClassDeclarationContext): ModifierContext[] {
  const parent = ctx.parentCtx;
  if (parent instanceof TypeDeclarationContext) return parent.modifier_list();
  const member = parent?.parentCtx;
  return member instanceof ClassBodyDeclarationContext ? member.modifier_list() : [];
}

const DML_METHODS = new Set([
  'insert',
  'update',
  'upsert',
  'delete',
  'undelete',
  'merge',
  'insertimmediate',
  'updateimmediate',
  'deleteimmediate',
  'insertasync',
  'updateasync',
  'deleteasync',
]);
const QUERY_METHODS = new Set([
  'query',
  'querywithbinds',
  'countquery',
  'countquerywithbinds',
  'getquerylocator',
  'getquerylocatorwithbinds',
]);

interface ClassFrame {
  ctx: ClassDeclarationContext;
  sharing: string | undefined; // 'withsharing' | 'withoutsharing' | 'inheritedsharing'
  test: boolean;
  topLevel: boolean;
  dataAccess: boolean;
}

export interface SecurityScan {
  sharing: Finding[];
  userMode: Finding[];
}

/**
 * Sharing: every top-level class declares `with sharing` (or `inherited sharing` with a comment above it that
 * says why); inner classes too when they query or write. User mode (not for @IsTest classes, whose fixtures
 * are set up in system mode on purpose): SOQL and SOSL literals WITH USER_MODE, no DML statements, and
 * Database/Search calls that pass AccessLevel.USER_MODE.
 */
export function scanSecurity(file: ApexFile): SecurityScan {
  const sharing: Finding[] = [];
  const userMode: Finding[] = [];
  const stack: ClassFrame[] = [];
  const lines = file.source.split('\n');

  const inTest = () => stack.some((c) => c.test);
  const dataAccess = (ctx: ApexParserRuleContext, problem: string | undefined) => {
    const current = stack[stack.length - 1];
    if (current) current.dataAccess = true;
    if (problem && !inTest()) userMode.push(at(file, ctx, problem));
  };

  class Scanner extends ApexParserBaseListener {
    enterClassDeclaration = (ctx: ClassDeclarationContext) => {
      const modifiers = modifiersOf(ctx).map((m) => compact(m));
      stack.push({
        ctx,
        sharing: modifiers.find((m) => m.endsWith('sharing')),
        test: modifiers.some((m) => m.startsWith('@istest')),
        topLevel: stack.length === 0,
        dataAccess: false,
      });
    };
    exitClassDeclaration = () => {
      const frame = stack.pop();
      if (!frame) return;
      const name = frame.ctx.id().getText();
      if (frame.sharing === 'withoutsharing') {
        sharing.push(at(file, frame.ctx, `class ${name} is declared without sharing`));
      } else if (frame.sharing === 'inheritedsharing') {
        const line = frame.ctx.start.line;
        const above = lines.slice(Math.max(0, line - 4), line - 1).join('\n');
        if (!/(\/\/|\*).*sharing/i.test(above)) {
          sharing.push(at(file, frame.ctx, `class ${name} uses inherited sharing without a comment saying why`));
        }
      } else if (!frame.sharing && (frame.topLevel || frame.dataAccess)) {
        sharing.push(at(file, frame.ctx, `class ${name} does not declare with sharing`));
      }
      const outer = stack[stack.length - 1];
      if (outer && frame.dataAccess) outer.dataAccess = true;
    };
    enterSoqlLiteral = (ctx: SoqlLiteralContext) => {
      const query: QueryContext = ctx.query();
      dataAccess(ctx, compact(query.withClause()) === 'withuser_mode' ? undefined : 'SOQL without WITH USER_MODE');
    };
    enterSoslLiteral = (ctx: SoslLiteralContext) => {
      dataAccess(ctx, compact(ctx).includes('withuser_mode') ? undefined : 'SOSL without WITH USER_MODE');
    };
    enterDotExpression = (ctx: DotExpressionContext) => {
      const call = ctx.dotMethodCall();
      if (!call) return;
      const target = compact(ctx.expression()).replace(/^system\./, '');
      const method = compact(call.anyId());
      const userModeArg = compact(call.expressionList()).includes('accesslevel.user_mode');
      if (target === 'database' && DML_METHODS.has(method)) {
        dataAccess(ctx, userModeArg ? undefined : `Database.${method} without AccessLevel.USER_MODE`);
      } else if ((target === 'database' && QUERY_METHODS.has(method)) || (target === 'search' && method === 'query')) {
        dataAccess(ctx, userModeArg ? undefined : `${target}.${method} without AccessLevel.USER_MODE`);
      }
    };
    enterInsertStatement = (ctx: InsertStatementContext) => this.dml(ctx);
    enterUpdateStatement = (ctx: UpdateStatementContext) => this.dml(ctx);
    enterUpsertStatement = (ctx: UpsertStatementContext) => this.dml(ctx);
    enterDeleteStatement = (ctx: DeleteStatementContext) => this.dml(ctx);
    enterUndeleteStatement = (ctx: UndeleteStatementContext) => this.dml(ctx);
    enterMergeStatement = (ctx: MergeStatementContext) => this.dml(ctx);
    private dml(ctx: ApexParserRuleContext) {
      dataAccess(ctx, 'DML statement runs in system mode; use Database.<op>(records, AccessLevel.USER_MODE)');
    }
  }

  ApexParseTreeWalker.DEFAULT.walk(new Scanner(), file.tree);
  return { sharing, userMode };
}

export interface ServiceCall {
  method: string;
  path: string;
  line: number;
}

/**
 * The org API calls of SlotwiseServiceClient: every `send('<METHOD>', '<path>', ...)`. Calls whose method or
 * path is not a string literal are returned as findings, since they cannot be checked against the document.
 */
export function serviceCalls(file: ApexFile, sendMethod = 'send'): { calls: ServiceCall[]; unchecked: Finding[] } {
  const calls: ServiceCall[] = [];
  const unchecked: Finding[] = [];
  const literal = (text: string | undefined) => /^'([^'\\]*)'$/.exec(text ?? '')?.[1];
  class Finder extends ApexParserBaseListener {
    enterMethodCall = (ctx: MethodCallContext) => {
      if (compact(ctx.id()) !== sendMethod.toLowerCase()) return;
      const args = ctx.expressionList()?.expression_list() ?? [];
      const method = literal(args[0]?.getText());
      const apiPath = literal(args[1]?.getText());
      if (method && apiPath) calls.push({ method: method.toUpperCase(), path: apiPath, line: ctx.start.line });
      else unchecked.push(at(file, ctx, `${sendMethod}(...) without a literal method and path`));
    };
  }
  ApexParseTreeWalker.DEFAULT.walk(new Finder(), file.tree);
  return { calls, unchecked };
}
