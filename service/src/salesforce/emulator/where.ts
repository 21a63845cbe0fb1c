// The WHERE clause as a tree. soql-parser-js returns conditions as a right-leaning chain with
// parenthesis counts on each condition, not as a precedence tree, so this rebuilds one:
// NOT binds tightest, then AND, then OR.
import type { WhereClause } from '@jetstreamapp/soql-parser-js';
import { malformedQuery } from './errors.ts';

export interface Comparison {
  field: string;
  operator: string;
  value: string | string[];
  literalType: string | string[] | undefined;
}

export type Predicate =
  | { kind: 'and' | 'or'; left: Predicate; right: Predicate }
  | { kind: 'not'; operand: Predicate }
  | { kind: 'compare'; comparison: Comparison };

type Token = '(' | ')' | 'AND' | 'OR' | 'NOT' | Comparison;

function tokenize(where: WhereClause): Token[] {
  const tokens: Token[] = [];
  let node: WhereClause | undefined = where;
  while (node) {
    const { left } = node;
    const operator = 'operator' in node ? node.operator : undefined;
    if (operator === 'NOT') {
      for (let i = 0; i < (left?.openParen ?? 0); i++) tokens.push('(');
      tokens.push('NOT');
    } else {
      if (!left || !('field' in left)) throw malformedQuery('unexpected condition');
      if ('valueQuery' in left) throw malformedQuery('semi-join subqueries are not supported by the org emulator');
      if (!('value' in left)) throw malformedQuery('unsupported condition');
      for (let i = 0; i < (left.openParen ?? 0); i++) tokens.push('(');
      tokens.push({ field: left.field, operator: left.operator, value: left.value, literalType: left.literalType });
      for (let i = 0; i < (left.closeParen ?? 0); i++) tokens.push(')');
      if (operator) tokens.push(operator as 'AND' | 'OR');
    }
    node = 'right' in node ? node.right : undefined;
  }
  return tokens;
}

/** The WHERE clause as a predicate tree. */
export function buildPredicate(where: WhereClause): Predicate {
  const tokens = tokenize(where);
  let position = 0;
  const peek = () => tokens[position];

  function parseOr(): Predicate {
    let left = parseAnd();
    while (peek() === 'OR') {
      position++;
      left = { kind: 'or', left, right: parseAnd() };
    }
    return left;
  }
  function parseAnd(): Predicate {
    let left = parseUnary();
    while (peek() === 'AND') {
      position++;
      left = { kind: 'and', left, right: parseUnary() };
    }
    return left;
  }
  function parseUnary(): Predicate {
    const token = tokens[position++];
    if (token === 'NOT') return { kind: 'not', operand: parseUnary() };
    if (token === '(') {
      const inner = parseOr();
      if (tokens[position++] !== ')') throw malformedQuery('unbalanced parentheses in WHERE');
      return inner;
    }
    if (token && typeof token === 'object') return { kind: 'compare', comparison: token };
    throw malformedQuery('unexpected token in WHERE');
  }

  const predicate = parseOr();
  if (position !== tokens.length) throw malformedQuery('unexpected token in WHERE');
  return predicate;
}

/** Every comparison in the tree, so their fields can be checked before any row is read. */
export function comparisons(predicate: Predicate): Comparison[] {
  if (predicate.kind === 'compare') return [predicate.comparison];
  if (predicate.kind === 'not') return comparisons(predicate.operand);
  return [...comparisons(predicate.left), ...comparisons(predicate.right)];
}
