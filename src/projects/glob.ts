/**
 * Globs for `when_modified`, matched against repo-relative POSIX paths: `*` and `?` stay within one
 * segment, `**` spans any number of segments (none included), `[abc]`/`[!abc]` are classes and
 * `{a,b}` alternatives. Dots are not special.
 */
export function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${translate(glob)}$`);
}

function translate(glob: string): string {
  let out = '';
  let i = 0;
  while (i < glob.length) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      const atStart = i === 0 || glob[i - 1] === '/';
      const atEnd = i + 2 === glob.length || glob[i + 2] === '/';
      if (atStart && atEnd) {
        if (i + 2 === glob.length) {
          out += '.*';
          i += 2;
        } else {
          out += '(?:[^/]*/)*'; // "**/" matches zero or more whole segments.
          i += 3;
        }
        continue;
      }
      out += '[^/]*';
      i += 2;
    } else if (c === '*') {
      out += '[^/]*';
      i++;
    } else if (c === '?') {
      out += '[^/]';
      i++;
    } else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close === -1) {
        out += '\\[';
        i++;
        continue;
      }
      let body = glob.slice(i + 1, close);
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      out += `[${body.replace(/\\/g, '\\\\')}]`;
      i = close + 1;
    } else if (c === '{') {
      const close = glob.indexOf('}', i);
      if (close === -1) {
        out += '\\{';
        i++;
        continue;
      }
      const options = glob.slice(i + 1, close).split(',');
      out += `(?:${options.map(translate).join('|')})`;
      i = close + 1;
    } else {
      out += c.replace(/[.+^$()|\\/]/g, '\\$&');
      i++;
    }
  }
  return out;
}

export interface PathRule {
  regex: RegExp;
  negated: boolean;
}

/** Compiles `when_modified` patterns, each resolved against `resolve` (the project dir); `!` negates. */
export function compileRules(patterns: readonly string[], resolve: (pattern: string) => string | undefined) {
  const rules: PathRule[] = [];
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    const resolved = resolve(negated ? pattern.slice(1) : pattern);
    if (resolved !== undefined) rules.push({ regex: globToRegExp(resolved), negated });
  }
  return rules;
}

/** As in .dockerignore (and Atlantis): the last rule that matches decides. */
export function matchesRules(rules: readonly PathRule[], path: string): boolean {
  let matched = false;
  for (const rule of rules) if (rule.regex.test(path)) matched = !rule.negated;
  return matched;
}
