/**
 * Emoji reactions on a merge request's comment: add one.
 * Source: https://docs.gitlab.com/api/emoji_reactions/#add-a-new-emoji-reaction-to-a-comment
 * (written for issues; "replace `issue_iid` with `merge_request_iid`" for merge requests).
 */
import { z } from 'zod';
import { defineOperation, IntParam, ProjectIdParam, Timestamp, UserBasic } from './common.js';

export const AwardEmoji = z.strictObject({
  id: z.number().int(),
  name: z.string(),
  user: UserBasic,
  created_at: Timestamp,
  updated_at: Timestamp,
  awardable_id: z.number().int(),
  awardable_type: z.literal('Note'),
});

export const awardNoteEmoji = defineOperation({
  id: 'award_emoji/note-create',
  method: 'POST',
  path: '/projects/:id/merge_requests/:merge_request_iid/notes/:note_id/award_emoji',
  doc: 'https://docs.gitlab.com/api/emoji_reactions/#add-a-new-emoji-reaction-to-a-comment',
  params: z.strictObject({ id: ProjectIdParam, merge_request_iid: IntParam, note_id: IntParam }),
  query: z.strictObject({}),
  // "Name of the emoji without colons."
  body: z.strictObject({ name: z.string().regex(/^[a-z0-9_+-]+$/, 'must be an emoji name without colons') }),
  response: AwardEmoji,
  status: 201,
});
