/**
 * Building blocks for the fake GitLab's request and response schemas. GitLab publishes only a partial
 * OpenAPI description, so each resource's schemas are written from its REST API page
 * (https://docs.gitlab.com/api/rest/) and cite it. Requests are strict: a parameter or field the page
 * does not document is a violation, though real GitLab would ignore it.
 */
import { z } from 'zod';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** One documented endpoint: where it lives, what it accepts, what it answers on success. */
export interface OperationSpec<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
> {
  id: string;
  method: Method;
  /** Under /api/v4, with `:name` segments. */
  path: string;
  /** The documentation the schemas were written from. */
  doc: string;
  params: P;
  query: Q;
  /** undefined: the endpoint takes no body (GET). */
  body?: B;
  /** The success answer; for paginated lists, the whole list before it is cut into pages. */
  response: R;
  /** Status of a success. */
  status: number;
  paginated?: boolean;
}

export const defineOperation = <
  P extends z.ZodType,
  Q extends z.ZodType,
  B extends z.ZodType,
  R extends z.ZodType,
>(
  spec: OperationSpec<P, Q, B, R>,
) => spec;

/** Path and query values arrive as text. */
const digits = z.string().regex(/^\d+$/, 'must be an integer');
export const IntParam = digits.transform(Number).pipe(z.number().int().positive());
export const BoolParam = z.enum(['true', 'false']).transform((v) => v === 'true');

/** `:id`: "The ID or URL-encoded path of the project" (https://docs.gitlab.com/api/rest/#namespaced-paths). */
export const ProjectIdParam = z
  .string()
  .regex(/^(\d+|[\w.-]+(\/[\w.-]+)+)$/, 'must be a project ID or URL-encoded full path');

export const ShaParam = z.string().regex(/^[0-9a-f]{40}$/, 'must be a full commit SHA');

/** https://docs.gitlab.com/api/rest/#offset-based-pagination */
export const PageQuery = {
  page: IntParam.optional(),
  per_page: IntParam.optional(),
};

export const NoQuery = z.strictObject({});
/** gitbeaker sends `{}` with every DELETE; nothing else is accepted. */
export const EmptyBody = z.strictObject({});

export const Timestamp = z.iso.datetime({ offset: true });
export const Sha = z.string().regex(/^[0-9a-f]{40}$/);

/** The user object embedded in merge requests, approvals, award emoji and user lists. */
export const UserBasic = z.strictObject({
  id: z.number().int(),
  username: z.string(),
  name: z.string(),
  state: z.enum(['active', 'blocked', 'deactivated']),
  locked: z.boolean(),
  avatar_url: z.string().nullable(),
  web_url: z.string(),
});
