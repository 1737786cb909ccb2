/** A comment (GitHub) or note (GitLab) as a test reads it from a fake. */
export interface CommentView {
  id: number;
  body: string;
  user: string;
  created_at: string;
  updated_at: string;
}
