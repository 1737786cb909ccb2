/**
 * Merge request notes (comments): list, create, modify, delete.
 * Source: https://docs.gitlab.com/api/notes/#merge-requests
 */
import { z } from 'zod';
import { defineOperation, EmptyBody, IntParam, PageQuery, ProjectIdParam, Timestamp } from './common.js';

/** "The content of a note. Limited to 1,000,000 characters." */
export const MAX_NOTE_LENGTH = 1_000_000;

const MrParams = z.strictObject({ id: ProjectIdParam, merge_request_iid: IntParam });
const NoteParams = MrParams.extend({ note_id: IntParam });

/** The note author as the notes page shows it. */
const NoteAuthor = z.strictObject({
  id: z.number().int(),
  username: z.string(),
  email: z.string(),
  name: z.string(),
  state: z.enum(['active', 'blocked', 'deactivated']),
  created_at: Timestamp,
});

/** "Get single merge request note" → example response. */
export const Note = z.strictObject({
  id: z.number().int(),
  body: z.string(),
  attachment: z.null(),
  author: NoteAuthor,
  created_at: Timestamp,
  updated_at: Timestamp,
  system: z.boolean(),
  noteable_id: z.number().int(),
  noteable_type: z.literal('MergeRequest'),
  project_id: z.number().int(),
  noteable_iid: z.number().int(),
  resolvable: z.boolean(),
  confidential: z.boolean(),
  internal: z.boolean(),
  imported: z.boolean(),
  imported_from: z.string(),
});

export const listNotes = defineOperation({
  id: 'notes/list',
  method: 'GET',
  path: '/projects/:id/merge_requests/:merge_request_iid/notes',
  doc: 'https://docs.gitlab.com/api/notes/#list-all-merge-request-notes',
  params: MrParams,
  query: z.strictObject({
    ...PageQuery,
    sort: z.enum(['asc', 'desc']).optional(),
    order_by: z.enum(['created_at', 'updated_at']).optional(),
  }),
  response: z.array(Note),
  status: 200,
  paginated: true,
});

export const createNote = defineOperation({
  id: 'notes/create',
  method: 'POST',
  path: '/projects/:id/merge_requests/:merge_request_iid/notes',
  doc: 'https://docs.gitlab.com/api/notes/#create-new-merge-request-note',
  params: MrParams,
  query: z.strictObject({}),
  body: z.strictObject({
    body: z.string().min(1),
    created_at: Timestamp.optional(),
    merge_request_diff_head_sha: z.string().optional(),
    internal: z.boolean().optional(),
  }),
  response: Note,
  status: 201,
});

export const editNote = defineOperation({
  id: 'notes/edit',
  method: 'PUT',
  path: '/projects/:id/merge_requests/:merge_request_iid/notes/:note_id',
  doc: 'https://docs.gitlab.com/api/notes/#modify-existing-merge-request-note',
  params: NoteParams,
  query: z.strictObject({}),
  body: z.strictObject({ body: z.string().min(1), confidential: z.boolean().optional() }),
  response: Note,
  status: 200,
});

export const deleteNote = defineOperation({
  id: 'notes/delete',
  method: 'DELETE',
  path: '/projects/:id/merge_requests/:merge_request_iid/notes/:note_id',
  doc: 'https://docs.gitlab.com/api/notes/#delete-a-merge-request-note',
  params: NoteParams,
  query: z.strictObject({}),
  body: EmptyBody,
  response: z.undefined(),
  status: 204,
});
