import { describe, expect, it } from 'vitest';
import { splitMarkdown, splitMarkdownParts } from '../../../src/comments/split.js';

describe('splitMarkdown', () => {
  it('returns a body that fits as it is', () => {
    expect(splitMarkdown('## a\n\ntext\n', 100)).toEqual(['## a\n\ntext\n']);
    expect(splitMarkdown('', 100)).toEqual([]);
  });

  it('splits between sections first', () => {
    const body = `## headline\n\n### one\n\n${'a'.repeat(40)}\n\n### two\n\n${'b'.repeat(40)}\n`;
    expect(splitMarkdown(body, 90)).toEqual([
      `## headline\n\n### one\n\n${'a'.repeat(40)}\n\n`,
      `### two\n\n${'b'.repeat(40)}\n`,
    ]);
  });

  it('then between paragraphs, then between lines', () => {
    expect(splitMarkdown('aaaa\nbbbb\n\ncccc\ndddd\n', 14)).toEqual(['aaaa\nbbbb\n\n', 'cccc\ndddd\n']);
    expect(splitMarkdown('aaaa\nbbbb\ncccc\ndddd\n', 14)).toEqual(['aaaa\nbbbb\n', 'cccc\ndddd\n']);
  });

  it('closes a code fence at the end of a part and re-opens it, language included', () => {
    const body = '```diff\n+ one\n+ two\n+ three\n+ four\n```\n';
    expect(splitMarkdown(body, 30)).toEqual([
      '```diff\n+ one\n+ two\n```\n',
      '```diff\n+ three\n+ four\n```\n',
    ]);
  });

  it('keeps a longer or tilde fence as written', () => {
    const body = '````text\n```\nx\n```\n````\n';
    expect(splitMarkdown(body, 20)).toEqual(['````text\n```\nx\n````\n', '````text\n```\n````\n']);
    expect(splitMarkdown('~~~\naaaa\nbbbb\n~~~\n', 15)).toEqual(['~~~\naaaa\n~~~\n', '~~~\nbbbb\n~~~\n']);
  });

  it('closes and re-opens <details>, marking the summary as continued', () => {
    const body =
      '<details><summary>Show plan</summary>\n\n```diff\n+ a\n+ b\n+ c\n+ d\n+ e\n+ f\n```\n\n</details>\n';
    const parts = splitMarkdown(body, 80);
    expect(parts.slice(0, 2)).toEqual([
      '<details><summary>Show plan</summary>\n\n```diff\n+ a\n+ b\n+ c\n+ d\n```\n\n</details>\n',
      '<details><summary>Show plan (continued)</summary>\n\n```diff\n+ e\n```\n\n</details>\n',
    ]);
    expect(parts).toHaveLength(3);
  });

  it('uses a part to its end when the closing lines fit', () => {
    const body = '<details><summary>Show plan</summary>\n\n```diff\n+ a\n+ b\n+ c\n```\n\n</details>\n';
    expect(splitMarkdown(body, body.length)).toEqual([body]);
  });

  it('cuts a line longer than a part, keeping its fence', () => {
    expect(splitMarkdown(`\`\`\`\n${'x'.repeat(25)}\n\`\`\`\n`, 16)).toEqual([
      '```\nxxxxxxx\n```\n',
      '```\nxxxxxxx\n```\n',
      '```\nxxxxxxx\n```\n',
      '```\nxxxx\n```\n',
    ]);
    expect(splitMarkdown('y'.repeat(10), 4)).toEqual(['yyyy', 'yyyy', 'yy']);
  });

  it('does not cut an emoji in half', () => {
    expect(splitMarkdown('ab😀😀', 3)).toEqual(['ab', '😀', '😀']);
  });

  it('refuses a maxLength too small to re-open blocks', () => {
    expect(() =>
      splitMarkdown('<details><summary>A long summary</summary>\n\n```\nx\ny\n```\n</details>\n', 60),
    ).toThrow(RangeError);
  });
});

/** A small deterministic PRNG, so a failing case can be reproduced from its seed. */
function random(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]) => items[int(items.length)] as T;
  return { int, pick };
}

function randomMarkdown(seed: number): string {
  const r = random(seed);
  const words = [
    'plan',
    'aws_s3_bucket.logs',
    '`code`',
    '😀',
    'ü',
    '<b>',
    '@x',
    '+',
    '-/+',
    '~',
    '#',
    '```',
    '~~~~',
  ];
  const line = (max: number) => `w ${Array.from({ length: r.int(max) }, () => r.pick(words)).join(' ')}`;
  const codeLines = (n: number) =>
    Array.from({ length: n }, () => `${r.pick(['+ ', '! ', '- ', '  ', ''])}${line(12)}`);
  const fence = () => {
    const f = r.pick(['```', '````', '~~~', '`````']);
    // Content may hold shorter runs of the fence character, never a line that would close it.
    const body = codeLines(r.int(40)).filter(
      (l) => !new RegExp(`^ {0,3}${f[0] === '`' ? '`' : '~'}{${f.length},}\\s*$`).test(l),
    );
    return [`${f}${r.pick(['diff', 'text', ''])}`, ...body, f];
  };
  const blocks: string[] = [];
  for (let i = r.int(30); i >= 0; i--) {
    switch (r.int(6)) {
      case 0:
        blocks.push(`### section ${i}`, '');
        break;
      case 1:
        blocks.push(line(30), line(30), '');
        break;
      case 2:
        blocks.push(...fence(), '');
        break;
      case 3:
        blocks.push(
          `<details><summary>Show ${r.pick(['plan', 'output'])}</summary>`,
          '',
          ...fence(),
          '',
          '</details>',
          '',
        );
        break;
      case 4:
        blocks.push('x'.repeat(r.int(3000)), '');
        break;
      default:
        blocks.push(
          `<details open><summary>outer</summary>`,
          '',
          line(5),
          '<details><summary>inner</summary>',
          '',
          ...fence(),
          '</details>',
          '</details>',
          '',
        );
    }
  }
  return `${blocks.join('\n')}${r.int(2) ? '\n' : ''}`;
}

/** An independent check that a part opens and closes its fences and <details> in balance. */
function balanced(part: string): boolean {
  let fence: string | undefined;
  let details = 0;
  for (const line of part.split('\n')) {
    if (fence) {
      const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line)?.[1];
      if (close && close[0] === fence[0] && close.length >= fence.length) fence = undefined;
      continue;
    }
    const open = /^ {0,3}(`{3,}|~{3,})([^`]*)$/.exec(line)?.[1];
    if (open) {
      fence = open;
      continue;
    }
    details += (line.match(/<details\b/g) ?? []).length - (line.match(/<\/details>/g) ?? []).length;
    if (details < 0) return false;
  }
  return fence === undefined && details === 0;
}

describe('splitMarkdown on random input', () => {
  const seeds = Array.from({ length: 300 }, (_, i) => i + 1);
  it.each(seeds)('seed %d: parts fit, stay balanced, and keep every character', (seed) => {
    const body = randomMarkdown(seed);
    const maxLength = 200 + random(seed * 7).int(4000);
    const parts = splitMarkdownParts(body, maxLength);
    expect(parts.map((p) => p.content).join('')).toBe(body);
    for (const part of parts) {
      const text = part.prefix + part.content + part.suffix;
      expect(text.length).toBeLessThanOrEqual(maxLength);
      expect(part.content.length).toBeGreaterThan(0);
      expect(balanced(text), text).toBe(true);
      expect(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text)).toBe(false);
    }
    expect(balanced(body)).toBe(true);
  });
});
