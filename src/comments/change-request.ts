import type { ChangeRequestWords } from '../forge/types.js';

/** A reference to a pull request by number, as the forge links it: "#3" on one forge, "!3" on another. */
export function changeRef(words: ChangeRequestWords, number: number): string {
  return `${words.prefix}${number}`;
}

/** The forge's noun at the start of a sentence, e.g. "Merge request". */
export function changeNounCapitalised(words: ChangeRequestWords): string {
  return words.noun.charAt(0).toUpperCase() + words.noun.slice(1);
}

/**
 * The words for output that has no forge behind it (a local plan, a parse that only asks whether a comment is
 * a command): the generic term, which most forges use.
 */
export const GENERIC_CHANGE_REQUEST: ChangeRequestWords = { noun: 'pull request', short: 'PR', prefix: '#' };
