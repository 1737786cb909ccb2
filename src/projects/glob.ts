import picomatch from 'picomatch';

/**
 * How Sluice reads `when_modified` and `permissions.projects[].match` globs, as Atlantis documents
 * them (".dockerignore syntax"): matched against repo-relative POSIX paths, `*` and `?` stay within
 * one segment, `**` spans any number of segments (none included), `[abc]`/`[!abc]` are classes; dots
 * are not special. `{a,b}` alternatives work too. Extglobs (`+(…)`, `@(…)`) are off, so parentheses
 * and `+` are plain characters, as in a file name.
 */
const OPTIONS: picomatch.PicomatchOptions = { dot: true, noextglob: true };

export function globToRegExp(glob: string): RegExp {
  return picomatch.makeRe(posixGlob(glob), OPTIONS);
}

/** picomatch reads `[!…]` as a literal `!` and `(…)` as a group; .dockerignore means `[^…]` and `(`. */
function posixGlob(glob: string): string {
  return glob.replace(/\[!/g, '[^').replace(/[()]/g, '\\$&');
}

export interface PathRule {
  matches: (path: string) => boolean;
  negated: boolean;
}

/** Compiles `when_modified` patterns, each resolved against `resolve` (the project dir); `!` negates. */
export function compileRules(patterns: readonly string[], resolve: (pattern: string) => string | undefined) {
  const rules: PathRule[] = [];
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    const resolved = resolve(negated ? pattern.slice(1) : pattern);
    if (resolved !== undefined) rules.push({ matches: picomatch(posixGlob(resolved), OPTIONS), negated });
  }
  return rules;
}

/**
 * As in .dockerignore (and Atlantis): a rule matches a path when it matches the path or one of its
 * folders (`modules` covers `modules/vpc/main.tf`), and the last rule that matches decides.
 */
export function matchesRules(rules: readonly PathRule[], path: string): boolean {
  const candidates = [path, ...parents(path)];
  let matched = false;
  for (const rule of rules)
    if (candidates.some((candidate) => rule.matches(candidate))) matched = !rule.negated;
  return matched;
}

/** `a/b/c.tf` → `a/b`, `a`. */
function parents(path: string): string[] {
  const out: string[] = [];
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) out.push(path.slice(0, i));
  return out;
}
