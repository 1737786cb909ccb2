import { describe, expect, it } from 'vitest';
import {
  codeSpan,
  escapeText,
  fenceFor,
  messageMarkdown,
  stripAnsi,
} from '../../../src/comments/markdown.js';

describe('escapeText', () => {
  it.each([
    ['plain words', 'plain words'],
    ['<details><summary>x</summary>', '&lt;details&gt;&lt;summary&gt;x&lt;/summary&gt;'],
    ['ping @octocat and @org/team', 'ping @&#8203;octocat and @&#8203;org/team'],
    ['see #12 and a#b', 'see #&#8203;12 and a#b'],
    ['[link](https://evil)', '\\[link\\](https://evil)'],
    ['**bold** _it_ ~~s~~ `code` a|b', '\\*\\*bold\\*\\* \\_it\\_ \\~\\~s\\~\\~ \\`code\\` a\\|b'],
    ['# heading', '\\# heading'],
    ['- item', '\\- item'],
    ['  + item', '  \\+ item'],
    ['1. item', '1\\. item'],
    ['> quote', '&gt; quote'],
    ['a & b', 'a &amp; b'],
    ['back\\slash', 'back\\\\slash'],
    ['two\n# lines', 'two\n\\# lines'],
  ])('%j → %j', (input, expected) => {
    expect(escapeText(input)).toBe(expected);
  });
});

describe('codeSpan', () => {
  it.each([
    ['aws_s3_bucket.logs', '`aws_s3_bucket.logs`'],
    ['a`b', '``a`b``'],
    ['``x', '``` ``x ```'],
    ['a\nb', '`a b`'],
    ['<details>', '`<details>`'],
  ])('%j → %j', (input, expected) => {
    expect(codeSpan(input)).toBe(expected);
  });
});

describe('messageMarkdown', () => {
  it.each([
    ['Unknown key `projcts`. Did you mean `projects`?', 'Unknown key `projcts`. Did you mean `projects`?'],
    ['`<b>` is <b>bold</b>', '`<b>` is &lt;b&gt;bold&lt;/b&gt;'],
    ['- `x` @you', '\\- `x` @&#8203;you'],
    ['odd ` tick', 'odd \\` tick'],
  ])('%j → %j', (input, expected) => {
    expect(messageMarkdown(input)).toBe(expected);
  });
});

describe('fenceFor', () => {
  it.each([
    ['no ticks', '```'],
    ['a ``` fence', '````'],
    ['`````', '``````'],
  ])('%j → %j', (input, expected) => {
    expect(fenceFor(input)).toBe(expected);
  });
});

it('stripAnsi removes colour codes', () => {
  expect(stripAnsi('\u001b[1m\u001b[31mError:\u001b[0m bad')).toBe('Error: bad');
  // An OSC 8 hyperlink, as newer tools print around addresses and URLs.
  expect(stripAnsi('see \u001b]8;;https://x.test\u0007docs\u001b]8;;\u0007.')).toBe('see docs.');
});
